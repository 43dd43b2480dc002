import { randomBytes } from 'node:crypto';
import { KubeWriteRefusedError, type KubeObject, type KubeObjectAccess } from './kube-object-access.js';
import { LockHeldError, LockLostError, type LockHolder, type LockInfo, type LockOwner, type StateLock } from './state-store.js';

/**
 * The coordinator lock as a coordination.k8s.io/v1 Lease, decided the way client-go's leader election
 * decides: a holder's lease has expired only when this process has watched its renewTime/resourceVersion
 * stay unchanged for leaseDurationSeconds of its own monotonic clock. The remote timestamps are never
 * compared with the local wall clock, so clock skew between hosts cannot make a live lease look dead.
 */

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseObject extends KubeObject {
  spec?: LeaseSpec;
}

export const COMMAND_ANNOTATION = 'noderoll.io/command';

export interface LeaseLockOptions {
  access: KubeObjectAccess;
  namespace: string;
  name: string;
  durationSeconds: number;
  /** Monotonic milliseconds (performance.now); expiry is judged by it alone. Injectable for tests. */
  monotonicMs: () => number;
  /**
   * Wall clock: the timestamps written into the Lease, and the one judgement that may use the holder's
   * renewTime — refusing at once a lease that looks fresh. Never used to take a lease over.
   */
  wallMs: () => number;
  /** Waits between reads while watching a holder (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** The first backoff between renewal attempts (doubled each time, capped at a quarter of the renew interval). */
  renewBackoffMs?: number;
}

/** Lease MicroTime: RFC 3339 with exactly six fractional digits, in UTC. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** `host/pid/token` (the token makes each acquisition distinct, like the file lock's token). */
export function holderIdentity(info: LockInfo): string {
  return `${info.host}/${info.pid}/${info.token}`;
}

function infoFromLease(lease: LeaseObject): LockInfo | undefined {
  const id = lease.spec?.holderIdentity;
  if (!id) return undefined;
  const [host = id, pid = '', token = ''] = id.split('/');
  return {
    host,
    pid: /^\d+$/.test(pid) ? Number(pid) : -1,
    token,
    command: lease.metadata.annotations?.[COMMAND_ANNOTATION] ?? '(not a noderoll holder)',
    acquiredAt: lease.spec?.acquireTime ?? '?',
    ...(lease.spec?.renewTime ? { renewedAt: lease.spec.renewTime } : {}),
  };
}

export class LeaseLockManager {
  readonly location: string;
  /** client-go's observedRecord/observedTime: the lease version last seen and when (monotonic) it was first seen. */
  private observed: { version: string; atMs: number } | undefined;

  constructor(private readonly options: LeaseLockOptions) {
    this.location = `lease ${options.namespace}/${options.name}`;
  }

  read(): Promise<LeaseObject | undefined> {
    return this.options.access.get<LeaseObject>('lease', this.options.name, this.options.namespace);
  }

  /** Milliseconds of our monotonic clock since this lease's content last changed before our eyes. */
  private unchangedForMs(lease: LeaseObject): number {
    const version = `${lease.metadata.resourceVersion}|${lease.spec?.holderIdentity}|${lease.spec?.renewTime}`;
    const now = this.options.monotonicMs();
    if (this.observed?.version !== version) this.observed = { version, atMs: now };
    return now - this.observed.atMs;
  }

  private expired(lease: LeaseObject): boolean {
    const seconds = lease.spec?.leaseDurationSeconds ?? this.options.durationSeconds;
    return this.unchangedForMs(lease) > seconds * 1000;
  }

  holderOf(lease: LeaseObject | undefined): LockHolder | undefined {
    const info = lease && infoFromLease(lease);
    if (!lease || !info) return undefined;
    return { info, liveness: this.expired(lease) ? 'dead' : 'alive' };
  }

  private manifest(info: LockInfo, spec: LeaseSpec, resourceVersion?: string): LeaseObject {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.options.name,
        namespace: this.options.namespace,
        annotations: { [COMMAND_ANNOTATION]: info.command },
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      spec: { leaseDurationSeconds: this.options.durationSeconds, ...spec },
    };
  }

  /** The holder's own renewTime is within one lease duration of our wall clock, either way. */
  private looksFresh(lease: LeaseObject): boolean {
    const renewed = Date.parse(lease.spec?.renewTime ?? '');
    const durationMs = (lease.spec?.leaseDurationSeconds ?? this.options.durationSeconds) * 1000;
    return Number.isFinite(renewed) && Math.abs(this.options.wallMs() - renewed) <= durationMs;
  }

  /**
   * A fresh process cannot know how long a lease has gone unrenewed without watching it. When its
   * renewTime says it is stale (or the clocks are too far apart to tell), read it until it either changes
   * (the holder lives: refused) or stays unchanged for a whole lease on our monotonic clock (expired).
   */
  private async watchHolder(lease: LeaseObject, onWait: ((message: string) => void) | undefined): Promise<LeaseObject> {
    const durationMs = (lease.spec?.leaseDurationSeconds ?? this.options.durationSeconds) * 1000;
    const pollMs = Math.max(500, Math.min(2000, durationMs / 6));
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const holder = infoFromLease(lease);
    onWait?.(
      `the ${this.location} names pid ${holder?.pid} on ${holder?.host} (\`${holder?.command}\`), last renewed ${lease.spec?.renewTime ?? '?'} by its clock; ` +
        `watching it for up to ${Math.round(durationMs / 1000)}s to see whether that coordinator still renews it`,
    );
    let current: LeaseObject | undefined = lease;
    // Bounded: each round either ends the watch or adds pollMs to the unchanged time; the cap guards a clock that does not move.
    const rounds = Math.ceil(durationMs / pollMs) * 4 + 4;
    for (let i = 0; i < rounds && current && current.spec?.holderIdentity === lease.spec?.holderIdentity; i++) {
      const holderNow = this.holderOf(current);
      if (!holderNow || holderNow.liveness === 'dead') return current;
      if (current.metadata.resourceVersion !== lease.metadata.resourceVersion) throw new LockHeldError(holderNow, this.location);
      await sleep(pollMs);
      current = await this.read();
    }
    if (!current || current.spec?.holderIdentity !== lease.spec?.holderIdentity) return current ?? lease; // released or changed hands meanwhile: decide again
    const holderNow = this.holderOf(current);
    if (holderNow && holderNow.liveness !== 'dead') throw new LockHeldError(holderNow, this.location);
    return current;
  }

  async acquire(owner: LockOwner, onWait?: (message: string) => void): Promise<LeaseLock> {
    const nowWall = this.options.wallMs();
    const info: LockInfo = { ...owner, acquiredAt: microTime(nowWall), token: randomBytes(8).toString('hex') };
    const spec = (transitions: number): LeaseSpec => ({ holderIdentity: holderIdentity(info), acquireTime: info.acquiredAt, renewTime: info.acquiredAt, leaseTransitions: transitions });
    for (let attempt = 0; attempt < 3; attempt++) {
      let current = await this.read();
      try {
        let written: LeaseObject;
        if (!current) {
          written = await this.options.access.create(this.manifest(info, spec(0)));
        } else {
          let holder = this.holderOf(current);
          if (holder && holder.liveness === 'alive') {
            if (this.looksFresh(current)) throw new LockHeldError(holder, this.location);
            current = await this.watchHolder(current, onWait);
            holder = this.holderOf(current);
            if (holder && holder.liveness === 'alive') throw new LockHeldError(holder, this.location);
          }
          const transitions = (current.spec?.leaseTransitions ?? 0) + (holder ? 1 : 0);
          written = await this.options.access.replace(this.manifest(info, spec(transitions), current.metadata.resourceVersion));
        }
        return new LeaseLock(this, info, written, this.options);
      } catch (err) {
        // Another contender wrote first: re-read and re-decide (the next round names the winner).
        if (err instanceof KubeWriteRefusedError && (err.reason === 'Conflict' || err.reason === 'AlreadyExists' || err.reason === 'NotFound')) continue;
        throw err;
      }
    }
    const holder = this.holderOf(await this.read());
    if (holder) throw new LockHeldError(holder, this.location);
    throw new Error(`could not take the ${this.location}: it kept changing hands`);
  }

  /** Writes a new renewTime if the lease is still ours; returns the written lease or why it is lost. */
  async renew(info: LockInfo, last: LeaseObject): Promise<LeaseObject> {
    let base = last;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (base.spec?.holderIdentity !== holderIdentity(info)) throw this.lost(base);
      try {
        return await this.options.access.replace({ ...base, spec: { ...base.spec, renewTime: microTime(this.options.wallMs()) } });
      } catch (err) {
        if (!(err instanceof KubeWriteRefusedError)) throw err;
        if (err.reason === 'NotFound') throw new LockLostError(this.location, 'the Lease was deleted');
        const fresh = await this.read();
        if (!fresh) throw new LockLostError(this.location, 'the Lease was deleted');
        base = fresh;
      }
    }
    throw new Error(`renewing the ${this.location} kept conflicting`);
  }

  /** Confirms from the API that the lease still names us. */
  async verify(info: LockInfo): Promise<LeaseObject> {
    const lease = await this.read();
    if (!lease) throw new LockLostError(this.location, 'the Lease was deleted');
    if (lease.spec?.holderIdentity !== holderIdentity(info)) throw this.lost(lease);
    return lease;
  }

  private lost(lease: LeaseObject): LockLostError {
    const other = infoFromLease(lease);
    return new LockLostError(this.location, other ? `it is held by pid ${other.pid} on ${other.host} since ${other.acquiredAt}` : 'it was released');
  }

  /**
   * Clears holderIdentity while the Lease still names us. A 409 means someone wrote in between: read again,
   * and clear again only if it is still ours (a write of our own, e.g. a renewal that was on its way).
   */
  async release(info: LockInfo): Promise<void> {
    for (let attempt = 0; attempt < RELEASE_ATTEMPTS; attempt++) {
      const lease = await this.read();
      if (!lease || lease.spec?.holderIdentity !== holderIdentity(info)) return;
      const { holderIdentity: _ours, ...rest } = lease.spec;
      try {
        await this.options.access.replace({ ...lease, spec: { ...rest, renewTime: microTime(this.options.wallMs()) } });
        return;
      } catch (err) {
        if (!(err instanceof KubeWriteRefusedError)) throw err;
      }
    }
    throw new Error(`releasing the ${this.location} met a conflict ${RELEASE_ATTEMPTS} times in a row; it stays held until it expires`);
  }
}

/** Conflicting writes a release reads and retries through before it gives up (the Lease then expires). */
const RELEASE_ATTEMPTS = 3;

/**
 * A held Lease. `lost` aborts when a renewal finds it taken, or when renewals have failed for longer than
 * the lease duration (by then another coordinator may rightly have taken it): every later save is refused.
 */
export class LeaseLock implements StateLock {
  private readonly lostController = new AbortController();
  private lastRenewMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The keep-alive's renewal in flight, if any. */
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly manager: LeaseLockManager,
    readonly info: LockInfo,
    private lease: LeaseObject,
    private readonly options: LeaseLockOptions,
  ) {
    this.lastRenewMs = options.monotonicMs();
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /**
   * How long after its last successful renewal this holder still acts: two thirds of the lease (client-go's
   * renewDeadline to leaseDuration ratio), so it stops a third of a lease before anyone may take over.
   */
  private get renewDeadlineMs(): number {
    return (this.options.durationSeconds * 1000 * 2) / 3;
  }

  /** Throws LockLostError once the lock is lost or went unrenewed past the renew deadline (no I/O). */
  ensureHeld(): void {
    if (this.lost.aborted) throw this.lost.reason as Error;
    const sinceRenewMs = this.options.monotonicMs() - this.lastRenewMs;
    if (sinceRenewMs > this.renewDeadlineMs) {
      this.markLost(
        new LockLostError(this.manager.location, `not renewed for ${Math.round(sinceRenewMs / 1000)}s, past its renew deadline of ${Math.round(this.renewDeadlineMs / 1000)}s (was this process stopped?)`),
      );
      throw this.lost.reason as Error;
    }
  }

  /** Throws LockLostError unless the lease is ours by the local deadline and by the API. */
  async assertHeld(): Promise<void> {
    this.ensureHeld();
    try {
      this.lease = await this.manager.verify(this.info);
    } catch (err) {
      if (err instanceof LockLostError) this.markLost(err);
      throw err;
    }
  }

  /**
   * One renewal; a lease found taken marks the lock lost. Past the renew deadline (e.g. a process woken
   * after a SIGSTOP) it is not even tried: another coordinator may rightly hold the Lease by now.
   */
  async renew(): Promise<void> {
    this.ensureHeld();
    const started = this.options.monotonicMs();
    try {
      this.lease = await this.manager.renew(this.info, this.lease);
      this.lastRenewMs = started;
    } catch (err) {
      if (err instanceof LockLostError) this.markLost(err);
      throw err;
    }
  }

  /**
   * Renews every duration/3. A failed renewal is retried with doubling backoff (capped at a quarter of the
   * interval) until the renew deadline; past it the lock is lost, so a contender that waits a full lease
   * never overlaps with this holder.
   */
  startKeepAlive(): void {
    const intervalMs = (this.options.durationSeconds * 1000) / 3;
    const firstBackoff = this.options.renewBackoffMs ?? Math.min(500, intervalMs / 8);
    const maxBackoff = intervalMs / 4;
    const tick = async (): Promise<void> => {
      for (let i = 0; !this.stopped && !this.lost.aborted; i++) {
        try {
          this.renewing = this.renew();
          await this.renewing;
          break;
        } catch (err) {
          if (err instanceof LockLostError) return;
          if (this.options.monotonicMs() - this.lastRenewMs > this.renewDeadlineMs) {
            this.markLost(new LockLostError(this.manager.location, `renewals failed until the renew deadline (${err instanceof Error ? err.message : String(err)})`));
            return;
          }
          await new Promise((r) => setTimeout(r, Math.min(maxBackoff, firstBackoff * 2 ** i)).unref());
        }
      }
      if (!this.stopped && !this.lost.aborted) this.timer = setTimeout(() => void tick(), intervalMs).unref();
    };
    this.timer = setTimeout(() => void tick(), intervalMs).unref();
  }

  private markLost(reason: LockLostError): void {
    if (!this.lost.aborted) this.lostController.abort(reason);
    this.stopKeepAlive();
  }

  private stopKeepAlive(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  async release(): Promise<void> {
    this.stopKeepAlive();
    // A renewal already on its way would land after the release read the Lease: let it land first.
    await this.renewing?.catch(() => undefined);
    if (!this.lost.aborted) await this.manager.release(this.info);
  }
}
