import { AgentError } from '../agent-error.js';
import { describeOperation, sameArgs, type OperationArgs, type OperationKind, type OperationRecord, type OperationState } from './operation-record.js';
import type { OperationStore } from './operation-store.js';

/**
 * The agent's memory of mutating operations and the rules around them:
 * - one mutating operation at a time: starting another while one runs is FAILED_PRECONDITION;
 * - an operation ID names one request: repeating it returns the recorded operation (finished) or
 *   the live one (running) instead of doing the work again; reusing it for a different request
 *   is ALREADY_EXISTS;
 * - every change is persisted before the call that made it returns;
 * - after a restart, operations that were running are settled against reality: a reboot whose
 *   boot ID changed completed; anything else was interrupted.
 */

/** Output and completion of a running operation, for callers that follow it live. */
export class LiveOperation<E = unknown> {
  private readonly recent: E[] = [];
  private readonly listeners = new Set<(e: E) => void>();
  private resolveDone!: (op: OperationRecord) => void;
  readonly done: Promise<OperationRecord>;

  constructor(private readonly keepEvents = 500) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  emit(e: E): void {
    this.recent.push(e);
    if (this.recent.length > this.keepEvents) this.recent.shift();
    for (const l of this.listeners) l(e);
  }

  /** Replays the recent events to `listener`, then forwards new ones until unsubscribed. */
  subscribe(listener: (e: E) => void, replay = false): () => void {
    if (replay) for (const e of this.recent) listener(e);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  settle(op: OperationRecord): void {
    this.listeners.clear();
    this.resolveDone(op);
  }
}

export type BeginResult<E> = { fresh: true; op: OperationRecord; live: LiveOperation<E> } | { fresh: false; op: OperationRecord; live: LiveOperation<E> | undefined };

export interface BootFacts {
  bootId: string;
  bootTimeUnixMs: number;
}

export class OperationLedger {
  private ops: OperationRecord[] = [];
  private readonly live = new Map<string, LiveOperation<unknown>>();

  constructor(
    private readonly store: OperationStore,
    private readonly boot: BootFacts,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Loads the state file and settles operations that were running when the agent last stopped.
   * Returns those it settled, and a problem when the file was unreadable.
   */
  async open(): Promise<{ settled: OperationRecord[]; problem?: string }> {
    const { operations, problem } = await this.store.load();
    this.ops = operations;
    const settled: OperationRecord[] = [];
    const now = this.clock();
    for (const op of this.ops) {
      if (op.state !== 'running') continue;
      if (op.kind === 'reboot' && op.reboot) {
        if (op.reboot.bootIdBefore !== this.boot.bootId) {
          op.state = 'succeeded';
          op.reboot.bootIdAfter = this.boot.bootId;
          op.reboot.bootTimeUnixMs = this.boot.bootTimeUnixMs;
          op.reboot.completedUnixMs = now;
        } else {
          op.state = 'failed';
          op.error = {
            code: 'ABORTED',
            message: `the node did not reboot: the agent restarted in the same boot ${this.boot.bootId}${op.reboot.commandIssuedUnixMs ? '' : ' before the reboot command was issued'}`,
          };
        }
      } else {
        op.state = 'interrupted';
        op.error = { code: 'ABORTED', message: `the agent stopped while ${describeOperation(op)} was running (agent restart or node reboot); its outcome is unknown: check the node and retry with a new operation ID` };
      }
      op.finishedUnixMs = now;
      settled.push(op);
    }
    if (settled.length > 0 || problem) await this.store.save(this.ops);
    return { settled, ...(problem ? { problem } : {}) };
  }

  current(): OperationRecord | undefined {
    return this.ops.find((o) => o.state === 'running');
  }

  get(id: string): OperationRecord | undefined {
    return this.ops.find((o) => o.id === id);
  }

  /** Most recent first. */
  list(limit: number): OperationRecord[] {
    return this.ops.slice(-limit).reverse();
  }

  liveOf<E>(id: string): LiveOperation<E> | undefined {
    return this.live.get(id) as LiveOperation<E> | undefined;
  }

  /**
   * Starts an operation, or finds the one this ID already names. Throws ALREADY_EXISTS when the ID
   * was used for a different request and FAILED_PRECONDITION when another operation is running.
   */
  async begin<E>(kind: OperationKind, id: string, args: OperationArgs, init: Partial<OperationRecord> = {}): Promise<BeginResult<E>> {
    const existing = this.get(id);
    if (existing) {
      if (existing.kind !== kind || !sameArgs(existing.args, args)) {
        throw new AgentError('ALREADY_EXISTS', `operation_id: "${id}" was already used for ${describeOperation(existing)}; use a new ID for ${describeOperation({ id, kind, args })}`);
      }
      return { fresh: false, op: existing, live: this.liveOf<E>(id) };
    }
    const running = this.current();
    if (running) {
      throw new AgentError('FAILED_PRECONDITION', `another operation is running: ${describeOperation(running)} since ${new Date(running.createdUnixMs).toISOString()}; one mutating operation at a time`);
    }
    const op: OperationRecord = { id, kind, state: 'running', args, createdUnixMs: this.clock(), finishedUnixMs: 0, bootId: this.boot.bootId, ...init };
    this.ops.push(op);
    const live = new LiveOperation<E>();
    this.live.set(id, live as LiveOperation<unknown>);
    try {
      await this.store.save(this.ops);
    } catch (err) {
      this.ops = this.ops.filter((o) => o !== op);
      this.live.delete(id);
      throw new AgentError('INTERNAL', `could not record ${describeOperation(op)} in ${this.store.file}: ${(err as Error).message}`);
    }
    return { fresh: true, op, live };
  }

  /** Changes a running operation and persists it. */
  async update(id: string, change: (op: OperationRecord) => void): Promise<OperationRecord> {
    const op = this.get(id);
    if (!op) throw new AgentError('NOT_FOUND', `operation_id: no operation "${id}"`);
    change(op);
    await this.store.save(this.ops);
    return op;
  }

  /** Records the outcome of an operation and wakes everyone following it. */
  async finish(id: string, state: Exclude<OperationState, 'running'>, change: (op: OperationRecord) => void = () => undefined): Promise<OperationRecord> {
    const op = await this.update(id, (o) => {
      change(o);
      o.state = state;
      o.finishedUnixMs = this.clock();
    });
    const live = this.live.get(id);
    this.live.delete(id);
    live?.settle(op);
    return op;
  }

  /** On shutdown: records every running operation except a pending reboot as interrupted. */
  async interruptRunning(reason: string): Promise<OperationRecord[]> {
    const hit = this.ops.filter((o) => o.state === 'running' && o.kind !== 'reboot');
    for (const op of hit) await this.finish(op.id, 'interrupted', (o) => (o.error = { code: 'ABORTED', message: reason }));
    return hit;
  }
}
