import type { StepName } from '../plan/runbook.js';
import type { StepContext } from '../steps/step-context.js';
import { rollBackNode, rollbackTarget, type RollbackEvent } from './rollback-node.js';

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
  const pkg = target.point.package;
  const rollback = await rollBackNode(ctx, 'automatic', `${step} failed: ${failure.reason}`, emit);
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
