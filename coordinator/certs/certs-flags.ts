/**
 * The strict command line of `noderoll certs`: every flag declared with its kind; an unknown
 * flag, a missing or malformed value, a repeated single-valued flag or a stray argument is an
 * error naming the flag, raised before anything is written.
 */

export class CertsUsageError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'CertsUsageError';
  }
}

export type FlagKind = 'string' | 'integer' | 'list' | 'boolean';

export interface CertsFlagSpec {
  name: string;
  kind: FlagKind;
  value?: string;
  help: string;
}

export interface ParsedCertsFlags {
  values: Map<string, string | number | boolean | string[]>;
  positional: string[];
}

const MAX_VALUE_LENGTH = 4096;

function printable(s: string): string {
  const cut = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return JSON.stringify(cut);
}

/** A flag as the user typed it, with control characters escaped (it goes back to a terminal). */
function shownFlag(s: string): string {
  return printable(s).slice(1, -1);
}

export function parseCertsFlags(argv: readonly string[], specs: readonly CertsFlagSpec[], maxPositional: number): ParsedCertsFlags {
  const out: ParsedCertsFlags = { values: new Map(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (/[\0\r\n]/.test(arg)) throw new CertsUsageError(arg.startsWith('--') ? arg.split('=')[0]! : 'argument', `${printable(arg)} contains NUL or a line break`);
    if (arg.length > MAX_VALUE_LENGTH) throw new CertsUsageError('argument', `is ${arg.length} characters long; at most ${MAX_VALUE_LENGTH}`);
    if (!arg.startsWith('-') || arg === '-') {
      if (out.positional.length >= maxPositional) throw new CertsUsageError('argument', `unexpected ${printable(arg)}`);
      out.positional.push(arg);
      continue;
    }
    if (arg === '--') throw new CertsUsageError('--', 'is not accepted here');
    const eq = arg.indexOf('=');
    const name = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    const flag = `--${name}`;
    const spec = specs.find((s) => s.name === name);
    if (!spec || !arg.startsWith('--')) throw new CertsUsageError(shownFlag(eq > 0 ? arg.slice(0, eq) : arg), `unknown flag (flags here: ${specs.map((s) => `--${s.name}`).join(', ')})`);
    if (spec.kind !== 'list' && out.values.has(name)) throw new CertsUsageError(flag, 'given more than once');
    if (spec.kind === 'boolean') {
      if (eq > 0) throw new CertsUsageError(flag, 'takes no value');
      out.values.set(name, true);
      continue;
    }
    let raw: string | undefined;
    if (eq > 0) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw !== undefined && raw.startsWith('--')) raw = undefined;
      else i += 1;
    }
    if (raw === undefined) throw new CertsUsageError(flag, `needs a value${spec.value ? ` (${spec.value})` : ''}`);
    if (raw === '') throw new CertsUsageError(flag, 'must not be empty');
    if (/[\0\r\n]/.test(raw)) throw new CertsUsageError(flag, `${printable(raw)} contains NUL or a line break`);
    if (spec.kind === 'integer') {
      if (!/^[0-9]{1,6}$/.test(raw)) throw new CertsUsageError(flag, `${printable(raw)} must be a whole number`);
      out.values.set(name, Number(raw));
    } else if (spec.kind === 'list') {
      const list = (out.values.get(name) as string[] | undefined) ?? [];
      if (list.length >= 32) throw new CertsUsageError(flag, 'given more than 32 times');
      list.push(raw);
      out.values.set(name, list);
    } else out.values.set(name, raw);
  }
  return out;
}

export function flagString(f: ParsedCertsFlags, name: string): string | undefined {
  const v = f.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagInteger(f: ParsedCertsFlags, name: string): number | undefined {
  const v = f.values.get(name);
  return typeof v === 'number' ? v : undefined;
}

export function flagList(f: ParsedCertsFlags, name: string): string[] {
  const v = f.values.get(name);
  return Array.isArray(v) ? v : [];
}

export function flagBoolean(f: ParsedCertsFlags, name: string): boolean {
  return f.values.get(name) === true;
}

export function flagsHelp(specs: readonly CertsFlagSpec[]): string {
  const rows = specs.map((s) => [`--${s.name}${s.value ? ` ${s.value}` : ''}`, s.help] as const);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, h]) => `  ${l.padEnd(width)}${h}`).join('\n');
}
