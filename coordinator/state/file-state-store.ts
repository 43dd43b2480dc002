import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../shared/fs/atomic-write.js';
import { HistoryFile } from './history-file.js';
import { DEFAULT_HISTORY_LIMIT } from './operation-history.js';
import { checkOperationRecord, StateFormatError, type OperationRecord } from './operation-record.js';
import { readStateJson, readTextIfExists } from './state-json-file.js';
import { LockHeldError, LockLostError, type AbortRequest, type LockHolder, type LockInfo, type LockOwner, type StateLock, type StateStore } from './state-store.js';

export interface FileStateStoreOptions {
  /** Path of the state file; the lock is `<file>.lock`, an abort request `<file>.abort`, earlier operations `<file>.history.json`. */
  file: string;
  /** Earlier operations kept (config state.history; default 5). */
  historyLimit?: number;
  /** Told when the history could not be kept and the update went on without it (default: nowhere). */
  onWarning?: (message: string) => void;
  /** Whether a process exists on this host; injectable for tests. */
  isProcessAlive?: (pid: number) => boolean;
  host?: string;
  now?: () => number;
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded store: the operation as one JSON file replaced atomically (write temp, fsync,
 * rename, fsync dir), and a lock file created with O_EXCL holding pid, host and a token.
 */
export class FileStateStore implements StateStore {
  readonly location: string;
  private readonly lockPath: string;
  private readonly abortPath: string;
  private readonly historyFile: HistoryFile;
  private readonly historyLimit: number;
  private readonly warn: (message: string) => void;
  private readonly isAlive: (pid: number) => boolean;
  private readonly host: string;
  private readonly now: () => number;
  /** The operation this store wrote last (the record on disk, as long as the lock stayed ours). */
  private lastSavedId: string | undefined;

  constructor(options: FileStateStoreOptions) {
    this.location = options.file;
    this.lockPath = `${options.file}.lock`;
    this.abortPath = `${options.file}.abort`;
    this.isAlive = options.isProcessAlive ?? processExists;
    this.host = options.host ?? hostname();
    this.now = options.now ?? Date.now;
    this.historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.warn = options.onWarning ?? (() => undefined);
    this.historyFile = new HistoryFile(`${options.file}.history.json`, this.historyLimit, this.warn, this.now);
  }

  private async ensureDir(): Promise<void> {
    await mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
  }

  async acquireLock(owner: LockOwner): Promise<StateLock> {
    await this.ensureDir();
    for (let attempt = 0; attempt < 3; attempt++) {
      const info: LockInfo = { ...owner, acquiredAt: new Date(this.now()).toISOString(), token: randomBytes(12).toString('hex') };
      try {
        const fh = await open(this.lockPath, 'wx', 0o600);
        try {
          await fh.writeFile(JSON.stringify(info) + '\n');
          await fh.sync();
        } finally {
          await fh.close();
        }
        // Only a dead holder's lock file is ever broken, so a live holder cannot lose it; save() still checks the token.
        return { info, lost: new AbortController().signal, ensureHeld: () => undefined, release: () => this.releaseLock(info) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await this.lockHolder();
      if (!holder) continue; // released meanwhile
      if (holder.liveness !== 'dead') throw new LockHeldError(holder, this.lockPath);
      await this.breakStaleLock(holder.info);
    }
    const holder = await this.lockHolder();
    if (holder) throw new LockHeldError(holder, this.lockPath);
    throw new Error(`could not take the lock ${this.lockPath}: it kept changing hands`);
  }

  /** Moves a dead holder's lock aside; if another process replaced it meanwhile, puts that one back. */
  private async breakStaleLock(stale: LockInfo): Promise<void> {
    const aside = `${this.lockPath}.stale-${randomBytes(4).toString('hex')}`;
    try {
      await rename(this.lockPath, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const moved = await readLockFile(aside);
    if (moved && moved.token !== stale.token) {
      // Someone took a fresh lock between our read and the rename: hand it back if the slot is free.
      try {
        const fh = await open(this.lockPath, 'wx', 0o600);
        try {
          await fh.writeFile(JSON.stringify(moved) + '\n');
        } finally {
          await fh.close();
        }
      } catch {
        // a third process holds it now; the displaced holder will notice at its next save
      }
    }
    await rm(aside, { force: true });
  }

  private async releaseLock(info: LockInfo): Promise<void> {
    const current = await readLockFile(this.lockPath);
    if (current?.token === info.token) await rm(this.lockPath, { force: true });
  }

  async lockHolder(): Promise<LockHolder | undefined> {
    const info = await readLockFile(this.lockPath);
    if (!info) return undefined;
    const liveness = info.host !== this.host ? 'unknown' : this.isAlive(info.pid) ? 'alive' : 'dead';
    return { info, liveness };
  }

  async load(): Promise<OperationRecord | undefined> {
    const value = await readStateJson(this.location);
    return value === undefined ? undefined : checkOperationRecord(value, this.location);
  }

  /** Earlier operations, newest first; StateFormatError when the history file is damaged. */
  async history(): Promise<OperationRecord[]> {
    const [current, earlier] = await Promise.all([this.load(), this.historyFile.read()]);
    // A crash between the history write and the state write leaves the current one in both for a while.
    return earlier.filter((r) => r.id !== current?.id).slice(0, this.historyLimit);
  }

  async save(record: OperationRecord, lock: StateLock): Promise<void> {
    const current = await readLockFile(this.lockPath);
    if (!current) throw new LockLostError(this.lockPath, 'the lock file is gone');
    if (current.token !== lock.info.token) throw new LockLostError(this.lockPath, `it is held by pid ${current.pid} on ${current.host}`);
    await this.ensureDir();
    // Under the lock nobody else writes the state file: once this store has written an operation,
    // the next saves of it replace that same operation and have nothing to move into the history.
    if (this.lastSavedId !== record.id) await this.historyFile.keep(await this.replacedRecord(), record);
    await writeFileAtomic(this.location, JSON.stringify(record, null, 2) + '\n');
    this.lastSavedId = record.id;
  }

  /** The record a save replaces; a damaged one cannot go into the history. */
  private async replacedRecord(): Promise<OperationRecord | undefined> {
    try {
      return await this.load();
    } catch (err) {
      if (!(err instanceof StateFormatError)) throw err;
      this.warn(`${err.message}; it is replaced and not kept in the history`);
      return undefined;
    }
  }

  async requestAbort(request: AbortRequest): Promise<void> {
    await this.ensureDir();
    await writeFileAtomic(this.abortPath, JSON.stringify(request) + '\n');
  }

  async readAbortRequest(): Promise<AbortRequest | undefined> {
    try {
      const value = JSON.parse(await readFile(this.abortPath, 'utf8')) as AbortRequest;
      return typeof value?.operationId === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async clearAbortRequest(_lock: StateLock): Promise<void> {
    await rm(this.abortPath, { force: true });
  }
}

async function readLockFile(path: string): Promise<LockInfo | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as LockInfo;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') return v;
  } catch {
    // fall through: a lock file being written, or garbage
  }
  // An unreadable lock file still means someone holds (or held) the lock: report it as held by an unknown process.
  return { pid: -1, host: '(unreadable lock file)', command: text.slice(0, 80), acquiredAt: '?', token: '' };
}
