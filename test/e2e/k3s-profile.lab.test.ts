import { expect } from 'chai';
import type { Lab } from '../lab/lab.js';
import { k3sAgentConfigYaml } from '../lab/kubeadm/kubeadm-agent-config.js';
import { K3S_BINARY } from '../lab/k3s/k3s-paths.js';
import { K3S_AGENT_UNIT, K3S_SERVER_UNIT } from '../lab/k3s/k3s-units.js';
import { writeLabK3sCoordinatorConfig } from '../lab/noderoll-config.js';
import { labEtcdClientFiles, tlsMemberHealthy, waitTlsEtcdHealthy } from '../lab/tls-etcd.js';
import { E2eSuite, note } from './e2e-suite.js';
import {
  bootIds,
  completedOperation,
  expectAgentEtcdAndApiServerGates,
  expectEtcdMembersHealthy,
  expectNodeHealthyAfter,
  expectPackagesUpgraded,
  expectRebootOnlyWhereRequired,
  expectReportListsChanges,
  expectSamplerInvariants,
  expectSnapshotBackupIntact,
  expectUnitsActive,
  patchLabHooks,
  runSampledUpdate,
} from './os-patch-checks.js';

/**
 * The k3s profile end to end on real nodes (issue #15): 3 servers running k3s.service (kubelet,
 * container runtime and an embedded etcd member with TLS client authentication at k3s's paths, in
 * one unit) and an agent running k3s-agent.service. Every node is patched with `install.mode:
 * upgrade-all` from the lab's apt repository; the k3s profile stops k3s.service on servers and
 * k3s-agent.service on the agent before the install and runs them again after it. Only node-2 has
 * the kernel package whose upgrade asks for a reboot (`reboot: auto`). Gates: /readyz and the health
 * of every etcd member asked by a server's agent; the backup is `k3s etcd-snapshot save` run by that
 * agent, streamed to the coordinator and verified.
 */

const REBOOTED = 'node-2';
const SERVERS = ['node-1', 'node-2', 'node-3'];
const AGENT = 'node-4';
const NODES = [...SERVERS, AGENT];
const unitOf = (n: string): string => (n === AGENT ? K3S_AGENT_UNIT : K3S_SERVER_UNIT);

describe('k3s profile: k3s units stopped around upgrade-all, reboot only where required, k3s etcd-snapshot backup (lab)', function () {
  this.timeout(600_000);
  const s = new E2eSuite('file');
  let lab: Lab;

  patchLabHooks(s, {
    profile: 'k3s',
    nodes: NODES.length,
    masters: SERVERS.length,
    rebooted: REBOOTED,
    agentConfig: k3sAgentConfigYaml,
    units: [K3S_SERVER_UNIT, K3S_AGENT_UNIT],
    writeConfig: (l) => writeLabK3sCoordinatorConfig(l),
  });
  before(() => void (lab = s.lab!));

  async function mainPid(n: string): Promise<string> {
    return (await lab.node(n).exec('systemctl', ['show', '-p', 'MainPID', '--value', unitOf(n)])).stdout.trim();
  }

  it('nodes as k3s lays them out: k3s units and labels, no kubeadm or Gravity bits; `k3s` refuses what it does not implement', async () => {
    for (const n of NODES) {
      const node = lab.api!.store.nodes.get(n)!;
      const labels = node.metadata.labels ?? {};
      const roles = ['control-plane', 'master', 'etcd'].map((r) => labels[`node-role.kubernetes.io/${r}`]);
      expect(roles, `${n} role labels`).to.deep.equal(n === AGENT ? [undefined, undefined, undefined] : ['true', 'true', 'true']);
      expect(node.spec?.taints ?? [], `${n} taints`).to.deep.equal([]);
      await expectUnitsActive(lab, n, [unitOf(n)]);
      const files = (await lab.node(n).exec('systemctl', ['list-unit-files', '--no-legend', '--plain'])).stdout;
      const otherUnit = n === AGENT ? K3S_SERVER_UNIT : K3S_AGENT_UNIT;
      for (const absent of ['kubelet.service', 'containerd.service', otherUnit, 'gravity__']) expect(files.split('\n').filter((l) => l.startsWith(absent)), `${n} unit files ${absent}`).to.deep.equal([]);
      for (const path of ['/etc/kubernetes', '/usr/local/bin/etcd', '/usr/local/bin/gravity']) expect((await lab.node(n).exec('test', ['-e', path], { okExitCodes: [0, 1] })).exitCode, `${n} ${path}`).to.equal(1);
    }
    const ls = await lab.node('node-1').exec(K3S_BINARY, ['etcd-snapshot', 'ls'], { okExitCodes: [0, 1] });
    expect([ls.exitCode, ls.stderr], 'k3s etcd-snapshot ls').to.satisfy(([code, err]: [number, string]) => code === 1 && /level=fatal msg="etcd-snapshot ls: not implemented/.test(err));
    const onAgent = await lab.node(AGENT).exec(K3S_BINARY, ['etcd-snapshot', 'save'], { okExitCodes: [0, 1] });
    expect([onAgent.exitCode, onAgent.stderr.trim()], 'k3s etcd-snapshot save on an agent').to.satisfy(([code, err]: [number, string]) => code === 1 && /level=fatal msg="etcd database not found in \/var\/lib\/rancher\/k3s\/server\/db\/etcd"$/.test(err));
  });

  it('patches all 4 nodes one at a time with the k3s units stopped around the install: node-2 reboots for its kernel package, the others skip it; etcd gate through a server agent; the k3s etcd-snapshot backup is streamed and verified', async () => {
    const before = await bootIds(lab, NODES);
    const pidsBefore = new Map<string, string>();
    for (const n of NODES) pidsBefore.set(n, await mainPid(n));
    const r = await runSampledUpdate(s, lab);
    const { sampler, noteOf } = r;

    expectAgentEtcdAndApiServerGates(r, SERVERS.length, SERVERS);
    expectRebootOnlyWhereRequired(r, before, await bootIds(lab, NODES), NODES, REBOOTED);

    // the profile's unit stopped before the install and running again after it (a new main process where the node did not reboot)
    for (const n of NODES) {
      expect(noteOf(n, 'stopUnits'), `${n} stopUnits`).to.contain(unitOf(n));
      expect(noteOf(n, 'reenableUnits'), `${n} reenableUnits`).to.equal('1 units of profile k3s enabled');
      await expectUnitsActive(lab, n, [unitOf(n)]);
      if (n !== REBOOTED) expect(await mainPid(n), `${n} ${unitOf(n)} main PID`).to.not.equal(pidsBefore.get(n));
    }

    // node-2 went NotReady while rebooting (the others may too, briefly, while their k3s unit is stopped)
    expect(sampler.notReadySeen.has(REBOOTED), `${REBOOTED} seen NotReady`).to.equal(true);

    // the same sampler invariants as the Gravity suites
    expectSamplerInvariants(sampler, NODES);

    // every pending upgrade applied by a real apt-get run, recorded per node; healthy afterwards
    const op = await completedOperation(s);
    await expectPackagesUpgraded(lab, op, NODES, REBOOTED);
    for (const n of NODES) await expectNodeHealthyAfter(lab, n, [unitOf(n)]);
    await expectEtcdMembersHealthy(lab, SERVERS.length);

    // the backup: `k3s etcd-snapshot save` on a server through its agent, the file named as k3s names it, streamed and intact
    const backup = await expectSnapshotBackupIntact(op);
    expect(backup.command, 'backup command').to.match(/k3s etcd-snapshot save --name noderoll-\S+ --dir /);
    const kept = await Promise.all(SERVERS.map(async (n) => (await lab.node(n).exec('ls', ['/var/lib/noderoll-agent/etcd-snapshots'], { okExitCodes: [0, 2] })).stdout.split('\n').filter(Boolean)));
    expect(kept.flat(), 'snapshots kept on the servers').to.have.length(1).and.satisfy((names: string[]) => /^noderoll-.+-node-[123]-\d+$/.test(names[0]!));

    await expectReportListsChanges(s);
    note(`stopUnits node-1: ${noteOf('node-1', 'stopUnits')}; node-4: ${noteOf(AGENT, 'stopUnits')}; backup: ${noteOf('node-1', 'takeBackup')} (${backup.command}); node-2: ${noteOf(REBOOTED, 'rebootNode')}; node-1: ${noteOf('node-1', 'rebootNode')}`);
  });

  it('stopping k3s.service stops that server\'s etcd member (k3s embeds it); starting it brings the member back', async () => {
    const url = lab.node('node-3').etcdClientUrl!;
    const client = labEtcdClientFiles(lab.dir);
    expect(await tlsMemberHealthy(url, client), 'node-3 member before').to.equal(true);
    await lab.node('node-3').exec('systemctl', ['stop', K3S_SERVER_UNIT]);
    try {
      expect(await tlsMemberHealthy(url, client), 'node-3 member with k3s.service stopped').to.equal(false);
    } finally {
      await lab.node('node-3').exec('systemctl', ['start', K3S_SERVER_UNIT]);
    }
    await waitTlsEtcdHealthy(lab.etcdEndpoints(), client, 60_000, `lab ${lab.id} after k3s.service started on node-3`);
  });
});
