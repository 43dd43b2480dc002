import { argumentProblem, MAX_ARGV, programProblem } from '../validation/argv.js';
import { oneOfProblem, rangeProblem } from '../validation/choice.js';
import { parseDuration } from '../validation/duration.js';
import { envNameProblem } from '../validation/env-name.js';
import { FieldError, showValue } from '../validation/field-error.js';
import { plainTextProblem } from '../validation/plain-text.js';
import { nearestName } from '../text/nearest-name.js';
import { ConfigError } from './config-error.js';

/**
 * Reads the fields of one parsed YAML mapping into typed values, collecting every problem (each a
 * FieldError with the field's full path: `gates.etcd.timeout`, `nodes[1].agent`) instead of
 * stopping at the first, so that a config file is reported as a whole. A missing or null field
 * takes its fallback; a field of the wrong type or refused by its rule is reported and takes the
 * fallback too, so reading goes on. Strings are never allowed control characters.
 */

export type Mapping = Record<string, unknown>;

/** A check from shared/validation: why a value is refused, or undefined. */
export type ValueRule = (value: string) => string | undefined;

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What a value is, for "must be X, got Y". */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${showValue(v, 40)}`;
  return `${typeof v} ${showValue(v, 40)}`;
}

export interface ArgvOptions {
  /** An empty list is an error (otherwise it is read as "no command"). */
  required?: boolean;
  /** At most this many arguments (default MAX_ARGV). */
  max?: number;
}

export interface ListOptions {
  /** An empty list is an error. */
  nonEmpty?: boolean;
  /** At most this many entries (default 1000). */
  max?: number;
}

const DEFAULT_MAX_LIST = 1000;

export class FieldReader {
  /** `problems` is shared by every reader made from this one. */
  constructor(
    private readonly mapping: Mapping,
    readonly path = '',
    readonly problems: FieldError[] = [],
  ) {}

  /** Reads a whole document: it must be a mapping. */
  static document(doc: unknown, problems: FieldError[] = []): FieldReader {
    if (isMapping(doc)) return new FieldReader(doc, '', problems);
    problems.push(new FieldError('(document)', `must be a mapping of settings, got ${doc === undefined ? 'an empty file' : describeValue(doc)}`));
    return new FieldReader({}, '', problems);
  }

  /** The full path of a field of this mapping. */
  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  fail(key: string, problem: string): void {
    this.problems.push(new FieldError(this.at(key), problem));
  }

  /** Whether the field is present (not missing, not null). */
  has(key: string): boolean {
    return this.mapping[key] !== undefined && this.mapping[key] !== null;
  }

  raw(key: string): unknown {
    return this.mapping[key];
  }

  /** Reports every key that is not `allowed` (a typo must not silently fall back to a default). */
  only(allowed: readonly string[]): void {
    for (const k of Object.keys(this.mapping)) {
      if (allowed.includes(k)) continue;
      const near = nearestName(k, allowed);
      this.fail(k, `unknown field${near ? ` (did you mean "${near}"?)` : ''}; allowed: ${allowed.join(', ')}`);
    }
  }

  /** A nested mapping (missing or null: an empty one), optionally with only `allowed` keys. */
  section(key: string, allowed?: readonly string[]): FieldReader {
    const v = this.mapping[key];
    let inner: Mapping = {};
    if (isMapping(v)) inner = v;
    else if (v !== undefined && v !== null) this.fail(key, `must be a mapping, got ${describeValue(v)}`);
    const reader = new FieldReader(inner, this.at(key), this.problems);
    if (allowed) reader.only(allowed);
    return reader;
  }

  /** A list of mappings, one reader per entry (entries that are not mappings are reported). */
  sections(key: string, allowed?: readonly string[], options: ListOptions = {}): FieldReader[] {
    const items = this.listOf(key, options);
    if (!items) return [];
    const out: FieldReader[] = [];
    items.forEach((item, i) => {
      const path = `${this.at(key)}[${i}]`;
      if (!isMapping(item)) return void this.problems.push(new FieldError(path, `must be a mapping, got ${describeValue(item)}`));
      const reader = new FieldReader(item, path, this.problems);
      if (allowed) reader.only(allowed);
      out.push(reader);
    });
    return out;
  }

  string(key: string, fallback: string, rule?: ValueRule): string {
    return this.read(key, fallback, (v) => (typeof v !== 'string' ? `must be a string, got ${describeValue(v)}` : (plainTextProblem(v) ?? rule?.(v) ?? { value: v })));
  }

  /** A string that must be present; '' when it is missing or refused (the problem is recorded). */
  requiredString(key: string, rule?: ValueRule): string {
    if (!this.has(key)) {
      this.fail(key, 'is required');
      return '';
    }
    return this.string(key, '', rule);
  }

  oneOf<T extends string>(key: string, fallback: T, choices: readonly T[]): T {
    return this.string(key, fallback, (v) => oneOfProblem(v, choices)) as T;
  }

  boolean(key: string, fallback: boolean): boolean {
    return this.read(key, fallback, (v) => (typeof v === 'boolean' ? { value: v } : `must be true or false, got ${describeValue(v)}`));
  }

  /** A whole number in min..max. */
  integer(key: string, fallback: number, min: number, max: number): number {
    return this.read(key, fallback, (v) => (typeof v !== 'number' || !Number.isInteger(v) ? `must be a whole number, got ${describeValue(v)}` : (rangeProblem(v, min, max) ?? { value: v })));
  }

  /** `30s`, `10m`, `1h30m`, `250ms` or a number of seconds, in milliseconds; at least `minMs`. */
  duration(key: string, fallbackMs: number, minMs = 0): number {
    return this.read(key, fallbackMs, (v) => {
      if (typeof v !== 'string' && typeof v !== 'number') return `must be a duration such as 30s or 10m, got ${describeValue(v)}`;
      const ms = parseDuration(v);
      if (typeof ms === 'string') return ms;
      return ms < minMs ? `must be at least ${minMs} ms` : { value: ms };
    });
  }

  /** A list of strings; entries refused by `rule` are reported (with their index) and left out. */
  list(key: string, fallback: string[], rule?: ValueRule, options: ListOptions = {}): string[] {
    const items = this.listOf(key, options, 'a list of strings');
    if (!items) return fallback;
    const out: string[] = [];
    items.forEach((item, i) => {
      const path = `${this.at(key)}[${i}]`;
      const problem = typeof item !== 'string' ? `must be a string, got ${describeValue(item)}` : (plainTextProblem(item) ?? rule?.(item));
      if (problem) this.problems.push(new FieldError(path, problem));
      else out.push(item as string);
    });
    return out;
  }

  /**
   * A command: an argv list run without a shell, each argument non-empty, the program absolute or a
   * bare name (shared/validation/argv.ts). A refused command takes its fallback as a whole.
   */
  argv(key: string, fallback: string[], options: ArgvOptions = {}): string[] {
    const v = this.mapping[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') {
      this.fail(key, 'must be a list (argv), e.g. [etcdctl, cluster-health]; commands never go through a shell');
      return fallback;
    }
    const before = this.problems.length;
    const argv = this.list(key, fallback, argumentProblem, { max: options.max ?? MAX_ARGV });
    if (this.problems.length > before) return fallback;
    if (argv.length === 0) {
      if (options.required) this.fail(key, 'must not be empty: name a program and its arguments');
      return argv;
    }
    const program = programProblem(argv[0]!);
    if (!program) return argv;
    this.problems.push(new FieldError(`${this.at(key)}[0]`, program));
    return fallback;
  }

  /** A mapping of environment variables, NAME: value. */
  env(key: string, fallback: Record<string, string> = {}): Record<string, string> {
    const v = this.mapping[key];
    if (v === undefined || v === null) return { ...fallback };
    if (!isMapping(v)) {
      this.fail(key, `must be a mapping of NAME: value, got ${describeValue(v)}`);
      return { ...fallback };
    }
    const out: Record<string, string> = { ...fallback };
    for (const [name, value] of Object.entries(v)) {
      const problem = envNameProblem(name) ?? (typeof value !== 'string' ? `must be a string, got ${describeValue(value)}` : plainTextProblem(value));
      if (problem) this.problems.push(new FieldError(`${this.at(key)}.${name}`, problem));
      else out[name] = value as string;
    }
    return out;
  }

  /** Throws a ConfigError with every problem recorded so far (by any reader sharing them). */
  throwIfProblems(source: string): void {
    if (this.problems.length > 0) throw new ConfigError(source, this.problems);
  }

  /** A present field's value converted, or its fallback when missing, null or refused (the problem is recorded). */
  private read<T>(key: string, fallback: T, convert: (v: unknown) => { value: T } | string): T {
    const v = this.mapping[key];
    if (v === undefined || v === null) return fallback;
    const r = convert(v);
    if (typeof r === 'string') {
      this.fail(key, r);
      return fallback;
    }
    return r.value;
  }

  private listOf(key: string, options: ListOptions, what = 'a list'): unknown[] | undefined {
    const v = this.mapping[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.fail(key, `must be ${what}, got ${describeValue(v)}`);
      return undefined;
    }
    const max = options.max ?? DEFAULT_MAX_LIST;
    if (v.length > max) {
      this.fail(key, `has ${v.length} entries; at most ${max}`);
      return undefined;
    }
    if (options.nonEmpty && v.length === 0) {
      this.fail(key, 'must not be empty');
      return undefined;
    }
    return v;
  }
}
