import { formatDuration } from '../../../shared/validation/duration.js';
import type { NodeRecord, OperationRecord, StepRecord } from '../../state/operation-record.js';
import type { LockHolder } from '../../state/state-store.js';
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

export function renderStatus(record: OperationRecord, holder: LockHolder | undefined, now: number): string {
  const lines: string[] = [];
  const running = holder && holder.liveness !== 'dead';
  lines.push(`Operation ${record.id} → ${record.targetVersion}: ${record.status}`);
  lines.push(`  started ${record.createdAt}, last update ${record.updatedAt}${record.finishedAt ? `, finished ${record.finishedAt}` : ''}`);
  if (running) lines.push(`  coordinator: pid ${holder.info.pid} on ${holder.info.host} (${holder.info.command})${holder.liveness === 'unknown' ? ', on another host' : ''}`);
  else if (record.status === 'running') lines.push(`  coordinator: not running — the process that ran it is gone (crashed or killed); resume continues it`);
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
    for (const f of unitFindingLines(node.facts)) lines.push(`        ${f.label}: ${f.text}`);
    if (node.status === 'in-progress' || node.status === 'failed') {
      for (const s of node.steps) {
        if (s.status === 'pending') continue;
        lines.push(`        ${STEP_MARK[s.status]} ${s.name.padEnd(22)} ${span(s.startedAt, s.finishedAt ?? (s.status === 'running' ? undefined : s.startedAt), now).padStart(7)}  ${s.error ?? s.note ?? ''}`);
      }
    }
  }
  if (record.halt) {
    lines.push('');
    lines.push(`${record.halt.kind === 'failure' ? 'Halted' : 'Stopped'}${record.halt.node ? ` at node ${record.halt.node}` : ''}${record.halt.step ? `, step ${record.halt.step}` : ''}: ${record.halt.reason}`);
    for (const d of record.halt.details) lines.push(`    ${d}`);
    if (record.status === 'halted' || record.status === 'interrupted') lines.push('Resume with:', `    ${record.halt.resumeCommand}`);
  }
  return lines.join('\n');
}

/** `noderoll status`. Exit 0: completed, running or none; 1: halted; 4: interrupted or crashed. */
export async function statusCommand(ctx: CommandContext): Promise<number> {
  const config = await loadSettings(ctx);
  const services = makeServices(ctx, config, silentLogger);
  try {
    const [record, holder] = await Promise.all([services.store.load(), services.store.lockHolder()]);
    if (!record) {
      ctx.reporter.result('status', { operation: null, stateFile: services.store.location }, () => `No operation recorded in ${services.store.location}.`);
      return ExitCode.ok;
    }
    ctx.reporter.result('status', { operation: record, coordinator: holder ?? null, stateFile: services.store.location }, () => renderStatus(record, holder, ctx.env.clock.now()));
    if (record.status === 'halted') return ExitCode.halted;
    if (record.status === 'interrupted') return ExitCode.interrupted;
    if (record.status === 'running' && (!holder || holder.liveness === 'dead')) return ExitCode.interrupted;
    return ExitCode.ok;
  } finally {
    services.close();
  }
}
