import { showValue } from '../../shared/validation/field-error.js';
import { addDays, isKnownTimeZone, localDateTime, weekday, zonedInstant, type LocalDate } from './zoned-time.js';

/**
 * Maintenance windows: when nodes may be started. A window opens on each of its `days` at `start`
 * (wall clock in its time zone) and closes at `end` the same day, or the next day when `end` is not
 * after `start` (22:00–04:00 opens Monday 22:00 for `mon` and closes Tuesday 04:00). DST: see
 * zoned-time.ts. Overlapping or adjacent openings — of one window or of several — count as one
 * period: a node may start at 01:30 in a 22:00–02:00 window if another window runs 02:00–05:00.
 */

export const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

export interface MaintenanceWindow {
  days: WeekdayName[];
  /** Minutes after local midnight, 0..1439. */
  startMinute: number;
  endMinute: number;
  /** IANA name, e.g. Europe/Berlin. */
  timeZone: string;
}

/** An interval in which nodes may start, ms since the epoch: [openMs, closeMs). */
export interface WindowPeriod {
  openMs: number;
  closeMs: number;
}

/** "22:00" -> 1320; problems as text for the config reader. */
export function parseClockTime(text: string): number | string {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!m) return `${showValue(text)} is not a time of day HH:MM (00:00 to 23:59)`;
  return Number(m[1]) * 60 + Number(m[2]);
}

export function formatClockTime(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export function weekdayProblem(v: string): string | undefined {
  return (WEEKDAY_NAMES as readonly string[]).includes(v) ? undefined : `${showValue(v)} is not a day; use ${WEEKDAY_NAMES.join(', ')}`;
}

export function timeZoneProblem(v: string): string | undefined {
  return isKnownTimeZone(v) ? undefined : `${showValue(v)} is not a time zone known here; use an IANA name such as Europe/Berlin, America/New_York or UTC`;
}

export function describeWindow(w: MaintenanceWindow): string {
  return `${w.days.join(',')} ${formatClockTime(w.startMinute)}–${formatClockTime(w.endMinute)} ${w.timeZone}`;
}

const DAY_MS = 86_400_000;

/** The openings of one window whose local opening day lies in [from - 1 day, to + 1 day] of the zone. */
function openingsOf(w: MaintenanceWindow, fromMs: number, toMs: number): WindowPeriod[] {
  const days = new Set(w.days.map((d) => WEEKDAY_NAMES.indexOf(d)));
  const first = localDateTime(fromMs, w.timeZone);
  let date: LocalDate = addDays(first, -1);
  const out: WindowPeriod[] = [];
  const crossesMidnight = w.endMinute <= w.startMinute;
  for (let i = 0; i < Math.ceil((toMs - fromMs) / DAY_MS) + 3; i++, date = addDays(date, 1)) {
    if (!days.has(weekday(date))) continue;
    const endDate = crossesMidnight ? addDays(date, 1) : date;
    const openMs = zonedInstant({ ...date, hour: Math.floor(w.startMinute / 60), minute: w.startMinute % 60 }, w.timeZone);
    const closeMs = zonedInstant({ ...endDate, hour: Math.floor(w.endMinute / 60), minute: w.endMinute % 60 }, w.timeZone);
    // A window that starts in a spring-forward gap and ends right after it (02:30–03:10 in Berlin) has no length that day: it does not open.
    if (closeMs > openMs) out.push({ openMs, closeMs });
  }
  return out;
}

/** Every period (merged openings of all windows) that overlaps [fromMs, toMs], in time order. */
export function windowPeriods(windows: readonly MaintenanceWindow[], fromMs: number, toMs: number): WindowPeriod[] {
  const openings = windows.flatMap((w) => openingsOf(w, fromMs, toMs)).sort((a, b) => a.openMs - b.openMs);
  const merged: WindowPeriod[] = [];
  for (const o of openings) {
    const last = merged[merged.length - 1];
    if (last && o.openMs <= last.closeMs) last.closeMs = Math.max(last.closeMs, o.closeMs);
    else merged.push({ ...o });
  }
  return merged.filter((p) => p.closeMs > fromMs && p.openMs <= toMs);
}

/** How far ahead the schedule looks: every weekly window opens within it. */
export const SCHEDULE_HORIZON_MS = 15 * DAY_MS;

/** The period open at `atMs` (open <= at < close), if any. */
export function periodOpenAt(windows: readonly MaintenanceWindow[], atMs: number): WindowPeriod | undefined {
  // Merging may reach back: look from a week before so that a long chain of openings is seen whole.
  return windowPeriods(windows, atMs - 8 * DAY_MS, atMs + 8 * DAY_MS).find((p) => p.openMs <= atMs && atMs < p.closeMs);
}

/**
 * The first moment at or after `fromMs` at which a period is open with at least `neededMs` left
 * before it closes, and that period; undefined when none within the horizon (no window is that long).
 */
export function nextFit(windows: readonly MaintenanceWindow[], fromMs: number, neededMs: number): { startMs: number; period: WindowPeriod } | undefined {
  for (const p of windowPeriods(windows, fromMs - 8 * DAY_MS, fromMs + SCHEDULE_HORIZON_MS)) {
    const startMs = Math.max(p.openMs, fromMs);
    if (p.closeMs <= fromMs) continue;
    if (p.closeMs - startMs >= neededMs) return { startMs, period: p };
  }
  return undefined;
}

/** The first opening strictly after `afterMs` (the start of a period that is not open at afterMs). */
export function nextOpening(windows: readonly MaintenanceWindow[], afterMs: number): number | undefined {
  return windowPeriods(windows, afterMs, afterMs + SCHEDULE_HORIZON_MS).find((p) => p.openMs > afterMs)?.openMs;
}

/** The longest period within the horizon (to say why nothing fits). */
export function longestPeriodMs(windows: readonly MaintenanceWindow[], fromMs: number): number {
  return Math.max(0, ...windowPeriods(windows, fromMs, fromMs + SCHEDULE_HORIZON_MS).map((p) => p.closeMs - p.openMs));
}
