/**
 * What the coordinator needs from the cluster side, as small interfaces with one real
 * implementation each (kubectl, `gravity status`, an etcd health command, a backup command).
 */

export type NodeRole = 'master' | 'node';

/** The facts noderoll reads from a Kubernetes Node. */
export interface KubeNode {
  name: string;
  /** Condition Ready has status "True". */
  ready: boolean;
  /** Status of the Ready condition as printed: "True", "False", "Unknown", or "missing". */
  readyStatus: string;
  readyReason?: string;
  readyMessage?: string;
  /** lastHeartbeatTime of the Ready condition, ms since the epoch. */
  lastHeartbeatMs?: number;
  /** status.nodeInfo.bootID, reported by the kubelet. */
  bootId?: string;
  /** spec.unschedulable (cordoned). */
  unschedulable: boolean;
  /** From gravitational.io/k8s-role or node-role.kubernetes.io/* labels. */
  role?: NodeRole;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  kubeletVersion?: string;
  /** status.addresses of type InternalIP (the first one): where the node is reached on the cluster network. */
  internalIp?: string;
}

/** The facts noderoll reads from a Pod. */
export interface KubePod {
  namespace: string;
  name: string;
  /** Pending, Running, Succeeded, Failed, Unknown. */
  phase: string;
  nodeName?: string;
  /** Terminating (metadata.deletionTimestamp set). */
  terminating: boolean;
  /** Kind of the controlling owner (ReplicaSet, DaemonSet, …). */
  controllerKind?: string;
  /** Containers not ready, with the waiting reason when there is one (CrashLoopBackOff, …). */
  notReadyContainers: string[];
  /** Reasons of containers in a waiting state (CrashLoopBackOff, ImagePullBackOff, …), as `kubectl get pods` shows them. */
  waitingReasons: string[];
  /** status.reason / conditions message for a pod that is not running (Unschedulable, Evicted, …). */
  reason?: string;
  labels: Readonly<Record<string, string>>;
  /** A static pod's mirror (annotation kubernetes.io/config.mirror): drain leaves it alone. */
  mirror?: boolean;
}

export interface KubePodDisruptionBudget {
  namespace: string;
  name: string;
  /** matchLabels of spec.selector (matchExpressions are kept as text). */
  matchLabels: Readonly<Record<string, string>>;
  matchExpressions: readonly { key: string; operator: string; values: readonly string[] }[];
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  /** spec.minAvailable / spec.maxUnavailable as written (an int or "N%"). */
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

export interface DrainOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onOutput?: (line: string) => void;
}

/** A pod a drain could not evict, and what blocks it. */
export interface DrainBlocker {
  namespace: string;
  pod: string;
  /** The PodDisruptionBudget that refuses the eviction, when one does. */
  budget?: { namespace: string; name: string; detail: string };
  /** kubectl's own words about this pod. */
  detail?: string;
}

export class DrainError extends Error {
  constructor(
    readonly node: string,
    readonly timedOut: boolean,
    readonly blockers: readonly DrainBlocker[],
    readonly outputTail: string,
    summary: string,
  ) {
    super(summary);
    this.name = 'DrainError';
  }
}

/** Why a drain of the node cannot finish now because of one pod. */
export type DrainBlockReason =
  /** No controller: `kubectl drain` without --force refuses to delete it. */
  | 'unmanaged'
  /** The eviction API refuses it now (a PodDisruptionBudget allows no disruption). */
  | 'disruption-budget'
  /** More than one PodDisruptionBudget covers it: the eviction API refuses it with a 500. */
  | 'several-budgets';

/** What would stop one node's drain now, for `noderoll plan`. */
export interface NodeDrainForesight {
  node: string;
  blockers: ForeseenDrainBlocker[];
  /** The check could not run (kubectl failed): nothing is known about this node's drain. */
  error?: string;
}

/** A pod that blocks a drain, known before anything is cordoned. */
export interface ForeseenDrainBlocker {
  namespace: string;
  pod: string;
  reason: DrainBlockReason;
  /** "namespace/name" of every PodDisruptionBudget that covers the pod. */
  budgets: string[];
  /** One sentence: why, as the API said it and the budgets explain it. */
  why: string;
}

export interface KubernetesCluster {
  listNodes(signal?: AbortSignal): Promise<KubeNode[]>;
  /** undefined when the node does not exist. */
  getNode(name: string, signal?: AbortSignal): Promise<KubeNode | undefined>;
  listPods(signal?: AbortSignal): Promise<KubePod[]>;
  cordonNode(name: string, signal?: AbortSignal): Promise<void>;
  uncordonNode(name: string, signal?: AbortSignal): Promise<void>;
  /** Cordons and evicts; throws DrainError naming blocked pods and budgets. The node stays cordoned on failure. */
  drainNode(name: string, options: DrainOptions): Promise<void>;
  /**
   * The pods that would stop a drain of this node now: those `kubectl drain --ignore-daemonsets
   * --delete-emptydir-data` refuses without --force, and those whose eviction the API refuses
   * (server-side dry run). Changes nothing.
   */
  foreseeDrainBlockers(name: string, signal?: AbortSignal): Promise<ForeseenDrainBlocker[]>;
  /**
   * The same for several nodes at once (plan), from one reading of the cluster's pods and budgets
   * rather than one per node; per node in the order given, its blockers or why its check could not run.
   */
  foreseeDrainBlockersOfNodes(names: readonly string[], signal?: AbortSignal): Promise<NodeDrainForesight[]>;
  /** Sets (string) or removes (null) annotations. */
  annotateNode(name: string, annotations: Readonly<Record<string, string | null>>, signal?: AbortSignal): Promise<void>;
}

/** Pods by label selector, in every namespace (the blockingPods gate). */
export interface LabelledPodLister {
  /** `selector` in `kubectl -l` grammar, already validated (shared/validation/label-selector.ts). */
  listPodsWithLabels(selector: string, signal?: AbortSignal): Promise<KubePod[]>;
}

/** One health source's verdict in the gates' common shape. */
export interface HealthReading {
  healthy: boolean;
  /** Why not healthy, one sentence each. */
  problems: string[];
  warnings: string[];
  /** The command that produced it and a tail of its raw output, for the record. */
  command: string;
  evidence: string;
}

/** `gravity status --output=json`, assessed. */
export interface GravityStatusReader {
  read(signal?: AbortSignal): Promise<HealthReading>;
}

/** etcd's health through the configured command (v2 cluster-health or v3 endpoint health). */
export interface EtcdHealthReader {
  read(signal?: AbortSignal): Promise<HealthReading>;
}

export interface BackupRecord {
  /** Where the artifact was written. */
  artifact: string;
  sizeBytes: number;
  sha256: string;
  takenAt: string;
  command: string;
  /** What verification ran and what it said. */
  verification: string;
}

/** Takes the operation's backup and proves it is usable. */
export interface BackupTaker {
  takeBackup(operationId: string, signal?: AbortSignal): Promise<BackupRecord>;
  /** Re-checks a recorded backup (exists, same size and digest). Throws when it no longer holds. */
  verifyRecordedBackup(record: BackupRecord, signal?: AbortSignal): Promise<void>;
}
