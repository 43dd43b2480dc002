import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fillPlaceholders } from '../../shared/exec/argv-template.js';
import { formatCommand, runCommand, tail, type CommandRunner } from '../../shared/exec/command-runner.js';
import type { BackupRecord, BackupTaker } from '../ports/cluster.js';
import type { Clock } from '../ports/clock.js';

export interface BackupCommand {
  /** argv with placeholders {operation}, {artifact}, {time}. */
  argv: readonly string[];
  /** Artifact path template with the same placeholders. */
  artifact: string;
  /** Optional argv run after the backup to prove the artifact is usable (e.g. `etcdctl snapshot status {artifact} -w json`). */
  verifyArgv?: readonly string[];
  /** Without a verify command the backup is refused unless the operator opted out (backup.allowUnverified). */
  allowUnverified?: boolean;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  runner?: CommandRunner;
  clock: Clock;
}

export const BACKUP_PLACEHOLDERS = ['operation', 'artifact', 'time'] as const;

export function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Runs the configured backup command and verifies its artifact: exists, non-empty, verify command passes. */
export class CommandBackupTaker implements BackupTaker {
  constructor(private readonly config: BackupCommand) {}

  async takeBackup(operationId: string, signal?: AbortSignal): Promise<BackupRecord> {
    const now = this.config.clock.now();
    const base = { operation: operationId, time: compactTime(now) };
    const artifact = fillPlaceholders(this.config.artifact, base);
    const values = { ...base, artifact };
    const argv = this.config.argv.map((a) => fillPlaceholders(a, values));
    const [file, ...args] = argv;
    if (!file) throw new Error('backup command is empty');
    const runner = this.config.runner ?? runCommand;
    await mkdir(dirname(artifact), { recursive: true, mode: 0o700 });
    await runner({ file, args, timeoutMs: this.config.timeoutMs, ...(this.config.env ? { env: this.config.env } : {}), ...(signal ? { signal } : {}) });

    const info = await stat(artifact).catch(() => undefined);
    if (!info) throw new Error(`backup command \`${formatCommand(file, args)}\` succeeded but wrote no artifact at ${artifact}`);
    if (!info.isFile()) throw new Error(`backup artifact ${artifact} is not a regular file`);
    if (info.size === 0) throw new Error(`backup artifact ${artifact} is empty`);

    let verification = `artifact exists (${info.size} bytes)`;
    const [vfile, ...vargs] = (this.config.verifyArgv ?? []).map((a) => fillPlaceholders(a, values));
    if (vfile) {
      let v;
      try {
        v = await runner({ file: vfile, args: vargs, timeoutMs: this.config.timeoutMs, ...(this.config.env ? { env: this.config.env } : {}), ...(signal ? { signal } : {}) });
      } catch (err) {
        throw new Error(`backup ${artifact} could not be verified (backup.verifyCommand): ${(err as Error).message}; no node was touched. Fix the backup, or opt out explicitly with backup.allowUnverified: true`);
      }
      verification += `; \`${v.command}\` passed: ${tail(v.stdout.trim() || v.stderr.trim(), 300)}`;
    } else if (this.config.allowUnverified) {
      verification += '; NOT verified (backup.allowUnverified: true)';
    } else {
      throw new Error(`backup ${artifact} cannot be verified: no backup.verifyCommand is configured; set one, or opt out explicitly with backup.allowUnverified: true`);
    }
    return {
      artifact,
      sizeBytes: info.size,
      sha256: await sha256File(artifact),
      takenAt: new Date(now).toISOString(),
      command: formatCommand(file, args),
      verification,
    };
  }

  verifyRecordedBackup(record: BackupRecord): Promise<void> {
    return verifyRecordedArtifact(record);
  }
}

/** A recorded backup still holds: the artifact exists with the recorded size and digest. */
export async function verifyRecordedArtifact(record: BackupRecord): Promise<void> {
  const info = await stat(record.artifact).catch(() => undefined);
  if (!info) throw new Error(`recorded backup ${record.artifact} no longer exists`);
  if (info.size !== record.sizeBytes) throw new Error(`recorded backup ${record.artifact} changed size (${record.sizeBytes} -> ${info.size} bytes)`);
  const digest = await sha256File(record.artifact);
  if (digest !== record.sha256) throw new Error(`recorded backup ${record.artifact} changed content (sha256 mismatch)`);
}
