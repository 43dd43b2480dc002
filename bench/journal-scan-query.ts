import { journalctlArgs, type JournalQuery } from '../agent/journal/journal-query.js';

/**
 * The scans the journal benchmark measures: every entry of every boot, or the errors only
 * (PRIORITY ≤ 3). The agent's scan and the journalctl baseline both take their argv from here.
 */

export type ScanMode = 'all' | 'err';

export function isScanMode(s: string | undefined): s is ScanMode {
  return s === 'all' || s === 'err';
}

export function benchScanQuery(mode: ScanMode): JournalQuery {
  return {
    boot: { kind: 'all' },
    sinceUnixMs: 0,
    afterCursor: '',
    maxPriority: mode === 'err' ? 3 : undefined,
    units: [],
    include: [],
    exclude: [],
    maxEntries: 100_000_000,
    timeoutMs: 300_000,
    newest: false,
  };
}

/** journalctl's argv for the agent's scan of a journal directory: what the agent runs, plus --directory. */
export function benchJournalctlArgv(mode: ScanMode, dir: string): string[] {
  return ['journalctl', ...journalctlArgs(benchScanQuery(mode)), `--directory=${dir}`];
}
