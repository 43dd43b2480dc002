import type { OperationRecord } from './operation-record.js';

/**
 * Where operations are persisted and who may change them. The embedded default is a local JSON file
 * plus a lock file (file-state-store.ts); a Kubernetes-backed store (a Lease for the lock, an object
 * for the record) implements the same interface for HA coordinators.
 */

export interface LockOwner {
  pid: number;
  host: string;
  /** The command holding it, for humans: "noderoll update --to 7.0.68". */
  command: string;
}

export interface LockInfo extends LockOwner {
  acquiredAt: string;
  /** Random per acquisition; a store writes only while the lock still carries its token. */
  token: string;
  /** When the holder last renewed it (Kubernetes Lease renewTime, the holder's clock). */
  renewedAt?: string;
}

export interface LockHolder {
  info: LockInfo;
  /** alive: the process exists on this host; dead: it does not; unknown: it is on another host. */
  liveness: 'alive' | 'dead' | 'unknown';
}

export interface StateLock {
  readonly info: LockInfo;
  /** Aborted once the lock is no longer ours (another coordinator took it, or it went unrenewed too long). */
  readonly lost: AbortSignal;
  /**
   * Throws LockLostError when this process may no longer act for the operation. Local and cheap (no
   * I/O): the engine calls it before every call that could touch a node or the cluster.
   */
  ensureHeld(): void;
  release(): Promise<void>;
}

export class LockHeldError extends Error {
  constructor(
    readonly holder: LockHolder,
    readonly location: string,
  ) {
    super(
      `another coordinator holds the lock ${location}: pid ${holder.info.pid} on ${holder.info.host} ` +
        `(\`${holder.info.command}\`, since ${holder.info.acquiredAt}` +
        (holder.info.renewedAt ? `, last renewed ${holder.info.renewedAt}` : '') +
        (holder.liveness === 'unknown' ? '; it runs on another host, so noderoll cannot tell whether it is alive — remove the lock file only if you are sure it is not' : '') +
        ')',
    );
    this.name = 'LockHeldError';
  }
}

export class LockLostError extends Error {
  constructor(location: string, detail: string) {
    super(`the lock ${location} is no longer ours (${detail}); refusing to write the state`);
    this.name = 'LockLostError';
  }
}

/** `noderoll abort` leaves this for the running coordinator. */
export interface AbortRequest {
  operationId: string;
  requestedAt: string;
  by: LockOwner;
  /** graceful: at the next safe point (no node left out of service); now: at the next step boundary. */
  mode: 'graceful' | 'now';
}

export interface StateStore {
  /** Where the state lives, for messages ("/var/lib/noderoll/state.json"). */
  readonly location: string;
  /** Takes the exclusive lock or throws LockHeldError; breaks a lock whose holder is provably dead. */
  acquireLock(owner: LockOwner): Promise<StateLock>;
  /** The current holder, if any. */
  lockHolder(): Promise<LockHolder | undefined>;
  /** The current or last operation; undefined when there never was one. */
  load(): Promise<OperationRecord | undefined>;
  /**
   * Earlier operations, newest first: at most the configured limit (config state.history), never the
   * current one. An operation enters the history when a record of another operation is saved over it.
   */
  history(): Promise<OperationRecord[]>;
  /** Persists atomically; only while `lock` is held. */
  save(record: OperationRecord, lock: StateLock): Promise<void>;
  requestAbort(request: AbortRequest): Promise<void>;
  readAbortRequest(): Promise<AbortRequest | undefined>;
  clearAbortRequest(lock: StateLock): Promise<void>;
}
