import { expect } from 'chai';
import { isNodeReady } from '../kube-api/k8s-predicates.js';
import { LAB_TOOL_UNIT } from '../lab/lab-apt-repository.js';
import { Lab } from '../lab/lab.js';
import { kubeadmAgentConfigYaml } from '../lab/kubeadm/kubeadm-agent-config.js';
import { hostEtcdctl, labEtcdClientFiles } from '../lab/tls-etcd.js';
import { CONTAINERD_UNIT, KUBELET_UNIT } from '../lab/kubeadm/kubeadm-units.js';
import { writeLabKubeadmCoordinatorConfig } from '../lab/noderoll-config.js';
import { E2eSuite, logger, note, PDB_APP, PDB_MIN_AVAILABLE } from './e2e-suite.js';
import { bootIds, completedOperation, expectAgentEtcdAndApiServerGates, expectNothingPending, expectPackagesUpgraded, expectRebootOnlyWhereRequired, expectReportListsChanges, expectSnapshotBackupIntact, expectUnitsActive, runSampledUpdate } from './os-patch-checks.js';

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

  before(async function () {
    this.timeout(600_000);
    const t0 = Date.now();
    s.lab = lab = await Lab.up({
      nodes: NODES.length,
      masters: 3,
      profile: 'kubeadm',
      // a small kubeadm cluster whose control-plane nodes take workloads too (taint removed): the
      // seeded apps fit on the other three nodes whichever one is drained
      controlPlaneTaint: false,
      logger,
      aptRepository: { kernelNodes: [REBOOTED] },
      // the tool's service may be restarted by the agent when a node skips its reboot
      agentConfig: (n) => kubeadmAgentConfigYaml(n, { extraYaml: `install:\n  mode: upgrade-all\nunits:\n  allow: [${KUBELET_UNIT}, ${CONTAINERD_UNIT}, ${LAB_TOOL_UNIT}]\n` }),
    });
    s.config = await writeLabKubeadmCoordinatorConfig(lab);
    note(`kubeadm lab with agents and the apt repository up in ${Date.now() - t0} ms`);
  });

  after(async function () {
    this.timeout(180_000);
    s.killLeftovers();
    await s.lab?.down();
  });

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
    expect(sampler.maxOutOfService, 'nodes out of service at once').to.equal(1);
    expect([...sampler.outOfServiceSeen].sort(), 'each node out of service once').to.deep.equal(NODES);
    expect(sampler.minPdbReady, `${PDB_APP} ready replicas`).to.be.at.least(PDB_MIN_AVAILABLE);

    // every pending upgrade applied by a real apt-get run, recorded per node
    const op = await completedOperation(s);
    await expectPackagesUpgraded(lab, op, NODES, REBOOTED);

    // healthy afterwards: Ready, schedulable, kubelet/containerd/etcd active, and no node needs a restart or reboot
    for (const n of NODES) {
      const node = lab.api!.store.nodes.get(n)!;
      expect(isNodeReady(node), `${n} Ready`).to.equal(true);
      expect(node.spec?.unschedulable, `${n} schedulable`).to.not.equal(true);
      await expectUnitsActive(lab, n, [KUBELET_UNIT, CONTAINERD_UNIT]);
      await expectNothingPending(lab, n);
    }
    const health = await hostEtcdctl(lab.etcdEndpoints(), labEtcdClientFiles(lab.dir), labEtcdClientFiles(lab.dir).cacert, ['endpoint', 'health', '-w', 'json']);
    expect((JSON.parse(health.stdout) as { health: boolean }[]).map((m) => m.health)).to.deep.equal([true, true, true]);

    // the backup: an etcd snapshot streamed from a control-plane agent, on the coordinator's disk, intact
    await expectSnapshotBackupIntact(op);

    // the report lists each node's package changes and the skipped reboots
    await expectReportListsChanges(s);
    note(`gates and backup: ${noteOf('node-1', 'takeBackup')}; node-2: ${noteOf(REBOOTED, 'rebootNode')}; node-1: ${noteOf('node-1', 'rebootNode')}`);
  });
});
