import { parseDuration } from '../config/duration.js';
import { checkContextName, checkHostPort, checkNodeName, checkPlainText, checkVersion, printable } from '../config/field-rules.js';

/**
 * A strict command-line parser: every flag is declared with its type; an unknown flag, a missing
 * or malformed value, a flag given twice or a stray argument is an error naming the flag, raised
 * before anything runs.
 */

export class UsageError extends Error {
  constructor(
    /** The flag, command or field at fault: `--pause-between`, `command`. */
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'UsageError';
  }
}

export type FlagType = 'boolean' | 'string' | 'path' | 'version' | 'duration' | 'nodes' | 'output' | 'context' | 'address';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  /** Placeholder in help: VERSION, DURATION. */
  value?: string;
  help: string;
}

export type OutputFormat = 'text' | 'json';

export interface ParsedFlags {
  values: Map<string, string | boolean | number | string[]>;
}

export function getString(f: ParsedFlags, name: string): string | undefined {
  const v = f.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function getBoolean(f: ParsedFlags, name: string): boolean {
  return f.values.get(name) === true;
}

export function getNumber(f: ParsedFlags, name: string): number | undefined {
  const v = f.values.get(name);
  return typeof v === 'number' ? v : undefined;
}

export function getList(f: ParsedFlags, name: string): string[] | undefined {
  const v = f.values.get(name);
  return Array.isArray(v) ? v : undefined;
}

const MAX_ARG_LENGTH = 4096;

function convert(spec: FlagSpec, flag: string, raw: string): string | boolean | number | string[] {
  const plain = checkPlainText(raw, MAX_ARG_LENGTH);
  if (plain) throw new UsageError(flag, plain);
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new UsageError(flag, `takes no value or true/false, got "${printable(raw)}"`);
    case 'string':
      return raw;
    case 'path':
      if (raw === '') throw new UsageError(flag, 'needs a path');
      return raw;
    case 'context': {
      const problem = checkContextName(raw);
      if (problem) throw new UsageError(flag, problem);
      return raw;
    }
    case 'version': {
      const problem = checkVersion(raw);
      if (problem) throw new UsageError(flag, problem);
      return raw;
    }
    case 'address': {
      // host:port to listen on; port 0 = any free port
      const problem = checkHostPort(raw.endsWith(':0') ? `${raw.slice(0, -2)}:1` : raw);
      if (problem) throw new UsageError(flag, problem.replace(/:1"/, ':0"'));
      return raw;
    }
    case 'duration': {
      const ms = parseDuration(raw);
      if (typeof ms === 'string') throw new UsageError(flag, ms);
      return ms;
    }
    case 'output':
      if (raw !== 'text' && raw !== 'json') throw new UsageError(flag, `must be text or json, got "${printable(raw)}"`);
      return raw;
    case 'nodes': {
      const names = raw.split(',').map((s) => s.trim());
      if (names.some((n) => n === '')) throw new UsageError(flag, `"${printable(raw)}" has an empty node name (use a comma-separated list)`);
      for (const n of names) {
        const problem = checkNodeName(n);
        if (problem) throw new UsageError(flag, problem);
      }
      return names;
    }
  }
}

/** Parses `args` against `specs`. Lists (--nodes) may repeat and accumulate; other flags may not repeat. */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[], command: string): ParsedFlags {
  const values = new Map<string, string | boolean | number | string[]>();
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    let spec: FlagSpec | undefined;
    let flag: string;
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      flag = `--${name}`;
      spec = byName.get(name);
    } else if (/^-[A-Za-z]/.test(arg)) {
      const short = arg.slice(1, 2);
      flag = `-${short}`;
      spec = byShort.get(short);
      const rest = arg.slice(2);
      inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest;
    } else if (arg === '--') {
      const extra = args[i + 1];
      if (extra !== undefined) throw new UsageError('arguments', `"${printable(extra)}": noderoll ${command} takes no arguments, only flags`);
      break;
    } else {
      throw new UsageError('arguments', `unexpected argument "${printable(arg)}": noderoll ${command} takes no arguments, only flags (see noderoll ${command} --help)`);
    }
    if (!spec) {
      const name = flag.replace(/^-+/, '');
      const near = specs.find((s) => s.name.startsWith(name) || name.startsWith(s.name) || editDistance(s.name, name) <= 2);
      throw new UsageError(printable(flag), `unknown flag for noderoll ${command}${near ? ` (did you mean --${near.name}?)` : ''}; see noderoll ${command} --help`);
    }
    const label = `--${spec.name}`;
    let raw: string;
    if (spec.type === 'boolean') raw = inline ?? 'true';
    else if (inline !== undefined) raw = inline;
    else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('-') && next.length > 1)) throw new UsageError(label, `needs a value${spec.value ? ` (${spec.value})` : ''}`);
      raw = next;
      i++;
    }
    const value = convert(spec, label, raw);
    const previous = values.get(spec.name);
    if (previous !== undefined) {
      if (Array.isArray(previous) && Array.isArray(value)) {
        values.set(spec.name, [...previous, ...value]);
        continue;
      }
      throw new UsageError(label, 'is given more than once');
    }
    values.set(spec.name, value);
  }
  return { values };
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length]![b.length]!;
}
