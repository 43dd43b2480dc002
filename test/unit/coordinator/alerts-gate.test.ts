import { expect } from 'chai';
import { alertIdentity, PrometheusAlertsGate, type AlertsGateOptions } from '../../../coordinator/gates/alerts-gate.js';
import { alert, FakePrometheus } from './fakes/fake-prometheus.js';

describe('coordinator gate alerts: a real HTTP exchange with a Prometheus-shaped /api/v1/alerts', () => {
  let prom: FakePrometheus;
  beforeEach(async () => {
    prom = new FakePrometheus();
    await prom.start();
  });
  afterEach(async () => prom.stop());

  const gate = (o: Partial<AlertsGateOptions> = {}): PrometheusAlertsGate => new PrometheusAlertsGate({ url: prom.url, ignore: [], firingOnly: true, timeoutMs: 5000, ...o });

  it('passes when no alert is active, asking /api/v1/alerts', async () => {
    const v = await gate().check();
    expect(v.passed).to.equal(true);
    expect(v.summary).to.match(/no matching alert firing \(0 active/);
    expect(prom.paths).to.deep.equal(['/api/v1/alerts']);
  });

  it('fails on a firing alert, naming the alert, its labels and its state', async () => {
    prom.alerts = [alert({ alertname: 'NodeDiskFull', instance: '10.0.0.2:9100', severity: 'critical' }, 'firing', 'disk 98% full')];
    const v = await gate().check();
    expect(v.passed).to.equal(false);
    expect(v.problems).to.deep.equal(['NodeDiskFull{instance="10.0.0.2:9100",severity="critical"} firing since 2026-12-02T00:58:03.123456789Z: disk 98% full']);
  });

  it('pending alerts block only with firingOnly: false', async () => {
    prom.alerts = [alert({ alertname: 'EtcdSlow' }, 'pending')];
    expect((await gate().check()).passed).to.equal(true);
    const v = await gate({ firingOnly: false }).check();
    expect(v.passed).to.equal(false);
    expect(v.problems[0]).to.match(/^EtcdSlow pending/);
  });

  it('filter selects by name or label, ignore drops (an always-firing Watchdog)', async () => {
    prom.alerts = [
      alert({ alertname: 'Watchdog', severity: 'none' }, 'firing'),
      alert({ alertname: 'KubePodCrashLooping', severity: 'warning', namespace: 'web' }, 'firing'),
      alert({ alertname: 'KubeNodeNotReady', severity: 'critical', node: 'n3' }, 'firing'),
    ];
    expect((await gate({ filter: /severity="critical"/ }).check()).problems).to.deep.equal(['KubeNodeNotReady{node="n3",severity="critical"} firing since 2026-12-02T00:58:03.123456789Z']);
    expect((await gate({ filter: /^Kube/ }).check()).problems).to.have.length(2);
    const ignoring = await gate({ ignore: [/^Watchdog\b/, /namespace="web"/] }).check();
    expect(ignoring.problems.map((p) => p.split(' ')[0])).to.deep.equal(['KubeNodeNotReady{node="n3",severity="critical"}']);
    expect(alertIdentity({ labels: { b: '2', alertname: 'X', a: '1' } })).to.equal('X{a="1",b="2"}');
  });

  it('a path prefix in the URL is kept (Prometheus behind /prometheus)', async () => {
    expect((await gate({ url: `${prom.url}/prometheus/` }).check()).passed).to.equal(true);
    expect(prom.paths).to.deep.equal(['/prometheus/api/v1/alerts']);
  });

  it('an unreachable Prometheus fails the gate and says so', async () => {
    const url = prom.url;
    await prom.stop();
    const v = await gate({ url }).check();
    expect(v.passed).to.equal(false);
    expect(v.problems[0]).to.match(/^Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/alerts could not be asked for its alerts, so the cluster cannot be known to be quiet: fetch failed \(ECONNREFUSED\)/);
  });

  it('a Prometheus that does not answer within the timeout fails the gate naming the setting', async () => {
    prom.hang = true;
    const v = await gate({ timeoutMs: 300 }).check();
    expect(v.passed).to.equal(false);
    expect(v.problems[0]).to.match(/no answer within 300 ms \(gates\.alerts\.timeout\)/);
  });

  it('an error answer or a body that is not the alerts JSON fails the gate with what came back', async () => {
    prom.status = 503;
    expect((await gate().check()).problems[0]).to.match(/answered HTTP 503: .*rule manager not ready/);
    prom.status = 200;
    expect((await gate({ url: `${prom.url}/elsewhere` }).check()).problems[0]).to.match(/answered HTTP 404/);
    prom.alerts = [{ state: 'firing' }];
    expect((await gate().check()).problems[0]).to.match(/data\.alerts\[0\] has no labels or state/);
  });

  it('a stop request aborts the check instead of failing the gate', async () => {
    prom.hang = true;
    const stop = new AbortController();
    const pending = gate().check(stop.signal);
    stop.abort(new Error('stop requested'));
    let thrown: unknown;
    await pending.catch((err: unknown) => (thrown = err));
    expect(thrown).to.be.instanceOf(Error);
  });
});
