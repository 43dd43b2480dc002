import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../shared/exec/command-runner.js';
import type { BenchContext, BenchResult, Benchmark } from './support/benchmark.js';
import { readGnuTime, toFile, underGnuTime } from './support/gnu-time.js';
import { journalFixture, type JournalFixture } from './journal-fixture.js';
import { benchJournalctlArgv, type ScanMode } from './journal-scan-query.js';
import { fmt, median, mib, ratio, table } from './support/stats.js';

/**
 * Journal scan: the agent's reader over a real journal made by systemd-journal-remote, versus
 * journalctl run with the agent's own argv writing to /dev/null, at two sizes (10× apart) so
 * memory growth shows. Both sides are timed the same way: wall time of the whole process, from
 * spawn to exit, measured from outside.
 */

const WORKER = join(fileURLToPath(new URL('.', import.meta.url)), 'journal-scan-worker.js');

interface Run {
  /** Spawn to exit of the whole process, measured by this process. */
  seconds: number;
  /** Peak RSS: journalctl's; for the agent the worker's plus that of the journalctl it spawned. */
  peakKib: number;
}

/** Runs argv with stdout to a file under GNU time (for the peak RSS); the wall time is taken out here. */
async function timed(ctx: BenchContext, argv: string[], stdoutFile: string, signal: AbortSignal): Promise<{ seconds: number; peakKib: number }> {
  const timeFile = join(ctx.tmpDir, 'time.out');
  const [file, ...args] = underGnuTime('%M', timeFile, toFile(stdoutFile, argv));
  const r = await runCommand({ file: file!, args, timeoutMs: 300_000, signal, maxOutputBytes: 64 * 1024 });
  return { seconds: r.durationMs / 1000, peakKib: (await readGnuTime(timeFile))[0]! };
}

async function journalctlToNull(ctx: BenchContext, argv: string[], signal: AbortSignal): Promise<Run> {
  return timed(ctx, argv, '/dev/null', signal);
}

interface WorkerOut {
  entriesRead: number;
  parseErrors: number;
  scanMs: number;
  truncated: boolean;
  command: string;
  baseRssKib: number;
  workerPeakKib: number;
  childPeakKib: number;
}

async function agentScan(ctx: BenchContext, f: JournalFixture, mode: ScanMode, signal: AbortSignal): Promise<Run & { out: WorkerOut }> {
  const outFile = join(ctx.tmpDir, 'worker.json');
  const t = await timed(ctx, [process.execPath, WORKER, f.dir, mode, join(ctx.tmpDir, 'child-peak.out')], outFile, signal);
  const out = JSON.parse((await readFile(outFile, 'utf8')).trim()) as WorkerOut;
  const want = mode === 'all' ? f.entries : f.errors;
  if (out.entriesRead !== want || out.parseErrors !== 0 || out.truncated) {
    throw new Error(`agent scan of ${f.dir} (${mode}) read ${out.entriesRead} entries (${out.parseErrors} parse errors, truncated ${out.truncated}); expected ${want}`);
  }
  return { seconds: t.seconds, peakKib: out.workerPeakKib + out.childPeakKib, out };
}

export const journalScanBenchmark: Benchmark = {
  name: 'journal-scan',
  budgetMs: 15 * 60_000,
  async run(ctx, signal): Promise<BenchResult> {
    const sizes = ctx.quick ? [10_000, 100_000] : [100_000, 1_000_000];
    const reps = ctx.quick ? 2 : 3;
    const rows: string[][] = [];
    const memRows: string[][] = [];
    const peaks: Record<string, number[]> = {};
    let argvAll = '';
    let argvErr = '';
    for (const n of sizes) {
      const f = await journalFixture(ctx.cacheDir, n, ctx.log);
      const s = { jAll: [] as Run[], aAll: [] as (Run & { out: WorkerOut })[], jErr: [] as Run[], aErr: [] as (Run & { out: WorkerOut })[], jFull: [] as Run[] };
      // Every field, as the agent asked before --output-fields: what journalctl alone saves by printing fewer.
      const fullArgv = benchJournalctlArgv('all', f.dir).filter((a) => !a.startsWith('--output-fields='));
      for (let i = 0; i < reps; i += 1) {
        ctx.log(`journal-scan: ${n} entries, round ${i + 1}/${reps}`);
        // Interleaved so that background noise hits each side alike.
        s.jAll.push(await journalctlToNull(ctx, benchJournalctlArgv('all', f.dir), signal));
        s.aAll.push(await agentScan(ctx, f, 'all', signal));
        s.jErr.push(await journalctlToNull(ctx, benchJournalctlArgv('err', f.dir), signal));
        s.aErr.push(await agentScan(ctx, f, 'err', signal));
        s.jFull.push(await journalctlToNull(ctx, fullArgv, signal));
      }
      argvAll = s.aAll[0]!.out.command;
      argvErr = s.aErr[0]!.out.command;
      const m = (runs: Run[]): number => median(runs.map((r) => r.seconds));
      const inProcess = (runs: { out: WorkerOut }[]): number => median(runs.map((r) => r.out.scanMs / 1000));
      const peak = (runs: Run[]): number => median(runs.map((r) => r.peakKib));
      const part = (runs: { out: WorkerOut }[], k: 'workerPeakKib' | 'childPeakKib' | 'baseRssKib'): number => median(runs.map((r) => r.out[k]));
      const eps = (count: number, sec: number): string => (sec > 0 ? fmt(count / sec / 1000, 0) + 'k/s' : 'n/a');
      rows.push([
        `${fmt(n, 0)} (${mib(f.bytes / 1024)} on disk)`,
        'all entries',
        `${fmt(m(s.jFull), 2)} s`,
        `${fmt(m(s.jAll), 2)} s (${eps(n, m(s.jAll))})`,
        `${fmt(m(s.aAll), 2)} s (${eps(n, m(s.aAll))})`,
        `${fmt(inProcess(s.aAll), 2)} s`,
        ratio(m(s.aAll), m(s.jAll)),
        ratio(inProcess(s.aAll), m(s.jAll)),
      ]);
      rows.push([`${fmt(n, 0)}`, `errors only (${fmt(f.errors, 0)} matches)`, '', `${fmt(m(s.jErr), 2)} s`, `${fmt(m(s.aErr), 2)} s`, `${fmt(inProcess(s.aErr), 2)} s`, ratio(m(s.aErr), m(s.jErr)), ratio(inProcess(s.aErr), m(s.jErr))]);
      memRows.push([
        fmt(n, 0),
        mib(peak(s.jAll)),
        `${mib(peak(s.aAll))} (${mib(part(s.aAll, 'workerPeakKib'))} + ${mib(part(s.aAll, 'childPeakKib'))})`,
        mib(part(s.aAll, 'baseRssKib')),
        mib(peak(s.jErr)),
        `${mib(peak(s.aErr))} (${mib(part(s.aErr, 'workerPeakKib'))} + ${mib(part(s.aErr, 'childPeakKib'))})`,
      ]);
      peaks[String(n)] = [peak(s.aAll), peak(s.jAll), part(s.aAll, 'workerPeakKib')];
    }
    const [small, large] = sizes.map((n) => peaks[String(n)]!);
    const growth =
      small && large
        ? `${ratio(large[0]!, small[0]!)} for the agent's scan with its journalctl (${ratio(large[2]!, small[2]!)} for the worker alone), ${ratio(large[1]!, small[1]!)} for journalctl`
        : 'n/a';
    const markdown = [
      `Real journals made by \`systemd-journal-remote\` from a generated export stream (8 units, 2 boots, 1% errors at PRIORITY ≤ 3; 12 fields an entry), cached under \`${ctx.cacheDir}\`. ` +
        `"Agent scan" is \`scanJournal()\` from agent/journal/journal-reader.ts (unchanged) in a worker process (bench/journal-scan-worker.ts), pointed at the files by appending \`--directory\` through its command-runner seam; ` +
        `it spawns journalctl with the agent's own argv, parses every JSON line and applies the agent's filters. ` +
        `Baseline: journalctl with exactly that argv (the same selection and output fields) writing to /dev/null, so the ratio is the agent's own cost of reading and parsing what journalctl prints: ` +
        `\`${argvAll} --directory=…\`, and for errors only \`${argvErr} --directory=…\`. ` +
        `The column "every field" is the same scan without \`--output-fields\` (the argv the agent used before), for what printing fewer fields saves journalctl itself.`,
      '',
      `Time: both sides are timed the same way — the wall time of the whole process from spawn to exit, measured from outside (\`sh -c 'exec … > file'\` under GNU time, started by the benchmark), so the agent's side includes starting Node.js and loading its modules; ` +
        `"in the scan" is the agent's own \`durationMs\` (spawn of journalctl to its end), for how much of the difference is Node's start. Medians of ${reps} interleaved rounds. ` +
        `"process ÷ journalctl" is agent process wall time ÷ journalctl wall time; "scan ÷ journalctl" is the time in the scan ÷ the same journalctl wall time. ` +
        `The agent is a long-running daemon: a real scan never pays Node's start (about 0.2 s), so the goal (agent ≤ 1.1× journalctl, issue #16) is stated on "scan ÷ journalctl" for the 1,000,000-entry rows; ` +
        `the process ratio is kept, as both sides timed alike, and is dominated by Node's start where journalctl takes well under a second (100,000 entries, errors only). ` +
        `On 2 cores journalctl and the agent run side by side, so the scan takes about journalctl's time as long as the agent parses faster than journalctl prints; ` +
        `journalctl writing to the agent's socket instead of /dev/null, and the agent's wake-ups, are the rest.`,
      '',
      table(['journal entries', 'scan', 'journalctl, every field', 'journalctl > /dev/null', 'agent scan (process)', 'in the scan', 'process ÷ journalctl', 'scan ÷ journalctl'], rows),
      '',
      `Peak RSS (medians): journalctl's by GNU time. The agent's is the worker's own peak (RUSAGE_SELF, \`process.resourceUsage().maxRSS\`) plus the peak of the journalctl it spawns, measured by GNU time wrapped around that journalctl through the reader's command-runner seam. ` +
        `(GNU time around the worker alone would not do: Linux reports a process and its waited-for children as the larger of their peaks, not their sum.) ` +
        `The sum of the two peaks is an upper bound of their peak together, which may come at different moments. journalctl's RSS includes the journal files it maps (page cache, shared).`,
      '',
      table(['journal entries', 'journalctl (all)', 'agent scan (all): worker + journalctl', 'worker at start', 'journalctl -p err', 'agent scan (err): worker + journalctl'], memRows),
      '',
      `Peak memory growth for 10× the entries: ${growth}.`,
    ].join('\n');
    return { title: 'Journal scan', markdown };
  },
};
