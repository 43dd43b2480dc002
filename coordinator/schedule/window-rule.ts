import { formatDuration } from '../../shared/validation/duration.js';
import type { Admission, AdmissionRequest, AdmissionRule } from '../engine/node-admission.js';
import type { WindowMode } from '../state/operation-record.js';
import { describeWindow, longestPeriodMs, nextFit, periodOpenAt, SCHEDULE_HORIZON_MS, type MaintenanceWindow } from './maintenance-window.js';
import { expectedNodeDuration, type ExpectedDuration } from './node-duration.js';
import { localDateTime } from './zoned-time.js';

/** Outside a window, without --wait-for-window or --until-window-end: stop (see windowModeDefault in the README). */
export const DEFAULT_WINDOW_MODE: WindowMode = 'until-end';

/** "2026-03-29T20:00:00.000Z (22:00 Europe/Berlin)": the instant, and the wall clock of the windows' zone. */
export function showInstant(ms: number, timeZone: string | undefined): string {
  const iso = new Date(ms).toISOString();
  if (!timeZone || timeZone === 'UTC') return iso;
  const l = localDateTime(ms, timeZone);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${iso} (${l.year}-${p(l.month)}-${p(l.day)} ${p(l.hour)}:${p(l.minute)} ${timeZone})`;
}

export function describeExpected(e: ExpectedDuration): string {
  return e.source === 'floor' ? `${formatDuration(e.ms)} (schedule.nodeDurationFloor)` : `${formatDuration(e.ms)} (the longest node so far, ${e.node})`;
}

/**
 * AdmissionRule `window`: a pending node starts only inside a maintenance window whose remainder
 * covers the node's expected duration (node-duration.ts). Otherwise, by the invocation's mode, the
 * node waits in the run until the next window it fits in (`wait`) or the operation stops at this safe
 * point as `waiting-for-window` (`until-end`). When no window within the horizon is long enough for a
 * node, waiting would be forever: it halts, naming the numbers.
 */
export class WindowRule implements AdmissionRule {
  readonly name = 'window';

  constructor(
    private readonly windows: readonly MaintenanceWindow[],
    private readonly floorMs: number,
    private readonly mode: WindowMode,
  ) {}

  async decide(request: AdmissionRequest): Promise<Admission> {
    const now = request.nowMs;
    const expected = expectedNodeDuration(request.record, this.floorMs);
    const open = periodOpenAt(this.windows, now);
    if (open && open.closeMs - now >= expected.ms) return { kind: 'start' };
    const zone = this.windows[0]?.timeZone;
    const why = open
      ? `only ${formatDuration(open.closeMs - now)} left in the maintenance window (it closes at ${showInstant(open.closeMs, zone)}); a node is expected to take ${describeExpected(expected)}`
      : `outside the maintenance windows (${this.windows.map(describeWindow).join('; ')})`;
    const fit = nextFit(this.windows, now, expected.ms);
    if (!fit) {
      return {
        kind: 'halt',
        reason: `no maintenance window within ${SCHEDULE_HORIZON_MS / 86_400_000} days is long enough for a node`,
        details: [`a node is expected to take ${describeExpected(expected)}`, `the longest window is ${formatDuration(longestPeriodMs(this.windows, now))}`, 'make a window longer, or lower schedule.nodeDurationFloor if nodes are faster'],
      };
    }
    const next = `the next window that fits opens at ${showInstant(fit.startMs, zone)}`;
    if (this.mode === 'wait') return { kind: 'wait', reason: `${why}; ${next} (--wait-for-window)`, recheckAtMs: fit.startMs };
    return { kind: 'defer', reason: why, details: [next], resumeAtMs: fit.startMs };
  }
}

/** The rule for a config and an operation's invocation; none when no window is configured. */
export function windowRules(config: { windows: readonly MaintenanceWindow[]; schedule: { nodeDurationFloorMs: number } }, mode: WindowMode | undefined): AdmissionRule[] {
  if (config.windows.length === 0) return [];
  return [new WindowRule(config.windows, config.schedule.nodeDurationFloorMs, mode ?? DEFAULT_WINDOW_MODE)];
}
