/**
 * `systemctl list-units` / `systemctl --failed` in every form noderoll meets:
 * - JSON (`--output=json`, systemd >= 246): `[{"unit","load","active","sub","description"}]`;
 * - text with `--plain --no-legend` (systemd 252): `UNIT LOAD ACTIVE SUB DESCRIPTION`, space-padded;
 * - older text (systemd 219-239, or flags missing): a `UNIT LOAD ACTIVE SUB [JOB] DESCRIPTION`
 *   header, `●`/`*` markers before failed units, then a legend (`LOAD   = ...`) and
 *   `N loaded units listed.`.
 * Older systemctl silently ignores `--output=json` and prints text, so the format is decided from
 * the content (`[` first), never from the flags that were passed.
 */

export interface ListedUnit {
  unit: string;
  load: string;
  active: string;
  sub: string;
  /** Pending job (start, stop, ...), when the output had a JOB column. */
  job?: string;
  description: string;
}

export function parseListUnits(text: string): ListedUnit[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) return parseListUnitsJson(trimmed);
  return parseListUnitsText(text);
}

export function parseListUnitsJson(text: string): ListedUnit[] {
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data)) throw new Error('systemctl list-units JSON: expected an array');
  return data.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw new Error(`systemctl list-units JSON: entry ${i} is not an object`);
    const o = item as Record<string, unknown>;
    const s = (k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');
    if (!s('unit')) throw new Error(`systemctl list-units JSON: entry ${i} has no "unit"`);
    const job = s('job');
    return { unit: s('unit'), load: s('load'), active: s('active'), sub: s('sub'), ...(job && job !== '-' ? { job } : {}), description: s('description') };
  });
}

const MARKERS = /^(?:●|\*|○|×)\s+/u;
const LEGEND = /^(?:LOAD|ACTIVE|SUB|JOB)\s+=/;
const FOOTER = /^(?:\d+ (?:loaded )?units? listed|To show all installed unit files|Pass --all to see)/;
const JOB_TYPES = new Set(['start', 'stop', 'reload', 'restart', 'try-restart', 'reload-or-start', 'verify-active', 'verify-started', 'nop']);

interface Columns {
  /** Character offset where each column starts, from the header. */
  job?: number;
  description: number;
}

function headerColumns(line: string): Columns | undefined {
  const m = /^\s*UNIT\s+LOAD\s+ACTIVE\s+SUB\s+(?:(JOB)\s+)?DESCRIPTION\s*$/.exec(line);
  if (!m) return undefined;
  const job = m[1] ? line.indexOf(' JOB') + 1 : undefined;
  return { ...(job !== undefined ? { job } : {}), description: line.indexOf('DESCRIPTION') };
}

export function parseListUnitsText(text: string): ListedUnit[] {
  const units: ListedUnit[] = [];
  let columns: Columns | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      // A blank line ends the table in legend mode; in --no-legend mode there are none inside it.
      if (units.length > 0 || columns) break;
      continue;
    }
    const header = headerColumns(line);
    if (header) {
      columns = header;
      continue;
    }
    if (LEGEND.test(line) || FOOTER.test(line)) break;
    const unit = parseRow(line, columns);
    if (unit) units.push(unit);
  }
  return units;
}

function parseRow(line: string, columns: Columns | undefined): ListedUnit | undefined {
  const body = line.replace(MARKERS, '').trim();
  const tokens = body.split(/\s+/);
  if (tokens.length < 4) return undefined;
  const [unit, load, active, sub] = tokens as [string, string, string, string];
  const rest = tokens.slice(4).join(' ');
  if (columns) {
    // The header's offsets hold for the raw row (a marker takes the place of two leading spaces).
    const aligned = (at: number): boolean => at > 0 && at <= line.length && /\s/.test(line[at - 1] ?? '');
    if (aligned(columns.description)) {
      const description = line.slice(columns.description).trim();
      const job = columns.job !== undefined && aligned(columns.job) ? line.slice(columns.job, columns.description).trim() : '';
      return { unit, load, active, sub, ...(job ? { job } : {}), description };
    }
  }
  // No header: a JOB column exists only while some unit has a job; job types are lowercase words
  // from a fixed set, and a description practically never starts with one followed by more text.
  const first = tokens[4] ?? '';
  if ((columns?.job !== undefined || !columns) && JOB_TYPES.has(first) && tokens.length > 5) {
    return { unit, load, active, sub, job: first, description: tokens.slice(5).join(' ') };
  }
  return { unit, load, active, sub, description: rest };
}
