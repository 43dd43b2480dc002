import { formatDuration } from '../../shared/validation/duration.js';
import { ALL_STEP_NAMES, runbookStep, type StepName } from '../plan/runbook.js';
import type { NodeRecord, OperationRecord, StepRecord } from '../state/operation-record.js';

/**
 * What both report renderers show, computed once from an operation record: per node and step the
 * start, end and duration (ms since the epoch), and the time span the timeline covers.
 */

export interface StepSpan {
  step: StepRecord;
  title: string;
  startMs?: number;
  endMs?: number;
  durationMs?: number;
  /** The step had not finished when the record was last written. */
  open: boolean;
}

export interface NodeSpan {
  node: NodeRecord;
  startMs?: number;
  endMs?: number;
  durationMs?: number;
  steps: StepSpan[];
}

export interface StepTotal {
  name: StepName;
  totalMs: number;
  count: number;
}

export interface ReportModel {
  record: OperationRecord;
  startMs: number;
  endMs: number;
  nodes: NodeSpan[];
  /** Time per runbook step summed over the nodes: where the time went. */
  totals: StepTotal[];
  /** The most nodes out of service (from the drain to the uncordon) at one time, and the first such set. */
  mostOutOfService: { count: number; nodes: string[] };
}

function ms(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

export function buildReportModel(record: OperationRecord): ReportModel {
  const lastWritten = ms(record.finishedAt) ?? ms(record.updatedAt);
  const nodes: NodeSpan[] = record.nodes.map((node) => {
    const steps = node.steps.map((step): StepSpan => {
      const startMs = ms(step.startedAt);
      let endMs = ms(step.finishedAt);
      const open = startMs !== undefined && endMs === undefined;
      if (open) endMs = lastWritten !== undefined && startMs !== undefined ? Math.max(startMs, lastWritten) : startMs;
      const durationMs = startMs !== undefined && endMs !== undefined ? Math.max(0, endMs - startMs) : undefined;
      return { step, title: stepTitle(step.name), open, ...(startMs !== undefined ? { startMs } : {}), ...(endMs !== undefined ? { endMs } : {}), ...(durationMs !== undefined ? { durationMs } : {}) };
    });
    const starts = steps.map((s) => s.startMs).filter((t): t is number => t !== undefined);
    const ends = steps.map((s) => s.endMs).filter((t): t is number => t !== undefined);
    const startMs = ms(node.startedAt) ?? (starts.length ? Math.min(...starts) : undefined);
    const endMs = ms(node.finishedAt) ?? (ends.length ? Math.max(...ends) : undefined);
    const durationMs = startMs !== undefined && endMs !== undefined ? Math.max(0, endMs - startMs) : undefined;
    return { node, steps, ...(startMs !== undefined ? { startMs } : {}), ...(endMs !== undefined ? { endMs } : {}), ...(durationMs !== undefined ? { durationMs } : {}) };
  });
  const allStarts = nodes.flatMap((n) => (n.startMs !== undefined ? [n.startMs] : []));
  const allEnds = nodes.flatMap((n) => (n.endMs !== undefined ? [n.endMs] : []));
  const created = ms(record.createdAt);
  const startMs = Math.min(...allStarts, ...(created !== undefined ? [created] : []), Number.POSITIVE_INFINITY);
  const safeStart = Number.isFinite(startMs) ? startMs : 0;
  const endMs = Math.max(safeStart, ...allEnds, ...(lastWritten !== undefined ? [lastWritten] : []));
  // The steps of the record's runbook (its profile's), in the catalogue's order.
  const totals = ALL_STEP_NAMES.filter((name) => nodes.some((n) => n.steps.some((s) => s.step.name === name))).map((name): StepTotal => {
    let totalMs = 0;
    let count = 0;
    for (const n of nodes) {
      for (const s of n.steps) {
        if (s.step.name === name && s.durationMs !== undefined) {
          totalMs += s.durationMs;
          count++;
        }
      }
    }
    return { name, totalMs, count };
  });
  return { record, startMs: safeStart, endMs, nodes, totals, mostOutOfService: mostOutOfService(nodes) };
}

/** Out of service from the start of its drain to the end of its uncordon (or the last record of it). */
function mostOutOfService(nodes: readonly NodeSpan[]): { count: number; nodes: string[] } {
  const spans = nodes.flatMap((n) => {
    const drain = n.steps.find((s) => s.step.name === 'drainNode');
    const uncordon = n.steps.find((s) => s.step.name === 'uncordonNode');
    const from = drain?.startMs;
    const to = uncordon?.endMs ?? n.endMs;
    return from !== undefined && to !== undefined ? [{ node: n.node.name, from, to }] : [];
  });
  let best = { count: 0, nodes: [] as string[] };
  for (const { from } of spans) {
    const out = spans.filter((o) => o.from <= from && from < o.to).map((o) => o.node);
    if (out.length > best.count) best = { count: out.length, nodes: out };
  }
  return best;
}

function stepTitle(name: StepName): string {
  try {
    return runbookStep(name).title;
  } catch {
    return name;
  }
}

export function durationText(msValue: number | undefined): string {
  return msValue === undefined ? '' : formatDuration(msValue);
}

/** "2026-11-27 03:12:05Z" (seconds precision, UTC). */
export function timeText(msValue: number | undefined): string {
  if (msValue === undefined) return '';
  return new Date(msValue).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** What a step ended as, for humans. */
export function stepResult(s: StepSpan): string {
  const st = s.step.status;
  if (st === 'completed') return s.step.note?.startsWith('already done') ? 'ok (already done)' : s.step.note?.startsWith('skipped: ') ? 'skipped' : 'ok';
  if (st === 'running') return 'running';
  return st;
}

/** The step notes that hold gate results: the gates before the node and the soak after it. */
export const GATE_STEPS: readonly StepName[] = ['verifyClusterHealthy', 'soakClusterHealth'];

/** Stable colour per runbook step, for the timeline and its legend. */
export const STEP_COLORS: Record<StepName, string> = {
  verifyClusterHealthy: '#7fb77e',
  takeBackup: '#8c6bb1',
  recordJournalBaseline: '#b3a369',
  recordFailedUnitsBaseline: '#d6c27a',
  drainNode: '#f2a65a',
  findPlanetUnit: '#9ecae1',
  stopPlanetUnit: '#6baed6',
  installUpdate: '#3182bd',
  enableGravityUnits: '#c6dbef',
  rebootNode: '#e6550d',
  waitForReboot: '#fd8d3c',
  verifyNodeHealthy: '#31a354',
  uncordonNode: '#f7c873',
  soakClusterHealth: '#a1d99b',
  stopUnits: '#6baed6',
  reenableUnits: '#c6dbef',
  decideReboot: '#756bb1',
};
