import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import type { OperationRecord } from '../../../coordinator/state/operation-record.js';
import { testConfigYaml, THREE_NODES, TARGET } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';
import { fakeCliEnv } from './fakes/cli-env.js';

describe('noderoll rollback NODE (CLI over the fake cluster)', function () {
  this.timeout(20_000);
  let dir = '';
  let config = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-rollback-cli-'));
    config = join(dir, 'config.yaml');
    await writeFile(config, testConfigYaml(dir, THREE_NODES));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const state = async (): Promise<OperationRecord> => JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as OperationRecord;

  it('rolls the halted node back to its recorded version by hand; resume then updates it from the start', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    world.brokenVersions.add(TARGET);
    const n1 = world.node('node-1');
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], fakeCliEnv(world.clock, world).env)).to.equal(ExitCode.halted);
    expect(n1.version).to.equal(TARGET);
    expect(n1.cordoned, 'onFailure halt: left cordoned on the broken version').to.equal(true);

    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['rollback', 'node-1', '--config', config, '--yes'], io.env), io.err()).to.equal(ExitCode.ok);
    expect(n1.version).to.equal('7.0.67');
    expect(n1.cordoned).to.equal(false);
    expect(world.kubeletReady(n1)).to.equal(true);
    expect(io.out()).to.contain('node node-1 was rolled back by hand to gravity-planet 7.0.67 (healthy and uncordoned)');
    expect(io.out()).to.contain('noderoll resume');
    const record = await state();
    expect(record.status).to.equal('interrupted');
    expect(record.nodes[0]!.rollbacks?.map((r) => [r.trigger, r.status])).to.deep.equal([['manual', 'completed']]);

    world.brokenVersions.delete(TARGET);
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['resume', '--config', config, '--yes'], io.env), io.err()).to.equal(ExitCode.ok);
    expect([...world.nodes.values()].map((n) => n.version)).to.deep.equal([TARGET, TARGET, TARGET]);
  });

  it('finishes a rollback by hand that an earlier `noderoll rollback` left running, rather than beginning a second one', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    world.brokenVersions.add(TARGET);
    const n1 = world.node('node-1');
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], fakeCliEnv(world.clock, world).env)).to.equal(ExitCode.halted);
    // The earlier `noderoll rollback node-1` was killed right after it recorded its start.
    const halted = await state();
    halted.nodes[0]!.rollbacks = [{ trigger: 'manual', reason: 'noderoll rollback node-1', toVersion: '7.0.67', startedAt: new Date(world.clock.now()).toISOString(), status: 'running', notes: [] }];
    await writeFile(join(dir, 'state.json'), JSON.stringify(halted));

    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['rollback', 'node-1', '--config', config, '--yes'], io.env), io.err()).to.equal(ExitCode.ok);
    expect(n1.version).to.equal('7.0.67');
    expect(n1.cordoned).to.equal(false);
    const record = await state();
    expect(record.nodes[0]!.rollbacks?.map((r) => [r.trigger, r.status])).to.deep.equal([['manual', 'completed']]);
    expect([...n1.ops.keys()].filter((id) => id.includes('.rollback-2.')), 'no second rollback').to.deep.equal([]);
  });

  it('refuses a node that is not part of the operation, or one without a rollback point, changing nothing (exit 5)', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    world.brokenVersions.add(TARGET);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], fakeCliEnv(world.clock, world).env)).to.equal(ExitCode.halted);
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['rollback', 'node-9', '--config', config, '--yes'], io.env)).to.equal(ExitCode.conflict);
    expect(io.err()).to.match(/node node-9 is not part of operation nr-.* \(its nodes: node-1, node-3, node-2\)/);
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['rollback', 'node-2', '--config', config, '--yes'], io.env)).to.equal(ExitCode.conflict);
    expect(io.err()).to.match(/no rollback point is recorded for node node-2/);
    expect(world.node('node-2').calls.install + world.node('node-1').calls.install).to.equal(1);
  });

  it('refuses a bad node name before anything runs (exit 2)', async () => {
    const io = fakeCliEnv(new FakeClock(), undefined);
    expect(await runCli(['rollback', 'node-1;reboot', '--config', config], io.env)).to.equal(ExitCode.usage);
    expect(io.err()).to.match(/NODE: "node-1;reboot" is not a Kubernetes node name/);
    expect(io.servicesMade).to.equal(0);
  });
});
