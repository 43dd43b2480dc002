import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isCollection } from 'yaml';
import type { CoordinatorConfig } from './config-types.js';
import { ConfigError, validateConfig, type ConfigIssue } from './validate-config.js';

export const DEFAULT_CONFIG_PATH = '/etc/noderoll/config.yaml';
/** Configs are a few KiB; anything near this is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads, parses and validates the YAML config; every error names its field and line. */
export async function loadConfig(path: string): Promise<CoordinatorConfig> {
  const source = resolve(path);
  const info = await stat(source).catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError(source, [{ path: '', message: err.code === 'ENOENT' ? 'file not found' : `cannot read: ${err.message}` }]);
  });
  if (!info.isFile()) throw new ConfigError(source, [{ path: '', message: 'is not a regular file' }]);
  if (info.size > MAX_CONFIG_BYTES) throw new ConfigError(source, [{ path: '', message: `is ${info.size} bytes; a config file is at most ${MAX_CONFIG_BYTES}` }]);
  const text = await readFile(source, 'utf8');
  return parseConfigText(text, source);
}

/** Parses config text (YAML 1.2, duplicate keys rejected); `source` names it in errors. */
export function parseConfigText(text: string, source: string): CoordinatorConfig {
  if (text.includes('\u0000')) throw new ConfigError(source, [{ path: '', message: 'contains NUL bytes; not a text file' }]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({
        path: '',
        message: `YAML: ${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')}`,
        ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}),
      })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(source, [{ path: '', message: `YAML: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  try {
    return validateConfig(value ?? undefined, source, source ? dirname(source) : process.cwd());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const located = err.issues.map((issue) => withLine(issue, doc, lineCounter));
    // In the order of the file, so the first error is the first one a reader meets.
    located.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
    throw new ConfigError(source, located);
  }
}

/** Adds the line of the field (or of its nearest existing parent) to an issue. */
function withLine(issue: ConfigIssue, doc: ReturnType<typeof parseDocument>, lines: LineCounter): ConfigIssue {
  const keys = issue.path.split(/\.|\[(\d+)\]/).filter((k): k is string => k !== undefined && k !== '').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  while (keys.length > 0) {
    const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
    const parent = doc.getIn(keys.slice(0, -1), true);
    const offset = node?.range?.[0] ?? (isCollection(parent) ? keyOffset(parent, keys[keys.length - 1]) : undefined);
    if (offset !== undefined) return { ...issue, line: lines.linePos(offset).line };
    keys.pop();
  }
  return issue;
}

function keyOffset(parent: unknown, key: string | number | undefined): number | undefined {
  const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] }).items ?? [];
  return items.find((p) => p.key?.value === key)?.key?.range?.[0];
}
