import type { Logger } from '../../shared/log/logger.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import type { Gate } from '../gates/gate.js';
import { NODE_PHASE_DONE, NODE_PHASE_HALTED, runbookFor, type RunbookStep } from '../plan/runbook.js';
import { finishInterruptedRollback, rollBackBeforeHalt, type HaltReason } from '../recovery/rollback-on-failure.js';
import { interruptedRollback } from '../recovery/rollback-node.js';
import { UPDATE_PHASE_DONE, UPDATE_PHASE_HALTED } from '../../shared/update/update-phase.js';
import type { Clock } from '../ports/clock.js';
import type { BackupTaker, KubernetesCluster } from '../ports/cluster.js';
import type { NodeAgent } from '../ports/node-agent.js';
import type { HaltRecord, NodeRecord, OperationRecord, RollbackRecord, StepRecord } from '../state/operation-record.js';
import { newStepRecords, stepRecord } from '../state/operation-record.js';
import type { StateLock } from '../state/state-store.js';
import { assertOnlyNodeOutOfService } from '../steps/out-of-service.js';
import type { StepContext, StepExecutor } from '../steps/step-context.js';
import type { OperationEvent } from './events.js';
import { errorMessage, StepFailure, StepInterrupted, WaitForInFlightNode } from './step-failure.js';
import type { StopControl } from './stop-control.js';

export const ANNOTATION_PHASE = 'noderoll.io/phase';
export const ANNOTATION_OPERATION = 'noderoll.io/operation';
/** Bound of one SetUpdatePhase call; a node that is rebooting must not hold the next report long. */
export const PHASE_REPORT_TIMEOUT_MS = 3000;

/** How one node's run ended; the engine turns these into the operation's outcome once every node in flight settled. */
export type NodeRunOutcome =
  | { kind: 'completed' }
  /** A step failed: recorded on the node and step; `halt` is what the operation's halt record will say. */
  | { kind: 'failed'; halt: HaltRecord }
  /** A stop was requested (Ctrl-C, `noderoll abort`): stopped at a safe point, or a step boundary when forced. */
  | { kind: 'interrupted'; step?: RunbookStep }
  /** Another node of the operation failed: stopped at a safe point (before draining, or back in service). */
  | { kind: 'stopped' }
  /** Its drain would break a PodDisruptionBudget while other nodes are in flight: back to pending until one finishes. */
  | { kind: 'deferred'; reason: string };

/** What the runner uses of the engine: its fenced and counted ports, persistence and events. */
export interface RunnerHost {
  readonly config: CoordinatorConfig;
  readonly log: Logger;
  readonly stop: StopControl;
  readonly lock: StateLock;
  readonly resumeCommand: string;
  readonly executors: Readonly<Record<string, StepExecutor>>;
  readonly cluster: KubernetesCluster;
  readonly gates: readonly Gate[];
  readonly backup: BackupTaker | undefined;
  readonly stepClock: Clock;
  /** Aborted once a node of the operation failed: the others stop at their next safe point. */
  readonly poolHalt: AbortSignal;
  /** A node failed: no new node starts, the others stop at their next safe point; failedNode: whose failure it is. */
  haltPool(reason: string, failedNode?: string): void;
  persist(record: OperationRecord): Promise<void>;
  emit(event: OperationEvent): void;
  now(): string;
  nowMs(): number;
  agentFor(node: NodeRecord): NodeAgent;
  rawAgentFor(node: NodeRecord): NodeAgent;
  pollAbortRequest(record: OperationRecord): Promise<void>;
  rethrowIfLockLost(err: unknown): void;
  /** The other nodes this operation has in flight or left out of service: expected out of service. */
  otherNodesInFlight(node: NodeRecord): string[];
}

const TAKE_TURNS: readonly string[] = ['takeBackup', 'drainNode'];

/** Drained (or draining) and not yet uncordoned. */
export function nodeOutOfService(node: NodeRecord): boolean {
  const drain = stepRecord(node, 'drainNode').status;
  const uncordon = stepRecord(node, 'uncordonNode').status;
  return drain !== 'pending' && uncordon !== 'completed';
}

/**
 * Runs the runbook on one node, step after step, persisting before and after every step (through the
 * engine's serialized persist). Several runners run at once when a pool allows it; each one only
 * touches its own node's record and never writes the operation's status: that is the engine's, once
 * the nodes in flight settled.
 */
export class NodeRunner {
  private readonly phaseShown = new Map<string, string>();
  /** Per node, the chain of phase reports in flight (kept in order, never awaited by a step). */
  private readonly phaseReports = new Map<string, Promise<void>>();
  /**
   * Steps nodes in flight take turns at: the backup (taken once per operation: the second finds it
   * taken) and the drain (drain foresight's last look before the cordon then sees the evictions of the
   * drain before it, so that two drains never spend the same disruption budget).
   */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(private readonly host: RunnerHost) {}

  /** resumedNode: the node was in progress when this run started (a resume). */
  async run(record: OperationRecord, node: NodeRecord, resumedNode: boolean): Promise<NodeRunOutcome> {
    const h = this.host;
    const startedMs = h.nowMs();
    h.emit({ type: 'node-started', node: node.name, role: node.role, resumed: resumedNode });
    const agent = h.agentFor(node);
    const unfinishedRollback = interruptedRollback(node);
    if (unfinishedRollback) return this.finishRollback(record, node, agent, unfinishedRollback);
    let guardPending = resumedNode;

    for (const step of runbookFor(record.profile)) {
      const rec = stepRecord(node, step.name);
      // Completed steps are trusted when done once (gates that admitted the node, the backup) or when
      // the node is already back in service; the others are re-checked against reality on resume.
      const backInService = stepRecord(node, 'uncordonNode').status === 'completed';
      if (rec.status === 'completed' && (step.once || backInService)) continue;

      const release = TAKE_TURNS.includes(step.name) ? await this.takeTurn(step.name) : undefined;
      let outcome: NodeRunOutcome;
      try {
        await h.pollAbortRequest(record);
        const stopMode = h.stop.mode;
        if (stopMode === 'now' || (stopMode === 'graceful' && step.safeToStopBefore && !nodeOutOfService(node))) {
          return { kind: 'interrupted', step };
        }
        if (h.poolHalt.aborted && step.safeToStopBefore && !nodeOutOfService(node)) return await this.stopForHalt(record, node);
        outcome = await this.runStep(record, node, step, rec, agent, guardPending);
      } finally {
        release?.();
      }
      guardPending = false;
      if (outcome.kind !== 'completed') return outcome;
    }

    // Annotated before the record says completed: a coordinator killed in between re-runs the node's
    // (completed, skipped) steps on resume and annotates it again; the other way round a completed node
    // would keep its last step's phase, since a resume never visits completed nodes.
    await this.annotate(node, NODE_PHASE_DONE, record.id);
    node.status = 'completed';
    node.finishedAt = h.now();
    await h.persist(record);
    this.reportPhase(record, node, UPDATE_PHASE_DONE, 0);
    h.emit({ type: 'node-completed', node: node.name, durationMs: h.nowMs() - startedMs });
    return { kind: 'completed' };
  }

  /**
   * The node failed and its rollback was interrupted (the coordinator that ran it was killed, or lost
   * its lock): the rollback is finished first, from where it was, then the operation halts as it would
   * have. The update's steps are not re-run: the node is somewhere between the two versions.
   */
  private async finishRollback(record: OperationRecord, node: NodeRecord, agent: NodeAgent, rollback: RollbackRecord): Promise<NodeRunOutcome> {
    const h = this.host;
    h.haltPool(`node ${node.name} failed`, node.name);
    const runbook = runbookFor(record.profile);
    const failedRec = node.steps.find((s) => s.status === 'failed');
    const step = runbook.find((s) => s.name === failedRec?.name) ?? runbook.find((s) => s.name === 'verifyNodeHealthy')!;
    const failure: HaltReason = { reason: failedRec?.error ?? rollback.reason, details: failedRec?.details ?? [] };
    h.emit({ type: 'warning', node: node.name, message: `node ${node.name}: finishing its rollback to ${rollback.toVersion}, interrupted after ${rollback.notes.length} phase(s) (${rollback.reason})` });
    const signal = AbortSignal.any([h.stop.forcedStop, h.lock.lost]);
    const halt = await finishInterruptedRollback(this.context(record, node, step, agent, signal), step.name, failure, (e) => h.emit(e));
    node.status = 'failed';
    return this.haltNode(record, node, step, halt);
  }

  /** The failed node's last word: the record saved, the node annotated and reported halted, and the halt the operation records. */
  private async haltNode(record: OperationRecord, node: NodeRecord, step: RunbookStep, halt: HaltReason): Promise<NodeRunOutcome> {
    const h = this.host;
    await h.persist(record);
    await this.annotate(node, NODE_PHASE_HALTED, record.id);
    this.reportPhase(record, node, UPDATE_PHASE_HALTED, 0);
    return { kind: 'failed', halt: { at: h.now(), kind: 'failure', node: node.name, step: step.name, reason: halt.reason, details: halt.details, resumeCommand: h.resumeCommand } };
  }

  /**
   * Another node failed. One not yet drained goes back to pending with nothing kept (a resume asks the
   * gates again before it); one back in service keeps its record and soaks on resume.
   */
  private async stopForHalt(record: OperationRecord, node: NodeRecord): Promise<NodeRunOutcome> {
    if (stepRecord(node, 'drainNode').status === 'pending') this.backToPending(record, node);
    await this.host.persist(record);
    this.host.emit({ type: 'warning', node: node.name, message: `node ${node.name} stopped at a safe point: another node of the operation failed` });
    return { kind: 'stopped' };
  }

  private backToPending(record: OperationRecord, node: NodeRecord): void {
    node.status = 'pending';
    delete node.startedAt;
    node.steps = newStepRecords(record.profile);
  }

  private async runStep(record: OperationRecord, node: NodeRecord, step: RunbookStep, rec: StepRecord, agent: NodeAgent, resumeGuard: boolean): Promise<NodeRunOutcome> {
    const h = this.host;
    const executor = h.executors[step.name];
    if (!executor) throw new Error(`no executor for step ${step.name}`);
    const startedMs = h.nowMs();
    rec.status = 'running';
    rec.attempts++;
    rec.startedAt = h.now();
    delete rec.finishedAt;
    delete rec.error;
    delete rec.details;
    delete rec.note;
    await h.persist(record);
    h.emit({ type: 'step-started', node: node.name, step: step.name, title: step.title, attempt: rec.attempts });
    await this.annotate(node, step.phase, record.id);
    this.reportPhase(record, node, step.name, this.stepDeadlineMs(step));

    const signal = AbortSignal.any([step.inService ? h.stop.anyStop : h.stop.forcedStop, h.lock.lost, ...(step.inService ? [h.poolHalt] : [])]);
    const ctx = this.context(record, node, step, agent, signal);
    try {
      if (resumeGuard && nodeOutOfService(node)) {
        // Resuming a node that is out of service: make sure no node the operation did not take out went down meanwhile.
        await assertOnlyNodeOutOfService(h.cluster, node.name, `resume node ${node.name}`, signal, h.otherNodesInFlight(node));
      }
      const skipped = executor.skipReason?.(ctx);
      const already = skipped === undefined && executor.alreadyDone ? await executor.alreadyDone(ctx) : undefined;
      const note = skipped !== undefined ? { text: `skipped: ${skipped}`, already: false } : already !== undefined ? { text: `already done: ${already}`, already: true } : { text: (await executor.run(ctx)) ?? undefined, already: false };
      rec.status = 'completed';
      rec.finishedAt = h.now();
      if (note.text) rec.note = note.text;
      await h.persist(record);
      h.emit({ type: 'step-completed', node: node.name, step: step.name, durationMs: h.nowMs() - startedMs, ...(note.text ? { note: note.text } : {}), alreadyDone: note.already });
      return { kind: 'completed' };
    } catch (err) {
      h.rethrowIfLockLost(err);
      if (err instanceof WaitForInFlightNode) {
        this.backToPending(record, node);
        await h.persist(record);
        h.emit({ type: 'node-waiting', node: node.name, rule: 'drain', reason: err.reason, recheckAt: h.now() });
        return { kind: 'deferred', reason: err.reason };
      }
      if (err instanceof StepInterrupted || (signal.aborted && !(err instanceof StepFailure))) {
        rec.status = 'interrupted';
        rec.finishedAt = h.now();
        rec.note = err instanceof StepInterrupted ? err.reason : `interrupted: ${errorMessage(err)}`;
        if (h.poolHalt.aborted && h.stop.mode === 'none') return this.stopForHalt(record, node);
        return { kind: 'interrupted', step };
      }
      const reason = err instanceof StepFailure ? err.reason : `${step.name} failed: ${errorMessage(err)}`;
      const details = err instanceof StepFailure ? [...err.details] : [];
      h.log.error({ node: node.name, step: step.name, err }, 'step failed');
      // At once: a sibling waiting for its turn at the drain must see it before it drains.
      h.haltPool(`node ${node.name} failed`, node.name);
      rec.status = 'failed';
      rec.finishedAt = h.now();
      rec.error = reason;
      rec.details = details;
      node.status = 'failed';
      await h.persist(record);
      h.emit({ type: 'step-failed', node: node.name, step: step.name, durationMs: h.nowMs() - startedMs, reason, details });
      // With onFailure: rollback the node goes back to its recorded version before the halt (coordinator/recovery).
      return this.haltNode(record, node, step, await rollBackBeforeHalt(ctx, step.name, { reason, details }, (e) => h.emit(e)));
    }
  }

  /** Waits for the nodes before this one to finish the step; resolves with the release of this node's turn. */
  private async takeTurn(step: string): Promise<() => void> {
    const previous = this.turns.get(step) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.turns.set(step, previous.then(() => mine));
    await previous;
    return release;
  }

  /** How long a step may run before monitoring calls the node stuck in it (0: the step has no bound). */
  private stepDeadlineMs(step: RunbookStep): number {
    const config = this.host.config;
    if (step.name === 'soakClusterHealth') return config.soak.timeoutMs;
    // The reboot request is answered at once; the node is due back within the reboot timeout.
    if (step.name === 'rebootNode') return config.timeouts.rebootMs;
    return step.timeout ? config.timeouts[step.timeout] : 0;
  }

  /**
   * Tells the node's agent which phase the update is in (its /metrics shows it). Best effort, like
   * the annotation, and asynchronous: the step does not wait for it; reports to one node stay in
   * order; a failure (the node is rebooting) is logged and the next report carries on.
   */
  private reportPhase(record: OperationRecord, node: NodeRecord, phase: string, deadlineMs: number): void {
    const agent = this.host.rawAgentFor(node);
    const previous = this.phaseReports.get(node.name) ?? Promise.resolve();
    const next = previous.then(() =>
      agent.setUpdatePhase({ operationId: record.id, phase, deadlineMs }, { timeoutMs: PHASE_REPORT_TIMEOUT_MS }).catch((err: unknown) => {
        this.host.log.warn({ node: node.name, phase, err: errorMessage(err) }, 'could not report the update phase to the agent');
      }),
    );
    this.phaseReports.set(node.name, next);
  }

  /** Lets reports in flight finish (each is bounded by its call deadline) before the run returns. */
  async settlePhaseReports(): Promise<void> {
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
      await this.host.cluster.annotateNode(node.name, { [ANNOTATION_PHASE]: phase, [ANNOTATION_OPERATION]: operationId });
      this.phaseShown.set(node.name, phase);
    } catch (err) {
      this.host.rethrowIfLockLost(err);
      this.host.log.warn({ node: node.name, phase, err }, 'could not annotate the node');
      this.host.emit({ type: 'warning', node: node.name, message: `could not set ${ANNOTATION_PHASE}=${phase}: ${errorMessage(err)}` });
    }
  }

  private context(record: OperationRecord, node: NodeRecord, step: RunbookStep, agent: NodeAgent, signal: AbortSignal): StepContext {
    const h = this.host;
    return {
      operation: record,
      node,
      agent,
      cluster: h.cluster,
      gates: h.gates,
      backup: h.backup,
      config: h.config,
      clock: h.stepClock,
      signal,
      log: h.log.child({ node: node.name, step: step.name }),
      progress: (message) => h.emit({ type: 'step-progress', node: node.name, step: step.name, message }),
      output: (line) => {
        h.log.info({ node: node.name, step: step.name, line }, 'output');
        h.emit({ type: 'step-output', node: node.name, step: step.name, line });
      },
      gateReport: (report, purpose, consecutivePasses) =>
        h.emit({
          type: 'gate-report',
          node: node.name,
          purpose,
          passed: report.passed,
          ...(consecutivePasses !== undefined ? { consecutivePasses } : {}),
          results: report.results.map((r) => ({ gate: r.gate, passed: r.passed, summary: r.summary, problems: r.problems })),
        }),
      finding: (finding) => h.emit({ ...finding, node: node.name, step: step.name }),
      checkpoint: () => h.persist(record),
      otherNodesInFlight: () => h.otherNodesInFlight(node),
      recordBackup: (backup) => {
        record.backup = backup;
      },
    };
  }
}
