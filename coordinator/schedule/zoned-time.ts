/**
 * Wall-clock time in an IANA time zone, through Intl only (no time zone database of our own).
 *
 * DST: a wall time that does not exist (02:30 on a spring-forward day in Europe/Berlin) is taken as
 * the instant the same distance after the jump (03:30 CEST), and a wall time that happens twice (02:30
 * on the autumn day) as its first occurrence (02:30 CEST). That is the "compatible" disambiguation of
 * RFC 5545 and of Temporal: a window never vanishes on the spring day, and on the autumn day it is
 * one hour longer in real time when it spans the doubled hour.
 */

export interface LocalDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone (an IANA name such as Europe/Berlin, or UTC). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at an instant (seconds dropped). */
export function localDateTime(ms: number, timeZone: string): LocalDateTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** Offset of `timeZone` from UTC at an instant, in ms (Berlin in summer: +7_200_000). */
function offsetMs(ms: number, timeZone: string): number {
  const l = localDateTime(ms, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

const DAY_MS = 86_400_000;

/** The instant a wall time in `timeZone` names, disambiguated as the module comment says. */
export function zonedInstant(t: LocalDateTime, timeZone: string): number {
  const wallAsUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
  // Zones change their offset at most once within a day either side (true of every IANA zone).
  const before = offsetMs(wallAsUtc - DAY_MS, timeZone);
  const after = offsetMs(wallAsUtc + DAY_MS, timeZone);
  const matches = (candidate: number): boolean => {
    const l = localDateTime(candidate, timeZone);
    return l.year === t.year && l.month === t.month && l.day === t.day && l.hour === t.hour && l.minute === t.minute;
  };
  const valid = [wallAsUtc - before, wallAsUtc - after].filter(matches);
  if (valid.length > 0) return Math.min(...valid);
  // In the gap: the offset before the jump puts it that far after the jump.
  return wallAsUtc - before;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(d: LocalDate): number {
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}
