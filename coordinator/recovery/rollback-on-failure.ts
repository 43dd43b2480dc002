import type { StepName } from '../plan/runbook.js';
import type { StepContext } from '../steps/step-context.js';
import type { RollbackRecord } from '../state/operation-record.js';
import { continueRollback, rollBackNode, rollbackTarget, type RollbackEvent } from './rollback-node.js';

export interface HaltReason {
  reason: string;
  details: string[];
}

/**
 * Failures after which the node booted into the update and is not healthy: the post checks, or the
 * wait after the reboot once the agent answered from a new boot (Node not Ready, planet down, or a
 * version other than the target). A node that never answers again cannot be rolled back through its
 * agent, and a failure before the reboot leaves the old version running: those halt as they are.
 */
export function failureCallsForRollback(ctx: Pick<StepContext, 'config' | 'node'>, step: StepName): boolean {
  if (ctx.config.onFailure !== 'rollback') return false;
  if (step === 'verifyNodeHealthy') return true;
  return step === 'waitForReboot' && ctx.node.facts.bootIdAfterReboot !== undefined;
}

const rolledBackPrefix = (node: string): string => `node ${node} was rolled back to`;

/** Whether a halt's reason says the node was rolled back and is in service again (the halt output must not call it cordoned). */
export function haltAfterRollback(node: string | undefined, reason: string): boolean {
  return node !== undefined && reason.startsWith(rolledBackPrefix(node));
}

/**
 * Area R's entry from the engine's step-failure path: with `onFailure: rollback` and a failure that
 * calls for it, rolls the node back before the operation halts, and returns the reason the halt
 * records (the failure and what the rollback did). Otherwise the failure is returned as it is.
 */
export async function rollBackBeforeHalt(ctx: StepContext, step: StepName, failure: HaltReason, emit: (e: RollbackEvent) => void): Promise<HaltReason> {
  if (!failureCallsForRollback(ctx, step)) return failure;
  const target = rollbackTarget(ctx);
  const node = ctx.node.name;
  if (!('point' in target)) return { reason: failure.reason, details: [...failure.details, `onFailure is rollback, but ${target.problem}; node ${node} is left as it is`] };
  const rollback = await rollBackNode(ctx, 'automatic', `${step} failed: ${failure.reason}`, emit);
  return haltAfter(ctx, step, failure, rollback);
}

/**
 * A resume that finds the node's rollback interrupted (the coordinator was killed or lost its lock
 * during it) finishes that rollback before the operation halts, as the coordinator that began it
 * would have; `failure` is the step failure that called for it, as recorded.
 */
export async function finishInterruptedRollback(ctx: StepContext, step: StepName, failure: HaltReason, emit: (e: RollbackEvent) => void): Promise<HaltReason> {
  return haltAfter(ctx, step, failure, await continueRollback(ctx, emit));
}

/** The halt's reason and details after the rollback: the failure, and whether the node is back on its recorded version. */
function haltAfter(ctx: StepContext, step: StepName, failure: HaltReason, rollback: RollbackRecord): HaltReason {
  const node = ctx.node.name;
  const pkg = ctx.node.facts.rollbackPoint?.package ?? 'the package';
  if (rollback.status === 'completed') {
    return {
      reason: `${rolledBackPrefix(node)} ${pkg} ${rollback.toVersion} (healthy and uncordoned) after ${step} failed: ${failure.reason}`,
      details: [
        ...failure.details,
        `rollback: ${rollback.notes.join('; ')}`,
        `resume updates node ${node} from the start (install of ${ctx.operation.targetVersion} again): fix or replace that version of ${pkg} first`,
      ],
    };
  }
  return {
    reason: `rollback of node ${node} to ${pkg} ${rollback.toVersion} failed (${rollback.error ?? 'unknown'}) after ${step} failed: ${failure.reason}`,
    details: [...failure.details, ...(rollback.details ?? []).map((d) => `rollback: ${d}`)],
  };
}
