import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderHtmlReport } from '../../report/render-html.js';
import { renderMarkdownReport } from '../../report/render-markdown.js';
import { type CommandContext, CommandExit, loadSettings, makeServices } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { flagString, UsageError } from '../../../shared/cli/flag-parser.js';
import { silentLogger } from '../services.js';
import type { OperationRecord } from '../../state/operation-record.js';
import type { StateStore } from '../../state/state-store.js';

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, path);
}

/** The operation asked for: the current/last one, or an earlier one the state keeps (state.history). */
async function chooseOperation(store: StateStore, wanted: string | undefined, historyLimit: number): Promise<OperationRecord> {
  const record = await store.load();
  if (!record) throw new CommandExit(ExitCode.conflict, `nothing to report: no operation is recorded in ${store.location}`);
  if (wanted === undefined || wanted === record.id) return record;
  const earlier = await store.history();
  const found = earlier.find((r) => r.id === wanted);
  if (found) return found;
  const kept = earlier.length > 0 ? `and the earlier operations ${earlier.map((r) => r.id).join(', ')}` : 'and no earlier operation';
  throw new CommandExit(ExitCode.conflict, `operation ${wanted} is not in ${store.location}: it holds operation ${record.id} ${kept} (state.history keeps the last ${historyLimit})`, 'OPERATION');
}

/**
 * `noderoll report [OPERATION] [--out DIR]`: writes the record of the current/last operation, or of
 * the earlier one OPERATION names, as `<DIR>/<operation>.md` and `<DIR>/<operation>.html` and prints
 * their paths. Reads the state only; takes no lock.
 */
export async function reportCommand(ctx: CommandContext): Promise<number> {
  const wanted = flagString(ctx.flags, 'operation');
  const outDir = resolve(flagString(ctx.flags, 'out') ?? '.');
  const config = await loadSettings(ctx);
  const services = makeServices(ctx, config, silentLogger);
  try {
    const record = await chooseOperation(services.store, wanted, config.state.history);
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
