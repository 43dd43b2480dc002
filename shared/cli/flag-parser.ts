import { oneOfProblem, rangeProblem } from '../validation/choice.js';
import { editDistance } from '../text/nearest-name.js';
import { parseDuration } from '../validation/duration.js';
import { FieldError, showName, showValue } from '../validation/field-error.js';
import { plainTextProblem } from '../validation/plain-text.js';

/**
 * The one strict command-line parser of noderoll, noderoll certs and noderoll-agent: every flag
 * is declared with its kind and value rule; an unknown flag, a missing or malformed value, a flag
 * given twice or a stray argument is a UsageError naming the flag, raised before anything runs.
 *
 * Accepted forms: `--flag value`, `--flag=value`, `-f value`, `-fvalue`, `-f=value` (flags with a
 * `short` letter); a boolean takes no value or `=true`/`=false`; `--` ends the flags.
 */

export class UsageError extends FieldError {
  constructor(field: string, problem: string) {
    super(field, problem);
    this.name = 'UsageError';
  }
}

/**
 * boolean: a switch. string: one value. integer: a whole number (min..max). duration: `90s`,
 * `10m`, `1h30m` (milliseconds). list: repeatable, values accumulate (each split at `split` when set).
 */
export type FlagKind = 'boolean' | 'string' | 'integer' | 'duration' | 'list';

export interface FlagSpec {
  /** Without dashes: `to`, `pause-between`. */
  name: string;
  /** One letter: `-o`. */
  short?: string;
  kind: FlagKind;
  /** Placeholder in help and in "needs a value (VERSION)". */
  value?: string;
  help: string;
  /** string and list items: why a value is refused (a rule from shared/validation), or undefined. */
  check?: (value: string) => string | undefined;
  /** string and list items: the only accepted values (`check`, when set, says why another is refused); shell completion offers them. */
  choices?: readonly string[];
  /** string: whether "" is a value (e.g. "" turns a listener off); refused by default. */
  allowEmpty?: boolean;
  /** integer: the accepted range. */
  min?: number;
  max?: number;
  /** list: one value holds several items separated by `separator` (`--nodes a,b`); `item` names them in errors. */
  split?: { separator: string; item: string };
  /** list: how many items at most (default 1000). */
  maxItems?: number;
}

export type FlagValue = string | boolean | number | string[];

export interface ParsedFlags {
  values: Map<string, FlagValue>;
  positional: string[];
}

export interface FlagParserOptions {
  /** How the program is called, for messages: `noderoll update`, `noderoll-agent`. */
  program: string;
  /** Arguments that are not flags (default 0: any is an error). */
  maxPositional?: number;
}

const DEFAULT_MAX_ITEMS = 1000;
/** Whole numbers up to 9 digits (no sign, no exponent: `1e9` is refused, not read as 10⁹). */
const WHOLE_NUMBER = /^[0-9]{1,9}$/;

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], options: FlagParserOptions): ParsedFlags {
  const parsed: ParsedFlags = { values: new Map(), positional: [] };
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositional || arg === '-' || !arg.startsWith('-')) {
      addPositional(parsed, arg, options);
      continue;
    }
    if (arg === '--') {
      onlyPositional = true;
      continue;
    }
    const { typed, spec, inline } = splitFlag(arg, byName, byShort);
    if (!spec) throw unknownFlag(typed, specs, options.program);
    const label = `--${spec.name}`;
    let raw: string;
    if (spec.kind === 'boolean') raw = inline ?? 'true';
    else if (inline !== undefined) raw = inline;
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next.length > 1)) throw new UsageError(label, `needs a value${spec.value ? ` (${spec.value})` : ''}`);
      raw = next;
      i += 1;
    }
    store(parsed, spec, label, convert(spec, label, raw));
  }
  return parsed;
}

function splitFlag(arg: string, byName: ReadonlyMap<string, FlagSpec>, byShort: ReadonlyMap<string, FlagSpec>): { typed: string; spec: FlagSpec | undefined; inline: string | undefined } {
  if (arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    const typed = eq >= 0 ? arg.slice(0, eq) : arg;
    return { typed, spec: byName.get(typed.slice(2)), inline: eq >= 0 ? arg.slice(eq + 1) : undefined };
  }
  const spec = /^-[A-Za-z]/.test(arg) ? byShort.get(arg.slice(1, 2)) : undefined;
  if (spec) {
    const rest = arg.slice(2);
    return { typed: arg.slice(0, 2), spec, inline: rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest };
  }
  // Not a known short flag: name all of it (`-days` is more likely --days than -d).
  const eq = arg.indexOf('=');
  return { typed: eq >= 0 ? arg.slice(0, eq) : arg, spec: undefined, inline: undefined };
}

function addPositional(parsed: ParsedFlags, arg: string, options: FlagParserOptions): void {
  const max = options.maxPositional ?? 0;
  if (parsed.positional.length >= max) {
    const takes = max === 0 ? 'takes no arguments, only flags' : `takes at most ${max} argument${max === 1 ? '' : 's'}`;
    throw new UsageError('arguments', `unexpected argument ${showValue(arg, 60)}: ${options.program} ${takes} (see ${options.program} --help)`);
  }
  const problem = plainTextProblem(arg);
  if (problem) throw new UsageError('arguments', problem);
  parsed.positional.push(arg);
}

function unknownFlag(typed: string, specs: readonly FlagSpec[], program: string): UsageError {
  const name = typed.replace(/^-+/, '');
  const near = name.length > 0 ? specs.find((s) => s.name.startsWith(name) || name.startsWith(s.name) || editDistance(s.name, name) <= 2) : undefined;
  return new UsageError(showName(typed), `unknown flag for ${program}${near ? ` (did you mean --${near.name}?)` : ''}; see ${program} --help`);
}

function convert(spec: FlagSpec, label: string, raw: string): FlagValue {
  const text = plainTextProblem(raw);
  if (text) throw new UsageError(label, text);
  switch (spec.kind) {
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new UsageError(label, `takes no value or true/false, got ${showValue(raw)}`);
    case 'string':
      if (raw === '' && !spec.allowEmpty) throw new UsageError(label, 'must not be empty');
      return checked(spec, label, raw);
    case 'integer': {
      if (!WHOLE_NUMBER.test(raw)) throw new UsageError(label, `${showValue(raw)} must be a whole number`);
      const n = Number(raw);
      const range = rangeProblem(n, spec.min ?? 0, spec.max ?? Number.MAX_SAFE_INTEGER);
      if (range) throw new UsageError(label, range);
      return n;
    }
    case 'duration': {
      const ms = parseDuration(raw);
      if (typeof ms === 'string') throw new UsageError(label, ms);
      return ms;
    }
    case 'list': {
      const items = spec.split ? raw.split(spec.split.separator).map((s) => s.trim()) : [raw];
      if (items.some((s) => s === '')) {
        throw new UsageError(label, spec.split ? `${showValue(raw)} has an empty ${spec.split.item} (use a ${spec.split.separator === ',' ? 'comma' : showValue(spec.split.separator)}-separated list)` : 'must not be empty');
      }
      return items.map((item) => checked(spec, label, item));
    }
  }
}

function checked(spec: FlagSpec, label: string, value: string): string {
  const problem = spec.check ? spec.check(value) : spec.choices && oneOfProblem(value, spec.choices);
  if (problem) throw new UsageError(label, problem);
  return value;
}

function store(parsed: ParsedFlags, spec: FlagSpec, label: string, value: FlagValue): void {
  const previous = parsed.values.get(spec.name);
  if (Array.isArray(value)) {
    const all = [...(Array.isArray(previous) ? previous : []), ...value];
    const max = spec.maxItems ?? DEFAULT_MAX_ITEMS;
    if (all.length > max) throw new UsageError(label, `has ${all.length} values; at most ${max}`);
    parsed.values.set(spec.name, all);
    return;
  }
  if (previous !== undefined) throw new UsageError(label, 'given more than once');
  parsed.values.set(spec.name, value);
}

export function flagString(f: ParsedFlags, name: string): string | undefined {
  const v = f.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagBoolean(f: ParsedFlags, name: string): boolean {
  return f.values.get(name) === true;
}

/** integer and duration flags (durations in milliseconds). */
export function flagNumber(f: ParsedFlags, name: string): number | undefined {
  const v = f.values.get(name);
  return typeof v === 'number' ? v : undefined;
}

/** A list flag's values, or undefined when it was not given. */
export function flagList(f: ParsedFlags, name: string): string[] | undefined {
  const v = f.values.get(name);
  return Array.isArray(v) ? v : undefined;
}

/** Help rows, `  -o, --output text|json  help`; `width` is the left column's (default: the widest); a help text may span lines. */
export function flagsHelp(specs: readonly FlagSpec[], width?: number): string {
  const indent = specs.some((s) => s.short) ? '    ' : '';
  const rows = specs.map((s) => [`${s.short ? `-${s.short}, ` : indent}--${s.name}${s.value ? ` ${s.value}` : ''}`, s.help] as const);
  const column = width ?? Math.max(...rows.map(([left]) => left.length)) + 1;
  // Further lines of a help text start under its first.
  const continuation = `\n${' '.repeat(column + 3)}`;
  return rows.map(([left, help]) => `  ${left.padEnd(column)} ${help.split('\n').join(continuation)}`).join('\n');
}
