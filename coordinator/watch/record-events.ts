import type { TimedEvent } from '../engine/events.js';
import { runbookFor } from '../plan/runbook.js';
import type { NodeRecord, OperationRecord, OperationStatus, StepRecord } from '../state/operation-record.js';

/**
 * The events `update` would have printed, derived from two successive reads of the operation record:
 * what `noderoll watch` shows, with any state backend, from any host that can read the record.
 *
 * The record holds transitions, not everything the engine says while it works: step progress
 * messages, command output, gate reports and warnings are not in it, so watch shows the steps
 * starting, completing or failing, the nodes, and the outcome (failed-units findings: `noderoll status`).
 * A step that went through several states between two reads yields each event in order.
 */

export const FINAL_STATUSES: readonly OperationStatus[] = ['completed', 'halted', 'interrupted', 'waiting-for-window', 'waiting-for-confirmation', 'abandoned'];

export function isFinal(status: OperationStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

const ms = (from?: string, to?: string): number => {
  const d = from && to ? Date.parse(to) - Date.parse(from) : 0;
  return Number.isFinite(d) ? Math.max(0, d) : 0;
};

/** `prev` undefined: the first read, whose whole progress so far is replayed. */
export function recordEvents(prev: OperationRecord | undefined, next: OperationRecord): TimedEvent[] {
  const events: TimedEvent[] = [];
  const fresh = prev === undefined || prev.id !== next.id;
  const restarted = !fresh && prev.status !== 'running' && next.status === 'running';
  if (fresh || restarted) {
    const progressed = next.nodes.some((n) => n.status !== 'pending' && n.status !== 'skipped');
    events.push({
      type: 'operation-started',
      time: next.updatedAt,
      operationId: next.id,
      targetVersion: next.targetVersion,
      nodes: next.nodes.map((n) => n.name),
      // From the record alone: a run that continues earlier progress.
      resumed: restarted || progressed,
    });
  }
  // Several nodes may be in flight (pools): their events interleave by time, each node's in its own order.
  const perNode = next.nodes.flatMap((node) => nodeEvents(fresh ? undefined : prev.nodes.find((n) => n.name === node.name), node, next));
  events.push(...perNode.map((e, i) => ({ e, i, t: Date.parse(e.time) })).sort((a, b) => (Number.isFinite(a.t) && Number.isFinite(b.t) ? a.t - b.t : 0) || a.i - b.i).map((x) => x.e));
  const w = next.waiting;
  if (w && next.status === 'running' && (fresh || prev.waiting?.node !== w.node || prev.waiting.reason !== w.reason)) {
    events.push({ type: 'node-waiting', time: next.updatedAt, node: w.node, rule: w.rule, reason: w.reason, recheckAt: w.recheckAt });
  }
  if (fresh || prev.status !== next.status) events.push(...outcomeEvents(next));
  return events;
}

function nodeEvents(before: NodeRecord | undefined, node: NodeRecord, record: OperationRecord): TimedEvent[] {
  const events: TimedEvent[] = [];
  if (node.status === 'pending' || node.status === 'skipped') return events;
  const wasStarted = before !== undefined && before.status !== 'pending' && before.startedAt === node.startedAt;
  if (!wasStarted) events.push({ type: 'node-started', time: node.startedAt ?? record.updatedAt, node: node.name, role: node.role, resumed: before !== undefined && before.status !== 'pending' });
  for (const [i, step] of node.steps.entries()) {
    events.push(...stepEvents(wasStarted ? before?.steps[i] : undefined, step, node, record));
  }
  if (node.status === 'completed' && before?.status !== 'completed') {
    events.push({ type: 'node-completed', time: node.finishedAt ?? record.updatedAt, node: node.name, durationMs: ms(node.startedAt, node.finishedAt) });
  }
  return events;
}

function stepEvents(before: StepRecord | undefined, step: StepRecord, node: NodeRecord, record: OperationRecord): TimedEvent[] {
  if (step.status === 'pending') return [];
  const events: TimedEvent[] = [];
  const base = { node: node.name, step: step.name };
  const newAttempt = before === undefined || before.status === 'pending' || step.attempts > before.attempts || step.startedAt !== before.startedAt;
  if (newAttempt) {
    const title = runbookFor(record.profile).find((s) => s.name === step.name)?.title ?? step.name;
    events.push({ type: 'step-started', time: step.startedAt ?? record.updatedAt, ...base, title, attempt: Math.max(1, step.attempts) });
  }
  const changed = newAttempt || before?.status !== step.status;
  if (!changed) return events;
  const time = step.finishedAt ?? record.updatedAt;
  const durationMs = ms(step.startedAt, step.finishedAt);
  if (step.status === 'completed') {
    // The engine records a step found already done only by its note.
    events.push({ type: 'step-completed', time, ...base, durationMs, ...(step.note ? { note: step.note } : {}), alreadyDone: step.note?.startsWith('already done: ') === true });
  } else if (step.status === 'failed') {
    events.push({ type: 'step-failed', time, ...base, durationMs, reason: step.error ?? 'failed', details: step.details ?? [] });
  }
  return events;
}

function outcomeEvents(record: OperationRecord): TimedEvent[] {
  const halt = record.halt;
  const time = halt?.at ?? record.finishedAt ?? record.updatedAt;
  const where = { ...(halt?.node ? { node: halt.node } : {}), ...(halt?.step ? { step: halt.step } : {}) };
  switch (record.status) {
    case 'halted':
      return [{ type: 'operation-halted', time, operationId: record.id, ...where, reason: halt?.reason ?? 'halted', details: halt?.details ?? [], resumeCommand: halt?.resumeCommand ?? 'noderoll resume' }];
    case 'interrupted':
      return [{ type: 'operation-interrupted', time, operationId: record.id, ...where, reason: halt?.reason ?? 'stopped on request', resumeCommand: halt?.resumeCommand ?? 'noderoll resume' }];
    case 'waiting-for-window':
      return [{ type: 'operation-waiting', time, operationId: record.id, node: halt?.node ?? '', reason: halt?.reason ?? 'waiting for a maintenance window', details: halt?.details ?? [], ...(halt?.resumeAt ? { resumeAt: halt.resumeAt } : {}), resumeCommand: halt?.resumeCommand ?? 'noderoll resume' }];
    case 'waiting-for-confirmation':
      return [{ type: 'operation-waiting-for-confirmation', time, operationId: record.id, scope: '', nodes: [], reason: halt?.reason ?? 'waiting for the canary to be confirmed', resumeCommand: halt?.resumeCommand ?? 'noderoll resume --confirm' }];
    case 'completed': {
      const durationMs = record.lastRun?.durationMs ?? ms(record.createdAt, record.finishedAt);
      const waitingMs = record.lastRun?.waitingMs ?? 0;
      return [{ type: 'operation-completed', time, operationId: record.id, durationMs, waitingMs, overheadMs: durationMs - waitingMs, nodes: record.nodes.filter((n) => n.status === 'completed').length }];
    }
    default:
      return [];
  }
}
