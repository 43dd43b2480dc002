import { isCollection, LineCounter, parseDocument, type Document } from 'yaml';
import { FieldError } from '../validation/field-error.js';
import { ConfigError } from './config-error.js';
import { describeValue, isMapping, type Mapping } from './field-reader.js';

/**
 * A YAML settings file as both config readers need it: YAML 1.2, duplicate keys refused, aliases
 * bounded (an alias bomb is refused, not expanded), a mapping at the top (an empty file is an
 * empty mapping: every default), and the line of every field, so that a problem found later
 * can say where it is.
 */

export interface YamlSettings {
  value: Mapping;
  /** The 1-based line of a field (`gates.etcd.timeout`, `nodes[1].agent`), or of its nearest parent in the file. */
  lineOf(path: string): number | undefined;
}

const FILE = '(file)';
const MAX_ALIASES = 100;

export function parseYamlSettings(text: string, source: string): YamlSettings {
  if (text.includes('\u0000')) throw new ConfigError(source, [new FieldError(FILE, 'contains NUL bytes; not a text file')]);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true, strict: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => new FieldError(FILE, `not valid YAML: ${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')}`, e.linePos?.[0]?.line)),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
  } catch (err) {
    throw new ConfigError(source, [new FieldError(FILE, `cannot be read as settings: ${err instanceof Error ? err.message : String(err)}`)]);
  }
  if (!isMapping(value)) throw new ConfigError(source, [new FieldError(FILE, `must be a YAML mapping of settings, got ${describeValue(value)}`)]);
  return { value, lineOf: (path) => lineOf(doc, lines, path) };
}

/** The problems with the line of each field added, in the order of the file. */
export function locateProblems(problems: readonly FieldError[], settings: YamlSettings): FieldError[] {
  return problems
    .map((p) => (p.line !== undefined ? p : new FieldError(p.field, p.problem, settings.lineOf(p.field))))
    .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

function lineOf(doc: Document, lines: LineCounter, path: string): number | undefined {
  const keys: (string | number)[] = path
    .split(/\.|\[(\d+)\]/)
    .filter((k): k is string => k !== undefined && k !== '')
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  while (keys.length > 0) {
    const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
    const parent = doc.getIn(keys.slice(0, -1), true);
    const offset = node?.range?.[0] ?? (isCollection(parent) ? keyOffset(parent, keys[keys.length - 1]) : undefined);
    if (offset !== undefined) return lines.linePos(offset).line;
    keys.pop();
  }
  return undefined;
}

/** Where a key of a mapping starts (the field itself may be null or missing a value). */
function keyOffset(parent: unknown, key: string | number | undefined): number | undefined {
  const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] }).items ?? [];
  return items.find((p) => p.key?.value === key)?.key?.range?.[0];
}
