import type { Logger } from '../../../shared/log/logger.js';
import type { ActivityLog } from '../activity-log.js';
import type { ObjectStore } from '../object-store.js';

export interface ClusterTiming {
  /** A node whose heartbeat has not changed for this long is marked Ready=Unknown. */
  nodeHeartbeatGraceMs: number;
  /** From a pod being bound to a Ready node until it runs and is Ready. */
  podStartDelayMs: number;
  /** From a graceful delete until the kubelet has stopped the pod and it disappears. */
  podTerminationDelayMs: number;
  /**
   * tolerationSeconds of the not-ready/unreachable tolerations admission adds to pods without
   * their own (real clusters: 300). Default LAB_DEFAULT_TOLERATION_SECONDS (pod-admission.ts).
   */
  defaultTolerationSeconds: number;
}

export interface ControllerContext {
  store: ObjectStore;
  activity: ActivityLog;
  timing: ClusterTiming;
  logger: Logger;
}

/**
 * One control loop. `reconcile` looks at the whole store and moves it one step towards the
 * desired state; it must be idempotent and write only what actually changes.
 */
export interface Controller {
  readonly name: string;
  reconcile(now: number): void;
}
