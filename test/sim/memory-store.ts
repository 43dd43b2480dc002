import { checkOperationRecord, type OperationRecord } from '../../coordinator/state/operation-record.js';
import { jsonCopy, type Json } from '../support/json-copy.js';
import { LockLostError, type AbortRequest, type LockHolder, type LockInfo, type LockOwner, type StateLock, type StateStore } from '../../coordinator/state/state-store.js';

/**
 * The state that survives a coordinator: the record as saved (a copy with the meaning of its JSON text;
 * a fresh engine reads its own copy, as another process would) and the lease. In memory, so that the
 * simulation never waits on the disk.
 */
export class MemoryStateStore implements StateStore {
  readonly location = 'sim:state';
  /** What JSON.parse of the saved text would give (jsonCopy): never handed out to be mutated. */
  private saved: Json | undefined;
  private holder: SimLock | undefined;
  private tokens = 0;
  saves = 0;

  constructor(private readonly now: () => number) {}

  async acquireLock(owner: LockOwner): Promise<StateLock> {
    // The previous holder is dead (killed) or lost its lease: the new one takes it over.
    this.holder?.lose('taken over by a new coordinator');
    this.holder = new SimLock({ ...owner, acquiredAt: new Date(this.now()).toISOString(), token: `t${++this.tokens}` });
    return this.holder;
  }

  async lockHolder(): Promise<LockHolder | undefined> {
    return this.holder ? { info: this.holder.info, liveness: 'unknown' } : undefined;
  }

  async load(): Promise<OperationRecord | undefined> {
    return this.saved === undefined ? undefined : checkOperationRecord(jsonCopy(this.saved), this.location);
  }

  /** The record as last written, without going through a coordinator (for the invariants): read only. */
  peek(): Readonly<OperationRecord> | undefined {
    return this.saved as OperationRecord | undefined;
  }

  async history(): Promise<OperationRecord[]> {
    return [];
  }

  async save(record: OperationRecord, lock: StateLock): Promise<void> {
    if (lock !== this.holder) throw new LockLostError(this.location, `token ${lock.info.token} no longer holds it`);
    lock.ensureHeld();
    this.saved = jsonCopy(record);
    this.saves++;
  }

  async requestAbort(_request: AbortRequest): Promise<void> {}
  async readAbortRequest(): Promise<AbortRequest | undefined> {
    return undefined;
  }
  async clearAbortRequest(_lock: StateLock): Promise<void> {}
}

export class SimLock implements StateLock {
  private readonly controller = new AbortController();
  constructor(readonly info: LockInfo) {}
  get lost(): AbortSignal {
    return this.controller.signal;
  }
  ensureHeld(): void {
    if (this.lost.aborted) throw this.lost.reason as Error;
  }
  lose(detail: string): void {
    if (!this.lost.aborted) this.controller.abort(new LockLostError('sim:lease', detail));
  }
  async release(): Promise<void> {}
}
