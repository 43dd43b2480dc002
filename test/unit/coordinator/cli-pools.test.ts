import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import type { NodeRole } from '../../../coordinator/ports/cluster.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { testConfigYaml, TARGET } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';

const NODES: { name: string; role: NodeRole }[] = [
  { name: 'node-1', role: 'master' },
  { name: 'node-2', role: 'master' },
  { name: 'node-4', role: 'node' },
  { name: 'node-5', role: 'node' },
];

const POOLS = `pools:
  - { name: control-plane, selector: "gravitational.io/k8s-role=master", maxUnavailable: "100%" }
  - { name: workers, selector: "gravitational.io/k8s-role=node", maxUnavailable: 2 }`;

describe('noderoll CLI with pools and a canary', function () {
  this.timeout(20_000);
  let dir = '';
  let config = '';
  const write = async (extra: string): Promise<void> => writeFile(config, testConfigYaml(dir, NODES, extra));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-cli-pools-'));
    config = join(dir, 'config.yaml');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plan shows each pool with its budget, the masters override and the canary', async () => {
    await write(`${POOLS}\ncanary: { nodes: 1, soak: 5m, confirm: true, scope: pool }`);
    const world = new FakeWorld(new FakeClock(), NODES);
    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET], io.env), io.err()).to.equal(ExitCode.ok);
    const out = io.out();
    expect(out).to.contain('pool by pool');
    expect(out).to.contain('pool control-plane: 2 node(s), up to 1 at once (maxUnavailable 100%); configured 100%, but masters (etcd members) go one at a time');
    expect(out).to.contain('pool workers: 2 node(s), up to 2 at once');
    expect(out).to.contain('canary: the first 1 node(s) of each pool alone, then the gates over 300s, then a stop for `noderoll resume --confirm`');
    expect(out).to.match(/node-4\s+node\s+workers/);
  });

  it('a node no pool matches is a plan error naming the node and the field, nothing changed', async () => {
    await write('pools:\n  - { name: masters, selector: "gravitational.io/k8s-role=master" }');
    const world = new FakeWorld(new FakeClock(), NODES);
    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.usage);
    expect(io.err()).to.match(/pools: node node-4 matches no pool's selector/);
    expect([...world.nodes.values()].every((n) => n.calls.drain === 0)).to.equal(true);
  });

  it('canary with confirm: update exits 4 waiting for confirmation, status says so, resume without --confirm waits again, resume --confirm completes; --confirm is refused when nothing waits for it', async () => {
    await write(`${POOLS}\ncanary: { nodes: 1, soak: 30s, confirm: true, scope: operation }`);
    const world = new FakeWorld(new FakeClock(), NODES);
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env), io.err()).to.equal(ExitCode.interrupted);
    expect(io.out()).to.contain('WAITING FOR CONFIRMATION').and.contain(`noderoll resume --confirm --config ${config}`);
    expect(world.node('node-1').version).to.equal(TARGET);
    expect(world.node('node-2').calls.drain).to.equal(0);

    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['status', '--config', config, '-o', 'json'], io.env)).to.equal(ExitCode.interrupted);
    expect((JSON.parse(io.out()) as { operation: { status: string } }).operation.status).to.equal('waiting-for-confirmation');

    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['resume', '--config', config, '--yes'], io.env)).to.equal(ExitCode.interrupted);
    expect(world.node('node-2').calls.drain, 'no confirmation, no progress').to.equal(0);

    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['resume', '--confirm', '--config', config, '--yes'], io.env), io.err()).to.equal(ExitCode.ok);
    expect([...world.nodes.values()].every((n) => n.version === TARGET && !n.cordoned)).to.equal(true);

    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['resume', '--confirm', '--config', config, '--yes'], io.env)).to.equal(ExitCode.conflict);
  });

  it('resume --confirm of a halted operation is a usage error naming --confirm', async () => {
    await write(POOLS);
    const world = new FakeWorld(new FakeClock(), NODES);
    world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.halted);
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['resume', '--confirm', '--config', config, '--yes'], io.env)).to.equal(ExitCode.usage);
    expect(io.err()).to.match(/--confirm: operation \S+ is halted, not waiting for a canary confirmation/);
  });
});
