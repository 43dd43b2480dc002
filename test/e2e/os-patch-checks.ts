import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient, readAgentClientTls } from '../../shared/agent-api/agent-client.js';
import { LAB_APT_UPDATE, LAB_KERNEL_PACKAGE, LAB_LIB_PACKAGE, LAB_TOOL_PACKAGE, LAB_TOOL_UNIT } from '../lab/lab-apt-repository.js';
import { Lab, type LabOptions } from '../lab/lab.js';
import { AGENT_GRPC_PORT } from '../lab/noderoll-config.js';
import { hostEtcdctl, labEtcdClientFiles } from '../lab/tls-etcd.js';
import { isNodeReady } from '../kube-api/k8s-predicates.js';
import { ClusterSampler, logger, note, PDB_APP, PDB_MIN_AVAILABLE, type E2eSuite, type Event, type Run } from './e2e-suite.js';

/**
 * What the kubeadm and k3s e2e suites check alike (issue #15): an `upgrade-all` rolling update from
 * the lab's apt repository with `reboot: auto` — the run, the reboot only where the kernel package
 * asks for it, the package changes recorded per node, no restart pending afterwards, the etcd
 * snapshot backup on the coordinator's disk intact, the report listing the changes.
 */

interface NodeFacts {
  packageChanges?: { name: string; before: string; after: string }[];
  rebootDecision?: { decision: string; reasons?: string[]; servicesRestarted?: string[] };
}

export interface StatusOperation {
  status: string;
  backup?: { artifact: string; sizeBytes: number; sha256: string; verification: string; command: string };
  nodes: { name: string; status: string; facts: NodeFacts; steps?: Record<string, { status?: string; note?: string }> }[];
}

export interface GateResult {
  gate: string;
  passed: boolean;
  summary: string;
}

export interface PatchRun {
  run: Run;
  sampler: ClusterSampler;
  /** The note of a node's step-completed event. */
  noteOf: (node: string, step: string) => string;
  gateResults: GateResult[];
}

export interface PatchLabOptions {
  profile: 'kubeadm' | 'k3s';
  nodes: number;
  masters: number;
  /** The node that gets the kernel package (its upgrade asks for a reboot). */
  rebooted: string;
  /** The profile's agent config for a node, with the extra YAML given. */
  agentConfig: (node: { nodeAddress: string }, options: { extraYaml: string }) => string;
  /** The units the agents may stop and start (the profile's); the lab tool's service is added. */
  units: readonly string[];
  /** Writes the coordinator config for the lab, returns its path. */
  writeConfig: (lab: Lab) => Promise<string>;
  labOptions?: Partial<LabOptions>;
}

/**
 * Mocha hooks of a suite: before, the profile's lab with agents in install mode upgrade-all and the
 * lab apt repository (kernel package on `rebooted` only) and the coordinator config; after, the lab down.
 */
export function patchLabHooks(s: E2eSuite, o: PatchLabOptions): void {
  before(async function () {
    this.timeout(600_000);
    const t0 = Date.now();
    s.lab = await Lab.up({
      nodes: o.nodes,
      masters: o.masters,
      profile: o.profile,
      logger,
      aptRepository: { kernelNodes: [o.rebooted] },
      // the tool's service may be restarted by the agent when a node skips its reboot
      agentConfig: (n) => o.agentConfig(n, { extraYaml: `install:\n  mode: upgrade-all\nunits:\n  allow: [${[...o.units, LAB_TOOL_UNIT].join(', ')}]\n` }),
      ...o.labOptions,
    });
    s.config = await o.writeConfig(s.lab);
    note(`${o.profile} lab with agents and the apt repository up in ${Date.now() - t0} ms`);
  });

  after(async function () {
    this.timeout(180_000);
    s.killLeftovers();
    await s.lab?.down();
  });
}

export async function bootIds(lab: Lab, nodes: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const n of nodes) ids.set(n, (await lab.node(n).exec('cat', ['/proc/sys/kernel/random/boot_id'])).stdout.trim());
  return ids;
}

/** The installed version of a package on a node ('' when not installed). */
export async function installedVersion(lab: Lab, node: string, pkg: string): Promise<string> {
  return (await lab.node(node).exec('dpkg-query', ['-W', '-f=${Version}', pkg], { okExitCodes: [0, 1] })).stdout;
}

/** `noderoll update --yes` with the cluster sampled throughout; fails with the last events unless it exits 0. */
export async function runSampledUpdate(s: E2eSuite, lab: Lab): Promise<PatchRun> {
  const sampler = new ClusterSampler(lab);
  sampler.start();
  let run: Run;
  try {
    run = await s.noderoll(['update', '--yes'], { okExitCodes: [0, 1, 2, 3, 4, 5] });
  } finally {
    sampler.stop();
  }
  const failures = run.events.filter((e) => e.type !== 'step-completed' && e.type !== 'step-started' && e.type !== 'progress' && e.type !== 'output').slice(-8);
  expect(run.result.exitCode, `noderoll update exit code; last events: ${JSON.stringify(failures, null, 1)}\n${run.result.stderr.slice(-2000)}`).to.equal(0);
  const completed = run.events.filter((e: Event) => e.type === 'step-completed');
  const noteOf = (node: string, step: string): string => completed.find((e) => e.node === node && e.step === step)?.note ?? '(no step-completed event)';
  const gateResults = run.events.filter((e) => e.type === 'gate-report').flatMap((e) => (e as Event & { results: GateResult[] }).results);
  return { run, sampler, noteOf, gateResults };
}

/** The etcd gate asked a control-plane agent each time and every member was healthy; the API server's /readyz passed. */
export function expectAgentEtcdAndApiServerGates(r: PatchRun, members: number, controlPlane: readonly string[]): void {
  const etcdGates = r.gateResults.filter((g) => g.gate === 'etcd');
  expect(etcdGates.length, 'etcd gate reports').to.be.greaterThan(0);
  const asked = new RegExp(`^${members} etcd members healthy \\(asked through the agent of (${controlPlane.join('|')})\\)$`);
  for (const g of etcdGates) expect(g, 'etcd gate').to.deep.include({ passed: true }).and.have.property('summary').that.matches(asked);
  expect(r.gateResults.filter((g) => g.gate === 'apiserver').map((g) => g.passed), 'API server /readyz gate').to.include(true).and.not.include(false);
}

/** Only `rebooted` got a new boot ID; the others' rebootNode and waitForReboot were skipped. */
export function expectRebootOnlyWhereRequired(r: PatchRun, before: Map<string, string>, after: Map<string, string>, nodes: readonly string[], rebooted: string): void {
  for (const n of nodes) {
    if (n === rebooted) {
      expect(after.get(n), `${n} boot ID`).to.not.equal(before.get(n));
      expect(r.noteOf(n, 'rebootNode'), `${n} rebootNode`).to.not.match(/^skipped/);
    } else {
      expect(after.get(n), `${n} boot ID`).to.equal(before.get(n));
      expect(r.noteOf(n, 'rebootNode'), `${n} rebootNode`).to.match(/^skipped/);
      expect(r.noteOf(n, 'waitForReboot'), `${n} waitForReboot`).to.match(/^skipped/);
    }
  }
}

/** The operation as `noderoll status` has it (completed). */
export async function completedOperation(s: E2eSuite): Promise<StatusOperation> {
  const status = await s.noderoll(['status']);
  const op = (status.events.find((e) => e.type === 'status') as Event & { operation?: StatusOperation }).operation!;
  expect(op.status).to.equal('completed');
  return op;
}

/** Every pending upgrade applied by a real apt-get run, recorded per node; the kernel package only on `rebooted`. */
export async function expectPackagesUpgraded(lab: Lab, op: StatusOperation, nodes: readonly string[], rebooted: string): Promise<void> {
  for (const n of nodes) {
    for (const pkg of [LAB_TOOL_PACKAGE, LAB_LIB_PACKAGE]) expect(await installedVersion(lab, n, pkg), `${n} ${pkg}`).to.equal(LAB_APT_UPDATE);
    expect(await installedVersion(lab, n, LAB_KERNEL_PACKAGE), `${n} ${LAB_KERNEL_PACKAGE}`).to.equal(n === rebooted ? LAB_APT_UPDATE : '');
    const facts = op.nodes.find((x) => x.name === n)!.facts;
    const changes = (facts.packageChanges ?? []).map((c) => `${c.name} ${c.before} -> ${c.after}`);
    expect(changes, `${n} package changes`).to.include.members([`${LAB_LIB_PACKAGE} 1.0 -> ${LAB_APT_UPDATE}`, `${LAB_TOOL_PACKAGE} 1.0 -> ${LAB_APT_UPDATE}`]);
    expect(changes.some((c) => c.startsWith(LAB_KERNEL_PACKAGE)), `${n} kernel change`).to.equal(n === rebooted);
    expect(facts.rebootDecision?.decision, `${n} reboot decision`).to.equal(n === rebooted ? 'reboot' : 'skip');
    if (n !== rebooted) expect(facts.rebootDecision?.servicesRestarted ?? [], `${n} services restarted`).to.include(LAB_TOOL_UNIT);
  }
}

/** The same sampler invariants as the Gravity suites: one node out of service at a time, each once, the PDB kept. */
export function expectSamplerInvariants(sampler: ClusterSampler, nodes: readonly string[]): void {
  expect(sampler.maxOutOfService, 'nodes out of service at once').to.equal(1);
  expect([...sampler.outOfServiceSeen].sort(), 'each node out of service once').to.deep.equal([...nodes].sort());
  expect(sampler.minPdbReady, `${PDB_APP} ready replicas`).to.be.at.least(PDB_MIN_AVAILABLE);
}

/** Healthy afterwards: Ready, schedulable, the profile's units active, and its agent sees no restart or reboot pending. */
export async function expectNodeHealthyAfter(lab: Lab, node: string, units: readonly string[]): Promise<void> {
  const n = lab.api!.store.nodes.get(node)!;
  expect(isNodeReady(n), `${node} Ready`).to.equal(true);
  expect(n.spec?.unschedulable, `${node} schedulable`).to.not.equal(true);
  await expectUnitsActive(lab, node, units);
  await expectNothingPending(lab, node);
}

/** Every etcd member answers healthy to the host's client certificate. */
export async function expectEtcdMembersHealthy(lab: Lab, members: number): Promise<void> {
  const client = labEtcdClientFiles(lab.dir);
  const health = await hostEtcdctl(lab.etcdEndpoints(), client, client.cacert, ['endpoint', 'health', '-w', 'json']);
  expect((JSON.parse(health.stdout) as { health: boolean }[]).map((m) => m.health)).to.deep.equal(Array.from({ length: members }, () => true));
}

/** Units active on a node. */
export async function expectUnitsActive(lab: Lab, node: string, units: readonly string[]): Promise<void> {
  for (const u of units) expect((await lab.node(node).exec('systemctl', ['is-active', u], { okExitCodes: [0, 3] })).stdout.trim(), `${node} ${u}`).to.equal('active');
}

/** The node's agent says no reboot is required and no service needs a restart. */
export async function expectNothingPending(lab: Lab, node: string): Promise<void> {
  const files = lab.pki!.coordinator;
  const client = new AgentClient(`${lab.node(node).names.nodeAddress}:${AGENT_GRPC_PORT}`, { tls: await readAgentClientTls({ caFile: files.ca, certFile: files.cert, keyFile: files.key }, node), defaultDeadlineMs: 15_000 });
  try {
    const advice = await client.getRebootAdvice();
    expect({ required: advice.required, services: advice.servicesToRestart }, `${node} advice afterwards`).to.deep.equal({ required: false, services: [] });
  } finally {
    client.close();
  }
}

/** The backup: an etcd snapshot streamed from a control-plane agent, on the coordinator's disk, intact (size, sha256, etcdctl snapshot status). */
export async function expectSnapshotBackupIntact(op: StatusOperation): Promise<NonNullable<StatusOperation['backup']>> {
  const backup = op.backup!;
  expect(backup, 'backup record').to.not.equal(undefined);
  const bytes = await readFile(backup.artifact);
  expect(bytes.length, 'backup size').to.equal(backup.sizeBytes);
  expect(createHash('sha256').update(bytes).digest('hex'), 'backup sha256').to.equal(backup.sha256);
  const snapshotStatus = await hostEtcdctl([], undefined, '', ['snapshot', 'status', backup.artifact, '-w', 'json']);
  expect((JSON.parse(snapshotStatus.stdout) as { revision: number }).revision, 'snapshot revision').to.be.greaterThan(0);
  return backup;
}

/** The report lists each node's package changes and the skipped reboots. */
export async function expectReportListsChanges(s: E2eSuite): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'noderoll-report-'));
  try {
    await s.noderoll(['report', '--out', out]);
    // markdown escapes `>` as &gt;
    const md = (await readFile(join(out, (await readdir(out)).find((f) => f.endsWith('.md'))!), 'utf8')).replace(/&gt;/g, '>');
    expect(md).to.contain(`${LAB_TOOL_PACKAGE} 1.0 -> ${LAB_APT_UPDATE}`).and.to.contain(`${LAB_KERNEL_PACKAGE} 1.0 -> ${LAB_APT_UPDATE}`).and.to.match(/skip/i);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
