import { expect } from 'chai';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentError } from '../../../../agent/agent-error.js';
import { ETCD_DEFAULTS, readEtcdConfig, type EtcdConfig } from '../../../../agent/config/etcd-config.js';
import { EtcdOperations } from '../../../../agent/etcd/etcd-operations.js';
import { dotCommandPath, parseIntegrityCheck, parseKineStatus, sqliteBackupArgv } from '../../../../agent/etcd/sqlite-backup.js';
import { OperationLedger } from '../../../../agent/operations/operation-ledger.js';
import { OperationStore } from '../../../../agent/operations/operation-store.js';
import { FieldReader } from '../../../../shared/config/field-reader.js';
import { runCommand } from '../../../../shared/exec/command-runner.js';
import { createLogger } from '../../../../shared/log/logger.js';

/**
 * datastore sqlite (a single k3s server): the agent's online backup of a live SQLite database in WAL
 * mode, with the real sqlite3 of this host. A writer keeps the database open (as k3s does), so the
 * newest rows are only in the -wal file: a plain copy of state.db misses them, the backup must not.
 */

const SQLITE3 = '/usr/bin/sqlite3';
const KINE_SCHEMA =
  'CREATE TABLE kine (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, created INTEGER, deleted INTEGER, create_revision INTEGER, prev_revision INTEGER, lease INTEGER, value BLOB, old_value BLOB);';

async function sqlite(db: string, sql: string): Promise<string> {
  return (await runCommand({ file: SQLITE3, args: ['-init', '/dev/null', '-batch', '-bail', db, sql], timeoutMs: 10_000 })).stdout.trim();
}

/** A sqlite3 process holding `db` open in WAL mode, writing what it is sent (k3s's kine connection). */
class LiveWriter {
  private readonly child: ChildProcessWithoutNullStreams;
  private exited: Promise<void>;

  constructor(db: string) {
    this.child = spawn(SQLITE3, ['-init', '/dev/null', '-batch', db]);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** Sends SQL and waits until its marker comes back, so the rows are committed when this resolves. */
  async exec(sql: string): Promise<void> {
    const marker = `done-${Math.random().toString(36).slice(2)}`;
    let seen = '';
    const got = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sqlite3 writer did not answer within 10 s (waited for ${marker})`)), 10_000);
      const onData = (c: Buffer): void => {
        seen += c.toString();
        if (seen.includes(marker)) {
          clearTimeout(timer);
          this.child.stdout.off('data', onData);
          resolve();
        }
      };
      this.child.stdout.on('data', onData);
    });
    this.child.stdin.write(`${sql}\nSELECT '${marker}';\n`);
    await got;
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }
}

function rows(from: number, to: number): string {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`INSERT INTO kine(name, created, deleted, create_revision, prev_revision, lease, value, old_value) VALUES('/registry/configmaps/default/cm-${i}', 1, 0, 0, 0, 0, randomblob(300), NULL);`);
  return out.join('\n');
}

describe('SQLite datastore backup on the agent (real sqlite3, live WAL database)', () => {
  let dir: string;
  let ledger: OperationLedger;
  let config: EtcdConfig;
  let writer: LiveWriter | undefined;

  const ops = (c: EtcdConfig = config): EtcdOperations =>
    new EtcdOperations({ config: c, ledger, run: runCommand, logger: createLogger('test', { level: 'silent' }), clock: Date.now, refuseWhenStopping: () => undefined, finished: () => undefined });

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), 'sqlite-backup-'));
    ledger = new OperationLedger(new OperationStore(join(dir, 'state'), 100), { bootId: 'b1', bootTimeUnixMs: 0 });
    await ledger.open();
    config = { ...ETCD_DEFAULTS, datastore: 'sqlite', sqlite3: SQLITE3, database: join(dir, 'state.db'), snapshotDir: join(dir, 'snapshots'), keepSnapshots: 2 };
    writer = new LiveWriter(config.database);
    await writer.exec(`PRAGMA journal_mode=WAL;\n${KINE_SCHEMA}\n${rows(1, 40)}`);
  });

  afterEach(async () => {
    await writer?.close();
    writer = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('copies the live database with every committed row, also those only in the -wal file, as one standalone file', async () => {
    await writer!.exec(rows(41, 60));
    // What a file copy would give: state.db alone, without its -wal, lacks the rows (here: even the table).
    await copyFile(config.database, join(dir, 'plain-copy.db'));
    const plain = await sqlite(join(dir, 'plain-copy.db'), "SELECT count(*) FROM sqlite_master WHERE name = 'kine';");
    expect(plain, 'the test needs rows that are only in the WAL').to.equal('0');

    const r = await ops().saveSnapshot({ operationId: 'sq-1' });
    const file = join(config.snapshotDir, 'sqlite-backup-sq-1.db');
    expect(r.op.state).to.equal('succeeded');
    expect(r.snapshot).to.include({ file, datastore: 'sqlite', revision: 60, totalKeys: 60, hash: 0 });
    expect(r.snapshot.totalSize).to.equal((await stat(file)).size);
    expect(r.snapshot.command).to.deep.equal(sqliteBackupArgv(config, file));
    expect(r.snapshot.command).to.include('-readonly');
    // standalone: rollback journal in the header, nothing beside it
    expect(await readdir(config.snapshotDir)).to.deep.equal(['sqlite-backup-sq-1.db']);
    expect(await sqlite(file, 'PRAGMA journal_mode;')).to.equal('delete');
    expect(await sqlite(file, 'SELECT max(id) || \' \' || count(*) FROM kine;')).to.equal('60 60');
    // k3s kept writing through its open connection: the backup took nothing from it
    await writer!.exec(rows(61, 61));
    expect(await sqlite(config.database, 'SELECT max(id) FROM kine;')).to.equal('61');
  });

  it('replays the same operation from its record, and keeps only the newest keepSnapshots backups', async () => {
    const first = await ops().saveSnapshot({ operationId: 'sq-a' });
    const again = await ops().saveSnapshot({ operationId: 'sq-a' });
    expect(again.replayed).to.equal(true);
    expect(again.snapshot.sha256).to.equal(first.snapshot.sha256);
    await writer!.exec(rows(41, 41));
    await ops().saveSnapshot({ operationId: 'sq-b' });
    await ops().saveSnapshot({ operationId: 'sq-c' });
    expect((await readdir(config.snapshotDir)).sort()).to.deep.equal(['sqlite-backup-sq-b.db', 'sqlite-backup-sq-c.db']);
  });

  it("refuses a database that is not k3s's (no kine table), naming etcd.database, and leaves no file behind", async () => {
    const other = join(dir, 'other.db');
    await sqlite(other, 'CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);');
    const err = await ops({ ...config, database: other }).saveSnapshot({ operationId: 'sq-x' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AgentError);
    expect((err as AgentError).code).to.equal('FAILED_PRECONDITION');
    expect((err as AgentError).message).to.contain(`${other} has no table kine`).and.contain('etcd.database');
    expect(await readdir(config.snapshotDir)).to.deep.equal([]);
  });

  it('has no etcd to ask: CheckEtcdHealth is refused, NodeInfo says datastore sqlite and not etcd', async () => {
    const o = ops();
    expect(o.datastore).to.equal('sqlite');
    expect(o.configured).to.equal(false);
    const err = await o.health(5000).catch((e: unknown) => e);
    expect((err as AgentError).code).to.equal('FAILED_PRECONDITION');
    expect((err as AgentError).message).to.contain('no etcd members');
  });

  it('without sqlite3 or the database on the node the datastore is not usable, and the refusal names the field', async () => {
    const noTool = ops({ ...config, sqlite3: join(dir, 'missing-sqlite3') });
    expect(noTool.datastore).to.equal('');
    const err = await noTool.saveSnapshot({ operationId: 'sq-y' }).catch((e: unknown) => e);
    expect((err as AgentError).code).to.equal('FAILED_PRECONDITION');
    expect((err as AgentError).message).to.contain('etcd.sqlite3');
    const noDb = await ops({ ...config, database: join(dir, 'none.db') }).saveSnapshot({ operationId: 'sq-z' }).catch((e: unknown) => e);
    expect((noDb as AgentError).message).to.contain('etcd.database').and.contain('not the k3s server?');
  });
});

describe('SQLite backup: config and parsing', () => {
  it('reads datastore, sqlite3 and database; an unknown datastore or a relative path is refused naming the field', () => {
    const r = FieldReader.document({ datastore: 'sqlite', database: '/srv/k3s/state.db' });
    const c = readEtcdConfig(r);
    expect(c).to.include({ datastore: 'sqlite', sqlite3: '/usr/bin/sqlite3', database: '/srv/k3s/state.db' });
    const bad = FieldReader.document({ datastore: 'postgres', sqlite3: 'sqlite3' });
    readEtcdConfig(bad);
    expect(() => bad.throwIfProblems('agent.yaml')).to.throw(/datastore[\s\S]*sqlite3/);
  });

  it('a path with a quote or line break cannot go into .backup', () => {
    expect(dotCommandPath('/var/lib/noderoll-agent/etcd-snapshots/sqlite-backup-a.db')).to.equal("'/var/lib/noderoll-agent/etcd-snapshots/sqlite-backup-a.db'");
    expect(() => dotCommandPath("/tmp/x'; .shell rm -rf /")).to.throw(/quote or line break/);
    expect(() => dotCommandPath('/tmp/a\n.shell id')).to.throw(/quote or line break/);
  });

  it('integrity_check: "ok" passes, any problem row fails with the problems', () => {
    expect(() => parseIntegrityCheck('[{"integrity_check":"ok"}]')).not.to.throw();
    expect(() => parseIntegrityCheck('[{"integrity_check":"*** in database main ***\\nPage 5: btreeInitPage() returns error code 11"}]')).to.throw(/damaged[\s\S]*Page 5/);
    expect(() => parseIntegrityCheck('not json')).to.throw(/not JSON/);
  });

  it("kine's status: revision and rows as non-negative integers", () => {
    expect(parseKineStatus('[{"revision":61,"rows":61}]')).to.deep.equal({ revision: 61, rows: 61 });
    expect(() => parseKineStatus('[{"revision":null,"rows":0}]')).to.throw(/revision/);
  });
});
