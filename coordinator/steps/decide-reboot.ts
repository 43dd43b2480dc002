import { errorMessage } from '../engine/step-failure.js';
import type { RebootPolicy } from '../plan/profiles.js';
import { AgentUnreachableError, type RebootAdvice } from '../ports/node-agent.js';
import type { RebootDecisionRecord } from '../state/operation-record.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { actionId, callOptions, rebootRequested } from './step-context.js';

export interface RebootVerdict {
  decision: 'reboot' | 'skip';
  reason: string;
  warnings: string[];
}

function adviceText(advice: RebootAdvice): string {
  return advice.reasons.length > 0 ? advice.reasons.join('; ') : 'no reason given';
}

/** The reboot decision from the policy and the agent's advice (absent: the agent could not be asked). An undecided node reboots under auto. */
export function rebootVerdict(policy: RebootPolicy, advice: RebootAdvice | undefined): RebootVerdict {
  if (policy === 'always') return { decision: 'reboot', reason: 'reboot: always', warnings: [] };
  if (policy === 'never') {
    const warnings = advice?.required
      ? [`the node needs a reboot (${adviceText(advice)}) but reboot is never: reboot it in a later maintenance window`]
      : advice?.problem || !advice
        ? [`the agent could not tell whether the node needs a reboot (${advice?.problem ?? 'no advice'}); reboot is never`]
        : [];
    return { decision: 'skip', reason: `reboot: never${advice?.required ? ' (a reboot is required: see the warnings)' : ''}`, warnings };
  }
  if (!advice) return { decision: 'reboot', reason: 'reboot: auto, and the agent gave no reboot advice: rebooting to be safe', warnings: [] };
  if (advice.problem) return { decision: 'reboot', reason: `reboot: auto, and the agent could not tell whether a reboot is needed (${advice.problem}): rebooting to be safe`, warnings: [] };
  if (advice.required) return { decision: 'reboot', reason: `reboot: auto, and the node needs a reboot: ${adviceText(advice)}`, warnings: [] };
  return { decision: 'skip', reason: 'reboot: auto, and the agent says no reboot is required', warnings: [] };
}

/** The advice the install returned, or (a resume, an older agent) the agent's answer now. */
async function rebootAdvice(ctx: StepContext): Promise<RebootAdvice | undefined> {
  if (ctx.node.facts.rebootAdvice) return ctx.node.facts.rebootAdvice;
  try {
    const advice = await ctx.agent.rebootAdvice(callOptions(ctx));
    ctx.node.facts.rebootAdvice = advice;
    return advice;
  } catch (err) {
    if (err instanceof AgentUnreachableError) throw err;
    ctx.log.warn({ err }, 'could not read the reboot advice');
    return { required: true, reasons: [], servicesToRestart: [], problem: `GetRebootAdvice failed: ${errorMessage(err)}` };
  }
}

/**
 * Without a reboot, what the reboot would have done: start the units stopped before the install, and
 * restart the services the agent says map replaced files. A service the agent refuses (not in its
 * units.allow) is a warning, not a failure: the post checks still run.
 */
async function instead(ctx: StepContext, record: RebootDecisionRecord, advice: RebootAdvice | undefined): Promise<void> {
  const timeoutMs = ctx.config.agents.callTimeoutMs;
  for (const unit of ctx.node.facts.stoppedUnits ?? []) {
    ctx.progress(`no reboot: starting ${unit} (stopped before the install)`);
    await ctx.agent.enableUnitNow(unit, { operationId: actionId(ctx, `start-${unit}`), timeoutMs }, callOptions(ctx, timeoutMs * 2));
    record.unitsStarted.push(unit);
  }
  for (const unit of advice?.servicesToRestart ?? []) {
    if (record.unitsStarted.includes(unit)) continue;
    ctx.progress(`no reboot: restarting ${unit} (it maps files the install replaced)`);
    try {
      await ctx.agent.restartUnit(unit, { operationId: actionId(ctx, `restart-${unit}`), timeoutMs }, callOptions(ctx, timeoutMs * 2));
      record.servicesRestarted.push(unit);
    } catch (err) {
      if (err instanceof AgentUnreachableError) throw err;
      record.warnings.push(`${unit} needs a restart but the agent did not restart it: ${errorMessage(err)}`);
    }
  }
}

/** After the install: reboot or not (config `reboot`, the agent's advice); without a reboot, units started and services restarted instead. */
export const decideReboot: StepExecutor = {
  name: 'decideReboot',
  async alreadyDone(ctx: StepContext) {
    return rebootRequested(ctx) ? 'the reboot was already requested' : undefined;
  },
  async run(ctx: StepContext) {
    const policy = ctx.operation.reboot ?? 'always';
    const advice = policy === 'always' ? undefined : await rebootAdvice(ctx);
    const verdict = rebootVerdict(policy, advice);
    const record: RebootDecisionRecord = { decision: verdict.decision, reason: verdict.reason, servicesRestarted: [], unitsStarted: [], warnings: [...verdict.warnings] };
    if (verdict.decision === 'skip') await instead(ctx, record, advice);
    ctx.node.facts.rebootDecision = record;
    for (const w of record.warnings) ctx.progress(`warning: ${w}`);
    const did = [
      ...(record.unitsStarted.length > 0 ? [`started ${record.unitsStarted.join(', ')}`] : []),
      ...(record.servicesRestarted.length > 0 ? [`restarted ${record.servicesRestarted.join(', ')}`] : []),
      ...(record.warnings.length > 0 ? [`${record.warnings.length} warning(s): ${record.warnings.join('; ')}`] : []),
    ];
    return `${verdict.decision === 'reboot' ? 'reboot' : 'no reboot'}: ${verdict.reason}${did.length > 0 ? `; ${did.join('; ')}` : ''}`;
  },
};

/** rebootNode and waitForReboot: nothing to do once the reboot was decided against. */
export function rebootSkipReason(ctx: StepContext): string | undefined {
  const d = ctx.node.facts.rebootDecision;
  return d?.decision === 'skip' ? `no reboot (${d.reason})` : undefined;
}
