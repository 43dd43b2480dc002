import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { FileStateStore } from '../../../coordinator/state/file-state-store.js';
import { testConfigYaml } from './fakes/engine-harness.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';

const NODES = [
  { name: 'cp-1', role: 'master' as const },
  { name: 'worker-1', role: 'node' as const },
];

describe('noderoll CLI with profile kubeadm and install.mode upgrade-all', function () {
  this.timeout(20_000);
  let dir = '';
  let config = '';
  let world: FakeWorld;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-cli-kubeadm-'));
    config = join(dir, 'config.yaml');
    await writeFile(config, testConfigYaml(dir, NODES, 'profile: kubeadm\ninstall: { mode: upgrade-all }'));
    world = new FakeWorld(new FakeClock(), NODES, undefined, 'kubeadm');
    for (const n of world.nodes.values()) {
      n.installMode = 'upgrade-all';
      n.packages = { 'noderoll-lab-tool': '1.0' };
      n.pendingUpgrades = { 'noderoll-lab-tool': '1.1' };
    }
    world.node('worker-1').rebootAdvice = { required: false, reasons: [], servicesToRestart: [] };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses --to (the config says what is installed), building nothing', async () => {
    for (const argv of [['update', '--yes'], ['plan']]) {
      const io = fakeCliEnv(world.clock, world);
      expect(await runCli([...argv, '--config', config, '--to', '1.0'], io.env), argv[0]).to.equal(ExitCode.usage);
      expect(io.err()).to.match(/--to: is only for install.mode command; install.mode is upgrade-all/);
      expect(io.servicesMade).to.equal(0);
    }
  });

  it('plan checks each agent\'s install mode and the kubeadm units, and lists the kubeadm steps', async () => {
    world.node('worker-1').installMode = 'command';
    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['plan', '--config', config], io.env)).to.equal(ExitCode.notHealthy);
    expect(io.out()).to.match(/✗ install mode: the agent's install.mode is command, the coordinator's install.mode is upgrade-all/);
    expect(io.out()).to.match(/✓ profile units: kubelet.service, containerd.service/);
    expect(io.out()).to.match(/decideReboot/).and.not.match(/findPlanetUnit/);
  });

  it('update records the profile, the install spec and the reboot policy; status shows the skipped reboot and the package changes', async () => {
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['update', '--config', config, '--yes'], io.env), io.err()).to.equal(ExitCode.ok);
    const record = await new FileStateStore({ file: join(dir, 'state.json') }).load();
    expect(record).to.deep.include({ profile: 'kubeadm', install: { mode: 'upgrade-all', packages: [] }, reboot: 'auto', targetVersion: 'upgrade-all' });
    expect(world.node('worker-1').calls.reboot).to.equal(0);
    expect(world.node('cp-1').calls.reboot).to.equal(1);

    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['status', '--config', config], io.env)).to.equal(ExitCode.ok);
    expect(io.out()).to.contain('profile kubeadm, install upgrade-all, reboot auto');
    expect(io.out()).to.contain('reboot: skipped: reboot: auto, and the agent says no reboot is required');
    expect(io.out()).to.contain('package changes: 1 package(s) changed: noderoll-lab-tool 1.0 -> 1.1');
  });

  it('resume refuses a config of another profile than the operation runs (its runbook would not match); rollback by hand is gravity only', async () => {
    world.node('cp-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['update', '--config', config, '--yes'], io.env)).to.equal(ExitCode.halted);
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['rollback', 'cp-1', '--config', config, '--yes'], io.env)).to.not.equal(ExitCode.ok);
    expect(io.err()).to.match(/runs profile kubeadm: rollback by hand is built for profile gravity only so far/);
    await writeFile(config, testConfigYaml(dir, NODES));
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['resume', '--config', config, '--yes'], io.env)).to.equal(ExitCode.usage);
    expect(io.err()).to.match(/runs the runbook of profile kubeadm, but the config says profile gravity/);
  });
});
