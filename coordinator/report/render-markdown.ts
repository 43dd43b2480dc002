import { nodeChangeLines } from '../state/node-change-lines.js';
import { awaitsResume, describeProfile, haltTitle, type OperationRecord } from '../state/operation-record.js';
import { rollbackLines } from '../recovery/rollback-text.js';
import { unitFindingLines } from '../state/unit-findings.js';
import { buildReportModel, durationText, GATE_STEPS, stepResult, timeText, type NodeSpan, type ReportModel } from './report-model.js';

/** Markdown text: no raw HTML, no table breaks, no emphasis or links from recorded strings. */
export function mdEscape(value: string | number | undefined): string {
  if (value === undefined) return '';
  return String(value)
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]#|~])/g, '\\$1');
}

/** An identifier as code when it can be one, else escaped text. */
function mdCode(value: string | undefined): string {
  if (value === undefined || value === '') return '—';
  return /^[^`|\r\n<>&]+$/.test(value) ? `\`${value}\`` : mdEscape(value);
}

function bootIdLine(n: NodeSpan): string {
  return `${mdCode(n.node.facts.bootIdBeforeReboot)} → ${mdCode(n.node.facts.bootIdAfterReboot)}`;
}

function nodeSection(n: NodeSpan): string[] {
  const { node } = n;
  const f = node.facts;
  const out: string[] = [];
  out.push(`## Node ${mdEscape(node.name)} — ${mdEscape(node.status)}`, '');
  out.push(`- Role: ${mdEscape(node.role)}, agent: ${mdCode(node.agent)}`);
  out.push(`- Started: ${timeText(n.startMs) || '—'}, finished: ${timeText(n.node.finishedAt ? Date.parse(n.node.finishedAt) : undefined) || '—'}, duration: ${durationText(n.durationMs) || '—'}`);
  if (node.skipReason) out.push(`- Skipped: ${mdEscape(node.skipReason)}`);
  for (const r of rollbackLines(node)) out.push(`- ${mdEscape(r.label[0]!.toUpperCase() + r.label.slice(1))}: ${mdEscape(r.text)}`);
  out.push(`- Version: ${mdCode(f.versionBefore)} → ${mdCode(f.versionAfter)}`);
  out.push(`- Boot ID: ${bootIdLine(n)}`);
  if (f.planetUnit) out.push(`- Planet unit: ${mdCode(f.planetUnit)}`);
  for (const g of GATE_STEPS) {
    const s = n.steps.find((x) => x.step.name === g);
    if (!s || s.step.status === 'pending') continue;
    out.push(`- Gates (${g === 'verifyClusterHealthy' ? 'before the node' : 'soak after the node'}): ${mdEscape(stepResult(s))}${s.step.note ? ` — ${mdEscape(s.step.note)}` : ''}${s.step.error ? ` — ${mdEscape(s.step.error)}` : ''}`);
  }
  const baseline = f.journalBaseline;
  out.push(`- Journal baseline: ${baseline ? `${baseline.length} error signature${baseline.length === 1 ? '' : 's'} in the boot before the update${f.journalBaselineTruncated ? ' (scan truncated)' : ''}` : 'not recorded'}`);
  for (const u of [...unitFindingLines(f), ...nodeChangeLines(f, { allPackages: true })]) out.push(`- ${mdEscape(u.label[0]!.toUpperCase() + u.label.slice(1))}: ${mdEscape(u.text)}`);
  const post = n.steps.find((x) => x.step.name === 'verifyNodeHealthy');
  if (post && post.step.status !== 'pending') out.push(`- Journal after the reboot (post checks): ${mdEscape(post.step.error ?? post.step.note ?? stepResult(post))}`);
  for (const d of post?.step.details ?? []) out.push(`    - ${mdEscape(d)}`);
  if (baseline && baseline.length > 0) {
    out.push('', '<details><summary>Journal baseline signatures</summary>', '');
    for (const sig of baseline) out.push(`- ${mdEscape(sig)}`);
    out.push('', '</details>');
  }
  out.push('', '| # | step | start | end | duration | result | attempts | note |', '|---|---|---|---|---:|---|---:|---|');
  n.steps.forEach((s, i) => {
    const remark = [s.step.error, s.step.note, ...(s.step.details ?? [])].filter((x): x is string => !!x).map(mdEscape).join(' · ');
    out.push(`| ${i + 1} | ${mdEscape(s.step.name)} | ${timeText(s.startMs)} | ${s.open ? '(open)' : timeText(s.endMs)} | ${durationText(s.durationMs)} | ${mdEscape(stepResult(s))} | ${s.step.attempts} | ${remark} |`);
  });
  out.push('');
  return out;
}

export function renderMarkdownFromModel(m: ReportModel): string {
  const r = m.record;
  const out: string[] = [];
  out.push(`# noderoll operation ${mdEscape(r.id)}`, '');
  out.push(`- Target version: ${mdCode(r.targetVersion)}`);
  const profile = describeProfile(r);
  if (profile) out.push(`- Profile: ${mdEscape(profile)}`);
  out.push(`- Status: **${mdEscape(r.status)}**`);
  out.push(`- Created: ${mdEscape(r.createdAt)}, last update: ${mdEscape(r.updatedAt)}${r.finishedAt ? `, finished: ${mdEscape(r.finishedAt)}` : ''}`);
  out.push(`- Duration: ${durationText(m.endMs - m.startMs)}`);
  out.push(`- Nodes: ${r.nodes.length} (${r.nodes.filter((n) => n.status === 'completed').length} completed)`);
  if (m.mostOutOfService.count > 0) out.push(`- Most nodes out of service at once: ${m.mostOutOfService.count} (${m.mostOutOfService.nodes.map(mdEscape).join(', ')})`);
  if (r.backup) out.push(`- Backup: ${mdCode(r.backup.artifact)} (${r.backup.sizeBytes} bytes, sha256 ${mdCode(r.backup.sha256.slice(0, 16))}…, ${mdEscape(r.backup.takenAt)}): ${mdEscape(r.backup.verification)}`);
  if (r.halt) {
    out.push(`- ${haltTitle(r.halt.kind)} at ${mdEscape(r.halt.at)}${r.halt.node ? ` on node ${mdEscape(r.halt.node)}` : ''}${r.halt.step ? `, step ${mdEscape(r.halt.step)}` : ''}: ${mdEscape(r.halt.reason)}`);
    for (const d of r.halt.details) out.push(`    - ${mdEscape(d)}`);
    if (awaitsResume(r.status)) out.push(`- Resume with: ${mdCode(r.halt.resumeCommand)}`);
  }
  out.push('', '## Timeline', '', '| node | status | start | end | duration | offset from start |', '|---|---|---|---|---:|---:|');
  for (const n of m.nodes) {
    out.push(`| ${mdEscape(n.node.name)} | ${mdEscape(n.node.status)} | ${timeText(n.startMs)} | ${timeText(n.endMs)} | ${durationText(n.durationMs)} | ${n.startMs !== undefined ? `+${durationText(n.startMs - m.startMs)}` : ''} |`);
  }
  out.push('', '## Where the time went', '', '| step | total | nodes |', '|---|---:|---:|');
  for (const t of m.totals) if (t.count > 0) out.push(`| ${mdEscape(t.name)} | ${durationText(t.totalMs)} | ${t.count} |`);
  out.push('');
  for (const n of m.nodes) out.push(...nodeSection(n));
  return out.join('\n');
}

export function renderMarkdownReport(record: OperationRecord): string {
  return renderMarkdownFromModel(buildReportModel(record));
}
