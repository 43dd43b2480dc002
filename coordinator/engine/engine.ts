import type { Logger } from '../../shared/log/logger.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import type { Gate } from '../gates/gate.js';
import { NODE_PHASE_DONE, NODE_PHASE_HALTED, RUNBOOK, type RunbookStep } from '../plan/runbook.js';
import { UPDATE_PHASE_DONE, UPDATE_PHASE_HALTED } from '../../shared/update/update-phase.js';
import type { Clock } from '../ports/clock.js';
import type { BackupTaker, KubernetesCluster } from '../ports/cluster.js';
import type { NodeAgent } from '../ports/node-agent.js';
import type { NodeRecord, OperationRecord, StepRecord } from '../state/operation-record.js';
import { stepRecord } from '../state/operation-record.js';
import { LockLostError, type StateLock, type StateStore } from '../state/state-store.js';
import { rollBackBeforeHalt } from '../recovery/rollback-on-failure.js';
import { STEP_EXECUTORS } from '../steps/executors.js';
import { assertOnlyNodeOutOfService } from '../steps/out-of-service.js';
import type { StepContext, StepExecutor } from '../steps/step-context.js';
import type { EventSink, OperationEvent } from './events.js';
import { errorMessage, StepFailure, StepInterrupted } from './step-failure.js';
import { fenceByLock } from './lock-fence.js';
import { awaitAdmission, type AdmissionRule, type FinalAdmission } from './node-admission.js';
import type { StopControl } from './stop-control.js';
import { WaitAccounting } from './wait-accounting.js';

export const ANNOTATION_PHASE = 'noderoll.io/phase';
export const ANNOTATION_OPERATION = 'noderoll.io/operation';
/** Bound of one SetUpdatePhase call; a node that is rebooting must not hold the next report long. */
export const PHASE_REPORT_TIMEOUT_MS = 3000;

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
}

export type EngineOutcome = 'completed' | 'halted' | 'interrupted' | 'waiting';

/**
 * Runs an operation's plan: node after node, step after step, persisting the record before and
 * after every step. It is the only place that sequences and persists. A failure halts with the node
 * left as it is (cordoned once drained) and the resume command; a stop request ends the run at the
 * next safe point (or step boundary, when forced). `run` is also what `resume` calls: steps re-read
 * reality through their "already done?" checks, so nothing is done twice.
 *
 * Every call to the cluster, a gate, the backup or an agent first checks that the lock is still ours
 * (lock-fence.ts), and a lost lock aborts the step in flight: a coordinator that lost its lease to
 * another one stops with LockLostError out of run(), without another call and without another save.
 */
export class OperationEngine {
  private readonly executors: Readonly<Record<string, StepExecutor>>;
  private readonly phaseShown = new Map<string, string>();
  private readonly accounting: WaitAccounting;
  // The outside world as the steps see it: every call and sleep is counted as waiting.
  private readonly cluster: KubernetesCluster;
  private readonly gates: readonly Gate[];
  private readonly admission: readonly AdmissionRule[];
  private readonly backup: BackupTaker | undefined;
  private readonly stepClock: Clock;
  private readonly agents = new Map<string, NodeAgent>();
  private readonly rawAgents = new Map<string, NodeAgent>();
  /** Per node, the chain of phase reports in flight (kept in order, never awaited by a step). */
  private readonly phaseReports = new Map<string, Promise<void>>();

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

  private emit(event: OperationEvent): void {
    this.deps.events({ ...event, time: new Date(this.deps.clock.now()).toISOString() } as OperationEvent & { time: string });
  }

  private async persist(record: OperationRecord): Promise<void> {
    this.deps.lock.ensureHeld();
    record.updatedAt = new Date(this.deps.clock.now()).toISOString();
    await this.deps.store.save(record, this.deps.lock);
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
    try {
      let nodesDoneThisRun = 0;
      for (const [index, node] of record.nodes.entries()) {
        if (node.status === 'completed' || node.status === 'skipped') continue;
        const outcome = await this.runNode(record, node, index, nodesDoneThisRun);
        if (outcome === 'skipped') continue;
        if (outcome !== 'completed') return outcome;
        nodesDoneThisRun++;
      }
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
      await this.settlePhaseReports();
    }
  }

  private async runNode(record: OperationRecord, node: NodeRecord, index: number, nodesDoneThisRun: number): Promise<EngineOutcome | 'skipped'> {
    const startedMs = this.deps.clock.now();
    const resumedNode = node.status !== 'pending';
    if (!resumedNode) {
      // Between nodes every node is in service: the safest point to stop, pause or ask.
      await this.pollAbortRequest(record);
      if (this.deps.stop.mode !== 'none') return this.interrupt(record, node, undefined, this.deps.stop.reason);
      if (nodesDoneThisRun > 0 && record.invocation.pauseBetweenMs > 0) {
        this.emit({ type: 'warning', node: node.name, message: `pausing ${Math.round(record.invocation.pauseBetweenMs / 1000)}s before the next node (--pause-between)` });
        try {
          await this.stepClock.sleep(record.invocation.pauseBetweenMs, AbortSignal.any([this.deps.stop.anyStop, this.deps.lock.lost]));
        } catch {
          return this.interrupt(record, node, undefined, this.deps.stop.reason);
        }
      }
      const admission = await this.admit(record, node, index);
      if (admission !== 'start') return admission;
      if (this.deps.confirmNode && !(await this.deps.confirmNode(node, index, record.nodes.length))) {
        return this.interrupt(record, node, undefined, `update of node ${node.name} declined at the confirmation prompt`);
      }
      node.status = 'in-progress';
      node.startedAt = this.now();
      await this.persist(record);
    }
    this.emit({ type: 'node-started', node: node.name, role: node.role, resumed: resumedNode });
    const agent = this.agentFor(node);
    let guardPending = resumedNode;

    for (const step of RUNBOOK) {
      const rec = stepRecord(node, step.name);
      // Completed steps are trusted when done once (gates that admitted the node, the backup) or when
      // the node is already back in service; the others are re-checked against reality on resume.
      const backInService = stepRecord(node, 'uncordonNode').status === 'completed';
      if (rec.status === 'completed' && (step.once || backInService)) continue;

      await this.pollAbortRequest(record);
      const stopMode = this.deps.stop.mode;
      if (stopMode === 'now' || (stopMode === 'graceful' && step.safeToStopBefore && !this.nodeOutOfService(node))) {
        return this.interrupt(record, node, step, this.deps.stop.reason);
      }

      const outcome = await this.runStep(record, node, step, rec, agent, guardPending);
      guardPending = false;
      if (outcome !== 'completed') return outcome;
    }

    node.status = 'completed';
    node.finishedAt = this.now();
    await this.persist(record);
    await this.annotate(node, NODE_PHASE_DONE, record.id);
    this.reportPhase(record, node, UPDATE_PHASE_DONE, 0);
    this.emit({ type: 'node-completed', node: node.name, durationMs: this.deps.clock.now() - startedMs });
    return 'completed';
  }

  /**
   * Asks the admission rules (coordinator/engine/node-admission.ts) whether the pending node may start:
   * a skip is recorded on the node, a halt stops the operation before it with nothing changed, a wait
   * is stoppable like the pause between nodes.
   */
  private async admit(record: OperationRecord, node: NodeRecord, index: number): Promise<'start' | 'skipped' | EngineOutcome> {
    const rules = this.admission;
    if (rules.length === 0) return 'start';
    const signal = AbortSignal.any([this.deps.stop.anyStop, this.deps.lock.lost]);
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
      if (signal.aborted) return this.interrupt(record, node, undefined, this.deps.stop.reason);
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
    if (answer.kind === 'defer') return this.waitForWindow(record, node, answer);
    record.status = 'halted';
    record.halt = { at: this.now(), kind: 'failure', node: node.name, reason: answer.reason, details: answer.details, resumeCommand: this.deps.resumeCommand };
    await this.persist(record);
    this.emit({ type: 'operation-halted', operationId: record.id, node: node.name, reason: answer.reason, details: answer.details, resumeCommand: this.deps.resumeCommand });
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

  /** Drained (or draining) and not yet uncordoned. */
  private nodeOutOfService(node: NodeRecord): boolean {
    const drain = stepRecord(node, 'drainNode').status;
    const uncordon = stepRecord(node, 'uncordonNode').status;
    return drain !== 'pending' && uncordon !== 'completed';
  }

  private async runStep(
    record: OperationRecord,
    node: NodeRecord,
    step: RunbookStep,
    rec: StepRecord,
    agent: NodeAgent,
    resumeGuard: boolean,
  ): Promise<EngineOutcome | 'completed'> {
    const executor = this.executors[step.name];
    if (!executor) throw new Error(`no executor for step ${step.name}`);
    const startedMs = this.deps.clock.now();
    rec.status = 'running';
    rec.attempts++;
    rec.startedAt = this.now();
    delete rec.finishedAt;
    delete rec.error;
    delete rec.details;
    delete rec.note;
    await this.persist(record);
    this.emit({ type: 'step-started', node: node.name, step: step.name, title: step.title, attempt: rec.attempts });
    await this.annotate(node, step.phase, record.id);
    this.reportPhase(record, node, step.name, this.stepDeadlineMs(step));

    const signal = AbortSignal.any([step.inService ? this.deps.stop.anyStop : this.deps.stop.forcedStop, this.deps.lock.lost]);
    const ctx = this.context(record, node, step, agent, signal);
    try {
      if (resumeGuard && this.nodeOutOfService(node)) {
        // Resuming a node that is out of service: make sure no other node went down meanwhile.
        await assertOnlyNodeOutOfService(this.cluster, node.name, `resume node ${node.name}`, signal);
      }
      const already = executor.alreadyDone ? await executor.alreadyDone(ctx) : undefined;
      const note = already !== undefined ? `already done: ${already}` : ((await executor.run(ctx)) ?? undefined);
      rec.status = 'completed';
      rec.finishedAt = this.now();
      if (note) rec.note = note;
      await this.persist(record);
      this.emit({ type: 'step-completed', node: node.name, step: step.name, durationMs: this.deps.clock.now() - startedMs, ...(note ? { note } : {}), alreadyDone: already !== undefined });
      return 'completed';
    } catch (err) {
      this.rethrowIfLockLost(err);
      if (err instanceof StepInterrupted || (signal.aborted && !(err instanceof StepFailure))) {
        rec.status = 'interrupted';
        rec.finishedAt = this.now();
        rec.note = err instanceof StepInterrupted ? err.reason : `interrupted: ${errorMessage(err)}`;
        return this.interrupt(record, node, step, this.deps.stop.reason);
      }
      const reason = err instanceof StepFailure ? err.reason : `${step.name} failed: ${errorMessage(err)}`;
      const details = err instanceof StepFailure ? [...err.details] : [];
      this.deps.log.error({ node: node.name, step: step.name, err }, 'step failed');
      rec.status = 'failed';
      rec.finishedAt = this.now();
      rec.error = reason;
      rec.details = details;
      this.emit({ type: 'step-failed', node: node.name, step: step.name, durationMs: this.deps.clock.now() - startedMs, reason, details });
      // Area R (coordinator/recovery): with onFailure: rollback, the node goes back to its recorded version before the halt.
      const halt = await rollBackBeforeHalt(ctx, step.name, { reason, details }, (e) => this.emit(e));
      node.status = 'failed';
      record.status = 'halted';
      record.halt = { at: this.now(), kind: 'failure', node: node.name, step: step.name, reason: halt.reason, details: halt.details, resumeCommand: this.deps.resumeCommand };
      await this.persist(record);
      await this.annotate(node, NODE_PHASE_HALTED, record.id);
      this.reportPhase(record, node, UPDATE_PHASE_HALTED, 0);
      this.emit({ type: 'operation-halted', operationId: record.id, node: node.name, step: step.name, reason: halt.reason, details: halt.details, resumeCommand: this.deps.resumeCommand });
      return 'halted';
    }
  }

  /** A lost lock ends the run as it is: no halt or interruption is written, the new holder's record stands. */
  private rethrowIfLockLost(err: unknown): void {
    if (err instanceof LockLostError) throw err;
    if (this.deps.lock.lost.aborted) throw this.deps.lock.lost.reason as Error;
  }

  private async interrupt(record: OperationRecord, node: NodeRecord | undefined, step: RunbookStep | undefined, reason: string): Promise<EngineOutcome> {
    this.rethrowIfLockLost(undefined);
    record.status = 'interrupted';
    record.halt = {
      at: this.now(),
      kind: 'interrupted',
      ...(node ? { node: node.name } : {}),
      ...(step ? { step: step.name } : {}),
      reason,
      details: node && this.nodeOutOfService(node) ? [`node ${node.name} is out of service (cordoned) until the operation is resumed`] : [],
      resumeCommand: this.deps.resumeCommand,
    };
    await this.persist(record);
    await this.deps.store.clearAbortRequest(this.deps.lock).catch(() => undefined);
    this.emit({ type: 'operation-interrupted', operationId: record.id, ...(node ? { node: node.name } : {}), ...(step ? { step: step.name } : {}), reason, resumeCommand: this.deps.resumeCommand });
    return 'interrupted';
  }

  /** How long a step may run before monitoring calls the node stuck in it (0: the step has no bound). */
  private stepDeadlineMs(step: RunbookStep): number {
    if (step.name === 'soakClusterHealth') return this.deps.config.soak.timeoutMs;
    // The reboot request is answered at once; the node is due back within the reboot timeout.
    if (step.name === 'rebootNode') return this.deps.config.timeouts.rebootMs;
    return step.timeout ? this.deps.config.timeouts[step.timeout] : 0;
  }

  /**
   * Tells the node's agent which phase the update is in (its /metrics shows it). Best effort, like
   * the annotation, and asynchronous: the step does not wait for it; reports to one node stay in
   * order; a failure (the node is rebooting) is logged and the next report carries on.
   */
  private reportPhase(record: OperationRecord, node: NodeRecord, phase: string, deadlineMs: number): void {
    const agent = this.rawAgentFor(node);
    const previous = this.phaseReports.get(node.name) ?? Promise.resolve();
    const next = previous.then(() =>
      agent.setUpdatePhase({ operationId: record.id, phase, deadlineMs }, { timeoutMs: PHASE_REPORT_TIMEOUT_MS }).catch((err: unknown) => {
        this.deps.log.warn({ node: node.name, phase, err: errorMessage(err) }, 'could not report the update phase to the agent');
      }),
    );
    this.phaseReports.set(node.name, next);
  }

  /** Lets reports in flight finish (each is bounded by its call deadline) before the run returns. */
  private async settlePhaseReports(): Promise<void> {
    const pending = [...this.phaseReports.values()];
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(pending), new Promise<void>((resolve) => (timer = setTimeout(resolve, PHASE_REPORT_TIMEOUT_MS * 2)))]);
    if (timer) clearTimeout(timer);
  }

  /** Shows the node's phase on the Node object (`kubectl get nodes -L noderoll.io/phase`); never fatal. */
  private async annotate(node: NodeRecord, phase: string, operationId: string): Promise<void> {
    if (this.phaseShown.get(node.name) === phase) return;
    try {
      await this.cluster.annotateNode(node.name, { [ANNOTATION_PHASE]: phase, [ANNOTATION_OPERATION]: operationId });
      this.phaseShown.set(node.name, phase);
    } catch (err) {
      this.rethrowIfLockLost(err);
      this.deps.log.warn({ node: node.name, phase, err }, 'could not annotate the node');
      this.emit({ type: 'warning', node: node.name, message: `could not set ${ANNOTATION_PHASE}=${phase}: ${errorMessage(err)}` });
    }
  }

  private context(record: OperationRecord, node: NodeRecord, step: RunbookStep, agent: NodeAgent, signal: AbortSignal): StepContext {
    return {
      operation: record,
      node,
      agent,
      cluster: this.cluster,
      gates: this.gates,
      backup: this.backup,
      config: this.deps.config,
      clock: this.stepClock,
      signal,
      log: this.deps.log.child({ node: node.name, step: step.name }),
      progress: (message) => this.emit({ type: 'step-progress', node: node.name, step: step.name, message }),
      output: (line) => {
        this.deps.log.info({ node: node.name, step: step.name, line }, 'output');
        this.emit({ type: 'step-output', node: node.name, step: step.name, line });
      },
      gateReport: (report, purpose, consecutivePasses) =>
        this.emit({
          type: 'gate-report',
          node: node.name,
          purpose,
          passed: report.passed,
          ...(consecutivePasses !== undefined ? { consecutivePasses } : {}),
          results: report.results.map((r) => ({ gate: r.gate, passed: r.passed, summary: r.summary, problems: r.problems })),
        }),
      finding: (finding) => this.emit({ ...finding, node: node.name, step: step.name }),
      checkpoint: () => this.persist(record),
      recordBackup: (backup) => {
        record.backup = backup;
      },
    };
  }
}
