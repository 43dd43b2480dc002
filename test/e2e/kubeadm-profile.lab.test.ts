import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient, readAgentClientTls } from '../../shared/agent-api/agent-client.js';
import { isNodeReady } from '../kube-api/k8s-predicates.js';
import { LAB_APT_UPDATE, LAB_KERNEL_PACKAGE, LAB_LIB_PACKAGE, LAB_TOOL_PACKAGE, LAB_TOOL_UNIT } from '../lab/lab-apt-repository.js';
import { Lab } from '../lab/lab.js';
import { kubeadmAgentConfigYaml } from '../lab/kubeadm/kubeadm-agent-config.js';
import { hostEtcdctl, kubeadmHostClientFiles } from '../lab/kubeadm/kubeadm-node.js';
import { CONTAINERD_UNIT, KUBELET_UNIT } from '../lab/kubeadm/kubeadm-units.js';
import { AGENT_GRPC_PORT, writeLabKubeadmCoordinatorConfig } from '../lab/noderoll-config.js';
import { ClusterSampler, E2eSuite, logger, note, PDB_APP, PDB_MIN_AVAILABLE, type Event } from './e2e-suite.js';

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

interface NodeFacts {
  packageChanges?: { name: string; before: string; after: string }[];
  rebootDecision?: { decision: string; reasons?: string[]; servicesRestarted?: string[] };
}

interface StatusOperation {
  status: string;
  backup?: { artifact: string; sizeBytes: number; sha256: string; verification: string; command: string };
  nodes: { name: string; status: string; facts: NodeFacts; steps?: Record<string, { status?: string; note?: string }> }[];
}

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

  async function bootIds(): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const n of NODES) ids.set(n, (await lab.node(n).exec('cat', ['/proc/sys/kernel/random/boot_id'])).stdout.trim());
    return ids;
  }

  async function installed(node: string, pkg: string): Promise<string> {
    return (await lab.node(node).exec('dpkg-query', ['-W', '-f=${Version}', pkg], { okExitCodes: [0, 1] })).stdout;
  }

  it('patches all 4 nodes one at a time: node-2 reboots for its kernel package, the others skip the reboot and restart the replaced service; etcd TLS gate through an agent; the snapshot backup is streamed and verified', async () => {
    const before = await bootIds();
    const sampler = new ClusterSampler(lab);
    sampler.start();
    let run;
    try {
      run = await s.noderoll(['update', '--yes'], { okExitCodes: [0, 1, 2, 3, 4, 5] });
    } finally {
      sampler.stop();
    }
    const failures = run.events.filter((e) => e.type !== 'step-completed' && e.type !== 'step-started' && e.type !== 'progress' && e.type !== 'output').slice(-8);
    expect(run.result.exitCode, `noderoll update exit code; last events: ${JSON.stringify(failures, null, 1)}\n${run.result.stderr.slice(-2000)}`).to.equal(0);
    const completed = run.events.filter((e: Event) => e.type === 'step-completed');
    const noteOf = (node: string, step: string): string => completed.find((e) => e.node === node && e.step === step)?.note ?? '(no step-completed event)';

    // the etcd gate asked a control-plane agent, which used its own client certificates, and the API server's /readyz passed
    const gateResults = run.events.filter((e) => e.type === 'gate-report').flatMap((e) => (e as Event & { results: { gate: string; passed: boolean; summary: string }[] }).results);
    const etcdGates = gateResults.filter((g) => g.gate === 'etcd');
    expect(etcdGates.length, 'etcd gate reports').to.be.greaterThan(0);
    for (const g of etcdGates) expect(g, 'etcd gate').to.deep.include({ passed: true }).and.have.property('summary').that.matches(/^3 etcd members healthy \(asked through the agent of node-[123]\)$/);
    expect(gateResults.filter((g) => g.gate === 'apiserver').map((g) => g.passed), 'API server /readyz gate').to.include(true).and.not.include(false);

    // reboot only where required
    const after = await bootIds();
    for (const n of NODES) {
      if (n === REBOOTED) {
        expect(after.get(n), `${n} boot ID`).to.not.equal(before.get(n));
        expect(noteOf(n, 'rebootNode'), `${n} rebootNode`).to.not.match(/^skipped/);
      } else {
        expect(after.get(n), `${n} boot ID`).to.equal(before.get(n));
        expect(noteOf(n, 'rebootNode'), `${n} rebootNode`).to.match(/^skipped/);
        expect(noteOf(n, 'waitForReboot'), `${n} waitForReboot`).to.match(/^skipped/);
      }
    }
    expect([...sampler.notReadySeen.keys()], 'nodes seen NotReady').to.deep.equal([REBOOTED]);

    // the same sampler invariants as the Gravity suites
    expect(sampler.maxOutOfService, 'nodes out of service at once').to.equal(1);
    expect([...sampler.outOfServiceSeen].sort(), 'each node out of service once').to.deep.equal(NODES);
    expect(sampler.minPdbReady, `${PDB_APP} ready replicas`).to.be.at.least(PDB_MIN_AVAILABLE);

    // every pending upgrade applied by a real apt-get run, recorded per node
    const status = await s.noderoll(['status']);
    const op = (status.events.find((e) => e.type === 'status') as Event & { operation?: StatusOperation }).operation!;
    expect(op.status).to.equal('completed');
    for (const n of NODES) {
      for (const pkg of [LAB_TOOL_PACKAGE, LAB_LIB_PACKAGE]) expect(await installed(n, pkg), `${n} ${pkg}`).to.equal(LAB_APT_UPDATE);
      expect(await installed(n, LAB_KERNEL_PACKAGE), `${n} ${LAB_KERNEL_PACKAGE}`).to.equal(n === REBOOTED ? LAB_APT_UPDATE : '');
      const facts = op.nodes.find((x) => x.name === n)!.facts;
      const changes = (facts.packageChanges ?? []).map((c) => `${c.name} ${c.before} -> ${c.after}`);
      expect(changes, `${n} package changes`).to.include.members([`${LAB_LIB_PACKAGE} 1.0 -> ${LAB_APT_UPDATE}`, `${LAB_TOOL_PACKAGE} 1.0 -> ${LAB_APT_UPDATE}`]);
      expect(changes.some((c) => c.startsWith(LAB_KERNEL_PACKAGE)), `${n} kernel change`).to.equal(n === REBOOTED);
      expect(facts.rebootDecision?.decision, `${n} reboot decision`).to.equal(n === REBOOTED ? 'reboot' : 'skip');
      if (n !== REBOOTED) expect(facts.rebootDecision?.servicesRestarted ?? [], `${n} services restarted`).to.include(LAB_TOOL_UNIT);
    }

    // healthy afterwards: Ready, schedulable, kubelet/containerd/etcd active, and no node needs a restart or reboot
    const files = lab.pki!.coordinator;
    for (const n of NODES) {
      const node = lab.api!.store.nodes.get(n)!;
      expect(isNodeReady(node), `${n} Ready`).to.equal(true);
      expect(node.spec?.unschedulable, `${n} schedulable`).to.not.equal(true);
      for (const u of [KUBELET_UNIT, CONTAINERD_UNIT]) expect((await lab.node(n).exec('systemctl', ['is-active', u], { okExitCodes: [0, 3] })).stdout.trim(), `${n} ${u}`).to.equal('active');
      const client = new AgentClient(`${lab.node(n).names.nodeAddress}:${AGENT_GRPC_PORT}`, { tls: await readAgentClientTls({ caFile: files.ca, certFile: files.cert, keyFile: files.key }, n), defaultDeadlineMs: 15_000 });
      try {
        const advice = await client.getRebootAdvice();
        expect({ required: advice.required, services: advice.servicesToRestart }, `${n} advice afterwards`).to.deep.equal({ required: false, services: [] });
      } finally {
        client.close();
      }
    }
    const health = await hostEtcdctl(lab.etcdEndpoints(), kubeadmHostClientFiles(lab.dir), kubeadmHostClientFiles(lab.dir).cacert, ['endpoint', 'health', '-w', 'json']);
    expect((JSON.parse(health.stdout) as { health: boolean }[]).map((m) => m.health)).to.deep.equal([true, true, true]);

    // the backup: an etcd snapshot streamed from a control-plane agent, on the coordinator's disk, intact
    const backup = op.backup!;
    expect(backup, 'backup record').to.not.equal(undefined);
    const bytes = await readFile(backup.artifact);
    expect(bytes.length, 'backup size').to.equal(backup.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex'), 'backup sha256').to.equal(backup.sha256);
    const snapshotStatus = await hostEtcdctl([], undefined, '', ['snapshot', 'status', backup.artifact, '-w', 'json']);
    expect((JSON.parse(snapshotStatus.stdout) as { revision: number }).revision, 'snapshot revision').to.be.greaterThan(0);

    // the report lists each node's package changes and the skipped reboots
    const out = await mkdtemp(join(tmpdir(), 'noderoll-kubeadm-report-'));
    try {
      await s.noderoll(['report', '--out', out]);
      // markdown escapes `>` as &gt;
      const md = (await readFile(join(out, (await readdir(out)).find((f) => f.endsWith('.md'))!), 'utf8')).replace(/&gt;/g, '>');
      expect(md).to.contain(`${LAB_TOOL_PACKAGE} 1.0 -> ${LAB_APT_UPDATE}`).and.to.contain(`${LAB_KERNEL_PACKAGE} 1.0 -> ${LAB_APT_UPDATE}`).and.to.match(/skip/i);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    note(`gates and backup: ${noteOf('node-1', 'takeBackup')}; node-2: ${noteOf(REBOOTED, 'rebootNode')}; node-1: ${noteOf('node-1', 'rebootNode')}`);
  });
});
