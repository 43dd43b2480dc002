import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { CoordinatorMetrics, serveCoordinatorMetrics } from '../../../coordinator/metrics/coordinator-metrics.js';
import { silentLogger } from '../../../shared/log/logger.js';
import { expectPromtoolCleanMetrics } from '../../monitoring/promtool-check.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';
import { makeHarness, TARGET, testConfigYaml, THREE_NODES, type Harness } from './fakes/engine-harness.js';

/** The coordinator's own /metrics (--metrics-address), fed by the engine's events. */

describe('coordinator metrics (--metrics-address)', function () {
  this.timeout(20_000);
  let h: Harness | undefined;
  let dir = '';
  afterEach(async () => {
    await h?.close();
    h = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows nodes done/remaining, the current step and step durations, served over HTTP and promtool-clean', async () => {
    h = await makeHarness();
    expect(await h.run()).to.equal('completed');
    const metrics = new CoordinatorMetrics(h.record);
    const server = await serveCoordinatorMetrics(metrics, '127.0.0.1:0', silentLogger);
    try {
      const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      let text = await scrape();
      // the record is the completed one: counted from the record on start
      expect(text).to.match(/^noderoll_coordinator_nodes_done 3$/m);

      const fresh = new CoordinatorMetrics({ ...h.record, nodes: h.record.nodes.map((n) => ({ ...n, status: 'pending' as const })) });
      const firstNodeDone = h.events.findIndex((e) => e.type === 'node-completed');
      for (const e of h.events.slice(0, firstNodeDone + 1)) fresh.observe(e);
      const drainOfNextNode = h.events.findIndex((e, i) => i > firstNodeDone && e.type === 'step-started' && e.step === 'drainNode');
      for (const e of h.events.slice(firstNodeDone + 1, drainOfNextNode + 1)) fresh.observe(e);
      text = await fresh.registry.metrics();
      expect(text).to.match(/^noderoll_coordinator_nodes_done 1$/m);
      expect(text).to.match(/^noderoll_coordinator_nodes_remaining 2$/m);
      expect(text).to.match(/^noderoll_coordinator_current_step\{node="node-3",step="drainNode"\} 1$/m);
      expect(text.match(/^noderoll_coordinator_current_step\{/gm)).to.have.length(1);
      expect(text).to.match(/^noderoll_coordinator_step_duration_seconds_count\{step="rebootNode",result="completed"\} 1$/m);
      expect(text).to.match(/^noderoll_coordinator_operation_state\{state="running"\} 1$/m);
      expect(text).to.match(new RegExp(`^noderoll_coordinator_operation_info\\{operation_id="${h.record.id}",target_version="${TARGET}"\\} 1$`, 'm'));
      for (const e of h.events.slice(drainOfNextNode + 1)) fresh.observe(e);
      text = await fresh.registry.metrics();
      expect(text).to.match(/^noderoll_coordinator_nodes_remaining 0$/m);
      expect(text).to.match(/^noderoll_coordinator_operation_state\{state="completed"\} 1$/m);
      expect(text).to.not.match(/^noderoll_coordinator_current_step\{/m);
      await expectPromtoolCleanMetrics(text);
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).to.equal(404);
    } finally {
      await server.close();
    }
  });

  it('with several nodes in flight: one current_step series per node and the nodes_in_flight gauge', async () => {
    h = await makeHarness({
      nodes: [
        { name: 'm1', role: 'master' },
        { name: 'w1', role: 'node' },
        { name: 'w2', role: 'node' },
      ],
      configExtra: 'pools:\n  - { name: masters, selector: "gravitational.io/k8s-role=master" }\n  - { name: workers, selector: "gravitational.io/k8s-role=node", maxUnavailable: 2 }',
    });
    expect(await h.run()).to.equal('completed');
    const fresh = new CoordinatorMetrics({ ...h.record, nodes: h.record.nodes.map((n) => ({ ...n, status: 'pending' as const })) });
    let most = 0;
    let bothStepsShown = false;
    for (const e of h.events) {
      fresh.observe(e);
      const text = await fresh.registry.metrics();
      most = Math.max(most, Number(/^noderoll_coordinator_nodes_in_flight (\d+)$/m.exec(text)?.[1] ?? 0));
      if (/current_step\{node="w1"/.test(text) && /current_step\{node="w2"/.test(text)) bothStepsShown = true;
    }
    expect(most, 'both workers in flight at once').to.equal(2);
    expect(bothStepsShown, 'the step of each worker in flight').to.equal(true);
    const text = await fresh.registry.metrics();
    expect(text).to.match(/^noderoll_coordinator_nodes_in_flight 0$/m);
    expect(text).to.not.match(/^noderoll_coordinator_current_step\{/m);
    await expectPromtoolCleanMetrics(text);
  });

  it('noderoll update --metrics-address: refuses a bad address before anything runs; with a good one the run serves and announces its /metrics', async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-metrics-'));
    const config = join(dir, 'config.yaml');
    await writeFile(config, testConfigYaml(dir, THREE_NODES));
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes', '--metrics-address', 'localhost'], io.env)).to.equal(ExitCode.usage);
    expect(io.err()).to.match(/--metrics-address: "localhost" must be host:port/);
    expect(world.node('node-1').calls.drain).to.equal(0);
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes', '--metrics-address', '127.0.0.1:0'], io.env)).to.equal(ExitCode.ok);
    expect(io.out()).to.match(/metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
  });
});
