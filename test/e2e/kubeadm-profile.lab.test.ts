import { expect } from 'chai';
import type { Lab } from '../lab/lab.js';
import { kubeadmAgentConfigYaml } from '../lab/kubeadm/kubeadm-agent-config.js';
import { CONTAINERD_UNIT, KUBELET_UNIT } from '../lab/kubeadm/kubeadm-units.js';
import { writeLabKubeadmCoordinatorConfig } from '../lab/noderoll-config.js';
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
  patchLabHooks,
  runSampledUpdate,
} from './os-patch-checks.js';

/**
 * The kubeadm profile end to end on real nodes (issue #15): 3 control-plane nodes with stacked etcd
 * (TLS client authentication at kubeadm's paths; their NoSchedule taint removed, so they run workloads
 * as in many small clusters) and a worker, kubelet.service and containerd.service
 * under their real names, every node patched with `install.mode: upgrade-all` from the lab's apt
 * repository — a real `apt-get upgrade` through each agent. Only node-2 has the kernel package whose
 * upgrade asks for a reboot (`reboot: auto`): it reboots, the others skip the reboot and restart the
 * service whose executable the upgrade replaced. Gates: the API server's /readyz and the health of
 * every etcd member asked by a control-plane agent with its own client certificates; the backup is an
 * etcd snapshot that agent streams to the coordinator.
 */

const REBOOTED = 'node-2';
const NODES = ['node-1', 'node-2', 'node-3', 'node-4'];

describe('kubeadm profile: upgrade-all on every node, reboot only where required (lab)', function () {
  this.timeout(600_000);
  const s = new E2eSuite('file');
  let lab: Lab;

  patchLabHooks(s, {
    profile: 'kubeadm',
    nodes: NODES.length,
    masters: 3,
    rebooted: REBOOTED,
    agentConfig: kubeadmAgentConfigYaml,
    units: [KUBELET_UNIT, CONTAINERD_UNIT],
    writeConfig: (l) => writeLabKubeadmCoordinatorConfig(l),
    // a small kubeadm cluster whose control-plane nodes take workloads too (taint removed): the
    // seeded apps fit on the other three nodes whichever one is drained
    labOptions: { controlPlaneTaint: false },
  });
  before(() => void (lab = s.lab!));

  it('patches all 4 nodes one at a time: node-2 reboots for its kernel package, the others skip the reboot and restart the replaced service; etcd TLS gate through an agent; the snapshot backup is streamed and verified', async () => {
    const before = await bootIds(lab, NODES);
    const r = await runSampledUpdate(s, lab);
    const { sampler, noteOf } = r;

    // the etcd gate asked a control-plane agent, which used its own client certificates, and the API server's /readyz passed
    expectAgentEtcdAndApiServerGates(r, 3, ['node-1', 'node-2', 'node-3']);

    // reboot only where required
    expectRebootOnlyWhereRequired(r, before, await bootIds(lab, NODES), NODES, REBOOTED);
    expect([...sampler.notReadySeen.keys()], 'nodes seen NotReady').to.deep.equal([REBOOTED]);

    // the same sampler invariants as the Gravity suites
    expectSamplerInvariants(sampler, NODES);

    // every pending upgrade applied by a real apt-get run, recorded per node
    const op = await completedOperation(s);
    await expectPackagesUpgraded(lab, op, NODES, REBOOTED);

    // healthy afterwards: Ready, schedulable, kubelet/containerd/etcd active, and no node needs a restart or reboot
    for (const n of NODES) await expectNodeHealthyAfter(lab, n, [KUBELET_UNIT, CONTAINERD_UNIT]);
    await expectEtcdMembersHealthy(lab, 3);

    // the backup: an etcd snapshot streamed from a control-plane agent, on the coordinator's disk, intact
    await expectSnapshotBackupIntact(op);

    // the report lists each node's package changes and the skipped reboots
    await expectReportListsChanges(s);
    note(`gates and backup: ${noteOf('node-1', 'takeBackup')}; node-2: ${noteOf(REBOOTED, 'rebootNode')}; node-1: ${noteOf('node-1', 'rebootNode')}`);
  });
});
