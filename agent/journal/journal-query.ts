import { FieldError, showValue } from '../../shared/validation/field-error.js';
import { validateUnitName } from '../../shared/validation/unit-name.js';
import { JOURNAL_FIELDS_READ } from './journal-entry.js';
import { catastrophicShape } from './pattern-shape.js';

/**
 * A journal scan as the agent runs it: the request validated field by field (nothing runs before
 * every field passed), the journalctl argv built from it (filters go to journalctl, which is far
 * faster than parsing everything), and the in-process include/exclude patterns.
 */

export type BootChoice = { kind: 'current' } | { kind: 'previous' } | { kind: 'all' } | { kind: 'id'; bootId: string };

export interface JournalQuery {
  boot: BootChoice;
  sinceUnixMs: number;
  afterCursor: string;
  /** 0..7 or undefined for all. */
  maxPriority: number | undefined;
  units: string[];
  include: RegExp[];
  exclude: RegExp[];
  maxEntries: number;
  timeoutMs: number;
  newest: boolean;
}

export interface JournalLimits {
  defaultMaxEntries: number;
  maxEntries: number;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  maxPatterns: number;
  maxPatternLength: number;
}

export interface JournalRequestFields {
  boot: string;
  bootId: string;
  sinceUnixMs: number;
  afterCursor: string;
  priority: string;
  units: string[];
  includePatterns: string[];
  excludePatterns: string[];
  maxEntries: number;
  timeoutMs: number;
  newest: boolean;
}

export const PRIORITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
const BOOT_ID = /^[0-9a-f]{32}$/;
/** journald cursors: `s=…;i=…;b=…;m=…;t=…;x=…` (hex and `=;`); cap the length. */
const CURSOR = /^[A-Za-z0-9=;]{1,512}$/;

export function parsePriority(field: string, text: string): number | undefined {
  if (text === '') return undefined;
  const byName = (PRIORITY_NAMES as readonly string[]).indexOf(text.toLowerCase());
  if (byName >= 0) return byName;
  if (/^[0-7]$/.test(text)) return Number(text);
  throw new FieldError(field, `${showValue(text)} must be one of ${PRIORITY_NAMES.join(', ')} or 0..7`);
}

/**
 * A regular expression from a caller, run over every message. Refused: over-long patterns,
 * back-references, and the shapes known to backtrack catastrophically (pattern-shape.ts: a
 * repeated group that itself repeats or alternates, e.g. `((a+))+`, `(a|aa)*`; two unbounded
 * repeats in a row over the same characters, e.g. `a*a*`). What passes is still matched only in a
 * worker thread under the scan's deadline (pattern-matcher.ts), never on the agent's event loop.
 */
export function compileScanPattern(field: string, pattern: string, maxLength: number): RegExp {
  if (pattern.length === 0) throw new FieldError(field, 'must not be empty');
  if (pattern.length > maxLength) throw new FieldError(field, `is ${pattern.length} characters long; at most ${maxLength}`);
  if (/\\[1-9]|\\k</.test(pattern)) throw new FieldError(field, `${showValue(pattern)} uses back-references, which are not allowed`);
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'u');
  } catch (err) {
    throw new FieldError(field, `${showValue(pattern)} is not a valid regular expression: ${(err as Error).message}`);
  }
  const shape = catastrophicShape(pattern);
  if (shape) throw new FieldError(field, `${showValue(pattern)} ${shape}: catastrophic backtracking; simplify it`);
  return re;
}

function boundedCount(field: string, value: number, dflt: number, max: number): number {
  if (!Number.isInteger(value) || value < 0) throw new FieldError(field, `${value} must be a non-negative integer`);
  if (value === 0) return dflt;
  if (value > max) throw new FieldError(field, `${value} exceeds the agent's limit of ${max}`);
  return value;
}

export function validateJournalRequest(r: JournalRequestFields, limits: JournalLimits): JournalQuery {
  let boot: BootChoice;
  if (r.bootId !== '') {
    // The kernel writes boot IDs as UUIDs (with dashes), the journal as 32 hex digits.
    const id = r.bootId.length === 36 ? r.bootId.replace(/-/g, '') : r.bootId;
    if (!BOOT_ID.test(id)) throw new FieldError('boot_id', `${showValue(r.bootId)} must be 32 lowercase hex digits (or the UUID form)`);
    boot = { kind: 'id', bootId: id };
  } else {
    switch (r.boot) {
      case '':
      case 'BOOT_SELECTOR_UNSPECIFIED':
      case 'BOOT_SELECTOR_CURRENT':
        boot = { kind: 'current' };
        break;
      case 'BOOT_SELECTOR_PREVIOUS':
        boot = { kind: 'previous' };
        break;
      case 'BOOT_SELECTOR_ALL':
        boot = { kind: 'all' };
        break;
      default:
        throw new FieldError('boot', `${showValue(r.boot)} is not a boot selector`);
    }
  }
  if (!Number.isSafeInteger(r.sinceUnixMs) || r.sinceUnixMs < 0) throw new FieldError('since_unix_ms', `${r.sinceUnixMs} must be a non-negative integer`);
  if (r.afterCursor !== '' && !CURSOR.test(r.afterCursor)) throw new FieldError('after_cursor', `${showValue(r.afterCursor)} is not a journal cursor`);
  const maxPriority = parsePriority('priority', r.priority);
  if (r.units.length > 64) throw new FieldError('units', `has ${r.units.length} entries; at most 64`);
  const units = r.units.map((u, i) => validateUnitName(`units[${i}]`, u));
  const patterns = (name: string, list: string[]): RegExp[] => {
    if (list.length > limits.maxPatterns) throw new FieldError(name, `has ${list.length} patterns; at most ${limits.maxPatterns}`);
    return list.map((p, i) => compileScanPattern(`${name}[${i}]`, p, limits.maxPatternLength));
  };
  const include = patterns('include_patterns', r.includePatterns);
  const exclude = patterns('exclude_patterns', r.excludePatterns);
  return {
    boot,
    sinceUnixMs: r.sinceUnixMs,
    afterCursor: r.afterCursor,
    maxPriority,
    units,
    include,
    exclude,
    maxEntries: boundedCount('max_entries', r.maxEntries, limits.defaultMaxEntries, limits.maxEntries),
    timeoutMs: boundedCount('timeout_ms', r.timeoutMs, limits.defaultTimeoutMs, limits.maxTimeoutMs),
    newest: r.newest,
  };
}

/**
 * journalctl's arguments for a validated query. Output is JSON lines, oldest first (newest first
 * for `newest`). `--all`: without it journalctl writes null for a field over 4096 bytes, and the
 * agent could neither show the start of such a message nor tell two of them apart.
 * `--output-fields`: only the fields the agent reads (journalctl adds __CURSOR, the timestamps and
 * _BOOT_ID); the filters all go to journalctl too, so the agent parses no line it then drops
 * (except for the sub-second part of since_unix_ms).
 */
export function journalctlArgs(q: JournalQuery): string[] {
  const args = ['--no-pager', '--output=json', `--output-fields=${JOURNAL_FIELDS_READ.join(',')}`, '--all'];
  switch (q.boot.kind) {
    case 'current':
      args.push('--boot');
      break;
    case 'previous':
      args.push('--boot=-1');
      break;
    case 'id':
      args.push(`--boot=${q.boot.bootId}`);
      break;
    case 'all':
      break;
  }
  // journalctl takes whole seconds (`@epoch`); the exact bound is applied to each entry.
  if (q.sinceUnixMs > 0) args.push(`--since=@${Math.floor(q.sinceUnixMs / 1000)}`);
  if (q.afterCursor) args.push(`--after-cursor=${q.afterCursor}`);
  if (q.maxPriority !== undefined) args.push(`--priority=${q.maxPriority}`);
  for (const u of q.units) args.push(`--unit=${u}`);
  // --lines alone would print the newest N oldest-first, and a scan cut by the agent's own limits
  // (time, patterns) would then keep the older ones; --reverse reads from the tail.
  if (q.newest) args.push('--reverse', `--lines=${q.maxEntries}`);
  return args;
}

/**
 * Whether a message passes the include (any, when given) and exclude (none) patterns. `trying` is
 * told which pattern is about to run (the matcher reports it when a pattern runs out of time).
 */
export function messageSelected(message: string, include: readonly RegExp[], exclude: readonly RegExp[], trying?: (list: 'include' | 'exclude', index: number) => void): boolean {
  const matches = (list: 'include' | 'exclude') => (re: RegExp, index: number) => {
    trying?.(list, index);
    return re.test(message);
  };
  if (include.length > 0 && !include.some(matches('include'))) return false;
  return !exclude.some(matches('exclude'));
}
