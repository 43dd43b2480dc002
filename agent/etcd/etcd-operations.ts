import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError, tail, type CommandRunner } from '../../shared/exec/command-runner.js';
import type { Logger } from '../../shared/log/logger.js';
import { validateOperationId } from '../../shared/validation/operation-id.js';
import { AgentError, commandFailure } from '../agent-error.js';
import type { Datastore, EtcdConfig } from '../config/etcd-config.js';
import type { OperationLedger } from '../operations/operation-ledger.js';
import type { EtcdSnapshotRecord, OperationRecord } from '../operations/operation-record.js';
import { checkEtcdHealth, type EtcdHealthResult } from './etcd-health.js';
import { ETCDCTL_ENV, k3sSnapshotSaveArgv, snapshotSaveArgv, snapshotStatusArgv } from './etcdctl-argv.js';
import { parseSnapshotStatus } from './etcdctl-json.js';
import { fileDigest } from './file-chunks.js';
import { notKineProblem, parseIntegrityCheck, parseKineStatus, sqliteBackupArgv, sqliteIntegrityArgv, sqliteKineStatusArgv, sqliteStandaloneArgv } from './sqlite-backup.js';

/**
 * etcd on this node, as the agent's etcd section configures it: member health, and snapshots as
 * ledger operations (kind etcd-snapshot). A snapshot is taken with `etcdctl snapshot save` (or, with
 * snapshotTool k3s, `k3s etcd-snapshot save`), verified with `etcdctl snapshot status`, hashed, and
 * kept in etcd.snapshotDir (the newest keepSnapshots) so the caller can stream it now and a replay of
 * the same operation ID can stream it again. With datastore sqlite (a single k3s server) the same
 * operation is an online backup of k3s's database, checked with SQLite's integrity check.
 */

/** Snapshots the agent took: etcdctl's `etcd-snapshot-<op>.db`, k3s's `noderoll-<op>-<node>-<unix seconds>`, `sqlite-backup-<op>.db`. */
const SNAPSHOT_FILE = /^(etcd-snapshot-.+\.db|noderoll-.+-\d+|sqlite-backup-.+\.db)$/;

/** The --name the agent gives `k3s etcd-snapshot save` for an operation. */
export function k3sSnapshotName(operationId: string): string {
  return `noderoll-${operationId}`;
}

/**
 * The file `k3s etcd-snapshot save --name <name>` wrote: `<name>-<node name>-<unix seconds>`, among
 * the directory's entries after the run that were not there before (so an operation whose ID extends
 * this one's is not taken for it); the newest when several match. undefined: none (a compressed `.zip`
 * snapshot is not one: etcdctl cannot verify it, so etcd-snapshot-compress must be off).
 */
export function k3sSnapshotFile(before: readonly string[], after: readonly string[], name: string): string | undefined {
  const old = new Set(before);
  const matches = after
    .filter((n) => !old.has(n) && n.startsWith(`${name}-`) && /^.+-\d+$/.test(n.slice(name.length + 1)))
    .map((n) => ({ n, seconds: Number(/-(\d+)$/.exec(n)![1]) }));
  matches.sort((a, b) => b.seconds - a.seconds);
  return matches[0]?.n;
}

/** The file an operation writes, when the agent names it (k3s names its own). */
function snapshotFile(c: EtcdConfig, id: string): string | undefined {
  if (c.datastore === 'sqlite') return join(c.snapshotDir, `sqlite-backup-${id}.db`);
  return c.snapshotTool === 'etcdctl' ? join(c.snapshotDir, `etcd-snapshot-${id}.db`) : undefined;
}

export interface EtcdOperationsDeps {
  config: EtcdConfig | undefined;
  ledger: OperationLedger;
  run: CommandRunner;
  logger: Logger;
  clock: () => number;
  /** Throws when the agent is shutting down (no new operation then). */
  refuseWhenStopping: () => void;
  finished: (op: OperationRecord) => void;
}

/** A snapshot file just written and the command that wrote it. */
interface SavedSnapshot {
  file: string;
  command: string[];
}

export interface EtcdSnapshotResult {
  op: OperationRecord;
  snapshot: EtcdSnapshotRecord;
  replayed: boolean;
}

export class EtcdOperations {
  constructor(private readonly d: EtcdOperationsDeps) {}

  /** Why etcd cannot be asked on this node ('' when it can): no etcd section, no etcdctl, no client certificates (a worker). */
  private problem(): string {
    const c = this.d.config;
    if (!c) return 'etcd is not configured on this agent (no etcd: section; profiles kubeadm and k3s configure it by default)';
    if (c.datastore === 'sqlite') {
      if (!existsSync(c.sqlite3)) return `etcd.sqlite3 ${c.sqlite3} is not on this node (datastore sqlite: install sqlite3, e.g. Debian's sqlite3 package, or set etcd.sqlite3)`;
      if (!existsSync(c.database)) return `etcd.database ${c.database} is not on this node (datastore sqlite: not the k3s server?)`;
      return '';
    }
    if (!existsSync(c.etcdctl)) return `etcd.etcdctl ${c.etcdctl} is not on this node (install etcdctl, e.g. Debian's etcd-client, or set etcd.etcdctl)`;
    if (c.snapshotTool === 'k3s' && !existsSync(c.k3s)) return `etcd.k3s ${c.k3s} is not on this node (snapshotTool k3s; set etcd.k3s to the k3s program)`;
    const missing = (['cacert', 'cert', 'key'] as const).filter((k) => !existsSync(c[k]));
    if (missing.length > 0) return `${missing.map((k) => `etcd.${k} ${c[k]}`).join(', ')} not on this node (not a control-plane node?)`;
    return '';
  }

  /** NodeInfo.datastore: the datastore this node can back up ('' when none: not configured, or a program or file missing). */
  get datastore(): Datastore | '' {
    return this.problem() === '' ? this.d.config!.datastore : '';
  }

  /** NodeInfo.etcd_configured: etcd configured, etcdctl and the client certificates present. */
  get configured(): boolean {
    return this.datastore === 'etcd';
  }

  private etcd(method: string): EtcdConfig {
    const problem = this.problem();
    if (problem) throw new AgentError('FAILED_PRECONDITION', `${method}: ${problem}`);
    return this.d.config!;
  }

  async health(timeoutMs: number): Promise<EtcdHealthResult> {
    const c = this.etcd('CheckEtcdHealth');
    if (c.datastore === 'sqlite') throw new AgentError('FAILED_PRECONDITION', 'CheckEtcdHealth: etcd.datastore is sqlite: a single k3s server on SQLite has no etcd members to ask');
    return checkEtcdHealth(c, timeoutMs, this.d.run);
  }

  /** Takes (or replays) the snapshot the operation ID names; the snapshot file is on disk when this resolves. */
  async saveSnapshot(req: { operationId: string }): Promise<EtcdSnapshotResult> {
    const id = validateOperationId('operation_id', req.operationId);
    const c = this.etcd('SaveEtcdSnapshot');
    this.d.refuseWhenStopping();
    const begun = await this.d.ledger.begin('etcd-snapshot', id, {});
    if (!begun.fresh) return this.replay(begun.live ? await begun.live.done : begun.op, c);
    this.d.logger.info({ audit: true, operationId: id, kind: 'etcd-snapshot' }, 'operation started');
    const started = this.d.clock();
    let op: OperationRecord;
    let file: string | undefined = snapshotFile(c, id);
    try {
      const saved = c.datastore === 'sqlite' ? await this.saveWithSqlite(c, file!) : file ? await this.saveWithEtcdctl(c, file) : await this.saveWithK3s(c, id);
      file = saved.file;
      const snapshot = c.datastore === 'sqlite' ? await this.verifySqlite(c, saved, started) : await this.verify(c, saved, started);
      op = await this.d.ledger.finish(id, 'succeeded', (o) => (o.etcdSnapshot = snapshot));
      await this.prune(c, snapshot.file);
    } catch (err) {
      if (file) for (const f of [file, `${file}-journal`]) await rm(f, { force: true }).catch(() => undefined);
      const e = commandFailure('etcd snapshot', err);
      op = await this.d.ledger.finish(id, 'failed', (o) => (o.error = { code: e.code, message: e.message }));
    }
    this.d.finished(op);
    return this.result(op, false, c);
  }

  /** `etcdctl snapshot save FILE`. */
  private async saveWithEtcdctl(c: EtcdConfig, file: string): Promise<SavedSnapshot> {
    await mkdir(c.snapshotDir, { recursive: true, mode: 0o700 });
    await rm(file, { force: true });
    const command = snapshotSaveArgv(c, file);
    const [program, ...args] = command as [string, ...string[]];
    await this.d.run({ file: program, args, env: { ...process.env, ...ETCDCTL_ENV }, timeoutMs: c.snapshotTimeoutMs });
    return { file, command };
  }

  /** `k3s etcd-snapshot save --name noderoll-<op> --dir snapshotDir`; returns the file k3s wrote there. */
  private async saveWithK3s(c: EtcdConfig, id: string): Promise<SavedSnapshot> {
    await mkdir(c.snapshotDir, { recursive: true, mode: 0o700 });
    const name = k3sSnapshotName(id);
    const command = k3sSnapshotSaveArgv(c, name);
    const [program, ...args] = command as [string, ...string[]];
    const before = await readdir(c.snapshotDir);
    const r = await this.d.run({ file: program, args, timeoutMs: c.snapshotTimeoutMs, maxOutputBytes: 256 * 1024 });
    const found = k3sSnapshotFile(before, await readdir(c.snapshotDir), name);
    if (!found) throw new AgentError('INTERNAL', `k3s etcd-snapshot save exited 0 but wrote no ${name}-<node>-<unix seconds> in ${c.snapshotDir}; k3s said: ${tail(r.stderr.trim() || r.stdout.trim(), 600)}`);
    return { file: join(c.snapshotDir, found), command };
  }

  /** SQLite's online backup of k3s's live database, made a standalone file. */
  private async saveWithSqlite(c: EtcdConfig, file: string): Promise<SavedSnapshot> {
    await mkdir(c.snapshotDir, { recursive: true, mode: 0o700 });
    for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) await rm(f, { force: true });
    const command = sqliteBackupArgv(c, file);
    const [program, ...args] = command as [string, ...string[]];
    await this.d.run({ file: program, args, timeoutMs: c.snapshotTimeoutMs });
    const [p2, ...standalone] = sqliteStandaloneArgv(c, file) as [string, ...string[]];
    await this.d.run({ file: p2, args: standalone, timeoutMs: c.timeoutMs });
    return { file, command };
  }

  /** `PRAGMA integrity_check` and kine's revision on the copy, its size and sha256. */
  private async verifySqlite(c: EtcdConfig, { file, command }: SavedSnapshot, started: number): Promise<EtcdSnapshotRecord> {
    const [p1, ...integrity] = sqliteIntegrityArgv(c, file) as [string, ...string[]];
    parseIntegrityCheck((await this.d.run({ file: p1, args: integrity, timeoutMs: c.snapshotTimeoutMs })).stdout);
    const [p2, ...kine] = sqliteKineStatusArgv(c, file) as [string, ...string[]];
    const kineOutput = await this.d.run({ file: p2, args: kine, timeoutMs: c.timeoutMs }).catch((err: unknown) => {
      const problem = err instanceof CommandError ? notKineProblem(err.result.stderr, c.database) : undefined;
      throw problem ? new AgentError('FAILED_PRECONDITION', problem) : err;
    });
    const status = parseKineStatus(kineOutput.stdout);
    const digest = await fileDigest(file);
    if (digest.sizeBytes === 0) throw new AgentError('INTERNAL', `SQLite backup ${file} is empty`);
    return { file, command, ...digest, datastore: 'sqlite', hash: 0, revision: status.revision, totalKeys: status.rows, totalSize: digest.sizeBytes, durationMs: this.d.clock() - started };
  }

  /** `etcdctl snapshot status`, size and sha256 of the saved file. */
  private async verify(c: EtcdConfig, { file, command }: SavedSnapshot, started: number): Promise<EtcdSnapshotRecord> {
    const [statusProgram, ...statusArgs] = snapshotStatusArgv(c, file) as [string, ...string[]];
    const status = parseSnapshotStatus((await this.d.run({ file: statusProgram, args: statusArgs, env: { ...process.env, ...ETCDCTL_ENV }, timeoutMs: c.timeoutMs })).stdout);
    const digest = await fileDigest(file);
    if (digest.sizeBytes === 0) throw new AgentError('INTERNAL', `etcd snapshot ${file} is empty`);
    return { file, command, ...digest, ...status, durationMs: this.d.clock() - started };
  }

  private replay(op: OperationRecord, c: EtcdConfig): EtcdSnapshotResult {
    return this.result(op, true, c);
  }

  private result(op: OperationRecord, replayed: boolean, c: EtcdConfig): EtcdSnapshotResult {
    if (op.state !== 'succeeded' || !op.etcdSnapshot) {
      throw new AgentError((op.error?.code as AgentError['code'] | undefined) ?? 'INTERNAL', op.error?.message ?? `operation ${op.id} ${op.state}`);
    }
    if (!existsSync(op.etcdSnapshot.file)) {
      throw new AgentError('FAILED_PRECONDITION', `operation_id: the snapshot of operation ${op.id} is no longer on this node (etcd.keepSnapshots ${c.keepSnapshots} keeps the newest); take a new one with a new operation ID`);
    }
    return { op, snapshot: op.etcdSnapshot, replayed };
  }

  /** Keeps the newest keepSnapshots snapshot files (the one just taken always among them). */
  private async prune(c: EtcdConfig, keep: string): Promise<void> {
    const names = (await readdir(c.snapshotDir)).filter((n) => SNAPSHOT_FILE.test(n));
    const files = await Promise.all(names.map(async (n) => ({ path: join(c.snapshotDir, n), mtimeMs: (await stat(join(c.snapshotDir, n))).mtimeMs })));
    files.sort((a, b) => (a.path === keep ? -1 : b.path === keep ? 1 : b.mtimeMs - a.mtimeMs));
    for (const f of files.slice(c.keepSnapshots)) {
      await rm(f.path, { force: true });
      this.d.logger.info({ file: f.path, keep: c.keepSnapshots }, 'removed an old etcd snapshot');
    }
  }
}
