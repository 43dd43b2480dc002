import type { Logger } from '../../shared/log/logger.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import type { NodeFinding } from '../engine/events.js';
import type { Gate, GateReport } from '../gates/gate.js';
import type { StepName } from '../plan/runbook.js';
import type { Clock } from '../ports/clock.js';
import type { BackupRecord, BackupTaker, KubernetesCluster } from '../ports/cluster.js';
import type { CallOptions, NodeAgent } from '../ports/node-agent.js';
import { agentOperationId } from '../ports/node-agent.js';
import type { NodeRecord, OperationRecord } from '../state/operation-record.js';

/** Everything a step may use. Steps change the world and the node's facts; only the engine persists. */
export interface StepContext {
  readonly operation: Readonly<OperationRecord>;
  /** The node's record; steps write what later steps and a resume rely on into `node.facts`. */
  readonly node: NodeRecord;
  readonly agent: NodeAgent;
  readonly cluster: KubernetesCluster;
  readonly gates: readonly Gate[];
  readonly backup: BackupTaker | undefined;
  readonly config: CoordinatorConfig;
  readonly clock: Clock;
  /** Aborts the step: a forced stop, or a graceful stop for a step that runs while the node is in service. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** A short line about what the step is doing or waiting for. */
  progress(message: string): void;
  /** A line of streamed output (the install). */
  output(line: string): void;
  /** A gate report seen during the step. */
  gateReport(report: GateReport, purpose: string, consecutivePasses?: number): void;
  /** Something found on the node the operator should see (an event; the step keeps it in the facts too). */
  finding(finding: NodeFinding): void;
  /** Asks the engine to persist now: facts a crash must not lose before the next action. */
  checkpoint(): Promise<void>;
  /** The other nodes this operation has in flight or out of service now: expected by gates and out-of-service checks. */
  otherNodesInFlight(): readonly string[];
  /** Records the operation's backup (once per operation). */
  recordBackup(record: BackupRecord): void;
}

export interface StepExecutor {
  readonly name: StepName;
  /**
   * Reads reality: when the step's effect is already in place (node already rebooted, update already
   * installed by this operation), says why, and the engine records the step done without running it.
   */
  alreadyDone?(ctx: StepContext): Promise<string | undefined>;
  /** Why the step does not apply to this node now (e.g. its reboot was decided against): recorded as `skipped: …`, nothing runs. */
  skipReason?(ctx: StepContext): string | undefined;
  /** Does the step; resolves with an optional note for the record, throws StepFailure when it cannot. */
  run(ctx: StepContext): Promise<string | void>;
}

export function callOptions(ctx: StepContext, timeoutMs = ctx.config.agents.callTimeoutMs): CallOptions {
  return { signal: ctx.signal, timeoutMs };
}

/** The operation ID the agent sees for one action on this node. */
export function actionId(ctx: StepContext, action: string): string {
  // A node updated again after a rollback needs new IDs: the agent would only replay the first run's.
  const rerun = ctx.node.facts.rerunAfterRollback;
  return agentOperationId(ctx.operation.id, ctx.node.name, rerun ? `${action}.rerun-${rerun}` : action);
}

/** True once the reboot of this node was requested by this operation. */
export function rebootRequested(ctx: StepContext): boolean {
  return ctx.node.facts.bootIdBeforeReboot !== undefined;
}
