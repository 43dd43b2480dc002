import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner } from '../../shared/exec/command-runner.js';
import type { Logger } from '../../shared/log/logger.js';
import { validateOperationId } from '../../shared/validation/operation-id.js';
import { AgentError, commandFailure } from '../agent-error.js';
import type { EtcdConfig } from '../config/etcd-config.js';
import type { OperationLedger } from '../operations/operation-ledger.js';
import type { EtcdSnapshotRecord, OperationRecord } from '../operations/operation-record.js';
import { checkEtcdHealth, type EtcdHealthResult } from './etcd-health.js';
import { ETCDCTL_ENV, snapshotSaveArgv, snapshotStatusArgv } from './etcdctl-argv.js';
import { parseSnapshotStatus } from './etcdctl-json.js';
import { fileDigest } from './file-chunks.js';

/**
 * etcd on this node, as the agent's etcd section configures it: member health, and snapshots as
 * ledger operations (kind etcd-snapshot). A snapshot is taken with `etcdctl snapshot save`, verified
 * with `etcdctl snapshot status`, hashed, and kept in etcd.snapshotDir (the newest keepSnapshots) so
 * the caller can stream it now and a replay of the same operation ID can stream it again.
 */

const SNAPSHOT_FILE = /^etcd-snapshot-.+\.db$/;

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
    if (!c) return 'etcd is not configured on this agent (no etcd: section; profile kubeadm configures it by default)';
    if (!existsSync(c.etcdctl)) return `etcd.etcdctl ${c.etcdctl} is not on this node (install etcdctl, e.g. Debian's etcd-client, or set etcd.etcdctl)`;
    const missing = (['cacert', 'cert', 'key'] as const).filter((k) => !existsSync(c[k]));
    if (missing.length > 0) return `${missing.map((k) => `etcd.${k} ${c[k]}`).join(', ')} not on this node (not a control-plane node?)`;
    return '';
  }

  /** NodeInfo.etcd_configured: etcd configured, etcdctl and the client certificates present. */
  get configured(): boolean {
    return this.problem() === '';
  }

  private etcd(method: string): EtcdConfig {
    const problem = this.problem();
    if (problem) throw new AgentError('FAILED_PRECONDITION', `${method}: ${problem}`);
    return this.d.config!;
  }

  async health(timeoutMs: number): Promise<EtcdHealthResult> {
    return checkEtcdHealth(this.etcd('CheckEtcdHealth'), timeoutMs, this.d.run);
  }

  /** Takes (or replays) the snapshot the operation ID names; the snapshot file is on disk when this resolves. */
  async saveSnapshot(req: { operationId: string }): Promise<EtcdSnapshotResult> {
    const id = validateOperationId('operation_id', req.operationId);
    const c = this.etcd('SaveEtcdSnapshot');
    if (c.snapshotTool !== 'etcdctl') throw new AgentError('FAILED_PRECONDITION', `SaveEtcdSnapshot: etcd.snapshotTool ${c.snapshotTool} is not supported by this agent yet (use etcdctl)`);
    this.d.refuseWhenStopping();
    const begun = await this.d.ledger.begin('etcd-snapshot', id, {});
    if (!begun.fresh) return this.replay(begun.live ? await begun.live.done : begun.op, c);
    this.d.logger.info({ audit: true, operationId: id, kind: 'etcd-snapshot' }, 'operation started');
    const file = join(c.snapshotDir, `etcd-snapshot-${id}.db`);
    const started = this.d.clock();
    let op: OperationRecord;
    try {
      const snapshot = await this.take(c, file, started);
      op = await this.d.ledger.finish(id, 'succeeded', (o) => (o.etcdSnapshot = snapshot));
      await this.prune(c, file);
    } catch (err) {
      await rm(file, { force: true }).catch(() => undefined);
      const e = commandFailure('etcd snapshot', err);
      op = await this.d.ledger.finish(id, 'failed', (o) => (o.error = { code: e.code, message: e.message }));
    }
    this.d.finished(op);
    return this.result(op, false, c);
  }

  private async take(c: EtcdConfig, file: string, started: number): Promise<EtcdSnapshotRecord> {
    await mkdir(c.snapshotDir, { recursive: true, mode: 0o700 });
    await rm(file, { force: true });
    const command = snapshotSaveArgv(c, file);
    const [program, ...args] = command as [string, ...string[]];
    const env = { ...process.env, ...ETCDCTL_ENV };
    await this.d.run({ file: program, args, env, timeoutMs: c.snapshotTimeoutMs });
    const [statusProgram, ...statusArgs] = snapshotStatusArgv(c, file) as [string, ...string[]];
    const status = parseSnapshotStatus((await this.d.run({ file: statusProgram, args: statusArgs, env, timeoutMs: c.timeoutMs })).stdout);
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
