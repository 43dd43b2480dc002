import { expect } from 'chai';
import { PrometheusAlertsGate } from '../../../coordinator/gates/alerts-gate.js';
import { makeHarness, TARGET, type Harness } from './fakes/engine-harness.js';
import { alert, FakePrometheus } from './fakes/fake-prometheus.js';

/**
 * The alerts gate is an ordinary gate: the engine (fake cluster, fake clock) runs it before each node
 * and on every soak pass, against a local HTTP server answering /api/v1/alerts.
 */
describe('coordinator engine with the alerts gate (fake cluster and clock, real HTTP)', function () {
  this.timeout(30_000);
  let h: Harness;
  let prom: FakePrometheus;
  beforeEach(async () => {
    prom = new FakePrometheus();
    await prom.start();
    h = await makeHarness();
    h.gates.push(new PrometheusAlertsGate({ url: prom.url, filter: /severity="critical"/, ignore: [], firingOnly: true, timeoutMs: 5000 }));
  });
  afterEach(async () => {
    await h?.close();
    await prom?.stop();
  });

  const FIRING = alert({ alertname: 'EtcdHighFsyncDurations', severity: 'critical', instance: 'node-1:2379' }, 'firing');
  const gateReports = (purpose: string) => h.events.filter((e) => e.type === 'gate-report' && e.purpose === purpose);

  it('an alert that fires during the soak after a node holds the next node back until it resolves', async () => {
    // Firing from node-1's uncordon until its soak has seen it three times.
    prom.alerts = () => {
      const uncordoned = h.events.some((e) => e.type === 'step-completed' && e.node === 'node-1' && e.step === 'uncordonNode');
      return uncordoned && gateReports('after node node-1').length < 3 ? [FIRING] : [];
    };
    expect(await h.run()).to.equal('completed');
    const soak = gateReports('after node node-1');
    expect(soak.map((r) => r.type === 'gate-report' && r.passed)).to.deep.equal([false, false, false, true, true, true]);
    const failed = soak[0]!.type === 'gate-report' ? soak[0]!.results.find((r) => r.gate === 'alerts')! : undefined;
    expect(failed?.problems).to.deep.equal(['EtcdHighFsyncDurations{instance="node-1:2379",severity="critical"} firing since 2026-12-02T00:58:03.123456789Z']);
    const lastFailure = h.events.indexOf(soak[2]!);
    const nextStarted = h.events.findIndex((e) => e.type === 'node-started' && e.node !== 'node-1');
    expect(nextStarted).to.be.greaterThan(lastFailure);
    expect(h.world.node('node-2').version).to.equal(TARGET);
  });

  it('an alert that keeps firing before a node halts the operation there after timeouts.gatesBeforeNode, naming it; the node is untouched', async () => {
    prom.alerts = [FIRING, alert({ alertname: 'Watchdog', severity: 'none' }, 'firing')];
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.node).to.equal('node-1');
    expect(saved.halt?.reason).to.match(/^gates did not pass before node node-1 within 60s: alerts: EtcdHighFsyncDurations\{instance="node-1:2379",severity="critical"\} firing/);
    expect(h.world.node('node-1').calls.drain).to.equal(0);
    expect(h.world.node('node-1').cordoned).to.equal(false);
  });
});
