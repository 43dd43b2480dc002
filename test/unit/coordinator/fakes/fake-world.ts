import { createHash, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type {
  BackupRecord,
  BackupTaker,
  DrainBlocker,
  DrainOptions,
  EtcdHealthReader,
  ForeseenDrainBlocker,
  GravityStatusReader,
  HealthReading,
  KubeNode,
  KubePod,
  KubernetesCluster,
  NodeRole,
} from '../../../../coordinator/ports/cluster.js';
import { DrainError } from '../../../../coordinator/ports/cluster.js';
import {
  AgentUnreachableError,
  type RebootAdvice,
  type EtcdHealthReport,
  type EtcdSnapshotRequest,
  type EtcdSnapshotOutcome,
  type AgentIdentity,
  type AgentOperationStatus,
  type CallOptions,
  type InstallOutcome,
  type InstallOutputLine,
  type InstallRequest,
  type JournalEntry,
  type JournalScan,
  type JournalScanRequest,
  type NodeAgent,
  type PlanetCheck,
  type RebootAck,
  type RebootRequest,
  type InstallMode,
  type PackageChange,
  type UpdatePhaseRequest,
  type UnitChangeRequest,
  type UnitState,
} from '../../../../coordinator/ports/node-agent.js';
import { DEFAULT_VERSION_PATTERN } from '../../../../shared/validation/version.js';
import { foreseeNodeByNode } from '../../../../coordinator/plan/drain-foresight-plan.js';
import type { FakeClock } from './fake-clock.js';

export const PLANET_UNIT = 'gravity__gravitational.io__planet__7.0.67-11709.service';
export const TELEPORT_UNIT = 'gravity__gravitational.io__teleport__3.2.17.service';
export const UPDATE_PACKAGE = 'gravity-planet';
export const KUBELET_UNIT = 'kubelet.service';
export const CONTAINERD_UNIT = 'containerd.service';

/** gravity: planet and teleport units, planet makes the node Ready; kubeadm: kubelet and containerd, kubelet makes it Ready, masters run etcd. */
export type FakeProfile = 'gravity' | 'kubeadm';

interface Unit {
  load: string;
  active: string;
  sub: string;
  /** UnitFileState; enabled when absent. A disabled unit stays down at the next boot. */
  file?: string;
}

export interface FakeNode {
  name: string;
  role: NodeRole;
  bootId: string;
  boots: number;
  power: 'on' | 'rebooting' | 'off';
  upAt: number;
  cordoned: boolean;
  /** Heartbeat time as the node's kubelet stamps it (its own clock). */
  lastHeartbeat: number;
  /** The node's clock minus the real one: stamps its heartbeats and the agent's reported time. */
  clockOffsetMs: number;
  /** The kubelet fills in status.nodeInfo.bootID (real kubelets do). */
  kubeletReportsBootId: boolean;
  version: string;
  units: Map<string, Unit>;
  journal: JournalEntry[];
  annotations: Record<string, string>;
  /** Faults applied at the next boot. */
  onNextBoot: { failUnits?: string[]; journalErrors?: string[]; powerOff?: boolean; planetChecksFail?: boolean; stopUnits?: string[]; runningButDisabled?: string[] };
  planetChecksFail: boolean;
  ops: Map<string, { kind: string; state: 'running' | 'succeeded' | 'failed' | 'interrupted'; bootId: string; version?: string; detail?: string }>;
  calls: { install: number; reboot: number; stopUnit: number; enable: number; drain: number };
  /** Update phases the agent accepted (SetUpdatePhase), in order. */
  phases: { operationId: string; phase: string; deadlineMs: number }[];
  /** SetUpdatePhase fails (an agent that cannot write its state directory). */
  phaseReportsFail: boolean;
  /** What the agent reports differently from a healthy agent (identity()). */
  identityOverrides: Partial<AgentIdentity>;
  /**
   * Faults of the next install calls, one per call: the agent dies (its record says interrupted,
   * the caller's stream breaks) before or after the package reached the version.
   */
  installFaults: ('interrupted-before-unpack' | 'interrupted-after-unpack')[];
  /** The agent's install.mode. */
  installMode: InstallMode;
  /** OS packages installed (besides the update package), by name. */
  packages: Record<string, string>;
  /** What `upgrade-all` would install, by name. */
  pendingUpgrades: Record<string, string>;
  /** What the agent advises after an install (and GetRebootAdvice says); a GetRebootAdvice failure when 'error'. */
  rebootAdvice: RebootAdvice | 'error';
  /** Units the agent refuses to restart (not in its units.allow). */
  restartRefused: string[];
  /** Units restarted through RestartUnit, in order. */
  restarted: string[];
  /** etcd on this node answers (kubeadm masters); false: CheckEtcdHealth fails (no etcd configured). */
  etcdConfigured: boolean;
}

/** Compiled once per pattern: the simulation lists units at every health check of thousands of runs. */
const globs = new Map<string, RegExp>();

function glob(pattern: string): RegExp {
  let re = globs.get(pattern);
  if (!re) {
    re = new RegExp('^' + pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    globs.set(pattern, re);
  }
  return re;
}

/**
 * A small simulated cluster for engine tests: nodes with boot IDs, systemd units, a journal,
 * packages and power; Kubernetes nodes derived from them; gravity and etcd health derived from
 * planet. Time is the fake clock. A sampler records how many nodes were out of service at once.
 */
export class FakeWorld {
  readonly nodes = new Map<string, FakeNode>();
  rebootMs = 20_000;
  /** Max number of nodes cordoned or NotReady seen at any sample. */
  maxOutOfService = 0;
  outOfServiceLog: string[] = [];
  drainBlocker: DrainBlocker | undefined;
  /** What drain foresight finds on each node (none when absent); change it to clear a blocker. */
  readonly foreseenBlockers = new Map<string, ForeseenDrainBlocker[]>();
  /** Nodes drain foresight was asked about, in order. */
  foresightChecks: string[] = [];
  podsFailing: string[] = [];
  /** Package versions whose planet unit fails to start: a node booting with one comes up with planet failed (a broken release). */
  readonly brokenVersions = new Set<string>();
  backups = 0;
  annotationsSet: { node: string; phase: string | null }[] = [];
  /** Snapshots the agents streamed (node, destination). */
  snapshots: { node: string; destination: string }[] = [];
  /** The agent announces a digest that the streamed bytes do not have (a corrupted stream). */
  snapshotDigestWrong = false;
  /** The units started at boot and the one whose running makes the kubelet post Ready. */
  readonly bootUnits: readonly string[];
  readonly readyUnit: string;

  constructor(
    readonly clock: FakeClock,
    spec: { name: string; role: NodeRole }[],
    readonly fromVersion = '7.0.67',
    readonly profile: FakeProfile = 'gravity',
    /** Where boot IDs come from (the simulation passes a seeded one, so that a seed replays exactly). */
    private readonly newId: () => string = randomUUID,
  ) {
    this.bootUnits = profile === 'kubeadm' ? [KUBELET_UNIT, CONTAINERD_UNIT] : [PLANET_UNIT, TELEPORT_UNIT];
    this.readyUnit = profile === 'kubeadm' ? KUBELET_UNIT : PLANET_UNIT;
    for (const s of spec) {
      this.nodes.set(s.name, {
        name: s.name,
        role: s.role,
        bootId: this.newId(),
        boots: 0,
        power: 'on',
        upAt: 0,
        cordoned: false,
        lastHeartbeat: clock.now(),
        clockOffsetMs: 0,
        kubeletReportsBootId: true,
        version: fromVersion,
        units: new Map(this.bootUnits.map((u) => [u, { load: 'loaded', active: 'active', sub: 'running' }])),
        journal: [],
        annotations: {},
        onNextBoot: {},
        planetChecksFail: false,
        ops: new Map(),
        calls: { install: 0, reboot: 0, stopUnit: 0, enable: 0, drain: 0 },
        phases: [],
        phaseReportsFail: false,
        identityOverrides: {},
        installFaults: [],
        installMode: 'command',
        packages: {},
        pendingUpgrades: {},
        rebootAdvice: { required: true, reasons: ['fake agent: every install requires a reboot'], servicesToRestart: [] },
        restartRefused: [],
        restarted: [],
        etcdConfigured: profile === 'kubeadm' && s.role === 'master',
      });
    }
    clock.onTick(() => this.tick());
  }

  node(name: string): FakeNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no fake node ${name}`);
    return n;
  }

  /** Boots rebooting nodes whose time has come; refreshes heartbeats; samples the invariant. */
  tick(): void {
    const now = this.clock.now();
    for (const n of this.nodes.values()) {
      if (n.power === 'rebooting' && now >= n.upAt) this.boot(n);
      if (this.kubeletReady(n)) n.lastHeartbeat = now + n.clockOffsetMs;
    }
    this.sample();
  }

  private boot(n: FakeNode): void {
    const faults = n.onNextBoot;
    n.onNextBoot = {};
    if (faults.powerOff) {
      n.power = 'off';
      return;
    }
    n.power = 'on';
    n.bootId = this.newId();
    n.boots++;
    for (const [u, s] of n.units) {
      if (!this.bootUnits.includes(u)) continue;
      // A disabled gravity unit does not start at boot; a runningButDisabled one comes up running with
      // its unit file disabled (e.g. an update replaced it and something else started it).
      const runningButDisabled = (faults.runningButDisabled ?? []).includes(u);
      const starts = runningButDisabled || (s.file ?? 'enabled') === 'enabled';
      n.units.set(u, { ...s, load: 'loaded', active: starts ? 'active' : 'inactive', sub: starts ? 'running' : 'dead', ...(runningButDisabled ? { file: 'disabled' } : {}) });
    }
    const failUnits = [...(faults.failUnits ?? []), ...(this.brokenVersions.has(n.version) ? [PLANET_UNIT] : [])];
    for (const u of failUnits) n.units.set(u, { load: 'loaded', active: 'failed', sub: 'failed' });
    for (const u of faults.stopUnits ?? []) n.units.set(u, { load: 'loaded', active: 'inactive', sub: 'dead' });
    n.planetChecksFail = faults.planetChecksFail ?? false;
    for (const m of faults.journalErrors ?? []) n.journal.push({ timeMs: this.clock.now(), priority: 3, message: m, unit: 'kubelet.service', bootId: n.bootId });
    n.lastHeartbeat = this.clock.now() + n.clockOffsetMs;
  }

  planetActive(n: FakeNode): boolean {
    return n.power === 'on' && n.units.get(this.readyUnit)?.active === 'active';
  }

  kubeletReady(n: FakeNode): boolean {
    return this.planetActive(n);
  }

  sample(): void {
    // Called on every clock tick and call (the simulation makes hundreds of thousands): count first.
    let count = 0;
    for (const n of this.nodes.values()) if (n.cordoned || !this.kubeletReady(n)) count++;
    if (count > this.maxOutOfService) {
      const out = [...this.nodes.values()].filter((n) => n.cordoned || !this.kubeletReady(n));
      this.maxOutOfService = out.length;
      this.outOfServiceLog.push(`${new Date(this.clock.now()).toISOString()}: ${out.map((n) => n.name).join(', ')}`);
    }
  }

  // ---- Kubernetes -------------------------------------------------------------------------

  kubeNode(n: FakeNode): KubeNode {
    const ready = this.kubeletReady(n);
    return {
      name: n.name,
      ready,
      readyStatus: ready ? 'True' : 'Unknown',
      ...(ready ? {} : { readyReason: 'NodeStatusUnknown' }),
      lastHeartbeatMs: Math.floor(n.lastHeartbeat / 1000) * 1000,
      ...(n.kubeletReportsBootId ? { bootId: n.bootId } : {}),
      unschedulable: n.cordoned,
      role: n.role,
      labels: { 'gravitational.io/k8s-role': n.role },
      annotations: { ...n.annotations },
    };
  }

  readonly cluster: KubernetesCluster = {
    listNodes: async () => {
      this.tick();
      return [...this.nodes.values()].map((n) => this.kubeNode(n));
    },
    getNode: async (name) => {
      this.tick();
      const n = this.nodes.get(name);
      return n ? this.kubeNode(n) : undefined;
    },
    listPods: async (): Promise<KubePod[]> => {
      this.tick();
      const pods: KubePod[] = [];
      for (const n of this.nodes.values()) {
        pods.push({ namespace: 'kube-system', name: `kube-proxy-${n.name}`, phase: 'Running', nodeName: n.name, terminating: false, controllerKind: 'DaemonSet', notReadyContainers: [], waitingReasons: [], labels: {} });
      }
      for (const p of this.podsFailing) pods.push({ namespace: 'default', name: p, phase: 'Pending', terminating: false, notReadyContainers: [], waitingReasons: [], reason: 'Unschedulable', labels: {} });
      return pods;
    },
    cordonNode: async (name) => {
      this.node(name).cordoned = true;
      this.sample();
    },
    uncordonNode: async (name) => {
      this.node(name).cordoned = false;
      this.sample();
    },
    drainNode: async (name: string, options: DrainOptions) => {
      const n = this.node(name);
      n.calls.drain++;
      n.cordoned = true;
      this.sample();
      options.onOutput?.(`node/${name} cordoned`);
      if (this.drainBlocker) {
        await this.clock.sleep(options.timeoutMs, options.signal);
        const b = this.drainBlocker;
        throw new DrainError(name, true, [b], `error when evicting pods/"${b.pod}" -n "${b.namespace}": global timeout reached`, `drain of node ${name} timed out: pod ${b.namespace}/${b.pod} is protected by PodDisruptionBudget ${b.budget?.namespace}/${b.budget?.name} (${b.budget?.detail})`);
      }
      options.onOutput?.(`node/${name} drained`);
    },
    foreseeDrainBlockers: async (name) => {
      this.tick();
      this.foresightChecks.push(name);
      return [...(this.foreseenBlockers.get(name) ?? [])];
    },
    foreseeDrainBlockersOfNodes: (names, signal) => foreseeNodeByNode(this.cluster, names, signal),
    annotateNode: async (name, annotations) => {
      const n = this.node(name);
      for (const [k, v] of Object.entries(annotations)) {
        if (v === null) delete n.annotations[k];
        else n.annotations[k] = v;
      }
      this.annotationsSet.push({ node: name, phase: annotations['noderoll.io/phase'] ?? null });
    },
  };

  // ---- gravity and etcd health -----------------------------------------------------------

  readonly gravity: GravityStatusReader = {
    read: async (): Promise<HealthReading> => {
      this.tick();
      const problems = [...this.nodes.values()].filter((n) => !this.planetActive(n)).map((n) => `node ${n.name} is ${n.power === 'on' ? 'degraded: planet is not running' : 'offline'}`);
      return { healthy: problems.length === 0, problems, warnings: [], command: 'gravity status --output=json', evidence: '' };
    },
  };

  readonly etcd: EtcdHealthReader = {
    read: async (): Promise<HealthReading> => {
      this.tick();
      const problems = [...this.nodes.values()].filter((n) => n.role === 'master' && !this.planetActive(n)).map((n) => `member of ${n.name} is unreachable: dial tcp: connection refused`);
      return { healthy: problems.length === 0, problems, warnings: [], command: 'etcdctl cluster-health', evidence: '' };
    },
  };

  readonly backup: BackupTaker = {
    takeBackup: async (operationId): Promise<BackupRecord> => {
      this.backups++;
      return { artifact: `/backups/${operationId}.tar.gz`, sizeBytes: 1234, sha256: 'ab'.repeat(32), takenAt: new Date(this.clock.now()).toISOString(), command: 'gravity backup', verification: 'artifact exists' };
    },
    verifyRecordedBackup: async () => undefined,
  };

  // ---- agents ------------------------------------------------------------------------------

  agent(name: string): NodeAgent {
    const world = this;
    const n = this.node(name);
    const up = (): void => {
      world.tick();
      if (n.power !== 'on') throw new AgentUnreachableError(name, `${name}:7443`, 'connect ECONNREFUSED');
    };
    const unitState = (u: string): UnitState => {
      const s = n.units.get(u);
      return s ? { name: u, loadState: s.load, activeState: s.active, subState: s.sub, unitFileState: s.file ?? 'enabled' } : { name: u, loadState: 'not-found', activeState: 'inactive', subState: 'dead' };
    };
    return {
      async identity(_o?: CallOptions): Promise<AgentIdentity> {
        up();
        return {
          nodeName: name,
          hostname: name,
          bootId: n.bootId,
          agentVersion: '0.1.0',
          apiVersion: 'v1',
          updatePackage: UPDATE_PACKAGE,
          installMode: n.installMode,
          profile: world.profile,
          etcdConfigured: n.etcdConfigured,
          datastore: n.etcdConfigured ? 'etcd' : '',
          packages: { ...n.packages, [UPDATE_PACKAGE]: n.version },
          installCommandAvailable: true,
          disk: [{ path: '/var/lib/gravity', availableBytes: 50 * 1024 ** 3 }],
          installVersionPattern: DEFAULT_VERSION_PATTERN,
          nodeTimeMs: world.clock.now() + n.clockOffsetMs,
          ...n.identityOverrides,
        };
      },
      async listUnits(pattern: string): Promise<UnitState[]> {
        up();
        const re = glob(pattern);
        return [...n.units.keys()].filter((u) => re.test(u)).map(unitState);
      },
      async stopUnit(unit: string, _r: UnitChangeRequest): Promise<UnitState> {
        up();
        n.calls.stopUnit++;
        const s = n.units.get(unit);
        if (s) n.units.set(unit, { ...s, active: 'inactive', sub: 'dead' });
        world.sample();
        return unitState(unit);
      },
      async enableUnitNow(unit: string): Promise<UnitState> {
        up();
        n.calls.enable++;
        n.units.set(unit, { load: 'loaded', active: 'active', sub: 'running', file: 'enabled' });
        return unitState(unit);
      },
      async enableUnit(unit: string): Promise<UnitState> {
        up();
        n.calls.enable++;
        const s = n.units.get(unit) ?? { load: 'loaded', active: 'inactive', sub: 'dead' };
        n.units.set(unit, { ...s, file: 'enabled' });
        return unitState(unit);
      },
      async failedUnits(): Promise<UnitState[]> {
        up();
        return [...n.units.entries()].filter(([, s]) => s.active === 'failed').map(([u]) => unitState(u));
      },
      async scanJournal(req: JournalScanRequest): Promise<JournalScan> {
        up();
        const bootId = req.start.kind === 'boot' ? req.start.bootId : n.bootId;
        const matching = n.journal.filter((e) => e.bootId === bootId && e.priority <= req.maxPriority);
        // journalctl --reverse --lines=N for `newest`, else the oldest N in order.
        const entries = req.newest ? matching.slice(-req.maxEntries).reverse() : matching.slice(0, req.maxEntries);
        return { entries, truncated: matching.length > req.maxEntries };
      },
      async install(req: InstallRequest, onOutput: (l: InstallOutputLine) => void): Promise<InstallOutcome> {
        up();
        const known = n.ops.get(req.operationId);
        if (known) return { operationId: req.operationId, succeeded: known.state === 'succeeded', installedVersion: n.version, replayed: true, ...(known.detail ? { detail: known.detail } : {}) };
        if ((req.mode ?? 'command') !== n.installMode) throw new Error(`FAILED_PRECONDITION: the coordinator asks for install mode ${req.mode ?? 'command'}, this agent's install.mode is ${n.installMode}`);
        if (n.installMode !== 'command') return world.installPackages(n, req, onOutput);
        n.calls.install++;
        onOutput({ stream: 'stdout', line: `Unpacking ${UPDATE_PACKAGE} (${req.version}) over (${n.version}) ...` });
        const fault = n.installFaults.shift();
        if (fault) {
          if (fault === 'interrupted-after-unpack') n.version = req.version;
          const detail = `the agent stopped while install version ${req.version} (operation ${req.operationId}) was running (agent restart or node reboot); its outcome is unknown`;
          n.ops.set(req.operationId, { kind: 'install', state: 'interrupted', bootId: n.bootId, version: req.version, detail });
          throw new AgentUnreachableError(name, `${name}:7443`, 'UNAVAILABLE: the install stream ended: the agent restarted');
        }
        n.version = req.version;
        onOutput({ stream: 'stdout', line: `Setting up ${UPDATE_PACKAGE} (${req.version}) ...` });
        n.ops.set(req.operationId, { kind: 'install', state: 'succeeded', bootId: n.bootId, version: req.version });
        return { operationId: req.operationId, succeeded: true, exitCode: 0, installedVersion: req.version, replayed: false };
      },
      async planetChecks(): Promise<PlanetCheck[]> {
        up();
        const ok = world.planetActive(n) && !n.planetChecksFail;
        return [
          { name: 'etcd-member', passed: ok, detail: ok ? 'healthy' : 'member unhealthy' },
          { name: 'kubelet', passed: world.planetActive(n), detail: 'running' },
        ];
      },
      async reboot(req: RebootRequest): Promise<RebootAck> {
        up();
        const before = n.bootId;
        if (n.ops.has(req.operationId)) return { operationId: req.operationId, bootId: before, replayed: true };
        n.calls.reboot++;
        n.ops.set(req.operationId, { kind: 'reboot', state: 'running', bootId: before });
        n.power = 'rebooting';
        n.upAt = world.clock.now() + world.rebootMs;
        world.sample();
        return { operationId: req.operationId, bootId: before, replayed: false };
      },
      async setUpdatePhase(req: UpdatePhaseRequest): Promise<void> {
        up();
        if (n.phaseReportsFail) throw new Error(`agent of ${n.name}: update-phase.json: read-only file system`);
        n.phases.push({ operationId: req.operationId, phase: req.phase, deadlineMs: req.deadlineMs });
      },
      async rebootAdvice(): Promise<RebootAdvice> {
        up();
        if (n.rebootAdvice === 'error') throw new Error('INTERNAL: cannot read /var/run/reboot-required');
        return structuredClone(n.rebootAdvice);
      },
      async restartUnit(unit: string): Promise<UnitState> {
        up();
        if (n.restartRefused.includes(unit)) throw new Error(`PERMISSION_DENIED: ${unit} is not in the agent's units.allow`);
        n.restarted.push(unit);
        const s = n.units.get(unit) ?? { load: 'loaded', active: 'inactive', sub: 'dead' };
        n.units.set(unit, { ...s, active: 'active', sub: 'running' });
        return unitState(unit);
      },
      async etcdHealth(): Promise<EtcdHealthReport> {
        up();
        if (!n.etcdConfigured) throw new Error('FAILED_PRECONDITION: etcd is not configured on this node');
        // Every master runs a member (the static pod comes and goes with its kubelet).
        const members = [...world.nodes.values()].filter((m) => m.role === 'master').map((m) => ({ endpoint: `https://${m.name}:2379`, healthy: world.planetActive(m), ...(world.planetActive(m) ? {} : { error: 'context deadline exceeded' }) }));
        return { members, allHealthy: members.every((m) => m.healthy), command: ['etcdctl', 'endpoint', 'health', '--cluster', '-w', 'json'] };
      },
      async saveEtcdSnapshot(req: EtcdSnapshotRequest, destination: string): Promise<EtcdSnapshotOutcome> {
        up();
        if (!n.etcdConfigured) throw new Error('FAILED_PRECONDITION: etcd is not configured on this node');
        const bytes = Buffer.from(`etcd snapshot of ${name} for ${req.operationId}\n`.repeat(64));
        await writeFile(destination, bytes);
        world.snapshots.push({ node: name, destination });
        const sha256 = world.snapshotDigestWrong ? 'ff'.repeat(32) : createHash('sha256').update(bytes).digest('hex');
        return { operationId: req.operationId, sizeBytes: bytes.length, sha256, datastore: 'etcd', revision: 42, totalKeys: 117, etcdHash: 123456, replayed: false };
      },
      async operationStatus(operationId: string): Promise<AgentOperationStatus> {
        up();
        const op = n.ops.get(operationId);
        if (!op) return { operationId, state: 'unknown' };
        // A reboot is done once the node runs a later boot.
        const state = op.kind === 'reboot' && op.bootId !== n.bootId ? 'succeeded' : op.state;
        return { operationId, state, kind: op.kind, bootId: op.bootId, ...(op.detail ? { detail: op.detail } : {}) };
      },
      close(): void {},
    };
  }

  /** The agent's packages / upgrade-all install: package changes sorted by name, the advice read afterwards. */
  installPackages(n: FakeNode, req: InstallRequest, onOutput: (l: InstallOutputLine) => void): InstallOutcome {
    n.calls.install++;
    const fault = n.installFaults.shift();
    const targets = n.installMode === 'packages' ? Object.fromEntries((req.packages ?? []).map((p) => [p.name, p.version])) : { ...n.pendingUpgrades };
    const changes: PackageChange[] = [];
    if (fault === 'interrupted-before-unpack') return this.interruptInstall(n, req);
    for (const [name, after] of Object.entries(targets).sort(([a], [b]) => a.localeCompare(b))) {
      const before = n.packages[name] ?? '';
      if (before === after) continue;
      onOutput({ stream: 'stdout', line: `Setting up ${name} (${after}) ...` });
      n.packages[name] = after;
      changes.push({ name, before, after });
    }
    if (n.installMode === 'upgrade-all') n.pendingUpgrades = {};
    if (fault === 'interrupted-after-unpack') return this.interruptInstall(n, req);
    n.ops.set(req.operationId, { kind: 'install', state: 'succeeded', bootId: n.bootId });
    const advice = n.rebootAdvice === 'error' ? { required: true, reasons: [], servicesToRestart: [], problem: 'cannot read /var/run/reboot-required' } : structuredClone(n.rebootAdvice);
    return { operationId: req.operationId, succeeded: true, exitCode: 0, replayed: false, packageChanges: changes, rebootAdvice: advice };
  }

  /** The agent dies during the install: its record says interrupted, the caller's stream breaks. */
  private interruptInstall(n: FakeNode, req: InstallRequest): never {
    n.ops.set(req.operationId, { kind: 'install', state: 'interrupted', bootId: n.bootId, detail: `the agent stopped while install ${req.operationId} was running; its outcome is unknown` });
    throw new AgentUnreachableError(n.name, `${n.name}:7443`, 'UNAVAILABLE: the install stream ended: the agent restarted');
  }
}
