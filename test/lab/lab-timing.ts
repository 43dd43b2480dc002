import { NODE_MONITOR_GRACE_PERIOD_MS } from '../kube-api/controllers/node-lifecycle-controller.js';

/**
 * The lab's clocks in one place: a real cluster's node timing, scaled down by one factor, so a lab
 * reboot relates to the heartbeat grace as a real one does (the node is always seen NotReady).
 */

/** A real cluster's timing the lab reproduces. */
export const REAL_CLUSTER_TIMING = {
  /** kubelet --node-status-update-frequency default. */
  heartbeatIntervalMs: 10_000,
  nodeHeartbeatGraceMs: NODE_MONITOR_GRACE_PERIOD_MS,
  /** From a node's shutdown to its next boot: a quick server or VM (firmware, kernel, early boot). */
  rebootPauseMs: 60_000,
} as const;

/** Lab time runs this many times faster than a real cluster's. */
export const LAB_TIME_SCALE = 10;

export type LabTiming = { [K in keyof typeof REAL_CLUSTER_TIMING]: number };

export const LAB_TIMING: LabTiming = {
  heartbeatIntervalMs: REAL_CLUSTER_TIMING.heartbeatIntervalMs / LAB_TIME_SCALE,
  nodeHeartbeatGraceMs: REAL_CLUSTER_TIMING.nodeHeartbeatGraceMs / LAB_TIME_SCALE,
  rebootPauseMs: REAL_CLUSTER_TIMING.rebootPauseMs / LAB_TIME_SCALE,
};

/**
 * A rebooting node must go NotReady, as a real one does: its last heartbeat is followed by the pause,
 * which must outlast the grace plus one heartbeat interval. Returns the problem, naming the field, or undefined.
 */
export function rebootPauseProblem(t: LabTiming): string | undefined {
  const needed = t.nodeHeartbeatGraceMs + t.heartbeatIntervalMs;
  if (t.rebootPauseMs > needed) return undefined;
  return `rebootDelayMs: ${t.rebootPauseMs} must exceed nodeHeartbeatGraceMs + heartbeatIntervalMs (${t.nodeHeartbeatGraceMs} + ${t.heartbeatIntervalMs} ms), or a rebooting node would never be seen NotReady`;
}
