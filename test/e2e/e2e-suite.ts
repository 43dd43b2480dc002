import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { parseClusterHealthV2 } from '../../shared/etcd/cluster-health.js';
import { createLogger } from '../../shared/log/logger.js';
import { isNodeReady, isPodReady } from '../kube-api/k8s-predicates.js';
import { Lab, PLANET_VERSIONS_LATER, PLANET_VERSION_UPDATE, projectDir } from '../lab/lab.js';
import { TELEPORT_UNIT } from '../lab/node-rootfs.js';
import { AGENT_GRPC_PORT, AGENT_HTTP_PORT, labAgentConfigYaml, writeLabCoordinatorConfig, type CoordinatorConfigOptions } from '../lab/noderoll-config.js';
import { agentUnitState, dpkgInstallAgent, labAgentPackage, stageAgentPackage, waitAgentReady, type LabAgentPackage } from '../lab/lab-agent.js';
import { AgentClient, readAgentClientTls, type NodeInfo } from '../../shared/agent-api/agent-client.js';

/**
 * What the end-to-end scenarios share: one 3-node lab with agents per suite, noderoll run as a user
 * runs it, and the checks of a healthy cluster. A suite runs with one state backend: `file` (the state
 * file on the coordinator's host) or `kubernetes` (a Lease and a ConfigMap in the lab's API server,
 * each coordinator acting as its own least-privilege ServiceAccount from deploy/ on the secure port).
 */

export const logger = createLogger('e2e-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });
const NODEROLL = join(projectDir, 'dist/coordinator/main.js');
export const PDB_APP = 'payments';
export const PDB_MIN_AVAILABLE = 2;
/** Node clocks off by 20 minutes either way (their kubelet stand-in and agent see it): the update must not care. */
export const CLOCK_OFFSET_MS: Record<string, number> = { 'node-2': -20 * 60_000, 'node-3': +20 * 60_000 };

export type StateBackendName = 'file' | 'kubernetes';

/**
 * A coordinator as if on its own host: `a` is the usual one; `b` has its own state directory and, with
 * the kubernetes backend, its own ServiceAccount, token and kubeconfig.
 */
export type Coordinator = 'a' | 'b';
const SERVICE_ACCOUNT: Record<Coordinator, string> = { a: 'noderoll', b: 'noderoll-b' };

export interface Event {
  type: string;
  node?: string;
  step?: string;
  note?: string;
  reason?: string;
  message?: string;
  exitCode?: number;
  details?: string[];
  resumeCommand?: string;
  durationMs?: number;
  waitingMs?: number;
  overheadMs?: number;
}

export interface Run {
  result: CommandResult;
  events: Event[];
}

export interface NoderollOptions {
  okExitCodes?: number[];
  signal?: AbortSignal;
  onEvent?: (e: Event) => void;
  /** Which coordinator's config (default a). */
  as?: Coordinator;
  onSpawn?: (pid: number) => void;
}

export function note(text: string): void {
  process.stdout.write(`      ${text}\n`);
}

/** Samples the lab API server through a whole run: nodes out of service, NotReady nodes, PDB app availability. */
export class ClusterSampler {
  maxOutOfService = 0;
  /** Masters (etcd members) and workers out of service at one sample, counted apart. */
  maxMastersOut = 0;
  maxWorkersOut = 0;
  /** Every set of nodes seen out of service together ("node-4,node-5"). */
  outTogether = new Set<string>();
  outOfServiceSeen = new Set<string>();
  /** Nodes seen with Ready other than True, and how (status/reason). */
  notReadySeen = new Map<string, string>();
  minPdbReady = Number.POSITIVE_INFINITY;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly lab: Lab) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), 100);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private sample(): void {
    const store = this.lab.api!.store;
    const out = store.nodes.list().filter((n) => n.spec?.unschedulable === true || !isNodeReady(n));
    out.forEach((n) => this.outOfServiceSeen.add(n.metadata.name));
    for (const n of store.nodes.list()) {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      if (!isNodeReady(n) && !this.notReadySeen.has(n.metadata.name)) this.notReadySeen.set(n.metadata.name, `${ready?.status ?? 'missing'}/${ready?.reason ?? ''}`);
    }
    this.maxOutOfService = Math.max(this.maxOutOfService, out.length);
    const masters = out.filter((n) => this.lab.nodes.find((l) => l.name === n.metadata.name)?.role === 'master').length;
    this.maxMastersOut = Math.max(this.maxMastersOut, masters);
    this.maxWorkersOut = Math.max(this.maxWorkersOut, out.length - masters);
    if (out.length > 0) this.outTogether.add(out.map((n) => n.metadata.name).sort().join(','));
    const pdbReady = store.pods.list('default').filter((p) => p.metadata.labels?.['app'] === PDB_APP && p.status?.phase === 'Running' && isPodReady(p)).length;
    this.minPdbReady = Math.min(this.minPdbReady, pdbReady);
    this.samples += 1;
  }
}

/**
 * Whether a process runs: /proc/PID/stat exists and is not a zombie. A detached coordinator is
 * reparented to PID 1, which here is no init that reaps promptly, so signal 0 alone is not enough.
 */
export function processExists(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** The nodes the scenarios update unless one says otherwise: the file backend's lab has two more workers (pool scenarios). */
export const UPDATED_BY_DEFAULT = ['node-1', 'node-2', 'node-3'];

export class E2eSuite {
  lab: Lab | undefined;
  /** Coordinator a's config file. */
  config = '';
  private readonly versions = [PLANET_VERSION_UPDATE, ...PLANET_VERSIONS_LATER];
  private nextVersion = 0;
  /** noderoll processes this suite started; a failed scenario may leave one frozen (SIGSTOP) or running. */
  private readonly started = new Set<number>();
  /** Coordinator a's config options, rewritten into b's config too. */
  private configOptions: CoordinatorConfigOptions = {};

  constructor(readonly backend: StateBackendName) {}

  theLab(): Lab {
    if (!this.lab) throw new Error('lab did not come up');
    return this.lab;
  }

  takeVersion(): string {
    const version = this.versions[this.nextVersion++];
    if (version === undefined) throw new Error(`the lab offers ${this.versions.length} update versions; add more to PLANET_VERSIONS_LATER (test/lab/lab.ts)`);
    return version;
  }

  /** The version the next takeVersion() returns, without taking it. */
  peekVersion(): string {
    return this.versions[this.nextVersion]!;
  }

  async up(): Promise<void> {
    const t0 = Date.now();
    // 3 masters (etcd members) and, with the file backend, 2 workers (kubelet stand-in, no etcd) for the pool scenario.
    this.lab = await Lab.up({ nodes: this.backend === 'file' ? 5 : 3, masters: 3, logger, agentConfig: labAgentConfigYaml, clockOffsetMs: CLOCK_OFFSET_MS, ...(this.backend === 'kubernetes' ? { secureApi: true } : {}) });
    await this.writeConfig();
    note(`lab with agents up in ${Date.now() - t0} ms (state backend: ${this.backend})`);
  }

  /**
   * Writes coordinator a's config (and b's, the same settings with b's own directory and identity).
   * leaseDuration applies to the kubernetes backend (default: the product's 30s).
   */
  async writeConfig(options: CoordinatorConfigOptions & { leaseDuration?: string } = {}): Promise<void> {
    this.configOptions = { nodes: UPDATED_BY_DEFAULT, ...options };
    this.config = await this.writeConfigOf('a');
    await this.writeConfigOf('b');
  }

  /** The config file of coordinator `who`. */
  configOf(who: Coordinator): string {
    return who === 'a' ? this.config : join(this.theLab().dir, 'noderoll-b', 'config.yaml');
  }

  /** The ServiceAccount user coordinator `who` acts as (kubernetes backend). */
  async identityOf(who: Coordinator): Promise<{ username: string; kubeconfig: string }> {
    return this.theLab().coordinatorIdentity(SERVICE_ACCOUNT[who]);
  }

  private async writeConfigOf(who: Coordinator): Promise<string> {
    const l = this.theLab();
    const { leaseDuration, ...options } = this.configOptions as CoordinatorConfigOptions & { leaseDuration?: string };
    const backend: CoordinatorConfigOptions =
      this.backend === 'kubernetes' ? { state: { backend: 'kubernetes', ...(leaseDuration ? { leaseDuration } : {}) }, kubeconfig: (await this.identityOf(who)).kubeconfig } : {};
    return writeLabCoordinatorConfig(l, { ...options, ...backend, ...(who === 'b' ? { dir: join(l.dir, 'noderoll-b') } : {}) });
  }

  async noderoll(args: string[], options: NoderollOptions = {}): Promise<Run> {
    const events: Event[] = [];
    let pid: number | undefined;
    try {
      const result = await runCommand({
        file: process.execPath,
        args: [NODEROLL, ...args, '--config', this.configOf(options.as ?? 'a'), '-o', 'json'],
        env: this.theLab().hostEnv(),
        timeoutMs: 280_000,
        okExitCodes: options.okExitCodes ?? [0],
        ...(options.signal ? { signal: options.signal, abortKillSignal: 'SIGKILL' as const } : {}),
        onSpawn: (p) => {
          pid = p;
          this.started.add(p);
          options.onSpawn?.(p);
        },
        onStdoutLine: (line) => {
          if (!line.startsWith('{')) return;
          const e = JSON.parse(line) as Event;
          events.push(e);
          options.onEvent?.(e);
        },
      });
      if (pid !== undefined) this.expectLeaseNotHeldBy(pid, args);
      return { result, events };
    } finally {
      if (pid !== undefined) this.started.delete(pid);
    }
  }

  /** A coordinator that exited (not killed) must have released the Lease, else the next one is refused for a whole lease. */
  private expectLeaseNotHeldBy(pid: number, args: readonly string[]): void {
    if (this.backend !== 'kubernetes') return;
    const holder = this.theLab().api?.store.leases.get('noderoll', 'noderoll-system')?.spec?.holderIdentity;
    if (holder?.split('/')[1] === String(pid)) throw new Error(`\`noderoll ${args.join(' ')}\` (pid ${pid}) exited with the Lease still naming it: ${holder}`);
  }

  /** Continues and kills every noderoll process this suite started that is still there (after a failed scenario). */
  killLeftovers(): number[] {
    const killed: number[] = [];
    for (const pid of this.started) {
      if (!processExists(pid)) continue;
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    }
    return killed;
  }

  /** The coordinator's view of one agent: GetNodeInfo and the operation ledger over mutual TLS. */
  async agentOf(node: string): Promise<{ info: NodeInfo; operationIds: string[] }> {
    const l = this.theLab();
    const files = l.pki!.coordinator;
    const client = new AgentClient(`${l.node(node).names.nodeAddress}:${AGENT_GRPC_PORT}`, { tls: await readAgentClientTls({ caFile: files.ca, certFile: files.cert, keyFile: files.key }, node), defaultDeadlineMs: 10_000 });
    try {
      return { info: await client.getNodeInfo(), operationIds: (await client.listOperations()).map((o) => `${o.id} ${o.state}`) };
    } finally {
      client.close();
    }
  }

  /** A newer build of the agent's package than the lab installed (same code, version <installed>+lab.1). */
  async newerAgentPackage(): Promise<{ pkg: LabAgentPackage; debInNode: string }> {
    const pkg = await labAgentPackage({ version: `${this.theLab().agentPackage!.version}+lab.1`, logger });
    return { pkg, debInNode: await stageAgentPackage(pkg, this.theLab().packageDir) };
  }

  /** `dpkg -i` of an agent package on a node, as an operator upgrades it; resolves when the new agent process is ready. */
  async upgradeAgent(node: string, debInNode: string): Promise<{ pidBefore: string; pidAfter: string; dpkgOutput: string }> {
    const n = this.theLab().node(node);
    const pidBefore = (await agentUnitState(n)).mainPid;
    const dpkg = await dpkgInstallAgent(n, debInNode);
    const after = await waitAgentReady(n, { readyzUrl: `http://${n.names.nodeAddress}:${AGENT_HTTP_PORT}/readyz`, timeoutMs: 60_000, notPid: pidBefore });
    return { pidBefore, pidAfter: after.mainPid, dpkgOutput: dpkg.stdout + dpkg.stderr };
  }

  async installedVersion(node: string): Promise<string> {
    return (await this.theLab().node(node).exec('dpkg-query', ['-W', '-f=${Version}', 'noderoll-lab-planet'])).stdout;
  }

  /** How often dpkg's log shows the planet package installed, or upgraded to `version`, on the node. */
  async planetInstalls(node: string, version: string): Promise<number> {
    const log = (await this.theLab().node(node).exec('cat', ['/var/log/dpkg.log'])).stdout;
    return log.split('\n').filter((l) => / install noderoll-lab-planet:all /.test(l) || (/ upgrade noderoll-lab-planet:all /.test(l) && l.endsWith(` ${version}`))).length;
  }

  async unitFile(node: string, unit: string): Promise<string> {
    return (await this.theLab().node(node).exec('systemctl', ['show', '--property=UnitFileState,ActiveState,SubState', '--', unit])).stdout.trim().split('\n').sort().join(' ');
  }

  /** The lab nodes the current config updates. */
  configuredNodes(): Lab['nodes'] {
    const names = this.configOptions.nodes;
    return this.theLab().nodes.filter((n) => !names || names.includes(n.name));
  }

  /** Every configured node at the target; every node's gravity units enabled and running, Ready and schedulable; etcd healthy; every pod Running. */
  async expectClusterHealthy(version: string): Promise<void> {
    const l = this.theLab();
    const updated = new Set(this.configuredNodes().map((n) => n.name));
    for (const n of l.nodes) {
      if (updated.has(n.name)) expect(await this.installedVersion(n.name), `${n.name} version`).to.equal(version);
      for (const u of [l.state().planetUnit, TELEPORT_UNIT]) expect(await this.unitFile(n.name, u), `${n.name} ${u}`).to.equal('ActiveState=active SubState=running UnitFileState=enabled');
      const node = l.api!.store.nodes.get(n.name)!;
      expect(isNodeReady(node), `${n.name} Ready`).to.equal(true);
      expect(node.spec?.unschedulable, `${n.name} schedulable`).to.not.equal(true);
    }
    const health = await l.etcdctlClusterHealth();
    expect(parseClusterHealthV2(health.stdout, health.exitCode).healthy, health.stdout).to.equal(true);
    const notRunning = l.api!.store.pods.list().filter((p) => p.status?.phase !== 'Running' && p.status?.phase !== 'Succeeded');
    expect(notRunning.map((p) => p.metadata.name)).to.deep.equal([]);
  }
}
