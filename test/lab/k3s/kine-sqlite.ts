import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * k3s's default datastore on a single server: kine on SQLite, at K3S_SQLITE_DATABASE in WAL mode,
 * one table `kine` holding every revision of every key (the row ID is the revision). The lab's k3s
 * server stand-in keeps the database open through one sqlite3 process, as k3s keeps its connection,
 * and writes its node's lease every heartbeat as kine does for the kubelet's renewals — so the newest
 * revisions sit in the -wal file until SQLite checkpoints, and a plain file copy would miss them.
 * Lost against real k3s: kine's compaction (old revisions deleted every 5 minutes) and every write the
 * API server makes for other objects; the lab's API objects are a one-time copy (seedKineSql).
 */

export const K3S_SQLITE_DIR = '/var/lib/rancher/k3s/server/db';
export const K3S_SQLITE_DATABASE = `${K3S_SQLITE_DIR}/state.db`;
/** Debian's sqlite3 in the node image (the agent's etcd.sqlite3 default). */
export const NODE_SQLITE3 = '/usr/bin/sqlite3';

/** kine's SQLite schema (its table and indexes) and its first row, as kine creates them on an empty database. */
export const KINE_SCHEMA_SQL = [
  'PRAGMA journal_mode=WAL;',
  'PRAGMA busy_timeout=30000;',
  'CREATE TABLE IF NOT EXISTS kine (id INTEGER PRIMARY KEY AUTOINCREMENT, name INTEGER, created INTEGER, deleted INTEGER, create_revision INTEGER, prev_revision INTEGER, lease INTEGER, value BLOB, old_value BLOB);',
  'CREATE INDEX IF NOT EXISTS kine_name_index ON kine (name);',
  'CREATE INDEX IF NOT EXISTS kine_name_id_index ON kine (name, id);',
  'CREATE INDEX IF NOT EXISTS kine_id_deleted_index ON kine (id, deleted);',
  'CREATE INDEX IF NOT EXISTS kine_prev_revision_index ON kine (prev_revision);',
  'CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision_uindex ON kine (name, prev_revision);',
  "INSERT INTO kine (name, created, deleted, create_revision, prev_revision, lease, value, old_value) SELECT 'compact_rev_key', 1, 0, 0, 0, 0, '', '' WHERE NOT EXISTS (SELECT 1 FROM kine WHERE name = 'compact_rev_key');",
].join('\n');

function sqlText(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A new revision of `key`: created when it had none, its prev_revision the key's latest row (kine's rule). */
export function kinePutSql(key: string, value: string): string {
  const k = sqlText(key);
  return (
    'INSERT INTO kine (name, created, deleted, create_revision, prev_revision, lease, value, old_value) ' +
    `SELECT ${k}, CASE WHEN p.id IS NULL THEN 1 ELSE 0 END, 0, COALESCE(p.create_revision, 0), COALESCE(p.id, 0), 0, ${sqlText(value)}, p.value ` +
    `FROM (SELECT 1) LEFT JOIN (SELECT id, create_revision, value FROM kine WHERE name = ${k} ORDER BY id DESC LIMIT 1) p;`
  );
}

/** The lab API server's objects under kube-apiserver's key layout (as the etcd labs are seeded), in one transaction. */
export function seedKineSql(objects: readonly { resource: string; namespace?: string; name: string; json: string }[]): string {
  const puts = objects.slice(0, 200).map((o) => kinePutSql(`/registry/${o.resource}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`, o.json));
  return ['PRAGMA busy_timeout=30000;', 'BEGIN IMMEDIATE;', ...puts, 'COMMIT;', ''].join('\n');
}

export function nodeLeaseKey(node: string): string {
  return `/registry/leases/kube-node-lease/${node}`;
}

/**
 * The k3s server's connection to its database: one sqlite3 process fed SQL on stdin. If it dies, the
 * stand-in exits (k3s cannot run without its datastore); close() ends it cleanly (SQLite checkpoints
 * the WAL when the last connection closes), killing it after 10 s.
 */
export class KineConnection {
  private readonly child: ChildProcessWithoutNullStreams;
  private closing = false;

  constructor(database: string, onDied: (why: string) => void) {
    this.child = spawn(NODE_SQLITE3, ['-init', '/dev/null', '-batch', database]);
    this.child.stdout.resume();
    let stderr = '';
    this.child.stderr.on('data', (c: Buffer) => void (stderr = (stderr + c.toString()).slice(-2000)));
    this.child.on('exit', (code, signal) => {
      if (!this.closing) onDied(`sqlite3 on ${database} exited (code ${code}, signal ${signal}): ${stderr.trim()}`);
    });
    this.child.on('error', (err) => onDied(`sqlite3 on ${database}: ${err.message}`));
    this.write(KINE_SCHEMA_SQL);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  write(sql: string): void {
    if (!this.closing) this.child.stdin.write(`${sql}\n`);
  }

  close(then: () => void): void {
    this.closing = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return then();
    this.child.once('exit', then);
    this.child.stdin.end();
    setTimeout(() => this.child.kill('SIGKILL'), 10_000).unref();
  }
}
