import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderHtmlReport } from '../../report/render-html.js';
import { renderMarkdownReport } from '../../report/render-markdown.js';
import { type CommandContext, CommandExit, loadSettings, makeServices } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { flagString, UsageError } from '../../../shared/cli/flag-parser.js';
import { silentLogger } from '../services.js';

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, path);
}

/**
 * `noderoll report [OPERATION] [--out DIR]`: writes the record of the current/last operation as
 * `<DIR>/<operation>.md` and `<DIR>/<operation>.html` and prints their paths. The state file keeps
 * one operation, so OPERATION, when given, must be that one. Reads the state only; takes no lock.
 */
export async function reportCommand(ctx: CommandContext): Promise<number> {
  const wanted = flagString(ctx.flags, 'operation');
  const outDir = resolve(flagString(ctx.flags, 'out') ?? '.');
  const config = await loadSettings(ctx);
  const services = makeServices(ctx, config, silentLogger);
  try {
    const record = await services.store.load();
    if (!record) throw new CommandExit(ExitCode.conflict, `nothing to report: no operation is recorded in ${services.store.location}`);
    if (wanted !== undefined && wanted !== record.id) {
      throw new CommandExit(ExitCode.conflict, `operation ${wanted} is not in ${services.store.location}: it holds operation ${record.id} (the state keeps only the current or last operation)`, 'OPERATION');
    }
    const markdown = join(outDir, `${record.id}.md`);
    const html = join(outDir, `${record.id}.html`);
    try {
      await mkdir(outDir, { recursive: true });
      await writeAtomically(markdown, renderMarkdownReport(record));
      await writeAtomically(html, renderHtmlReport(record));
    } catch (err) {
      throw new UsageError('--out', `cannot write the report to ${outDir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    ctx.reporter.result('report', { operationId: record.id, status: record.status, markdown, html }, () => `Report of operation ${record.id} (${record.status}):\n  ${markdown}\n  ${html}`);
    return ExitCode.ok;
  } finally {
    services.close();
  }
}
