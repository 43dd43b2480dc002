import { errorMessage, StepFailure } from '../engine/step-failure.js';
import { LockLostError } from '../state/state-store.js';
import { newStepRecords, type NodeFacts, type RollbackPoint, type RollbackRecord } from '../state/operation-record.js';
import { drainNode, uncordonNode } from '../steps/drain-node.js';
import { enableGravityUnits } from '../steps/enable-gravity-units.js';
import { findPlanetUnit, stopPlanetUnit } from '../steps/planet-unit-steps.js';
import { rebootNode, waitForReboot } from '../steps/reboot-steps.js';
import type { StepContext, StepExecutor } from '../steps/step-context.js';
import { actionId, callOptions } from '../steps/step-context.js';
import { verifyNodeHealthy } from '../steps/verify-node-healthy.js';

export type RollbackEvent =
  | { type: 'node-rollback-started'; node: string; trigger: RollbackRecord['trigger']; reason: string; fromVersion?: string; toVersion: string }
  | { type: 'node-rollback-completed'; node: string; toVersion: string; durationMs: number }
  | { type: 'node-rollback-failed'; node: string; toVersion: string; reason: string; details: string[] };

/** The version a rollback of this node would install, or why there is none. */
export function rollbackTarget(ctx: Pick<StepContext, 'node' | 'operation'>): { point: RollbackPoint & { version: string } } | { problem: string } {
  const point = ctx.node.facts.rollbackPoint;
  if (!point) return { problem: `no rollback point is recorded for node ${ctx.node.name} (it is recorded right before this operation's first install on the node)` };
  if (point.version === undefined) return { problem: `${point.package} was not installed on node ${ctx.node.name} before the update: there is no version to roll back to` };
  if (point.version === ctx.operation.targetVersion) return { problem: `node ${ctx.node.name} had ${point.package} ${point.version} before the update, the target itself: there is no older version to roll back to` };
  return { point: { ...point, version: point.version } };
}

/**
 * The steps of a rollback run with the runbook's own executors, seen through an operation whose
 * target is the recorded version and whose ID is the rollback's own: every agent request gets a
 * new operation ID (the agent runs an ID once, so the update's IDs would only replay), and the
 * reboot wait and the post checks expect the old version.
 */
function rollbackView(ctx: StepContext, number: number, version: string, facts: NodeFacts): StepContext {
  return {
    ...ctx,
    operation: { ...ctx.operation, id: `${ctx.operation.id}.rollback-${number}`, targetVersion: version },
    node: { ...ctx.node, facts },
    progress: (message) => ctx.progress(`rollback: ${message}`),
  };
}

/** What the update's reboot and post checks learned: the rollback's own steps learn it again for its reboot. */
const UPDATE_REBOOT_FACTS = ['bootIdBeforeReboot', 'rebootRequestedAtMs', 'bootIdAfterReboot', 'versionAfter', 'failedUnitsAfterReboot', 'unitsChanged', 'powerCycles'] as const;

/** The facts a rollback starts from: the update's (planet unit, baselines, rollback point), without its reboot. */
function rollbackFacts(update: NodeFacts): NodeFacts {
  const facts = structuredClone(update);
  for (const key of UPDATE_REBOOT_FACTS) delete facts[key];
  return facts;
}

/** The recorded version through the agent's install command, validated by the agent exactly like an update's. */
async function installRecordedVersion(ctx: StepContext, version: string): Promise<string> {
  const outcome = await ctx.agent.install(
    { version, operationId: actionId(ctx, 'install') },
    (l) => ctx.output(l.stream === 'stderr' ? `[stderr] ${l.line}` : l.line),
    callOptions(ctx, ctx.config.timeouts.installMs),
  );
  if (!outcome.succeeded) {
    throw new StepFailure(`install of ${version} failed${outcome.exitCode !== undefined ? ` (exit code ${outcome.exitCode})` : ''}${outcome.detail ? `: ${outcome.detail}` : ''}`);
  }
  if (outcome.installedVersion !== undefined && outcome.installedVersion !== version) {
    throw new StepFailure(`after the install of ${version} the package is at ${outcome.installedVersion}`);
  }
  return `installed ${version}${outcome.replayed ? ' (answered from the agent\'s record)' : ''}`;
}

type Phase = { what: string; run: (ctx: StepContext, version: string) => Promise<string | void>; alreadyDone?: (ctx: StepContext) => Promise<string | undefined> };

/** `noderoll rollback` may find the node in service (an updated node that misbehaves later): it drains first, a no-op for a drained node. */
const DRAIN_FIRST: Phase = { what: 'drainNode', run: (ctx) => drainNode.run(ctx) };

const PHASES: readonly Phase[] = [
  { what: 'find the planet unit', run: (ctx) => (ctx.node.facts.planetUnit ? Promise.resolve(`planet unit ${ctx.node.facts.planetUnit}`) : findPlanetUnit.run(ctx)) },
  { what: 'stop the planet unit', run: (ctx) => stopPlanetUnit.run(ctx) },
  { what: 'install the recorded version', run: installRecordedVersion },
  ...[enableGravityUnits, rebootNode, waitForReboot, verifyNodeHealthy, uncordonNode].map((step: StepExecutor): Phase => ({
    what: step.name,
    run: (ctx: StepContext) => step.run(ctx),
    ...(step.alreadyDone ? { alreadyDone: step.alreadyDone.bind(step) } : {}),
  })),
];

/**
 * Puts a node back on its rollback point: stop planet, install the recorded version, reboot, wait
 * for the new boot on that version, the post checks, uncordon. The node stays cordoned unless every
 * phase passed. On success the node's steps start over, so that `resume` updates it from the start.
 * Resolves with the rollback's record (also appended to the node's); only a lost lock throws.
 */
export async function rollBackNode(ctx: StepContext, trigger: RollbackRecord['trigger'], reason: string, emit: (e: RollbackEvent) => void): Promise<RollbackRecord> {
  const node = ctx.node;
  const target = rollbackTarget(ctx);
  const rollbacks = (node.rollbacks ??= []);
  const startedMs = ctx.clock.now();
  const record: RollbackRecord = {
    trigger,
    reason,
    toVersion: 'point' in target ? target.point.version : '',
    startedAt: new Date(startedMs).toISOString(),
    status: 'running',
    notes: [],
  };
  rollbacks.push(record);
  if (!('point' in target)) return failRollback(ctx, record, target.problem, [], emit);

  record.facts = rollbackFacts(node.facts);
  try {
    const identity = await ctx.agent.identity(callOptions(ctx));
    const installed = identity.packages[identity.updatePackage];
    if (installed !== undefined) record.fromVersion = installed;
  } catch (err) {
    if (err instanceof LockLostError) throw err;
  }
  await ctx.checkpoint();
  emit({ type: 'node-rollback-started', node: node.name, trigger, reason, toVersion: record.toVersion, ...(record.fromVersion ? { fromVersion: record.fromVersion } : {}) });
  return runPhases(ctx, record, target.point.version, false, emit);
}

/** The node's rollback that a coordinator left running (it was killed or lost its lock during it), if any. */
export function interruptedRollback(node: { rollbacks?: RollbackRecord[] }): RollbackRecord | undefined {
  const last = node.rollbacks?.at(-1);
  return last?.status === 'running' ? last : undefined;
}

/**
 * Continues the node's interrupted rollback from the phase it was in, with the same rollback number,
 * so the agent answers the requests it already ran from its record (the same operation IDs) and the
 * reboot, already requested, is not requested again. Resolves like rollBackNode.
 */
export async function continueRollback(ctx: StepContext, emit: (e: RollbackEvent) => void): Promise<RollbackRecord> {
  const record = interruptedRollback(ctx.node);
  if (!record) throw new Error(`node ${ctx.node.name} has no interrupted rollback to continue`);
  record.facts ??= rollbackFacts(ctx.node.facts);
  if (!record.toVersion) return failRollback(ctx, record, 'the interrupted rollback recorded no version to roll back to', [], emit);
  return runPhases(ctx, record, record.toVersion, true, emit);
}

async function failRollback(ctx: StepContext, record: RollbackRecord, why: string, details: string[], emit: (e: RollbackEvent) => void): Promise<RollbackRecord> {
  Object.assign(record, { status: 'failed', error: why, details, finishedAt: new Date(ctx.clock.now()).toISOString() });
  await ctx.checkpoint();
  emit({ type: 'node-rollback-failed', node: ctx.node.name, toVersion: record.toVersion, reason: why, details });
  return record;
}

/**
 * The rollback's phases after the ones its notes say are done. Resuming, the phase that was running
 * may have done its work: a step with an already-done check (the reboot) asks it first; the others
 * repeat harmlessly (the install is answered from the agent's record).
 */
async function runPhases(ctx: StepContext, record: RollbackRecord, version: string, resuming: boolean, emit: (e: RollbackEvent) => void): Promise<RollbackRecord> {
  const node = ctx.node;
  const number = node.rollbacks!.indexOf(record) + 1;
  const view = rollbackView(ctx, number, version, record.facts!);
  const phases = record.trigger === 'manual' ? [DRAIN_FIRST, ...PHASES] : PHASES;
  const startedMs = Date.parse(record.startedAt);
  for (const [index, phase] of phases.entries()) {
    if (index < record.notes.length) continue;
    try {
      const already = resuming && index === record.notes.length ? await phase.alreadyDone?.(view) : undefined;
      const note = already !== undefined ? `already done: ${already}` : await phase.run(view, version);
      record.notes.push(`${phase.what}: ${note || 'done'}`);
    } catch (err) {
      if (err instanceof LockLostError) throw err;
      const why = err instanceof StepFailure ? err.reason : errorMessage(err);
      return failRollback(ctx, record, `${phase.what}: ${why}`, [...(err instanceof StepFailure ? err.details : []), `node ${node.name} stays cordoned`], emit);
    }
    await ctx.checkpoint();
  }

  record.status = 'completed';
  record.finishedAt = new Date(ctx.clock.now()).toISOString();
  restartNodeSteps(ctx);
  await ctx.checkpoint();
  emit({ type: 'node-rollback-completed', node: node.name, toVersion: record.toVersion, durationMs: ctx.clock.now() - startedMs });
  return record;
}

/** After a rollback the update of the node starts over: every step pending, the facts gone but the rollback point. */
function restartNodeSteps(ctx: StepContext): void {
  const point = ctx.node.facts.rollbackPoint;
  ctx.node.steps = newStepRecords(ctx.operation.profile);
  ctx.node.facts = { ...(point ? { rollbackPoint: point } : {}), rerunAfterRollback: (ctx.node.facts.rerunAfterRollback ?? 0) + 1 };
}
