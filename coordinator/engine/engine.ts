import type { Logger } from '../../shared/log/logger.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import type { Gate } from '../gates/gate.js';
import type { RunbookStep } from '../plan/runbook.js';
import type { Clock } from '../ports/clock.js';
import type { BackupTaker, KubernetesCluster } from '../ports/cluster.js';
import type { NodeAgent } from '../ports/node-agent.js';
import type { HaltRecord, NodeRecord, OperationRecord } from '../state/operation-record.js';
import { LockLostError, type StateLock, type StateStore } from '../state/state-store.js';
import { STEP_EXECUTORS } from '../steps/executors.js';
import type { StepExecutor } from '../steps/step-context.js';
import { nextDecision } from '../schedule/node-scheduler.js';
import { resolvePools, type ResolvedPool } from '../schedule/pools.js';
import type { EventSink, OperationEvent } from './events.js';
import { CanaryGate, describeScope } from './canary-gate.js';
import { NodeRunner, nodeOutOfService, type NodeRunOutcome, type RunnerHost } from './node-runner.js';
import { fenceByLock } from './lock-fence.js';
import { awaitAdmission, type AdmissionRule, type FinalAdmission } from './node-admission.js';
import type { StopControl } from './stop-control.js';
import { WaitAccounting } from './wait-accounting.js';

export { ANNOTATION_OPERATION, ANNOTATION_PHASE, PHASE_REPORT_TIMEOUT_MS } from './node-runner.js';

export interface EngineDeps {
  store: StateStore;
  lock: StateLock;
  cluster: KubernetesCluster;
  agentFor: (node: NodeRecord) => NodeAgent;
  gates: readonly Gate[];
  backup: BackupTaker | undefined;
  config: CoordinatorConfig;
  clock: Clock;
  log: Logger;
  events: EventSink;
  stop: StopControl;
  /** The exact command that continues this operation, printed when it halts. */
  resumeCommand: string;
  /** Asked in order before each pending node starts (hold, maintenance window, …); none: every node starts. */
  admission?: readonly AdmissionRule[];
  /** Asked before each node when --confirm-each-node is set; false stops at this safe point. */
  confirmNode?: (node: NodeRecord, index: number, total: number) => Promise<boolean>;
  /** The step executors (default STEP_EXECUTORS); run-operation passes configuredExecutors (hooks, power cycle), tests their own. */
  executors?: Readonly<Record<string, StepExecutor>>;
  /** How often `noderoll abort` requests are looked for while a step runs (0: only between steps). */
  abortPollMs?: number;
  /** `resume --confirm`: the operator confirmed the canary the operation stopped for. */
  confirmCanary?: boolean;
  /** On a TTY without --yes: asked when a canary needs confirmation; false stops the operation for `resume --confirm`. */
  promptCanary?: (scope: string, nodes: readonly string[]) => Promise<boolean>;
}

export type EngineOutcome = 'completed' | 'halted' | 'interrupted' | 'waiting';

/** What the scheduler loop ends on, once every node in flight settled. */
type Ending =
  | { kind: 'failure'; halt: HaltRecord }
  | { kind: 'interrupted'; node: NodeRecord; step: RunbookStep | undefined }
  | { kind: 'finish'; finish: () => Promise<EngineOutcome> };

/**
 * Runs an operation's plan. Which node may start now is the scheduler's question
 * (coordinator/schedule/node-scheduler.ts: pools in order, each pool's budget, masters alone, canary);
 * each started node runs in its own NodeRunner (node-runner.ts), several at once when a pool allows.
 * The engine persists (one save at a time, the latest state wins), asks the admission rules before a
 * pending node starts, and writes the operation's outcome once every node in flight settled. A failure
 * halts the operation: no new node starts, the nodes in flight stop at a safe point (not yet drained:
 * before draining; drained: back in service), and the halt names the failed node and the resume
 * command. A stop request ends the run at the next safe point (or step boundary, when forced). `run` is
 * also what `resume` calls: steps re-read reality through their "already done?" checks.
 *
 * Every call to the cluster, a gate, the backup or an agent first checks that the lock is still ours
 * (lock-fence.ts), and a lost lock aborts the step in flight: a coordinator that lost its lease to
 * another one stops with LockLostError out of run(), without another call and without another save.
 */
export class OperationEngine {
  private readonly executors: Readonly<Record<string, StepExecutor>>;
  private readonly accounting: WaitAccounting;
  // The outside world as the steps see it: every call and sleep is counted as waiting.
  private readonly cluster: KubernetesCluster;
  private readonly gates: readonly Gate[];
  private readonly admission: readonly AdmissionRule[];
  private readonly backup: BackupTaker | undefined;
  private readonly stepClock: Clock;
  private readonly agents = new Map<string, NodeAgent>();
  private readonly rawAgents = new Map<string, NodeAgent>();
  /** Saves one after another: several runners mutate the record. */
  private saving: Promise<void> = Promise.resolve();
  /** Nodes with a runner in this run. */
  private readonly inFlight = new Set<string>();
  private readonly poolHalt = new AbortController();
  /** The node that failed first: with several in flight, the halt names it, whichever settles first. */
  private firstFailed: string | undefined;

  constructor(private readonly deps: EngineDeps) {
    this.executors = deps.executors ?? STEP_EXECUTORS;
    this.accounting = new WaitAccounting(deps.clock);
    this.cluster = this.accounting.wrap(fenceByLock(deps.cluster, deps.lock));
    this.gates = deps.gates.map((g) => this.accounting.wrap(fenceByLock(g, deps.lock)));
    this.admission = (deps.admission ?? []).map((rule) => this.accounting.wrap(fenceByLock(rule, deps.lock)));
    this.backup = deps.backup ? this.accounting.wrap(fenceByLock(deps.backup, deps.lock)) : undefined;
    this.stepClock = this.accounting.wrapClock(deps.clock);
  }

  private rawAgentFor(node: NodeRecord): NodeAgent {
    let agent = this.rawAgents.get(node.name);
    if (!agent) {
      agent = fenceByLock(this.deps.agentFor(node), this.deps.lock);
      this.rawAgents.set(node.name, agent);
    }
    return agent;
  }

  private agentFor(node: NodeRecord): NodeAgent {
    let agent = this.agents.get(node.name);
    if (!agent) {
      agent = this.accounting.wrap(this.rawAgentFor(node));
      this.agents.set(node.name, agent);
    }
    return agent;
  }

  /**
   * Tells the observers (terminal, log, webhooks, metrics). One that throws is logged and the operation goes
   * on: an observer's bug must never leave a node half-done, cordoned mid-step with the coordinator gone.
   */
  private emit(event: OperationEvent): void {
    try {
      this.deps.events({ ...event, time: new Date(this.deps.clock.now()).toISOString() } as OperationEvent & { time: string });
    } catch (err) {
      this.deps.log.error({ err, event: event.type }, 'an event observer failed; the operation goes on');
    }
  }

  /** One save at a time, in call order; each writes the record as it is when its turn comes. */
  private persist(record: OperationRecord): Promise<void> {
    const next = this.saving
      .catch(() => undefined)
      .then(async () => {
        this.deps.lock.ensureHeld();
        record.updatedAt = new Date(this.deps.clock.now()).toISOString();
        await this.deps.store.save(record, this.deps.lock);
      });
    this.saving = next;
    return next;
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** Picks up `noderoll abort` requests addressed to this operation. */
  private async pollAbortRequest(record: OperationRecord): Promise<void> {
    const request = await this.deps.store.readAbortRequest().catch(() => undefined);
    if (!request || request.operationId !== record.id) return;
    const reason = `noderoll abort${request.mode === 'now' ? ' --now' : ''} from pid ${request.by.pid} on ${request.by.host}`;
    const changed = request.mode === 'now' ? this.deps.stop.requestNow(reason) : this.deps.stop.requestGraceful(reason);
    if (changed) this.emit({ type: 'stop-requested', mode: request.mode, reason });
  }

  /**
   * The other nodes this operation has out of service or in flight: those with a runner now, and those
   * an earlier run left out of service (in progress or failed, drained and not uncordoned).
   */
  private otherNodesInFlight(record: OperationRecord, node: NodeRecord): string[] {
    return record.nodes
      .filter((n) => n.name !== node.name && (this.inFlight.has(n.name) || ((n.status === 'in-progress' || n.status === 'failed') && nodeOutOfService(n))))
      .map((n) => n.name);
  }

  private runnerHost(record: OperationRecord): RunnerHost {
    return {
      config: this.deps.config,
      log: this.deps.log,
      stop: this.deps.stop,
      lock: this.deps.lock,
      resumeCommand: this.deps.resumeCommand,
      executors: this.executors,
      cluster: this.cluster,
      gates: this.gates,
      backup: this.backup,
      stepClock: this.stepClock,
      poolHalt: this.poolHalt.signal,
      haltPool: (reason, failedNode) => {
        if (failedNode !== undefined) this.firstFailed ??= failedNode;
        this.poolHalt.abort(new Error(reason));
      },
      persist: (r) => this.persist(r),
      emit: (e) => this.emit(e),
      now: () => this.now(),
      nowMs: () => this.deps.clock.now(),
      agentFor: (n) => this.agentFor(n),
      rawAgentFor: (n) => this.rawAgentFor(n),
      pollAbortRequest: (r) => this.pollAbortRequest(r),
      rethrowIfLockLost: (err) => this.rethrowIfLockLost(err),
      otherNodesInFlight: (n) => this.otherNodesInFlight(record, n),
    };
  }

  async run(record: OperationRecord, resumed: boolean): Promise<EngineOutcome> {
    const started = this.deps.clock.now();
    record.status = 'running';
    delete record.halt;
    delete record.finishedAt;
    delete record.lastRun;
    delete record.waiting;
    await this.persist(record);
    this.emit({ type: 'operation-started', operationId: record.id, targetVersion: record.targetVersion, nodes: record.nodes.map((n) => n.name), resumed });

    const pollMs = this.deps.abortPollMs ?? 0;
    const poller = pollMs > 0 ? setInterval(() => void this.pollAbortRequest(record), pollMs) : undefined;
    poller?.unref();
    const runner = new NodeRunner(this.runnerHost(record));
    try {
      const ending = await this.schedule(record, runner, resolvePools(this.deps.config.pools, record.nodes));
      if (ending?.kind === 'failure') return await this.halt(record, ending.halt);
      if (ending?.kind === 'interrupted') return await this.interrupt(record, ending.node, ending.step, this.deps.stop.reason);
      if (ending?.kind === 'finish') return await ending.finish();
      record.status = 'completed';
      record.finishedAt = this.now();
      const durationMs = this.deps.clock.now() - started;
      const waitingMs = this.accounting.waitingMs();
      record.lastRun = { durationMs, waitingMs };
      await this.persist(record);
      this.deps.log.info({ durationMs, waitingMs, overheadMs: durationMs - waitingMs }, 'operation completed');
      this.emit({
        type: 'operation-completed',
        operationId: record.id,
        durationMs,
        waitingMs,
        overheadMs: durationMs - waitingMs,
        nodes: record.nodes.filter((n) => n.status === 'completed').length,
      });
      return 'completed';
    } finally {
      if (poller) clearInterval(poller);
      await runner.settlePhaseReports();
    }
  }

  /**
   * The scheduler loop: starts what the scheduler allows, waits for a node in flight to settle when it
   * allows nothing, and ends once nothing is left (undefined) or something ended the run and every
   * node in flight settled.
   */
  private async schedule(record: OperationRecord, runner: NodeRunner, pools: readonly ResolvedPool[]): Promise<Ending | undefined> {
    type Settled = { node: NodeRecord; outcome: NodeRunOutcome } | { node: NodeRecord; error: unknown };
    const running = new Map<string, Promise<Settled>>();
    const blockedUntilOneFinishes = new Set<string>();
    const canary = new CanaryGate(record, this.deps.config.canary, {
      gates: this.gates,
      clock: this.stepClock,
      soak: this.deps.config.soak,
      confirmed: this.deps.confirmCanary === true,
      ...(this.deps.promptCanary ? { prompt: this.deps.promptCanary } : {}),
      persist: () => this.persist(record),
      emit: (e) => this.emit(e),
      signal: AbortSignal.any([this.deps.stop.anyStop, this.deps.lock.lost]),
    });
    let ending: Ending | undefined;
    let nodesDoneThisRun = 0;

    const settleOne = async (): Promise<void> => {
      // A candidate blocked by a PDB is asked again every soak interval too: the budget may allow it
      // before an in-flight node finishes (its evicted pods Ready elsewhere).
      const recheck = blockedUntilOneFinishes.size > 0 ? new AbortController() : undefined;
      const timer = recheck
        ? this.stepClock.sleep(this.deps.config.soak.intervalMs, AbortSignal.any([recheck.signal, this.poolHalt.signal, this.deps.stop.anyStop])).then(
            () => 'recheck' as const,
            () => 'recheck' as const,
          )
        : undefined;
      const settled = await Promise.race([...running.values(), ...(timer ? [timer] : [])]);
      recheck?.abort();
      if (settled === 'recheck') {
        blockedUntilOneFinishes.clear();
        return;
      }
      running.delete(settled.node.name);
      this.inFlight.delete(settled.node.name);
      if ('error' in settled) throw settled.error;
      const { node, outcome } = settled;
      if (outcome.kind === 'deferred') blockedUntilOneFinishes.add(node.name);
      else blockedUntilOneFinishes.clear();
      if (outcome.kind === 'completed') nodesDoneThisRun++;
      // A sibling that failed later may settle first (its rollback was quicker): the first failure is the cause.
      if (outcome.kind === 'failed' && (ending?.kind !== 'failure' || node.name === this.firstFailed)) {
        ending = { kind: 'failure', halt: outcome.halt };
        this.poolHalt.abort(new Error(`node ${node.name} failed`));
      }
      if (outcome.kind === 'interrupted' && !ending) ending = { kind: 'interrupted', node, step: outcome.step };
    };

    for (;;) {
      if ((ending || this.deps.stop.mode !== 'none') && running.size > 0) {
        await settleOne();
        continue;
      }
      if (ending) return ending;
      const decision = nextDecision({
        nodes: record.nodes,
        pools,
        inFlight: this.inFlight,
        leftOutOfService: new Set(record.nodes.filter((n) => !this.inFlight.has(n.name) && (n.status === 'in-progress' || n.status === 'failed') && nodeOutOfService(n)).map((n) => n.name)),
        halted: this.poolHalt.signal.aborted,
        blockedUntilOneFinishes,
        ...(this.deps.config.canary ? { canary: this.deps.config.canary } : {}),
        canaryCleared: canary.cleared(),
      });
      if (decision.kind === 'done' && running.size === 0) return undefined;
      if (decision.kind === 'done' || decision.kind === 'wait') {
        if (running.size === 0) throw new Error(`the scheduler waits with no node in flight: ${decision.kind === 'wait' ? decision.reason : ''}`);
        await settleOne();
        continue;
      }
      if (decision.kind === 'canary-done') {
        const verdict = await canary.clear(decision.scope, decision.nodes);
        this.rethrowIfLockLost(undefined);
        if (verdict.kind === 'failed') ending = { kind: 'failure', halt: { at: this.now(), kind: 'failure', reason: verdict.reason, details: verdict.details, resumeCommand: this.deps.resumeCommand } };
        if (verdict.kind === 'interrupted') ending = { kind: 'finish', finish: () => this.interrupt(record, undefined, undefined, this.deps.stop.reason) };
        if (verdict.kind === 'needs-confirmation') ending = { kind: 'finish', finish: () => this.waitForConfirmation(record, decision.scope, decision.nodes, verdict.reason) };
        continue;
      }
      const index = record.nodes.findIndex((n) => n.name === decision.node);
      const node = record.nodes[index]!;
      const resumedNode = node.status !== 'pending';
      if (!resumedNode) {
        const admitted = await this.prepareStart(record, node, index, nodesDoneThisRun);
        if (admitted === 'skipped') continue;
        if (admitted !== 'start') {
          ending = { kind: 'finish', finish: admitted };
          continue;
        }
      }
      this.inFlight.add(node.name);
      running.set(
        node.name,
        runner.run(record, node, resumedNode).then(
          (outcome) => {
            // At once, not when the loop gets to it: the siblings stop at their next safe point.
            if (outcome.kind === 'failed') this.poolHalt.abort(new Error(`node ${node.name} failed`));
            return { node, outcome };
          },
          (error: unknown) => ({ node, error }),
        ),
      );
    }
  }

  /**
   * Before a pending node starts, every node is in service or in flight by this operation: stop, pause,
   * ask the admission rules and the operator. Returns how the run ends instead when it must not start.
   */
  private async prepareStart(record: OperationRecord, node: NodeRecord, index: number, nodesDoneThisRun: number): Promise<'start' | 'skipped' | (() => Promise<EngineOutcome>)> {
    const interrupted = () => () => this.interrupt(record, node, undefined, this.deps.stop.reason);
    await this.pollAbortRequest(record);
    if (this.deps.stop.mode !== 'none') return interrupted();
    if (nodesDoneThisRun > 0 && record.invocation.pauseBetweenMs > 0) {
      this.emit({ type: 'warning', node: node.name, message: `pausing ${Math.round(record.invocation.pauseBetweenMs / 1000)}s before the next node (--pause-between)` });
      try {
        await this.stepClock.sleep(record.invocation.pauseBetweenMs, AbortSignal.any([this.deps.stop.anyStop, this.deps.lock.lost, this.poolHalt.signal]));
      } catch {
        this.rethrowIfLockLost(undefined);
        if (this.poolHalt.signal.aborted && this.deps.stop.mode === 'none') return 'skipped';
        return interrupted();
      }
    }
    const admission = await this.admit(record, node, index);
    if (admission !== 'start') return admission;
    if (this.deps.confirmNode && !(await this.deps.confirmNode(node, index, record.nodes.length))) {
      return () => this.interrupt(record, node, undefined, `update of node ${node.name} declined at the confirmation prompt`);
    }
    node.status = 'in-progress';
    node.startedAt = this.now();
    await this.persist(record);
    return 'start';
  }

  /**
   * Asks the admission rules (coordinator/engine/node-admission.ts) whether the pending node may start:
   * a skip is recorded on the node, a halt stops the operation before it with nothing changed, a wait
   * is stoppable like the pause between nodes.
   */
  private async admit(record: OperationRecord, node: NodeRecord, index: number): Promise<'start' | 'skipped' | (() => Promise<EngineOutcome>)> {
    const rules = this.admission;
    if (rules.length === 0) return 'start';
    const signal = AbortSignal.any([this.deps.stop.anyStop, this.deps.lock.lost, this.poolHalt.signal]);
    let answer: FinalAdmission;
    try {
      answer = await awaitAdmission(rules, { record, node, index, signal }, {
        clock: this.stepClock,
        onWait: async (rule, reason, recheckAtMs) => {
          const recheckAt = new Date(recheckAtMs).toISOString();
          // In the record too, so that `status` and `watch` show why a running operation stands still.
          record.waiting = { node: node.name, rule, reason, recheckAt, since: record.waiting?.node === node.name ? record.waiting.since : this.now() };
          await this.persist(record);
          this.emit({ type: 'node-waiting', node: node.name, rule, reason, recheckAt });
        },
      });
      delete record.waiting;
    } catch (err) {
      delete record.waiting;
      this.rethrowIfLockLost(err);
      // Another node failed meanwhile: the halt is written once the nodes in flight settled.
      if (this.poolHalt.signal.aborted && this.deps.stop.mode === 'none') return 'skipped';
      if (signal.aborted) return () => this.interrupt(record, node, undefined, this.deps.stop.reason);
      throw err;
    }
    if (answer.kind === 'start') return 'start';
    if (answer.kind === 'skip') {
      node.status = 'skipped';
      node.skipReason = answer.reason;
      await this.persist(record);
      this.emit({ type: 'node-skipped', node: node.name, rule: answer.rule ?? '', reason: answer.reason });
      return 'skipped';
    }
    if (answer.kind === 'defer') return () => this.waitForWindow(record, node, answer);
    return () => this.halt(record, { at: this.now(), kind: 'failure', node: node.name, reason: answer.reason, details: answer.details, resumeCommand: this.deps.resumeCommand });
  }

  private async halt(record: OperationRecord, halt: HaltRecord): Promise<EngineOutcome> {
    record.status = 'halted';
    record.halt = halt;
    await this.persist(record);
    this.emit({ type: 'operation-halted', operationId: record.id, ...(halt.node ? { node: halt.node } : {}), ...(halt.step ? { step: halt.step } : {}), reason: halt.reason, details: halt.details, resumeCommand: this.deps.resumeCommand });
    return 'halted';
  }

  /** A rule deferred the pending node to a later window: stop here, every node in service, resumable. */
  private async waitForWindow(record: OperationRecord, node: NodeRecord, answer: Extract<FinalAdmission, { kind: 'defer' }>): Promise<EngineOutcome> {
    const resumeAt = answer.resumeAtMs !== undefined ? new Date(answer.resumeAtMs).toISOString() : undefined;
    record.status = 'waiting-for-window';
    record.halt = { at: this.now(), kind: 'waiting', node: node.name, reason: answer.reason, details: answer.details, resumeCommand: this.deps.resumeCommand, ...(resumeAt ? { resumeAt } : {}) };
    await this.persist(record);
    this.emit({ type: 'operation-waiting', operationId: record.id, node: node.name, reason: answer.reason, details: answer.details, ...(resumeAt ? { resumeAt } : {}), resumeCommand: this.deps.resumeCommand });
    return 'waiting';
  }

  /** The canary is soaked and needs the operator's word: stop here, every node in service, for `resume --confirm`. */
  private async waitForConfirmation(record: OperationRecord, scope: string, nodes: readonly string[], reason: string): Promise<EngineOutcome> {
    const resumeCommand = withConfirm(this.deps.resumeCommand);
    record.status = 'waiting-for-confirmation';
    record.halt = { at: this.now(), kind: 'waiting', reason, details: [`confirm with: ${resumeCommand}`], resumeCommand };
    await this.persist(record);
    this.emit({ type: 'operation-waiting-for-confirmation', operationId: record.id, scope: describeScope(scope), nodes: [...nodes], reason, resumeCommand });
    return 'waiting';
  }

  /** A lost lock ends the run as it is: no halt or interruption is written, the new holder's record stands. */
  private rethrowIfLockLost(err: unknown): void {
    if (err instanceof LockLostError) throw err;
    if (this.deps.lock.lost.aborted) throw this.deps.lock.lost.reason as Error;
  }

  private async interrupt(record: OperationRecord, node: NodeRecord | undefined, step: RunbookStep | undefined, reason: string): Promise<EngineOutcome> {
    this.rethrowIfLockLost(undefined);
    const outOfService = record.nodes.filter((n) => n.status === 'in-progress' && nodeOutOfService(n)).map((n) => n.name);
    record.status = 'interrupted';
    record.halt = {
      at: this.now(),
      kind: 'interrupted',
      ...(node ? { node: node.name } : {}),
      ...(step ? { step: step.name } : {}),
      reason,
      details: outOfService.map((name) => `node ${name} is out of service (cordoned) until the operation is resumed`),
      resumeCommand: this.deps.resumeCommand,
    };
    await this.persist(record);
    await this.deps.store.clearAbortRequest(this.deps.lock).catch(() => undefined);
    this.emit({ type: 'operation-interrupted', operationId: record.id, ...(node ? { node: node.name } : {}), ...(step ? { step: step.name } : {}), reason, resumeCommand: this.deps.resumeCommand });
    return 'interrupted';
  }
}

/** The resume command with --confirm (the operator's confirmation of a canary). */
export function withConfirm(resumeCommand: string): string {
  return /(^|\s)--confirm(\s|$)/.test(resumeCommand) ? resumeCommand : resumeCommand.replace(/^(\S+ resume)/, '$1 --confirm');
}
