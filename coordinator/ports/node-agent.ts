import { createHash } from 'node:crypto';

/**
 * What the coordinator needs from the noderoll agent on a node — the coordinator's own port.
 * The gRPC client (shared/agent-api) is adapted to this interface in one place; unit tests use an
 * in-memory fake. Every mutating call carries an operation ID: the agent executes an ID once and
 * answers a repeated ID with the recorded outcome, which is what makes `noderoll resume` safe.
 */

export interface CallOptions {
  signal?: AbortSignal;
  /** Deadline of this call; the adapter applies its default when absent. */
  timeoutMs?: number;
}

export interface DiskSpace {
  path: string;
  availableBytes: number;
}

export interface AgentIdentity {
  /**
   * The node the coordinator addressed (from its config, not said by the agent); whether the agent
   * really runs there is decided by its bootId against the Node's (coordinator/plan/preflight.ts).
   */
  nodeName: string;
  hostname: string;
  /** /proc/sys/kernel/random/boot_id: changes on every boot. */
  bootId: string;
  agentVersion: string;
  /** How the agent was built, e.g. "commit 1a2b3c4d5e6f, built 2026-12-01T19:00:00Z, runtime sea" (absent when the agent does not say). */
  agentBuild?: string;
  /** The node's OS, e.g. "Debian GNU/Linux 12 (bookworm), kernel 6.1.0-28-amd64" (absent when the agent does not say). */
  os?: string;
  /** Version of the agent contract as the agent reports it, e.g. "v1" ("" from an agent too old to say). */
  apiVersion: string;
  /** Name of the package the agent's configured install command installs (the "update"). */
  updatePackage: string;
  /** The agent's install.mode (command for agents that do not say). */
  installMode: InstallMode;
  /** The agent's profile: gravity, kubeadm or k3s (gravity for agents that do not say). */
  profile: string;
  /** The agent can check etcd health and take snapshots on its node. */
  etcdConfigured: boolean;
  /** What SaveEtcdSnapshot backs up on its node: etcd, sqlite (a single k3s server), or '' (nothing; older agents). */
  datastore: string;
  /** Installed versions of the packages the agent reports, by package name. Absent = not installed. */
  packages: Readonly<Record<string, string>>;
  /** Whether the agent has an install command configured and present on disk. */
  installCommandAvailable: boolean;
  /** Free space where the install writes (e.g. /var/lib/gravity, /var/cache/apt). */
  disk: readonly DiskSpace[];
  /** Why the agent could not read its filesystems (disk space unknown); absent when it could. */
  diskProblem?: string;
  /** The agent's version rule (its install.versionPattern); absent from agents that do not report it. */
  installVersionPattern?: string;
  /** The node's clock when the agent answered (ms since the epoch), for showing clock skew only. */
  nodeTimeMs?: number;
}

/** `systemctl list-units` / `show` columns of one unit. */
export interface UnitState {
  name: string;
  /** loaded, not-found, masked, error, … */
  loadState: string;
  /** active, inactive, failed, activating, deactivating, reloading. */
  activeState: string;
  /** running, exited, dead, failed, auto-restart, … */
  subState: string;
  /** `systemctl show -p UnitFileState`: enabled, disabled, static, masked, … (absent when the agent did not say). */
  unitFileState?: string;
  description?: string;
}

export type JournalScanStart = { kind: 'boot'; bootId: string } | { kind: 'cursor'; cursor: string };

export interface JournalScanRequest {
  start: JournalScanStart;
  /** syslog priority ceiling, 3 = err (err, crit, alert, emerg). */
  maxPriority: number;
  /** Bound on returned entries, at most JOURNAL_SCAN_MAX_ENTRIES (shared/journal/journal-limits.ts). */
  maxEntries: number;
  /** Read from the newest entry backwards, so a cut scan keeps the most recent entries. */
  newest?: boolean;
}

export interface JournalEntry {
  /** Microsecond realtime timestamp converted to milliseconds. */
  timeMs: number;
  priority: number;
  message: string;
  unit?: string;
  identifier?: string;
  bootId?: string;
  cursor?: string;
  /** MESSAGE was binary; `message` is its UTF-8 decoding with replacement characters. */
  messageBinary?: boolean;
  /** `message` is only the start of MESSAGE (cut by the agent, or omitted by journalctl). */
  messageTruncated?: boolean;
  /** The agent's digest of the whole MESSAGE (variable parts masked), sent when binary or truncated. */
  messageDigest?: string;
}

export interface JournalScan {
  entries: JournalEntry[];
  /** Cursor of the last entry read, to continue from. */
  cursor?: string;
  /** True when more entries matched than were returned. */
  truncated: boolean;
}

/** The agent's install.mode: its configured command with `{version}`, packages at exact versions, or every pending upgrade. */
export type InstallMode = 'command' | 'packages' | 'upgrade-all';
export const INSTALL_MODES: readonly InstallMode[] = ['command', 'packages', 'upgrade-all'];

export interface PackagePin {
  name: string;
  version: string;
}

export interface InstallRequest {
  /** Target version (mode command); validated by both sides against a strict pattern. "" for the other modes. */
  version: string;
  operationId: string;
  /** The mode the coordinator expects the agent to have; absent = command. The agent refuses a mismatch. */
  mode?: InstallMode;
  /** mode packages: each package at the exact version to install. */
  packages?: readonly PackagePin[];
}

/** One package whose installed version an install changed ("" = not installed before / removed). */
export interface PackageChange {
  name: string;
  before: string;
  after: string;
}

/** Whether the node needs a reboot, and why; which services need a restart instead. */
export interface RebootAdvice {
  required: boolean;
  reasons: string[];
  servicesToRestart: string[];
  /** Why the agent could not tell; the coordinator then treats the reboot as required. */
  problem?: string;
}

export interface InstallOutputLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface InstallOutcome {
  operationId: string;
  succeeded: boolean;
  exitCode?: number;
  /** Version of the update package after the install, as the agent reads it. */
  installedVersion?: string;
  /** True when the agent answered from a previous run of the same operation ID. */
  replayed: boolean;
  detail?: string;
  /** Every package whose version changed (absent from agents that do not report it). */
  packageChanges?: PackageChange[];
  /** Read by the agent right after the install (absent from agents that do not report it). */
  rebootAdvice?: RebootAdvice;
}

export interface EtcdMemberHealth {
  endpoint: string;
  healthy: boolean;
  error?: string;
}

export interface EtcdHealthReport {
  members: EtcdMemberHealth[];
  allHealthy: boolean;
  /** The argv the agent ran (paths only). */
  command: string[];
  /** Why health could not be read at all. */
  problem?: string;
}

export interface EtcdSnapshotRequest {
  operationId: string;
}

export interface EtcdSnapshotOutcome {
  operationId: string;
  /** Bytes received and written by the coordinator. */
  sizeBytes: number;
  /** SHA-256 (hex) the agent computed; the adapter fails when the bytes it received hash differently. */
  sha256: string;
  /** etcd (`etcdctl snapshot status`) or sqlite (kine's revision, its rows as totalKeys, etcdHash 0). */
  datastore: 'etcd' | 'sqlite';
  /** From `etcdctl snapshot status`. */
  revision: number;
  totalKeys: number;
  etcdHash: number;
  replayed: boolean;
  /** The command the agent took the snapshot with (`etcdctl snapshot save …` or `k3s etcd-snapshot save …`), when it said. */
  command?: readonly string[];
}

export interface PlanetCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface RebootRequest {
  operationId: string;
}

export interface RebootAck {
  operationId: string;
  /** Boot ID of the boot that is being ended. */
  bootId: string;
  /** True when the agent had already accepted this operation ID. */
  replayed: boolean;
}

/** interrupted: the agent stopped (or the node went down) while it ran; for a reboot that is the expected end. */
export type AgentOperationState = 'unknown' | 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface AgentOperationStatus {
  operationId: string;
  state: AgentOperationState;
  /** install, reboot, stop-unit, enable-unit. */
  kind?: string;
  detail?: string;
  /** Boot in which the operation ran. */
  bootId?: string;
}

export interface UnitChangeRequest {
  operationId: string;
  /** How long the agent waits for the unit to reach the expected state. */
  timeoutMs: number;
}

export interface UpdatePhaseRequest {
  /** The coordinator's operation ID. */
  operationId: string;
  /** A runbook step name, or idle, done, halted (shared/update/update-phase.ts). */
  phase: string;
  /** How long the phase may take before monitoring calls it stuck; 0 = no deadline. */
  deadlineMs: number;
}

export interface NodeAgent {
  /** Who the agent is, which boot it is in, what is installed. */
  identity(options?: CallOptions): Promise<AgentIdentity>;
  /** Units (any state) whose name matches a glob such as `gravity__gravitational*`. */
  listUnits(pattern: string, options?: CallOptions): Promise<UnitState[]>;
  /** `systemctl stop`, then waits until the unit is inactive; resolves with its final state. */
  stopUnit(unit: string, request: UnitChangeRequest, options?: CallOptions): Promise<UnitState>;
  /** `systemctl enable --now`; resolves with the unit's state afterwards. */
  enableUnitNow(unit: string, request: UnitChangeRequest, options?: CallOptions): Promise<UnitState>;
  /** `systemctl enable` without starting it (it starts at the next boot); resolves with the unit's state afterwards. */
  enableUnit(unit: string, request: UnitChangeRequest, options?: CallOptions): Promise<UnitState>;
  /** `systemctl --failed`. */
  failedUnits(options?: CallOptions): Promise<UnitState[]>;
  /** Journal entries at or above a priority since a boot or a cursor. */
  scanJournal(request: JournalScanRequest, options?: CallOptions): Promise<JournalScan>;
  /** Runs the agent's install command for a version; streams its output; idempotent per operation ID. */
  install(request: InstallRequest, onOutput: (line: InstallOutputLine) => void, options?: CallOptions): Promise<InstallOutcome>;
  /** The checks run inside planet (`gravity exec …`): etcd member, kubelet, planet agent. */
  planetChecks(options?: CallOptions): Promise<PlanetCheck[]>;
  /** Reboots the node; the answer comes before the node goes down. Idempotent per operation ID. */
  reboot(request: RebootRequest, options?: CallOptions): Promise<RebootAck>;
  /**
   * Tells the agent where the update stands on its node (shown on its /metrics, kept across reboots).
   * Informational: callers treat a failure as a warning, never as a reason to stop.
   */
  setUpdatePhase(request: UpdatePhaseRequest, options?: CallOptions): Promise<void>;
  /** Whether the node needs a reboot now, and which services need a restart. Read-only. */
  rebootAdvice(options?: CallOptions): Promise<RebootAdvice>;
  /** `systemctl restart` an allowed unit; resolves with its state once active. Idempotent per operation ID. */
  restartUnit(unit: string, request: UnitChangeRequest, options?: CallOptions): Promise<UnitState>;
  /** Health of every etcd member, asked on this node with its own client certificates. Read-only. */
  etcdHealth(options?: CallOptions): Promise<EtcdHealthReport>;
  /**
   * Takes and verifies an etcd snapshot on the node and writes the streamed bytes to `destination`
   * (a file path on the coordinator's host), checking size and SHA-256. Idempotent per operation ID.
   */
  saveEtcdSnapshot(request: EtcdSnapshotRequest, destination: string, options?: CallOptions): Promise<EtcdSnapshotOutcome>;
  /** What the agent knows of an operation ID. */
  operationStatus(operationId: string, options?: CallOptions): Promise<AgentOperationStatus>;
  /** Releases the connection. */
  close(): void;
}

export interface AgentEndpoint {
  /** Kubernetes node name. */
  node: string;
  /** host:port of its agent. */
  address: string;
}

/** Creates the client of one node's agent; the connection is made lazily on first call. */
export type NodeAgentConnector = (endpoint: AgentEndpoint) => NodeAgent;

/**
 * The adapter throws this when the agent cannot be reached (connection refused, deadline exceeded,
 * TLS handshake failure…), so waits can tell "node down" from "node answered with an error".
 */
export class AgentUnreachableError extends Error {
  constructor(
    readonly node: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(`agent of node ${node} at ${address} is unreachable: ${reason}`);
    this.name = 'AgentUnreachableError';
  }
}

/** The agent contract version this coordinator speaks. */
export const SUPPORTED_AGENT_API_VERSIONS: readonly string[] = ['v1'];

/** The agent accepts operation IDs of letters, digits and . _ : - up to this length. */
export const AGENT_OPERATION_ID_MAX = 128;

/**
 * Deterministic per operation, node and action, so a resumed coordinator sends the same IDs:
 * `<operation>.<node>.<action>`; a long one keeps its readable start and ends with a digest.
 */
export function agentOperationId(operationId: string, node: string, action: string): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._:-]/g, '-');
  const full = `${operationId}.${safe(node)}.${safe(action)}`;
  if (full.length <= AGENT_OPERATION_ID_MAX) return full;
  const digest = createHash('sha256').update(full).digest('hex').slice(0, 16);
  return `${full.slice(0, AGENT_OPERATION_ID_MAX - digest.length - 1)}.${digest}`;
}
