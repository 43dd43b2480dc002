/**
 * The fields of one `journalctl -o json` line that the agent reads, picked out of the text without
 * building the whole object. JSON.parse was most of a scan's time: journalctl prints every entry's
 * fields in a different order, so each line made objects of new shapes, and every value a string
 * of its own. journalctl's lines have one shape — `{"KEY":value,…}` with no spaces, each value a
 * string, null or an array — and for that shape the fields are found with indexOf; any other line
 * (spaces, numbers, escaped keys, anything unexpected) is left to JSON.parse. A line taken here is
 * always one JSON.parse accepts, with the same values.
 */

export class JournalFields {
  __CURSOR: unknown = undefined;
  __REALTIME_TIMESTAMP: unknown = undefined;
  _BOOT_ID: unknown = undefined;
  MESSAGE: unknown = undefined;
  PRIORITY: unknown = undefined;
  _SYSTEMD_UNIT: unknown = undefined;
  SYSLOG_IDENTIFIER: unknown = undefined;
  _COMM: unknown = undefined;
  _PID: unknown = undefined;

  /** The same fields out of a parsed object. */
  static of(o: Record<string, unknown>): JournalFields {
    const f = new JournalFields();
    f.__CURSOR = o.__CURSOR;
    f.__REALTIME_TIMESTAMP = o.__REALTIME_TIMESTAMP;
    f._BOOT_ID = o._BOOT_ID;
    f.MESSAGE = o.MESSAGE;
    f.PRIORITY = o.PRIORITY;
    f._SYSTEMD_UNIT = o._SYSTEMD_UNIT;
    f.SYSLOG_IDENTIFIER = o.SYSLOG_IDENTIFIER;
    f._COMM = o._COMM;
    f._PID = o._PID;
    return f;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LETTER_N = 0x6e;
/** JSON allows no raw control characters in a string; JSON.parse will say what is wrong. */
const CONTROL = /[\u0000-\u001f]/;

/** Index just past the string that starts with the quote at `open`, or -1 when it does not end. */
function stringEnd(line: string, open: number): number {
  let q = line.indexOf('"', open + 1);
  while (q >= 0) {
    let k = q - 1;
    while (line.charCodeAt(k) === BACKSLASH) k -= 1;
    // an even number of backslashes before it: the quote is not escaped
    if ((q - 1 - k) % 2 === 0) return q + 1;
    q = line.indexOf('"', q + 1);
  }
  return -1;
}

/** Index just past the array that starts at `open` (strings in it may hold brackets), or -1. */
function arrayEnd(line: string, open: number): number {
  let depth = 0;
  for (let i = open; i < line.length; i += 1) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(line, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === OPEN_BRACKET) depth += 1;
    else if (c === CLOSE_BRACKET && --depth === 0) return i + 1;
  }
  return -1;
}

function keyIs(line: string, start: number, length: number, name: string): boolean {
  return length === name.length && line.startsWith(name, start);
}

type FieldName = keyof JournalFields;

/** Which read field the key at line[start, start + length) is, if any. */
function fieldAt(line: string, start: number, length: number): FieldName | undefined {
  switch (length) {
    case 4:
      return keyIs(line, start, length, '_PID') ? '_PID' : undefined;
    case 5:
      return keyIs(line, start, length, '_COMM') ? '_COMM' : undefined;
    case 7:
      return keyIs(line, start, length, 'MESSAGE') ? 'MESSAGE' : undefined;
    case 8:
      if (keyIs(line, start, length, '__CURSOR')) return '__CURSOR';
      if (keyIs(line, start, length, '_BOOT_ID')) return '_BOOT_ID';
      return keyIs(line, start, length, 'PRIORITY') ? 'PRIORITY' : undefined;
    case 13:
      return keyIs(line, start, length, '_SYSTEMD_UNIT') ? '_SYSTEMD_UNIT' : undefined;
    case 17:
      return keyIs(line, start, length, 'SYSLOG_IDENTIFIER') ? 'SYSLOG_IDENTIFIER' : undefined;
    case 20:
      return keyIs(line, start, length, '__REALTIME_TIMESTAMP') ? '__REALTIME_TIMESTAMP' : undefined;
    default:
      return undefined;
  }
}

/**
 * The fields of a line of journalctl's shape, or undefined for any other line (which may still be
 * JSON: the caller parses it). Throws only where JSON.parse would throw on the whole line.
 */
export function readJournalFields(line: string): JournalFields | undefined {
  const n = line.length;
  if (line.charCodeAt(0) !== OPEN_BRACE || line.charCodeAt(n - 1) !== CLOSE_BRACE || CONTROL.test(line)) return undefined;
  const f = new JournalFields();
  // Values without a backslash are the text between their quotes; the rest go through JSON.parse.
  let backslash = line.indexOf('\\');
  let i = 1;
  for (;;) {
    if (line.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = line.indexOf('"', i + 1);
    if (keyEnd < 0 || line.charCodeAt(keyEnd + 1) !== COLON) return undefined;
    // `backslash` is never before this key: one before its end is in it
    if (backslash >= 0 && backslash < keyEnd) return undefined;
    const field = fieldAt(line, i + 1, keyEnd - i - 1);
    const start = keyEnd + 2;
    const c = line.charCodeAt(start);
    let end: number;
    let plain = false;
    if (c === QUOTE) {
      end = stringEnd(line, start);
      if (end < 0) return undefined;
      plain = backslash < 0 || backslash >= end;
    } else if (c === OPEN_BRACKET) {
      end = arrayEnd(line, start);
      if (end < 0) return undefined;
    } else if (c === LETTER_N && line.startsWith('null', start)) {
      end = start + 4;
    } else {
      return undefined;
    }
    if (plain) {
      if (field !== undefined) f[field] = line.slice(start + 1, end - 1);
    } else {
      // parsed whether read or not: an invalid escape or array makes the line invalid JSON
      const value: unknown = JSON.parse(line.slice(start, end));
      if (field !== undefined) f[field] = value;
      if (backslash >= 0 && backslash < end) backslash = line.indexOf('\\', end);
    }
    const next = line.charCodeAt(end);
    if (next === COMMA) {
      i = end + 1;
      continue;
    }
    return next === CLOSE_BRACE && end === n - 1 ? f : undefined;
  }
}
