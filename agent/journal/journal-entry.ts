import { createHash } from 'node:crypto';
import { maskVariableParts } from '../../shared/journal/message-mask.js';
import { JournalFields, readJournalFields } from './journal-json-fields.js';

/**
 * One line of `journalctl -o json`. Every value is a string, except:
 * - a field with several values is an array of them;
 * - a binary or non-UTF-8 value is an array of byte numbers (0..255);
 * - a value over 4096 bytes is null (journalctl without -a);
 * and combinations (an array whose members are strings or byte arrays).
 */

export type JournalValue = string | number[] | null | (string | number[] | null)[];

export interface DecodedValue {
  /** All values of the field, decoded as UTF-8 (replacement characters for bad bytes). */
  values: string[];
  binary: boolean;
  /** journalctl omitted (at least one) value because it was too large. */
  omitted: boolean;
}

export interface ParsedJournalEntry {
  cursor: string;
  realtimeUsec: number;
  bootId: string;
  /** 0..7; 6 (info) when missing or unparseable, as journald assumes for stdout lines. */
  priority: number;
  unit: string;
  identifier: string;
  message: string;
  messageBinary: boolean;
  /** MESSAGE was null (too large) or cut to maxMessageBytes. */
  messageTruncated: boolean;
  /** When binary or truncated: the digest of the whole MESSAGE (messageDigest()), else "". */
  messageDigest: string;
  pid: number;
}

function isByteArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255);
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function decodeJournalValue(v: unknown): DecodedValue {
  if (v === undefined) return { values: [], binary: false, omitted: false };
  if (v === null) return { values: [], binary: false, omitted: true };
  if (typeof v === 'string') return { values: [v], binary: false, omitted: false };
  if (typeof v === 'number') return { values: [String(v)], binary: false, omitted: false };
  // An empty array is an empty byte string (a binary empty value).
  if (isByteArray(v)) return { values: [decoder.decode(Uint8Array.from(v))], binary: true, omitted: false };
  if (Array.isArray(v)) {
    const out: DecodedValue = { values: [], binary: false, omitted: false };
    for (const item of v) {
      const d = decodeJournalValue(item);
      out.values.push(...d.values);
      out.binary ||= d.binary;
      out.omitted ||= d.omitted;
    }
    return out;
  }
  return { values: [JSON.stringify(v)], binary: false, omitted: false };
}

/**
 * The fields parseJournalLine reads besides __CURSOR, __REALTIME_TIMESTAMP and _BOOT_ID, which
 * journalctl always prints. The scan asks journalctl for these only (--output-fields): a real entry
 * carries 20-30 fields, and formatting and parsing the others is most of the work.
 */
export const JOURNAL_FIELDS_READ = ['MESSAGE', 'PRIORITY', '_SYSTEMD_UNIT', 'SYSLOG_IDENTIFIER', '_COMM', '_PID'] as const;

function first(v: unknown): string {
  // nearly every value is a plain string: skip building a DecodedValue for it
  if (typeof v === 'string') return v;
  return decodeJournalValue(v).values[0] ?? '';
}

/** Cuts a string to at most maxBytes of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short messages need no encoding at all.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) return { text, truncated: false };
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

/**
 * Tells apart messages the coordinator cannot compare by their text: a binary one by its exact
 * bytes, a cut one by its whole text with the parts that change every time masked (the same rule
 * as the coordinator's signature, so a recurring oversized error still matches its baseline).
 */
export function messageDigest(raw: unknown, text: string, binary: boolean): string {
  const basis = binary ? JSON.stringify(raw ?? null) : maskVariableParts(text);
  return `sha256:${createHash('sha256').update(basis).digest('hex').slice(0, 16)}`;
}

/**
 * Parses one JSON line. Throws on a line that is not a JSON object with a __CURSOR (the caller
 * counts those as parse errors and goes on).
 */
export function parseJournalLine(line: string, maxMessageBytes = 4096): ParsedJournalEntry {
  return journalEntry(readJournalFields(line) ?? parsedFields(line), maxMessageBytes);
}

function parsedFields(line: string): JournalFields {
  const o: unknown = JSON.parse(line);
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('journal line is not a JSON object');
  return JournalFields.of(o as Record<string, unknown>);
}

function journalEntry(rec: JournalFields, maxMessageBytes: number): ParsedJournalEntry {
  const cursor = first(rec.__CURSOR);
  if (!cursor) throw new Error('journal entry has no __CURSOR');
  const realtime = Number(first(rec.__REALTIME_TIMESTAMP));
  const prioText = first(rec.PRIORITY);
  const prio = /^[0-7]$/.test(prioText) ? Number(prioText) : 6;
  const pid = Number(first(rec._PID));
  const msg = decodeJournalValue(rec.MESSAGE);
  // A multi-valued MESSAGE is rare (several MESSAGE= fields in one entry); keep them all, one per line.
  const whole = msg.values.join('\n');
  const cut = truncateUtf8(whole, maxMessageBytes);
  const truncated = msg.omitted || cut.truncated;
  return {
    cursor,
    realtimeUsec: Number.isFinite(realtime) ? realtime : 0,
    bootId: first(rec._BOOT_ID),
    priority: prio,
    unit: first(rec._SYSTEMD_UNIT),
    identifier: first(rec.SYSLOG_IDENTIFIER) || first(rec._COMM),
    message: cut.text,
    messageBinary: msg.binary,
    messageTruncated: truncated,
    messageDigest: msg.binary || truncated ? messageDigest(rec.MESSAGE, whole, msg.binary) : '',
    pid: Number.isInteger(pid) && pid > 0 ? pid : 0,
  };
}
