import { expect } from 'chai';
import { parseConfigText } from '../../../coordinator/config/load-config.js';
import { UsageError } from '../../../shared/cli/flag-parser.js';
import { updateTarget } from '../../../coordinator/cli/update-target.js';
import { preflightNode } from '../../../coordinator/plan/preflight.js';
import { rebootVerdict } from '../../../coordinator/steps/decide-reboot.js';
import { describePackageChanges, pinsNotInstalled } from '../../../coordinator/steps/package-changes.js';
import { configProblems } from './fakes/config-problems.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';

const BASE = `
nodes:
  - { name: cp-1, agent: "127.0.0.1:7443", role: master }
  - { name: worker-1, agent: "127.0.0.1:7444", role: node }
agents: { insecurePlaintext: true }
`;

const parse = (extra: string) => parseConfigText(BASE + extra, '/etc/noderoll/config.yaml');

function expectProblem(extra: string, field: string, message: RegExp): void {
  const found = configProblems(BASE + extra);
  const hit = found.find((p) => p.path === field);
  expect(hit, `no problem at ${field}; got ${JSON.stringify(found)}`).to.not.equal(undefined);
  expect(hit!.message).to.match(message);
}

describe('coordinator config: profile, install spec, reboot, units', () => {
  it('defaults to gravity exactly as before: mode command, always reboot, the gravity and etcdctl gates, the backup command', () => {
    const c = parse('');
    expect(c.profile).to.equal('gravity');
    expect(c.reboot).to.equal('always');
    expect(c.install).to.deep.equal({ mode: 'command', packages: [], maxAttempts: 3 });
    expect(c.gates.gravity.enabled).to.equal(true);
    expect(c.gates.etcd).to.include({ enabled: true, source: 'command' });
    expect(c.gates.apiServer.enabled).to.equal(false);
    expect(c.backup.source).to.equal('command');
  });

  it('kubeadm: /readyz and etcd through an agent instead of gravity status, the agent snapshot backup, reboot auto, kubelet and containerd checked', () => {
    const c = parse('profile: kubeadm\ninstall: { mode: upgrade-all }\n');
    expect(c.reboot).to.equal('auto');
    expect(c.gates.gravity.enabled).to.equal(false);
    expect(c.gates.apiServer.enabled).to.equal(true);
    expect(c.gates.etcd).to.include({ enabled: true, source: 'agent' });
    expect(c.backup.source).to.equal('agent-snapshot');
    expect(c.units.master).to.deep.equal({ stop: [], check: ['kubelet.service', 'containerd.service'] });
    expect(parse('profile: kubeadm\nunits: { stop: [kubelet.service] }\n').units.node).to.deep.equal({ stop: ['kubelet.service'], check: ['kubelet.service', 'containerd.service'] });
  });

  it('k3s: k3s.service on servers, k3s-agent.service on agents (data only this release)', () => {
    const c = parse('profile: k3s\n');
    expect(c.units.master).to.deep.equal({ stop: ['k3s.service'], check: ['k3s.service'] });
    expect(c.units.node).to.deep.equal({ stop: ['k3s-agent.service'], check: ['k3s-agent.service'] });
  });

  it('refuses what a profile does not allow, naming the field', () => {
    expectProblem('reboot: auto\n', 'reboot', /must be always with profile gravity/);
    expectProblem('install: { mode: upgrade-all }\n', 'install.mode', /must be command with profile gravity/);
    expectProblem('units: { stop: [kubelet.service] }\n', 'units', /is for profiles kubeadm and k3s/);
    expectProblem('profile: openshift\n', 'profile', /openshift/);
    expectProblem('profile: kubeadm\nreboot: sometimes\n', 'reboot', /sometimes/);
    expectProblem('profile: kubeadm\nunits: { stop: ["kubelet service"] }\n', 'units.stop[0]', /./);
    expectProblem('profile: kubeadm\ninstall: { mode: upgrade-all }\nonFailure: rollback\n', 'onFailure', /only install.mode command has/);
  });

  it('install mode packages needs exact pins; pins belong to that mode only', () => {
    const c = parse('profile: kubeadm\ninstall: { mode: packages, packages: [{ name: nginx, version: "1.24.0-1~bookworm" }, { name: containerd.io, version: "2:1.7.24-1" }] }\n');
    expect(c.install.packages).to.deep.equal([
      { name: 'containerd.io', version: '2:1.7.24-1' },
      { name: 'nginx', version: '1.24.0-1~bookworm' },
    ]);
    expectProblem('profile: kubeadm\ninstall: { mode: packages }\n', 'install.packages', /is required with mode packages/);
    expectProblem('profile: kubeadm\ninstall: { mode: packages, packages: [] }\n', 'install.packages', /at least one package/);
    expectProblem('profile: kubeadm\ninstall: { mode: upgrade-all, packages: [{ name: nginx, version: "1" }] }\n', 'install.packages', /only for mode packages/);
    expectProblem('profile: kubeadm\ninstall: { mode: packages, packages: [{ name: "nginx*", version: "1" }] }\n', 'install.packages[0].name', /not a package name/);
    expectProblem('profile: kubeadm\ninstall: { mode: packages, packages: [{ name: nginx, version: "1.2; rm -rf /" }] }\n', 'install.packages[0].version', /not an exact package version/);
    expectProblem('profile: kubeadm\ninstall: { mode: packages, packages: [{ name: nginx, version: "1" }, { name: nginx, version: "2" }] }\n', 'install.packages[1].name', /listed twice/);
  });

  it('noderoll update: --to is required in mode command and refused in the other modes', () => {
    const command = parse('').install;
    expect(updateTarget(command, '7.0.68')).to.equal('7.0.68');
    expect(() => updateTarget(command, undefined)).to.throw(UsageError, /--to: is required/);
    const upgradeAll = parse('profile: kubeadm\ninstall: { mode: upgrade-all }\n').install;
    expect(updateTarget(upgradeAll, undefined)).to.equal('upgrade-all');
    expect(() => updateTarget(upgradeAll, '1.0')).to.throw(UsageError, /--to: is only for install.mode command; install.mode is upgrade-all/);
    expect(updateTarget(parse('profile: kubeadm\ninstall: { mode: packages, packages: [{ name: nginx, version: "1.24" }] }\n').install, undefined)).to.equal('packages nginx=1.24');
  });

  it("preflight refuses an agent whose install mode or profile is not the coordinator's, naming both", async () => {
    const config = parse('profile: kubeadm\ninstall: { mode: upgrade-all }\n');
    const clock = new FakeClock();
    const world = new FakeWorld(clock, [{ name: 'cp-1', role: 'master' }], undefined, 'kubeadm');
    const planned = { name: 'cp-1', role: 'master' as const, agent: '127.0.0.1:7443' };
    const kube = await world.cluster.getNode('cp-1');
    world.node('cp-1').installMode = 'upgrade-all';
    const ok = await preflightNode(planned, world.agent('cp-1'), kube, config, 'upgrade-all', { clock });
    expect(ok.checks.find((c) => c.name === 'install mode')).to.include({ passed: true, detail: 'upgrade-all' });
    expect(ok.checks.find((c) => c.name === 'profile units')).to.include({ passed: true, detail: 'kubelet.service, containerd.service' });
    expect(ok.checks.map((c) => c.name)).to.not.include.members(['planet unit', 'install command', 'target version']);
    expect(ok.passed, JSON.stringify(ok.checks)).to.equal(true);

    world.node('cp-1').installMode = 'command';
    world.node('cp-1').identityOverrides = { profile: 'gravity' };
    world.node('cp-1').units.delete('containerd.service');
    const bad = await preflightNode(planned, world.agent('cp-1'), kube, config, 'upgrade-all', { clock });
    expect(bad.passed).to.equal(false);
    expect(bad.node).to.equal('cp-1');
    expect(bad.checks.find((c) => c.name === 'install mode')).to.deep.equal({ name: 'install mode', passed: false, detail: "the agent's install.mode is command, the coordinator's install.mode is upgrade-all: set the same mode on both" });
    expect(bad.checks.find((c) => c.name === 'profile')?.detail).to.equal("the agent's profile is gravity, the coordinator's profile is kubeadm");
    expect(bad.checks.find((c) => c.name === 'profile units')?.detail).to.match(/not on the node: containerd.service/);
  });

  it('the reboot decision: always reboots; never never does (a required reboot is a warning); auto reboots when required or undecided', () => {
    const notRequired = { required: false, reasons: [], servicesToRestart: ['nginx.service'] };
    const required = { required: true, reasons: ['linux-image-6.1.0-29'], servicesToRestart: [] };
    const unknown = { required: true, reasons: [], servicesToRestart: [], problem: 'needs-restarting is not installed' };
    expect(rebootVerdict('always', notRequired).decision).to.equal('reboot');
    expect(rebootVerdict('never', notRequired)).to.deep.equal({ decision: 'skip', reason: 'reboot: never', warnings: [] });
    expect(rebootVerdict('never', required).warnings).to.deep.equal(['the node needs a reboot (linux-image-6.1.0-29) but reboot is never: reboot it in a later maintenance window']);
    expect(rebootVerdict('auto', notRequired).decision).to.equal('skip');
    expect(rebootVerdict('auto', required)).to.deep.equal({ decision: 'reboot', reason: 'reboot: auto, and the node needs a reboot: linux-image-6.1.0-29', warnings: [] });
    expect(rebootVerdict('auto', unknown).decision).to.equal('reboot');
    expect(rebootVerdict('auto', undefined).decision).to.equal('reboot');
  });

  it('package changes: a bounded list for progress; pins checked against what the agent reports', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ name: `pkg-${String(i).padStart(2, '0')}`, before: '1', after: '2' }));
    expect(describePackageChanges(many, 2)).to.equal('12 package(s) changed: pkg-00 1 -> 2, pkg-01 1 -> 2 (+10 more)');
    expect(describePackageChanges([{ name: 'new', before: '', after: '1' }, { name: 'gone', before: '1', after: '' }])).to.equal('2 package(s) changed: new (new) -> 1, gone 1 -> (removed)');
    expect(describePackageChanges([])).to.equal('no package changed');
    const pins = [{ name: 'nginx', version: '1.24' }, { name: 'curl', version: '8.0' }];
    expect(pinsNotInstalled(pins, { nginx: '1.24', curl: '7.88' })).to.deep.equal(['curl (wanted 8.0, installed 7.88)']);
    expect(pinsNotInstalled(pins, { nginx: '1.24' })).to.deep.equal(['curl (wanted 8.0, installed none)']);
    expect(pinsNotInstalled(pins, { nginx: '1.24' }, false), 'not reported: trusted after a succeeded install').to.deep.equal([]);
  });
});

describe('coordinator config: k3s on SQLite (datastore sqlite)', () => {
  const SINGLE = 'profile: k3s\ndatastore: sqlite\n';

  it('a single k3s server on SQLite: no etcd gate, the agent backup, the /readyz gate; etcd stays the default', () => {
    const c = parse(SINGLE);
    expect(c.datastore).to.equal('sqlite');
    expect(c.gates.etcd.enabled).to.equal(false);
    expect(c.gates.apiServer.enabled).to.equal(true);
    expect(c.backup.source).to.equal('agent-snapshot');
    expect(parse('profile: k3s\n').datastore).to.equal('etcd');
    expect(parse('profile: k3s\n').gates.etcd.enabled).to.equal(true);
  });

  it('refuses sqlite outside k3s, an etcd gate on SQLite, and anything but exactly one server with every role given', () => {
    expectProblem('profile: kubeadm\ndatastore: sqlite\n', 'datastore', /only with profile k3s \(profile is kubeadm\)/);
    expectProblem('datastore: mysql\n', 'datastore', /mysql/);
    expectProblem(`${SINGLE}gates: { etcd: { enabled: true } }\n`, 'gates.etcd.enabled', /has no etcd members/);
    expectProblem(`${SINGLE}state: { backend: kubernetes }\n`, 'state.backend', /must be file with datastore sqlite: the API server of a single k3s server is down while that server reboots/);
    const twoServers = `nodes:\n  - { name: s-1, agent: "127.0.0.1:7443", role: master }\n  - { name: s-2, agent: "127.0.0.1:7444", role: master }\nagents: { insecurePlaintext: true }\n${SINGLE}`;
    expect(configProblems(twoServers).find((p) => p.path === 'nodes')?.message).to.match(/exactly one server \(role master\), found 2: s-1, s-2/);
    const noRole = `nodes:\n  - { name: s-1, agent: "127.0.0.1:7443", role: master }\n  - { name: a-1, agent: "127.0.0.1:7444" }\nagents: { insecurePlaintext: true }\n${SINGLE}`;
    expect(configProblems(noRole).find((p) => p.path === 'nodes')?.message).to.match(/give every node its role[\s\S]*no role: a-1/);
  });

  it("preflight: the server's agent must back up SQLite; agents (role node) are not asked", async () => {
    const config = parse(`${SINGLE}install: { mode: upgrade-all }\n`);
    const clock = new FakeClock();
    const world = new FakeWorld(clock, [{ name: 'cp-1', role: 'master' }, { name: 'worker-1', role: 'node' }]);
    for (const n of ['cp-1', 'worker-1']) {
      world.node(n).installMode = 'upgrade-all';
      world.node(n).identityOverrides = { profile: 'k3s' };
      world.node(n).units.set(n === 'cp-1' ? 'k3s.service' : 'k3s-agent.service', { load: 'loaded', active: 'active', sub: 'running' });
    }
    const server = { name: 'cp-1', role: 'master' as const, agent: '127.0.0.1:7443' };
    const datastoreCheck = async (): Promise<unknown> => (await preflightNode(server, world.agent('cp-1'), await world.cluster.getNode('cp-1'), config, 'upgrade-all', { clock })).checks.find((c) => c.name === 'datastore');
    world.node('cp-1').identityOverrides = { profile: 'k3s', datastore: 'sqlite' };
    expect(await datastoreCheck()).to.include({ passed: true });
    world.node('cp-1').identityOverrides = { profile: 'k3s', datastore: 'etcd' };
    expect(await datastoreCheck()).to.deep.equal({ name: 'datastore', passed: false, detail: "the coordinator's datastore is sqlite, the agent backs up etcd" });
    world.node('cp-1').identityOverrides = { profile: 'k3s', datastore: '' };
    expect(await datastoreCheck()).to.include({ passed: false }).and.have.property('detail').that.matches(/has no usable datastore/);
    const agentNode = await preflightNode({ name: 'worker-1', role: 'node', agent: '127.0.0.1:7444' }, world.agent('worker-1'), await world.cluster.getNode('worker-1'), config, 'upgrade-all', { clock });
    expect(agentNode.checks.map((c) => c.name)).to.not.include('datastore');
  });
});
