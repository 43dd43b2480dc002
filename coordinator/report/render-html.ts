import { nodeChangeLines } from '../state/node-change-lines.js';
import { rollbackLines } from '../recovery/rollback-text.js';
import { awaitsResume, describeProfile, haltTitle, type OperationRecord } from '../state/operation-record.js';
import { unitFindingLines } from '../state/unit-findings.js';
import { buildReportModel, durationText, GATE_STEPS, STEP_COLORS, stepResult, timeText, type NodeSpan, type ReportModel } from './report-model.js';

/** Text and attribute values: every recorded string goes through this. */
export function htmlEscape(value: string | number | undefined): string {
  if (value === undefined) return '';
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = htmlEscape;

const TICK_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400].map((s) => s * 1000);

const CHART = { width: 1120, label: 170, right: 20, top: 34, lane: 34, bar: 20 };

/** The timeline: one lane per node, one bar per step, x = time since the operation started. */
export function renderTimelineSvg(m: ReportModel): string {
  const span = Math.max(1000, m.endMs - m.startMs);
  const plotW = CHART.width - CHART.label - CHART.right;
  const height = CHART.top + m.nodes.length * CHART.lane + 26;
  const x = (t: number): number => CHART.label + ((t - m.startMs) / span) * plotW;
  const tick = TICK_STEPS_MS.find((s) => span / s <= 10) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1]!;
  const parts: string[] = [];
  parts.push(`<svg id="timeline" class="timeline" xmlns="http://www.w3.org/2000/svg" width="${CHART.width}" height="${height}" viewBox="0 0 ${CHART.width} ${height}" role="img" aria-label="timeline: one lane per node">`);
  parts.push(`<title>Timeline of operation ${e(m.record.id)}: one lane per node</title>`);
  for (let t = 0; t <= span; t += tick) {
    const px = x(m.startMs + t).toFixed(1);
    parts.push(`<line class="grid" x1="${px}" y1="${CHART.top - 6}" x2="${px}" y2="${height - 22}" stroke="#ddd"/>`);
    parts.push(`<text class="tick" x="${px}" y="${CHART.top - 12}" text-anchor="middle" font-size="11" fill="#555">+${e(durationText(t))}</text>`);
  }
  m.nodes.forEach((n, i) => {
    const y = CHART.top + i * CHART.lane;
    const mid = y + CHART.lane / 2;
    parts.push(`<g class="lane" data-node="${e(n.node.name)}">`);
    parts.push(`<rect class="lane-bg" x="${CHART.label}" y="${y + 2}" width="${plotW}" height="${CHART.lane - 4}" fill="${i % 2 ? '#fafafa' : '#f3f5f8'}"/>`);
    parts.push(`<text class="lane-label" x="${CHART.label - 8}" y="${mid + 4}" text-anchor="end" font-size="12" fill="#222">${e(n.node.name)} (${e(n.node.status)})</text>`);
    for (const s of n.steps) {
      if (s.startMs === undefined || s.endMs === undefined) continue;
      const x0 = x(s.startMs);
      const w = Math.max(1.5, x(s.endMs) - x0);
      const failed = s.step.status === 'failed';
      const fill = failed ? '#d62728' : s.step.status === 'interrupted' ? '#999' : STEP_COLORS[s.step.name];
      const label = `${n.node.name} · ${s.step.name}: ${stepResult(s)}, ${durationText(s.durationMs)} (${timeText(s.startMs)} → ${s.open ? 'open' : timeText(s.endMs)})${s.step.error ? ` — ${s.step.error}` : s.step.note ? ` — ${s.step.note}` : ''}`;
      parts.push(
        `<rect class="step step-${e(s.step.status)}" data-step="${e(s.step.name)}" x="${x0.toFixed(1)}" y="${mid - CHART.bar / 2}" width="${w.toFixed(1)}" height="${CHART.bar}" fill="${fill}"${failed ? ' stroke="#000" stroke-width="1"' : ''}><title>${e(label)}</title></rect>`,
      );
    }
    if (n.durationMs !== undefined && n.endMs !== undefined) {
      const xe = x(n.endMs);
      const anchor = xe > CHART.width - 80 ? 'end' : 'start';
      parts.push(`<text class="lane-duration" x="${(anchor === 'end' ? xe - 4 : xe + 4).toFixed(1)}" y="${mid - CHART.bar / 2 - 2}" text-anchor="${anchor}" font-size="10" fill="#444">${e(durationText(n.durationMs))}</text>`);
    }
    parts.push('</g>');
  });
  parts.push(`<text x="${CHART.label}" y="${height - 6}" font-size="11" fill="#555">time since ${e(timeText(m.startMs))}; hover a bar for the step</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

function legend(m: ReportModel): string {
  const items = m.totals.map((t) => t.name).map((s) => `<span class="key"><i style="background:${STEP_COLORS[s]}"></i>${e(s)}</span>`);
  items.push('<span class="key"><i style="background:#d62728"></i>failed</span>', '<span class="key"><i style="background:#999"></i>interrupted</span>');
  return `<div class="legend">${items.join(' ')}</div>`;
}

function code(v: string | undefined): string {
  return v ? `<code>${e(v)}</code>` : '—';
}

function nodeSection(n: NodeSpan): string {
  const { node } = n;
  const f = node.facts;
  const rows: string[] = [];
  const fact = (k: string, v: string): void => {
    rows.push(`<tr><th>${e(k)}</th><td>${v}</td></tr>`);
  };
  fact('role / agent', `${e(node.role)} / ${code(node.agent)}`);
  fact('started / finished', `${e(timeText(n.startMs)) || '—'} → ${e(node.finishedAt ? timeText(Date.parse(node.finishedAt)) : '') || '—'} (${e(durationText(n.durationMs)) || '—'})`);
  if (node.skipReason) fact('skipped', e(node.skipReason));
  for (const r of rollbackLines(node)) fact(r.label, e(r.text));
  fact('version before → after', `${code(f.versionBefore)} → ${code(f.versionAfter)}`);
  fact('boot ID before → after', `${code(f.bootIdBeforeReboot)} → ${code(f.bootIdAfterReboot)}`);
  if (f.planetUnit) fact('planet unit', code(f.planetUnit));
  for (const g of GATE_STEPS) {
    const s = n.steps.find((x) => x.step.name === g);
    if (!s || s.step.status === 'pending') continue;
    fact(g === 'verifyClusterHealthy' ? 'gates before the node' : 'gates after the node (soak)', `<span class="res-${e(s.step.status)}">${e(stepResult(s))}</span> ${e(s.step.error ?? s.step.note ?? '')}`);
  }
  const baseline = f.journalBaseline;
  fact(
    'journal baseline',
    baseline
      ? `${baseline.length} error signature${baseline.length === 1 ? '' : 's'} in the boot before the update${f.journalBaselineTruncated ? ' (scan truncated)' : ''}` +
          (baseline.length ? `<details><summary>signatures</summary><ul>${baseline.map((b) => `<li><code>${e(b)}</code></li>`).join('')}</ul></details>` : '')
      : 'not recorded',
  );
  for (const u of [...unitFindingLines(f), ...nodeChangeLines(f, { allPackages: true })]) fact(u.label, e(u.text));
  const post = n.steps.find((x) => x.step.name === 'verifyNodeHealthy');
  if (post && post.step.status !== 'pending') {
    const details = post.step.details?.length ? `<ul>${post.step.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>` : '';
    fact('journal after the reboot (post checks)', `${e(post.step.error ?? post.step.note ?? stepResult(post))}${details}`);
  }
  const steps = n.steps
    .map((s, i) => {
      const remark = [s.step.error, s.step.note].filter((x): x is string => !!x).map(e).join('<br>');
      const details = s.step.details?.length ? `<ul>${s.step.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>` : '';
      return `<tr class="step-${e(s.step.status)}"><td>${i + 1}</td><td><i class="sw" style="background:${STEP_COLORS[s.step.name]}"></i>${e(s.step.name)}</td><td>${e(timeText(s.startMs))}</td><td>${s.open ? '(open)' : e(timeText(s.endMs))}</td><td class="num">${e(durationText(s.durationMs))}</td><td class="res-${e(s.step.status)}">${e(stepResult(s))}</td><td class="num">${s.step.attempts}</td><td>${remark}${details}</td></tr>`;
    })
    .join('\n');
  return `<section class="node" id="node-${e(node.name)}">
<h2>Node ${e(node.name)} <span class="badge st-${e(node.status)}">${e(node.status)}</span></h2>
<table class="facts">${rows.join('')}</table>
<table class="steps"><thead><tr><th>#</th><th>step</th><th>start</th><th>end</th><th>duration</th><th>result</th><th>attempts</th><th>note</th></tr></thead>
<tbody>
${steps}
</tbody></table>
</section>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;margin:24px;max-width:1180px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px}
code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f2f2f2;padding:1px 4px;border-radius:3px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f6f6;font-weight:600;white-space:nowrap}.facts th{width:230px}.summary th{width:140px}.num{text-align:right;white-space:nowrap}
.steps td:nth-child(3),.steps td:nth-child(4){white-space:nowrap;font-variant-numeric:tabular-nums}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;background:#ddd;vertical-align:middle}
.st-completed{background:#c9ecc9}.st-failed,.st-halted{background:#f6c4c4}.st-in-progress,.st-running{background:#cfe3f7}.st-interrupted,.st-abandoned{background:#eee}
.res-failed{color:#b00;font-weight:600}.res-interrupted{color:#777}.res-completed{color:#176b17}
tr.step-pending td{color:#999}
.legend{font-size:12px;margin:6px 0 0}.key{display:inline-block;margin-right:12px;white-space:nowrap}
.key i,.sw{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px;border-radius:2px}
.halt{border-left:4px solid #d62728;background:#fff3f3;padding:8px 12px}
.chart{overflow-x:auto}
`;

export function renderHtmlFromModel(m: ReportModel): string {
  const r = m.record;
  const summary: string[] = [];
  const row = (k: string, v: string): void => {
    summary.push(`<tr><th>${e(k)}</th><td>${v}</td></tr>`);
  };
  row('target version', code(r.targetVersion));
  const profile = describeProfile(r);
  if (profile) row('profile', e(profile));
  row('status', `<span class="badge st-${e(r.status)}">${e(r.status)}</span>`);
  row('created / last update', `${e(r.createdAt)} / ${e(r.updatedAt)}`);
  if (r.finishedAt) row('finished', e(r.finishedAt));
  row('duration', e(durationText(m.endMs - m.startMs)));
  row('nodes', `${r.nodes.length} (${r.nodes.filter((n) => n.status === 'completed').length} completed)`);
  if (r.backup) row('backup', `${code(r.backup.artifact)} (${r.backup.sizeBytes} bytes, sha256 <code>${e(r.backup.sha256.slice(0, 16))}</code>…, ${e(r.backup.takenAt)}): ${e(r.backup.verification)}`);
  const halt = r.halt
    ? `<div class="halt"><strong>${haltTitle(r.halt.kind)}</strong> at ${e(r.halt.at)}${r.halt.node ? ` on node ${e(r.halt.node)}` : ''}${r.halt.step ? `, step ${e(r.halt.step)}` : ''}: ${e(r.halt.reason)}` +
      (r.halt.details.length ? `<ul>${r.halt.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>` : '') +
      (awaitsResume(r.status) ? `<div>Resume with: <code>${e(r.halt.resumeCommand)}</code></div>` : '') +
      '</div>'
    : '';
  const totalsMax = Math.max(1, ...m.totals.map((t) => t.totalMs));
  const totals = m.totals
    .filter((t) => t.count > 0)
    .map((t) => `<tr><td><i class="sw" style="background:${STEP_COLORS[t.name]}"></i>${e(t.name)}</td><td class="num">${e(durationText(t.totalMs))}</td><td class="num">${t.count}</td><td><svg width="300" height="10"><rect width="${((t.totalMs / totalsMax) * 300).toFixed(1)}" height="10" fill="${STEP_COLORS[t.name]}"/></svg></td></tr>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>noderoll operation ${e(r.id)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>noderoll operation <code>${e(r.id)}</code></h1>
<table class="summary">${summary.join('')}</table>
${halt}
<h2>Timeline</h2>
<div class="chart">
${renderTimelineSvg(m)}
</div>
${legend(m)}
<h2>Where the time went</h2>
<table class="totals"><thead><tr><th>step</th><th>total</th><th>nodes</th><th></th></tr></thead><tbody>
${totals}
</tbody></table>
${m.nodes.map(nodeSection).join('\n')}
<p style="color:#777;font-size:12px">Generated by noderoll report from the operation record (schema ${e(r.schemaVersion)}).</p>
</body>
</html>
`;
}

export function renderHtmlReport(record: OperationRecord): string {
  return renderHtmlFromModel(buildReportModel(record));
}
