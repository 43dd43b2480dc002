import type { EtcdConfig } from '../config/etcd-config.js';

/**
 * A k3s server on SQLite (k3s's default datastore, through kine): its database is live, in WAL
 * mode, so a file copy can miss everything not yet checkpointed. The agent copies it with SQLite's
 * online backup (`.backup`, a consistent snapshot taken under a read transaction while k3s keeps
 * writing), turns the copy into a standalone file (rollback journal: no -wal beside it), checks it
 * with `PRAGMA integrity_check` and reads kine's revision (its highest row ID) and row count.
 * Every sqlite3 run: `-init /dev/null` (no ~/.sqliterc), `-bail`, `-batch`.
 */

const COMMON = ['-init', '/dev/null', '-batch', '-bail'];

/** How long the backup waits on a lock k3s holds (busy timeout), within the run's own timeout. */
function busyTimeoutMs(c: EtcdConfig): number {
  return Math.max(1000, Math.min(30_000, Math.floor(c.snapshotTimeoutMs / 3)));
}

/**
 * A path as an argument of a sqlite3 dot-command: in single quotes, which the shell takes literally
 * (no escapes), so a path holding a quote or a line break cannot be written and is refused.
 */
export function dotCommandPath(path: string): string {
  if (/['\n\r]/.test(path)) throw new Error(`${JSON.stringify(path)} cannot be given to sqlite3's .backup (a quote or line break in the path)`);
  return `'${path}'`;
}

/** The online backup of etcd.database into `file`; the database is opened read-only. */
export function sqliteBackupArgv(c: EtcdConfig, file: string): string[] {
  return [c.sqlite3, ...COMMON, '-readonly', '-cmd', `.timeout ${busyTimeoutMs(c)}`, c.database, `.backup ${dotCommandPath(file)}`];
}

/** The copy keeps the source's WAL mode in its header: a rollback journal makes it one self-contained file. */
export function sqliteStandaloneArgv(c: EtcdConfig, file: string): string[] {
  return [c.sqlite3, ...COMMON, file, 'PRAGMA journal_mode=DELETE;'];
}

export function sqliteIntegrityArgv(c: EtcdConfig, file: string): string[] {
  return [c.sqlite3, ...COMMON, '-readonly', '-json', file, 'PRAGMA integrity_check;'];
}

/** kine keeps every revision as a row of table kine; the revision is the highest row ID. */
export function sqliteKineStatusArgv(c: EtcdConfig, file: string): string[] {
  return [c.sqlite3, ...COMMON, '-readonly', '-json', file, 'SELECT COALESCE(MAX(id), 0) AS revision, COUNT(*) AS rows FROM kine;'];
}

function parseJsonRows(stdout: string, what: string): Record<string, unknown>[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error(`${what}: sqlite3 output is not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  if (!Array.isArray(doc) || doc.length === 0 || doc.some((r) => typeof r !== 'object' || r === null)) throw new Error(`${what}: expected a non-empty JSON array of rows from sqlite3`);
  return doc as Record<string, unknown>[];
}

/** `PRAGMA integrity_check` answers one row "ok", or one row per problem found. */
export function parseIntegrityCheck(stdout: string): void {
  const rows = parseJsonRows(stdout, 'PRAGMA integrity_check');
  const answers = rows.map((r) => String(r.integrity_check));
  if (answers.length === 1 && answers[0] === 'ok') return;
  throw new Error(`the SQLite backup is damaged (PRAGMA integrity_check): ${answers.slice(0, 5).join('; ')}${answers.length > 5 ? ` … (${answers.length} problems)` : ''}`);
}

export interface KineStatus {
  revision: number;
  rows: number;
}

export function parseKineStatus(stdout: string): KineStatus {
  const row = parseJsonRows(stdout, "kine's revision")[0]!;
  const num = (key: string): number => {
    const v = row[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`kine's revision: "${key}" must be a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  };
  return { revision: num('revision'), rows: num('rows') };
}

/** sqlite3's answer when the file is not k3s's datastore. */
export function notKineProblem(stderr: string, database: string): string | undefined {
  return /no such table: kine/.test(stderr) ? `${database} has no table kine: it is not k3s's SQLite datastore (etcd.database)` : undefined;
}
