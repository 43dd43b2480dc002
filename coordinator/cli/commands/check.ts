import { runGates } from '../../gates/run-gates.js';
import type { GateReport } from '../../gates/gate.js';
import { type CommandContext, loadSettings, makeServices, openLog } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';

/** A problem as lines: the first as is, the rest (command stderr) indented and capped. */
function problemLines(problem: string, indent: string): string[] {
  const [first = '', ...rest] = problem.split('\n').filter((l) => l.trim() !== '');
  const shown = rest.slice(-5).map((l) => `${indent}  ${l}`);
  return [`${indent}${first}`, ...(rest.length > 5 ? [`${indent}  …`] : []), ...shown];
}

export function renderGateReport(report: GateReport): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.passed) {
      lines.push(`✓ ${r.gate.padEnd(7)} ${r.summary}`);
    } else {
      lines.push(`✗ ${r.gate.padEnd(7)} ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}:`);
      for (const p of r.problems) lines.push(...problemLines(p, '      '));
      const evidence = r.evidence?.split('\n').filter((l) => l.trim() !== '') ?? [];
      if (evidence.length > 1) lines.push(...evidence.slice(0, 15).map((l) => `      | ${l}`));
    }
    for (const w of r.warnings) lines.push(`      warning: ${w}`);
  }
  lines.push(report.passed ? 'All gates pass.' : `${report.results.filter((r) => !r.passed).length} gate(s) fail.`);
  return lines.join('\n');
}

/** `noderoll check`: every gate once. */
export async function checkCommand(ctx: CommandContext): Promise<number> {
  const config = await loadSettings(ctx);
  const log = openLog(ctx, config);
  const services = makeServices(ctx, config, log);
  try {
    const report = await runGates(services.gates, ctx.env.clock);
    log.info({ passed: report.passed, results: report.results }, 'check');
    ctx.reporter.result('check', { passed: report.passed, results: report.results }, () => renderGateReport(report));
    return report.passed ? ExitCode.ok : ExitCode.notHealthy;
  } finally {
    services.close();
  }
}
