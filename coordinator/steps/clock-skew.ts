import { formatDuration } from '../../shared/validation/duration.js';

/**
 * A node's clock compared with the coordinator's, for information only: noderoll never decides
 * anything from a node's timestamps (see waitForReboot), but a node whose clock is minutes off is
 * worth telling the operator about (certificates, logs and journal times on it are off as well).
 */

/** Skews below this are normal NTP drift plus call latency, and are not mentioned. */
export const CLOCK_SKEW_NOTICE_MS = 60_000;

export interface ClockReading {
  /** The node's time in its answer (the agent's NodeInfo.now_unix_ms). */
  nodeTimeMs: number;
  /** Coordinator clock just before the call and just after its answer. */
  sentAtMs: number;
  receivedAtMs: number;
}

/** Node minus coordinator, taken at the middle of the call; positive = the node is ahead. */
export function clockSkewMs(r: ClockReading): number {
  return r.nodeTimeMs - (r.sentAtMs + r.receivedAtMs) / 2;
}

/** A sentence about the skew when it is at least `thresholdMs` (beyond the call's own uncertainty), else undefined. */
export function describeClockSkew(r: ClockReading, thresholdMs = CLOCK_SKEW_NOTICE_MS): string | undefined {
  const skew = clockSkewMs(r);
  const uncertainty = Math.max(0, r.receivedAtMs - r.sentAtMs) / 2;
  if (Math.abs(skew) - uncertainty < thresholdMs) return undefined;
  return (
    `node clock is ${formatDuration(Math.abs(skew))} ${skew > 0 ? 'ahead of' : 'behind'} the coordinator's ` +
    `(agent time ${new Date(r.nodeTimeMs).toISOString()}, coordinator time ${new Date(Math.round((r.sentAtMs + r.receivedAtMs) / 2)).toISOString()}); ` +
    `noderoll does not rely on it, but check the node's NTP`
  );
}
