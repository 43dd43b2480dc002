import { nodeChangeLines } from '../../state/node-change-lines.js';
import { formatDuration } from '../../../shared/validation/duration.js';
import { summarizeOperation, type OperationSummary } from '../../report/operation-summary.js';
import { timeText } from '../../report/report-model.js';
import { awaitsResume, describeProfile, haltTitle, StateFormatError, type NodeRecord, type OperationRecord, type StepRecord } from '../../state/operation-record.js';
import type { LockHolder, StateStore } from '../../state/state-store.js';
import { unitFindingLines } from '../../state/unit-findings.js';
import { type CommandContext, loadSettings, makeServices } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { silentLogger } from '../services.js';

function span(start?: string, end?: string, now = Date.now()): string {
  if (!start) return '';
  const ms = (end ? Date.parse(end) : now) - Date.parse(start);
  return Number.isFinite(ms) ? formatDuration(Math.max(0, ms)) : '';
}

const NODE_MARK: Record<NodeRecord['status'], string> = { pending: '·', 'in-progress': '▶', completed: '✓', failed: '✗', skipped: '-' };
const STEP_MARK: Record<StepRecord['status'], string> = { pending: '·', running: '▶', completed: '✓', failed: '✗', interrupted: '■' };

/** The step a node is at: the failed or running one, else the first not completed. */
export function currentStep(node: NodeRecord): StepRecord | undefined {
  return node.steps.find((s) => s.status === 'failed' || s.status === 'running' || s.status === 'interrupted') ?? node.steps.find((s) => s.status !== 'completed');
}

/** What status knows of the earlier operations (state.history): their summaries, or why they could not be read. */
export type EarlierOperations = { operations: OperationSummary[] } | { unreadable: string };

export async function readEarlierOperations(store: StateStore): Promise<EarlierOperations> {
  try {
    return { operations: (await store.history()).map(summarizeOperation) };
  } catch (err) {
    // A damaged history must not hide where the current operation stands.
    if (err instanceof StateFormatError) return { unreadable: err.message };
    throw err;
  }
}

function renderEarlier(earlier: EarlierOperations): string[] {
  if ('unreadable' in earlier) return ['', `Earlier operations: cannot be read: ${earlier.unreadable}`];
  if (earlier.operations.length === 0) return [];
  const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
  return [
    '',
    'Earlier operations, newest first (noderoll report OPERATION writes the report of one):',
    ...earlier.operations.map(
      (o) =>
        `  ${o.id}  → ${o.targetVersion.padEnd(10)} ${o.status.padEnd(11)} started ${timeText(ms(o.startedAt)) || o.startedAt}  ` +
        `finished ${timeText(ms(o.finishedAt)) || '—'.padEnd(20)}  ${o.nodesDone}/${o.nodesTotal} nodes done`,
    ),
  ];
}

export function renderStatus(record: OperationRecord, holder: LockHolder | undefined, now: number, earlier: EarlierOperations = { operations: [] }): string {
  const lines: string[] = [];
  const running = holder && holder.liveness !== 'dead';
  lines.push(`Operation ${record.id} → ${record.targetVersion}: ${record.status}`);
  const profile = describeProfile(record);
  if (profile) lines.push(`  ${profile}`);
  lines.push(`  started ${record.createdAt}, last update ${record.updatedAt}${record.finishedAt ? `, finished ${record.finishedAt}` : ''}`);
  if (running) {
    const renewed = holder.info.renewedAt ? `, lease last renewed ${holder.info.renewedAt}` : '';
    lines.push(`  coordinator: pid ${holder.info.pid} on ${holder.info.host} (${holder.info.command})${holder.liveness === 'unknown' ? ', on another host' : ''}${renewed}`);
  }
  else if (record.status === 'running') lines.push(`  coordinator: not running — the process that ran it is gone (crashed or killed); resume continues it`);
  if (record.waiting && record.status === 'running') {
    const w = record.waiting;
    lines.push(`  waiting since ${w.since} before node ${w.node} (${w.rule}): ${w.reason}; asking again at ${w.recheckAt}`);
  }
  if (record.backup) lines.push(`  backup: ${record.backup.artifact} (${record.backup.sizeBytes} bytes, ${record.backup.takenAt})`);
  lines.push('');
  for (const node of record.nodes) {
    const step = currentStep(node);
    const where =
      node.status === 'completed'
        ? 'updated'
        : node.status === 'skipped'
          ? `skipped: ${node.skipReason ?? ''}`
          : node.status === 'pending'
            ? 'pending'
            : `${node.status === 'failed' ? 'failed at' : 'at'} ${step?.name ?? '?'}${step?.error ? `: ${step.error}` : ''}`;
    lines.push(`  ${NODE_MARK[node.status]} ${node.name.padEnd(20)} ${node.role.padEnd(6)} ${span(node.startedAt, node.finishedAt, now).padStart(7)}  ${where}`);
    for (const f of [...unitFindingLines(node.facts), ...nodeChangeLines(node.facts, { allPackages: false })]) lines.push(`        ${f.label}: ${f.text}`);
    if (node.status === 'in-progress' || node.status === 'failed') {
      for (const s of node.steps) {
        if (s.status === 'pending') continue;
        lines.push(`        ${STEP_MARK[s.status]} ${s.name.padEnd(22)} ${span(s.startedAt, s.finishedAt ?? (s.status === 'running' ? undefined : s.startedAt), now).padStart(7)}  ${s.error ?? s.note ?? ''}`);
        if (s.name === 'installUpdate') {
          for (const a of node.facts.installAttempts ?? []) lines.push(`            install attempt ${a.attempt} (${a.agentOperationId}): ${a.outcome ?? 'outcome unknown'}${a.detail ? ` — ${a.detail}` : ''}`);
        }
      }
    }
  }
  if (record.halt) {
    lines.push('');
    lines.push(`${haltTitle(record.halt.kind)}${record.halt.node ? ` ${record.halt.kind === 'waiting' ? 'before' : 'at'} node ${record.halt.node}` : ''}${record.halt.step ? `, step ${record.halt.step}` : ''}: ${record.halt.reason}`);
    for (const d of record.halt.details) lines.push(`    ${d}`);
    if (record.halt.resumeAt && record.status === 'waiting-for-window') lines.push(`    the next window that fits opens at ${record.halt.resumeAt}`);
    if (awaitsResume(record.status)) lines.push('Resume with:', `    ${record.halt.resumeCommand}`);
  }
  lines.push(...renderEarlier(earlier));
  return lines.join('\n');
}

/**
 * `noderoll status`: the current or last operation, then the earlier ones the state keeps. Exit 0:
 * completed, running or none; 1: halted; 4: interrupted or crashed (of the current or last one).
 */
export async function statusCommand(ctx: CommandContext): Promise<number> {
  const config = await loadSettings(ctx);
  const services = makeServices(ctx, config, silentLogger);
  try {
    const [record, holder] = await Promise.all([services.store.load(), services.store.lockHolder()]);
    if (!record) {
      ctx.reporter.result('status', { operation: null, history: [], stateFile: services.store.location }, () => `No operation recorded in ${services.store.location}.`);
      return ExitCode.ok;
    }
    const earlier = await readEarlierOperations(services.store);
    const history = 'operations' in earlier ? { history: earlier.operations } : { history: null, historyError: earlier.unreadable };
    ctx.reporter.result('status', { operation: record, coordinator: holder ?? null, ...history, stateFile: services.store.location }, () => renderStatus(record, holder, ctx.env.clock.now(), earlier));
    if (record.status === 'halted') return ExitCode.halted;
    if (record.status === 'interrupted' || record.status === 'waiting-for-window' || record.status === 'waiting-for-confirmation') return ExitCode.interrupted;
    if (record.status === 'running' && (!holder || holder.liveness === 'dead')) return ExitCode.interrupted;
    return ExitCode.ok;
  } finally {
    services.close();
  }
}
