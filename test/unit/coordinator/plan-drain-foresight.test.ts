import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import type { NodeDrainForesight } from '../../../coordinator/plan/drain-foresight-plan.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { SOLO_BLOCKER as SOLO } from './fakes/drain-blockers.js';
import { testConfigYaml, THREE_NODES, TARGET } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';

describe('noderoll plan: drain foresight', function () {
  this.timeout(20_000);
  let dir = '';
  let config = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-plan-'));
    config = join(dir, 'config.yaml');
    await writeFile(config, testConfigYaml(dir, THREE_NODES));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists each node and what would stop its drain, exits 3 when a blocker exists, and cordons nothing', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    world.foreseenBlockers.set('node-2', [SOLO]);
    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET], io.env)).to.equal(ExitCode.notHealthy);
    const out = io.out();
    expect(out).to.contain('Drain foresight (pods that would stop each drain now; nothing is cordoned while one is known):\n  ✓ node-1\n  ✓ node-3\n  ✗ node-2\n');
    expect(out).to.contain(`      ✗ shop/solo-7d9f: ${SOLO.why}\n`);
    expect(out).to.contain('1 pod(s) block the drain of node-2: update would wait up to timeouts.gatesBeforeNode at it, then halt before cordoning it (drain.onBlocked: wait).');
    expect(out).to.contain('Preflight passed, but a drain is blocked (see above). Nothing was changed.');
    expect(world.foresightChecks).to.deep.equal(['node-1', 'node-3', 'node-2']);
    expect([...world.nodes.values()].every((n) => !n.cordoned && n.calls.drain === 0)).to.equal(true);
  });

  it('-o json carries the blockers per node; exit 0 once none is left', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    world.foreseenBlockers.set('node-3', [SOLO]);
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET, '-o', 'json'], io.env)).to.equal(ExitCode.notHealthy);
    const doc = JSON.parse(io.out().trim()) as { type: string; passed: boolean; drainForesight: NodeDrainForesight[] };
    expect(doc.type).to.equal('plan');
    expect(doc.passed, 'the preflight itself passed').to.equal(true);
    expect(doc.drainForesight).to.deep.equal([
      { node: 'node-1', blockers: [] },
      { node: 'node-3', blockers: [SOLO] },
      { node: 'node-2', blockers: [] },
    ]);

    world.foreseenBlockers.clear();
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET], io.env)).to.equal(ExitCode.ok);
    expect(io.out()).to.contain('  ✓ node-2\n').and.contain('Preflight passed. Nothing was changed.');
  });

  it('a node whose check cannot run is named with the error, and plan exits 3', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    world.cluster.foreseeDrainBlockers = async (node) => {
      if (node === 'node-3') throw new Error('kubectl get pods: connection refused');
      return [];
    };
    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET], io.env)).to.equal(ExitCode.notHealthy);
    expect(io.out()).to.contain('  ✗ node-3: cannot check: kubectl get pods: connection refused\n');
  });
});
