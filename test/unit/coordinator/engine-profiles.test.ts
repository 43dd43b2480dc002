import { expect } from 'chai';
import { readFile, stat } from 'node:fs/promises';
import { runbookFor, RUNBOOK } from '../../../coordinator/plan/runbook.js';
import { PROFILES } from '../../../coordinator/plan/profiles.js';
import { stepRecord, type NodeRecord } from '../../../coordinator/state/operation-record.js';
import { renderMarkdownReport, renderHtmlReport } from '../../../coordinator/report/index.js';
import { recordEvents } from '../../../coordinator/watch/record-events.js';
import { CONTAINERD_UNIT, KUBELET_UNIT } from './fakes/fake-world.js';
import { makeHarness, type Harness } from './fakes/engine-harness.js';

const KUBEADM_NODES = [
  { name: 'cp-1', role: 'master' as const },
  { name: 'worker-1', role: 'node' as const },
];

const UPGRADE_ALL = 'install: { mode: upgrade-all }';

async function kubeadmHarness(extra = UPGRADE_ALL): Promise<Harness> {
  const h = await makeHarness({ nodes: KUBEADM_NODES, profile: 'kubeadm', configExtra: extra });
  for (const n of h.world.nodes.values()) {
    n.installMode = h.config.install.mode;
    n.packages = { 'noderoll-lab-tool': '1.0', 'noderoll-lab-lib': '1.0' };
    n.pendingUpgrades = { 'noderoll-lab-tool': '1.1', 'noderoll-lab-lib': '1.1' };
  }
  return h;
}

function stepNote(node: NodeRecord, step: Parameters<typeof stepRecord>[1]): string {
  return stepRecord(node, step).note ?? '';
}

describe('profiles in the engine (fake kubeadm cluster, fake clock)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('gravity keeps its runbook exactly; kubeadm and k3s stop their units and decide the reboot instead of the planet steps', () => {
    expect(runbookFor('gravity')).to.equal(RUNBOOK);
    expect(runbookFor(undefined)).to.equal(RUNBOOK);
    expect(PROFILES.gravity.steps).to.deep.equal(RUNBOOK.map((s) => s.name));
    const kubeadm = runbookFor('kubeadm').map((s) => s.name);
    expect(kubeadm).to.include.members(['stopUnits', 'installUpdate', 'reenableUnits', 'decideReboot', 'rebootNode', 'waitForReboot', 'verifyNodeHealthy']);
    expect(kubeadm).to.not.include.members(['findPlanetUnit', 'stopPlanetUnit', 'enableGravityUnits']);
    expect(kubeadm.indexOf('decideReboot')).to.be.lessThan(kubeadm.indexOf('rebootNode'));
    expect(runbookFor('k3s').map((s) => s.name)).to.deep.equal(kubeadm);
    expect(runbookFor('kubeadm').find((s) => s.name === 'verifyNodeHealthy')?.title).to.not.match(/planet/);
  });

  it('reboot auto: the node that needs a reboot reboots; the other skips it, restarts the services the agent names, and still runs its post checks', async () => {
    h = await kubeadmHarness();
    const cp = h.world.node('cp-1');
    const worker = h.world.node('worker-1');
    cp.rebootAdvice = { required: true, reasons: ['noderoll-lab-kernel'], servicesToRestart: [] };
    worker.rebootAdvice = { required: false, reasons: [], servicesToRestart: ['nginx.service'] };
    const workerBoot = worker.bootId;

    const outcome = await h.run();
    expect(outcome).to.equal('completed');
    const record = await h.load();
    expect(record.profile).to.equal('kubeadm');
    expect(record.install).to.deep.equal({ mode: 'upgrade-all', packages: [] });
    expect(record.reboot).to.equal('auto');
    expect(record.targetVersion).to.equal('upgrade-all');

    expect(cp.calls.reboot).to.equal(1);
    const cpRecord = record.nodes.find((n) => n.name === 'cp-1')!;
    expect(cpRecord.facts.rebootDecision).to.include({ decision: 'reboot' });
    expect(cpRecord.facts.rebootDecision?.reason).to.match(/needs a reboot: noderoll-lab-kernel/);

    expect(worker.calls.reboot, 'no reboot of the worker').to.equal(0);
    expect(worker.bootId).to.equal(workerBoot);
    expect(worker.restarted).to.deep.equal(['nginx.service']);
    const w = record.nodes.find((n) => n.name === 'worker-1')!;
    expect(w.facts.rebootDecision).to.deep.equal({ decision: 'skip', reason: 'reboot: auto, and the agent says no reboot is required', servicesRestarted: ['nginx.service'], unitsStarted: [], warnings: [] });
    expect(stepRecord(w, 'rebootNode')).to.include({ status: 'completed' });
    expect(stepNote(w, 'rebootNode')).to.match(/^skipped: no reboot \(reboot: auto/);
    expect(stepNote(w, 'waitForReboot')).to.match(/^skipped: /);
    expect(stepRecord(w, 'verifyNodeHealthy').status).to.equal('completed');
    expect(stepNote(w, 'verifyNodeHealthy')).to.match(/2 units of profile kubeadm enabled and running/).and.not.match(/planet/);

    expect(w.facts.packageChanges).to.deep.equal([
      { name: 'noderoll-lab-lib', before: '1.0', after: '1.1' },
      { name: 'noderoll-lab-tool', before: '1.0', after: '1.1' },
    ]);
    expect(stepNote(w, 'installUpdate')).to.include('noderoll-lab-lib 1.0 -> 1.1, noderoll-lab-tool 1.0 -> 1.1');
    const progress = h.events.filter((e) => e.type === 'step-progress' && e.node === 'worker-1').map((e) => (e as { message: string }).message);
    expect(progress).to.include('package changes: 2 package(s) changed: noderoll-lab-lib 1.0 -> 1.1, noderoll-lab-tool 1.0 -> 1.1');

    const md = renderMarkdownReport(record);
    expect(md).to.include('- Profile: profile kubeadm, install upgrade-all, reboot auto');
    expect(md).to.include('Reboot: skipped: reboot: auto, and the agent says no reboot is required; instead: restarted nginx.service');
    expect(md).to.include('Package changes: noderoll-lab-lib 1.0 -&gt; 1.1, noderoll-lab-tool 1.0 -&gt; 1.1');
    expect(md).to.match(/\| rebootNode \|.*\| skipped \|/);
    const watched = recordEvents(undefined, record).filter((e) => e.type === 'step-completed' && e.node === 'worker-1' && e.step === 'rebootNode');
    expect(watched, 'noderoll watch shows the skipped reboot').to.have.length(1);
    expect(watched[0]).to.deep.include({ alreadyDone: false, note: 'skipped: no reboot (reboot: auto, and the agent says no reboot is required)' });
    const titles = recordEvents(undefined, record).filter((e) => e.type === 'step-started' && e.step === 'decideReboot');
    expect(titles[0]).to.have.property('title').that.matches(/^decide the reboot/);
    const html = renderHtmlReport(record);
    expect(html).to.include('noderoll-lab-lib 1.0 -&gt; 1.1').and.include('skipped: reboot: auto');
  });

  it('kubeadm backup: the control-plane agent streams an etcd snapshot into the backup directory; size, sha256 and revision checked, recorded like any backup', async () => {
    h = await kubeadmHarness();
    await h.run();
    const record = await h.load();
    expect(h.world.snapshots.map((s) => s.node)).to.deep.equal(['cp-1']);
    const backup = record.backup!;
    expect(backup.artifact).to.equal(h.config.backup.artifact.replace('{operation}', record.id));
    expect((await stat(backup.artifact)).size).to.equal(backup.sizeBytes);
    expect((await readFile(backup.artifact, 'utf8')).startsWith('etcd snapshot of cp-1')).to.equal(true);
    expect(backup.verification).to.match(/revision 42, 117 keys.*size \d+ bytes and sha256 checked here/);
    expect(backup.command).to.match(/etcdctl snapshot save on cp-1 through its agent/);
  });

  it('kubeadm backup: a snapshot whose bytes do not match the digest the agent announced is refused before any node is touched', async () => {
    h = await kubeadmHarness();
    h.world.snapshotDigestWrong = true;
    const outcome = await h.run();
    expect(outcome).to.equal('halted');
    const record = await h.load();
    expect(record.halt?.step).to.equal('takeBackup');
    expect(record.halt?.reason).to.match(/backup failed: etcd snapshot .* has sha256 [0-9a-f]{64}, the agent announced f{64}/);
    expect([...h.world.nodes.values()].every((n) => !n.cordoned && n.calls.install === 0)).to.equal(true);
  });

  it('reboot always: every node reboots, even one the agent says needs none', async () => {
    h = await kubeadmHarness(`${UPGRADE_ALL}\nreboot: always`);
    for (const n of h.world.nodes.values()) n.rebootAdvice = { required: false, reasons: [], servicesToRestart: ['nginx.service'] };
    expect(await h.run()).to.equal('completed');
    for (const n of h.world.nodes.values()) {
      expect(n.calls.reboot, n.name).to.equal(1);
      expect(n.restarted, n.name).to.deep.equal([]);
    }
    const record = await h.load();
    expect(record.nodes.map((n) => n.facts.rebootDecision?.reason)).to.deep.equal(['reboot: always', 'reboot: always']);
  });

  it('reboot never: no node reboots; one that needs it carries a warning into the record and the report', async () => {
    h = await kubeadmHarness(`${UPGRADE_ALL}\nreboot: never`);
    h.world.node('cp-1').rebootAdvice = { required: true, reasons: ['linux-image-6.1.0-29'], servicesToRestart: [] };
    h.world.node('worker-1').rebootAdvice = { required: false, reasons: [], servicesToRestart: [] };
    expect(await h.run()).to.equal('completed');
    expect([...h.world.nodes.values()].map((n) => n.calls.reboot)).to.deep.equal([0, 0]);
    const record = await h.load();
    const cp = record.nodes.find((n) => n.name === 'cp-1')!;
    expect(cp.facts.rebootDecision?.warnings).to.deep.equal(['the node needs a reboot (linux-image-6.1.0-29) but reboot is never: reboot it in a later maintenance window']);
    expect(renderMarkdownReport(record)).to.include('Reboot warning: the node needs a reboot (linux-image-6.1.0-29) but reboot is never');
  });

  it('reboot auto: a node whose agent cannot tell reboots (undecided is not "no")', async () => {
    h = await kubeadmHarness();
    h.world.node('worker-1').rebootAdvice = 'error';
    h.world.node('cp-1').rebootAdvice = { required: false, reasons: [], servicesToRestart: [] };
    expect(await h.run()).to.equal('completed');
    expect(h.world.node('worker-1').calls.reboot).to.equal(1);
    expect(h.world.node('cp-1').calls.reboot).to.equal(0);
    const w = (await h.load()).nodes.find((n) => n.name === 'worker-1')!;
    expect(w.facts.rebootDecision?.reason).to.match(/could not tell whether a reboot is needed \(cannot read \/var\/run\/reboot-required\): rebooting to be safe/);
  });

  it('reboot auto on resume: the advice is asked again when the install left none (GetRebootAdvice)', async () => {
    h = await kubeadmHarness();
    for (const n of h.world.nodes.values()) n.rebootAdvice = { required: false, reasons: [], servicesToRestart: [] };
    // An agent that does not send the advice with the install: the decision asks for it.
    const original = h.world.installPackages.bind(h.world);
    h.world.installPackages = (n, req, out) => {
      const o = original(n, req, out);
      delete o.rebootAdvice;
      return o;
    };
    expect(await h.run()).to.equal('completed');
    expect([...h.world.nodes.values()].map((n) => n.calls.reboot)).to.deep.equal([0, 0]);
    expect((await h.load()).nodes.every((n) => n.facts.rebootAdvice?.required === false)).to.equal(true);
  });

  it('a service the agent may not restart is a warning, not a failure; the node completes', async () => {
    h = await kubeadmHarness();
    const w = h.world.node('worker-1');
    w.rebootAdvice = { required: false, reasons: [], servicesToRestart: ['nginx.service', 'sshd.service'] };
    w.restartRefused = ['sshd.service'];
    expect(await h.run()).to.equal('completed');
    expect(w.restarted).to.deep.equal(['nginx.service']);
    expect(w.calls.reboot).to.equal(0);
    const decision = (await h.load()).nodes.find((n) => n.name === 'worker-1')!.facts.rebootDecision!;
    expect(decision.servicesRestarted).to.deep.equal(['nginx.service']);
    expect(decision.warnings).to.have.length(1);
    expect(decision.warnings[0]).to.match(/^sshd.service needs a restart but the agent did not restart it: PERMISSION_DENIED/);
  });

  it("units.stop: the kubelet is stopped before the install, enabled after it, and started instead of a reboot", async () => {
    h = await kubeadmHarness(`${UPGRADE_ALL}\nunits: { stop: [kubelet.service] }`);
    for (const n of h.world.nodes.values()) n.rebootAdvice = { required: false, reasons: [], servicesToRestart: [KUBELET_UNIT, CONTAINERD_UNIT] };
    let kubeletWhileInstalling: string | undefined;
    const original = h.world.installPackages.bind(h.world);
    h.world.installPackages = (n, req, out) => {
      kubeletWhileInstalling = n.units.get(KUBELET_UNIT)?.active;
      return original(n, req, out);
    };
    expect(await h.run()).to.equal('completed');
    expect(kubeletWhileInstalling).to.equal('inactive');
    for (const n of h.world.nodes.values()) {
      expect(n.units.get(KUBELET_UNIT)?.active, n.name).to.equal('active');
      expect(n.calls.stopUnit, n.name).to.equal(1);
      expect(n.calls.reboot, n.name).to.equal(0);
      expect(n.restarted, `${n.name}: the stopped kubelet is started, not restarted; containerd is restarted`).to.deep.equal([CONTAINERD_UNIT]);
    }
    const w = (await h.load()).nodes.find((n) => n.name === 'worker-1')!;
    expect(w.facts.stoppedUnits).to.deep.equal([KUBELET_UNIT]);
    expect(w.facts.rebootDecision?.unitsStarted).to.deep.equal([KUBELET_UNIT]);
    expect(stepNote(w, 'stopUnits')).to.match(/^stopped kubelet.service \(loaded\/inactive\/dead/);
  });

  it('install mode packages: the agent gets the pins; the step is done when each package is at its version', async () => {
    h = await kubeadmHarness('install: { mode: packages, packages: [{ name: noderoll-lab-tool, version: "1.1" }] }');
    for (const n of h.world.nodes.values()) n.rebootAdvice = { required: false, reasons: [], servicesToRestart: [] };
    expect(await h.run()).to.equal('completed');
    const record = await h.load();
    expect(record.targetVersion).to.equal('packages noderoll-lab-tool=1.1');
    for (const n of h.world.nodes.values()) expect(n.packages).to.deep.equal({ 'noderoll-lab-tool': '1.1', 'noderoll-lab-lib': '1.0' });
    expect(record.nodes.map((n) => n.facts.packageChanges)).to.deep.equal([
      [{ name: 'noderoll-lab-tool', before: '1.0', after: '1.1' }],
      [{ name: 'noderoll-lab-tool', before: '1.0', after: '1.1' }],
    ]);
  });

  it('resume after an interrupted install: mode packages is done when every pin is installed; upgrade-all has no target to read and tries again', async () => {
    h = await kubeadmHarness('install: { mode: packages, packages: [{ name: noderoll-lab-tool, version: "1.1" }] }');
    for (const n of h.world.nodes.values()) n.rebootAdvice = { required: false, reasons: [], servicesToRestart: [] };
    h.world.node('cp-1').installFaults = ['interrupted-after-unpack'];
    expect(await h.run()).to.equal('halted');
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('completed');
    const cp = (await h.load()).nodes.find((n) => n.name === 'cp-1')!;
    expect(h.world.node('cp-1').calls.install, 'not installed again').to.equal(1);
    expect(stepNote(cp, 'installUpdate')).to.match(/^already done: install attempt 1 .* ended interrupted, but every package is at its version \(noderoll-lab-tool 1.1\)/);

    await h.close();
    h = await kubeadmHarness();
    for (const n of h.world.nodes.values()) n.rebootAdvice = { required: false, reasons: [], servicesToRestart: [] };
    h.world.node('cp-1').installFaults = ['interrupted-after-unpack'];
    expect(await h.run()).to.equal('halted');
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('completed');
    const again = (await h.load()).nodes.find((n) => n.name === 'cp-1')!;
    expect(h.world.node('cp-1').calls.install, 'a second attempt').to.equal(2);
    expect(again.facts.installAttempts?.map((a) => [a.attempt, a.outcome])).to.deep.equal([
      [1, 'interrupted'],
      [2, 'succeeded'],
    ]);
  });

  it('an agent whose install mode differs refuses the install; the halt names both modes', async () => {
    h = await kubeadmHarness();
    h.world.node('cp-1').installMode = 'command';
    const outcome = await h.run();
    expect(outcome).to.equal('halted');
    const record = await h.load();
    expect(record.halt?.step).to.equal('installUpdate');
    expect(record.halt?.reason).to.match(/install mode upgrade-all, this agent's install.mode is command/);
  });

  it('kubeadm gates: the etcd gate asks a control-plane agent and fails naming the member that is down', async () => {
    h = await kubeadmHarness();
    const etcd = h.gates.find((g) => g.name === 'etcd')!;
    expect((await etcd.check()).summary).to.equal('1 etcd members healthy (asked through the agent of cp-1)');
    h.world.node('cp-1').units.set(KUBELET_UNIT, { load: 'loaded', active: 'failed', sub: 'failed' });
    const verdict = await etcd.check();
    expect(verdict.passed).to.equal(false);
    expect(verdict.problems).to.deep.equal(['etcd member https://cp-1:2379 is unhealthy: context deadline exceeded']);
    expect(h.gates.map((g) => g.name)).to.not.include('gravity');
  });
});
