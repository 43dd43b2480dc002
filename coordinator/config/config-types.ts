import type { NodeRole } from '../ports/cluster.js';
import type { EtcdHealthFormat } from '../cluster/etcd-health.js';
import type { Datastore } from './read-profile-config.js';
import type { MaintenanceWindow } from '../schedule/maintenance-window.js';
import type { HooksConfig } from '../hooks/hook-points.js';
import type { PowerCycleConfig } from '../power/power-cycle-config.js';
import type { ProfileName, ProfileUnits, RebootPolicy } from '../plan/profiles.js';
import type { InstallConfig } from './read-profile-config.js';

/** One node the coordinator may update and where its agent listens. */
export interface NodeConfig {
  /** Kubernetes node name (Gravity names nodes after their advertise IP). */
  name: string;
  /** host:port of the node's agent. */
  agent: string;
  /** master or node; when absent, read from the node's labels. */
  role?: NodeRole;
}

export type NodeOrderPolicy = 'roles' | 'listed';

export interface StepTimeouts {
  /** How long the gates before a node may take to pass. */
  gatesBeforeNodeMs: number;
  backupMs: number;
  drainMs: number;
  stopPlanetMs: number;
  installMs: number;
  /** From the reboot request until the node is back (new boot ID, Ready, target version). */
  rebootMs: number;
  postChecksMs: number;
  uncordonMs: number;
}

export interface AgentTlsConfig {
  ca: string;
  cert: string;
  key: string;
}

export interface CoordinatorConfig {
  /** Absolute path of the file this came from ("" for built-in defaults). */
  source: string;
  nodes: NodeConfig[];
  /** What kind of cluster (coordinator/plan/profiles.ts): its runbook, units, gates and backup. */
  profile: ProfileName;
  /** etcd, or sqlite: a single k3s server on SQLite (no etcd gate; its agent backs up the database). */
  datastore: Datastore;
  /** Whether a node reboots after the install (gravity: always). */
  reboot: RebootPolicy;
  /** The profile's units by node role: stopped before the install, checked after it (unused by gravity). */
  units: { master: ProfileUnits; node: ProfileUnits };
  order: NodeOrderPolicy;
  kubernetes: { kubectl: string; kubeconfig?: string; context?: string; callTimeoutMs: number };
  agents: { callTimeoutMs: number; tls?: AgentTlsConfig; insecurePlaintext: boolean };
  gates: {
    gravity: { enabled: boolean; argv: string[]; timeoutMs: number };
    /** source command: argv on the coordinator's host; agent: CheckEtcdHealth through the agent of a control-plane node. */
    etcd: { enabled: boolean; source: 'command' | 'agent'; format: EtcdHealthFormat; argv: string[]; env: Record<string, string>; timeoutMs: number };
    /** `kubectl get --raw /readyz` (kubeadm, k3s). */
    apiServer: { enabled: boolean };
    pods: { enabled: boolean; ignoreNamespaces: string[] };
    nodes: { enabled: boolean };
    agents: { enabled: boolean };
    /** Absent: no alerts gate. */
    alerts?: AlertsGateConfig;
    /** Label selectors: any pod matching one, in any namespace, blocks the next node (e.g. a running backup job). */
    blockingPods: string[];
  };
  /** allowUnverified: the operator's explicit opt-out of verifying the backup (verifyArgv empty). */
  backup: { enabled: boolean; source: 'command' | 'agent-snapshot'; argv: string[]; artifact: string; verifyArgv?: string[]; allowUnverified: boolean; env: Record<string, string>; timeoutMs: number };
  /** maxAttempts: install attempts per node and operation (a resume after an interrupted or failed one tries again). */
  install: InstallConfig;
  timeouts: StepTimeouts;
  /** onBlocked: what the step before a node does when drain foresight finds a pod that would stop the drain. */
  drain: { onBlocked: DrainBlockedPolicy };
  soak: { intervalMs: number; passes: number; timeoutMs: number };
  journal: { ignore: string[]; maxEntries: number };
  /** After the reboot: failed units matching these globs (systemd's fnmatch) are reported, never fatal. */
  postChecks: { failedUnits: { ignore: string[] } };
  planet: { unitPattern: string; nameContains: string };
  preflight: { minFreeDiskBytes: number };
  state: StateConfig;
  log: { file: string; level: LogLevel };
  /** Node pools in operation order (coordinator/schedule/pools.ts); empty: the default masters, then workers. */
  pools: PoolConfig[];
  /** Absent: no canary. */
  canary?: CanaryConfig;
  pauseBetweenMs: number;
  notifications: { webhooks: WebhookConfig[] };
  /** Nodes annotated noderoll.io/hold (coordinator/schedule/hold-rule.ts). */
  hold: { policy: HoldPolicy };
  /** When nodes may start (coordinator/schedule); empty: any time. */
  windows: MaintenanceWindow[];
  /** What a node whose post checks fail after the reboot gets before the halt (coordinator/recovery). */
  onFailure: OnFailurePolicy;
  /** nodeDurationFloorMs: the least a node is expected to take when checking that it fits in a window. */
  schedule: { nodeDurationFloorMs: number };
  /** Run once on the coordinator when a node is not back within timeouts.reboot (coordinator/power); absent: halt at once. */
  powerCycle?: PowerCycleConfig;
  /** Commands run on the coordinator before/after steps of each node (coordinator/hooks); empty lists: none. */
  hooks: HooksConfig;
}

/** How many nodes of a pool may be in flight at once: a count, or a percentage of the pool's nodes (rounded down, at least 1). */
export type PoolBudget = { count: number } | { percent: number };

/** pools[]: nodes matching `selector` (a label selector over the Node's labels) with their budget. */
export interface PoolConfig {
  name: string;
  selector: string;
  maxUnavailable: PoolBudget;
}

export const CANARY_SCOPES = ['pool', 'operation'] as const;
export type CanaryScope = (typeof CANARY_SCOPES)[number];

/** The first `nodes` node(s) of each pool (or of the operation) go alone, then a soak of soakMs, then (confirm) a stop for `resume --confirm`. */
export interface CanaryConfig {
  nodes: number;
  soakMs: number;
  confirm: boolean;
  scope: CanaryScope;
}

/** wait: ask again every soak interval until timeouts.gatesBeforeNode, then halt; skip: leave the node out. */
export const HOLD_POLICIES = ['wait', 'skip'] as const;
export type HoldPolicy = (typeof HOLD_POLICIES)[number];

/** gates.alerts: a Prometheus whose matching active alerts block the next node. */
export interface AlertsGateConfig {
  /** Prometheus' base URL; /api/v1/alerts is appended. */
  url: string;
  /** Regexp over `alertname{label="value",…}` (labels sorted); absent: every alert. */
  filter?: string;
  /** Regexps over the same text; a matching alert never blocks. */
  ignore: string[];
  /** Only firing alerts block (default); false: pending ones too. */
  firingOnly: boolean;
  timeoutMs: number;
}

/** halt: stop with the node as it is (cordoned); rollback: first reinstall the node's recorded version, reboot, check and uncordon it. */
export const ON_FAILURE_POLICIES = ['halt', 'rollback'] as const;
export type OnFailurePolicy = (typeof ON_FAILURE_POLICIES)[number];

/** wait: check again until timeouts.gatesBeforeNode, then halt; halt: halt at once. The node is never cordoned meanwhile. */
export const DRAIN_BLOCKED_POLICIES = ['wait', 'halt'] as const;
export type DrainBlockedPolicy = (typeof DRAIN_BLOCKED_POLICIES)[number];

export const STATE_BACKENDS = ['file', 'kubernetes'] as const;
export type StateBackend = (typeof STATE_BACKENDS)[number];

/** Where operations and the coordinator lock live (coordinator/state). */
export interface StateConfig {
  /** file: one JSON file and a lock file on this host (default); kubernetes: a Lease and a ConfigMap in the cluster. */
  backend: StateBackend;
  /** The file backend's state file. */
  file: string;
  /** Earlier operations kept next to the current one, for `status` and `report`. */
  history: number;
  /** The kubernetes backend (the namespace must exist; deploy/ creates it). */
  kubernetes: { namespace: string; leaseName: string; configMapName: string; leaseDurationMs: number };
}

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** One receiver of operation transitions (coordinator/notify). */
export interface WebhookConfig {
  /** http(s) URL; may hold a secret (Slack's do), so logs show only its origin. */
  url: string;
  /** json: noderoll's event as JSON; slack: `{"text": …}` for Slack-compatible incoming webhooks. */
  format: WebhookFormat;
  /** Bound of one POST. */
  timeoutMs: number;
  /** Tries per notification (first try included). */
  maxAttempts: number;
  /** Backoff between tries doubles from 1 s up to this. */
  maxBackoffMs: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
