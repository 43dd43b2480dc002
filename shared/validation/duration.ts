import { showValue } from './field-error.js';

/**
 * Durations as people write them in config files and flags: `90s`, `10m`, `1h30m`, `250ms`, or a
 * bare number of seconds. Parsing is strict: anything else is an error naming the field.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:ms|h|m|s))+$/;
const PART = /(\d+)(ms|h|m|s)/g;
/** A day is longer than any step should ever wait; larger values are mistakes. */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

export function parseDuration(input: string | number): number | string {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return 'must be a non-negative number of seconds';
    const ms = Math.round(input * 1000);
    return ms > MAX_DURATION_MS ? `must be at most ${formatDuration(MAX_DURATION_MS)}` : ms;
  }
  const text = input.trim();
  if (/^\d+$/.test(text)) return parseDuration(Number(text));
  if (!DURATION.test(text)) return `${showValue(text, 40)} is not a duration (examples: 30s, 10m, 1h30m, 500ms)`;
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  return ms > MAX_DURATION_MS ? `must be at most ${formatDuration(MAX_DURATION_MS)}` : ms;
}

/** 65000 -> "1m5s", 1500 -> "1.5s", 0 -> "0s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return ms === 0 ? '0s' : `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}

