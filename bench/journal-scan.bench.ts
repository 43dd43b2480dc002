import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../shared/exec/command-runner.js';
import type { BenchContext, BenchResult, Benchmark } from './support/benchmark.js';
import { journalFixture, type JournalFixture } from './journal-fixture.js';
import { fmt, median, mib, ratio, table } from './support/stats.js';

/**
 * Journal scan: the agent's reader over a real journal made by systemd-journal-remote, versus
 * journalctl writing the same JSON to /dev/null, at two sizes (10× apart) so memory growth shows.
 */

const WORKER = join(fileURLToPath(new URL('.', import.meta.url)), 'journal-scan-worker.js');

interface Run {
  seconds: number;
  /** Peak RSS of the measured process (journalctl, or the worker running the agent's scan). */
  maxRssKib: number;
}

async function timed(ctx: BenchContext, args: string[], signal: AbortSignal): Promise<Run> {
  // GNU time reports the wall time and peak RSS of the command (exec'd by sh, so they are journalctl's).
  const out = join(ctx.tmpDir, 'time.out');
  await runCommand({ file: '/usr/bin/time', args: ['-f', '%e %M', '-o', out, ...args], timeoutMs: 300_000, signal, maxOutputBytes: 64 * 1024 });
  const [sec, kib] = (await readFile(out, 'utf8')).trim().split('\n').pop()!.split(' ');
  return { seconds: Number(sec), maxRssKib: Number(kib) };
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function journalctlToNull(ctx: BenchContext, f: JournalFixture, extra: string[], signal: AbortSignal): Promise<Run> {
  const cmd = ['exec', 'journalctl', '--no-pager', `--directory=${shQuote(f.dir)}`, '-o', 'json', ...extra, '>', '/dev/null'].join(' ');
  return timed(ctx, ['sh', '-c', cmd], signal);
}

interface WorkerOut {
  entriesRead: number;
  errorsMatched: number;
  parseErrors: number;
  durationMs: number;
  truncated: boolean;
  baseRssKib: number;
  maxRssKib: number;
}

async function agentScan(f: JournalFixture, mode: 'all' | 'err', signal: AbortSignal): Promise<Run & { out: WorkerOut }> {
  const r = await runCommand({ file: process.execPath, args: [WORKER, f.dir, mode], timeoutMs: 300_000, signal });
  const out = JSON.parse(r.stdout.trim()) as WorkerOut;
  const want = mode === 'all' ? f.entries : f.errors;
  if (out.entriesRead !== want || out.parseErrors !== 0 || out.truncated) {
    throw new Error(`agent scan of ${f.dir} (${mode}) read ${out.entriesRead} entries (${out.parseErrors} parse errors, truncated ${out.truncated}); expected ${want}`);
  }
  return { seconds: out.durationMs / 1000, maxRssKib: out.maxRssKib, out };
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
    for (const n of sizes) {
      const f = await journalFixture(ctx.cacheDir, n, ctx.log);
      const s = { jAll: [] as Run[], aAll: [] as Run[], jErr: [] as Run[], aErr: [] as Run[] };
      let base = 0;
      for (let i = 0; i < reps; i += 1) {
        ctx.log(`journal-scan: ${n} entries, round ${i + 1}/${reps}`);
        // Interleaved so that background noise hits each side alike.
        s.jAll.push(await journalctlToNull(ctx, f, [], signal));
        const a = await agentScan(f, 'all', signal);
        base = a.out.baseRssKib;
        s.aAll.push(a);
        s.jErr.push(await journalctlToNull(ctx, f, ['-p', 'err'], signal));
        s.aErr.push(await agentScan(f, 'err', signal));
      }
      const m = (runs: Run[]): number => median(runs.map((r) => r.seconds));
      const rss = (runs: Run[]): number => median(runs.map((r) => r.maxRssKib));
      const eps = (count: number, sec: number): string => (sec > 0 ? fmt(count / sec / 1000, 0) + 'k/s' : '≥ ' + fmt(count / 0.01 / 1000, 0) + 'k/s');
      rows.push([`${fmt(n, 0)} (${mib(f.bytes / 1024)} on disk)`, 'all entries', `${fmt(m(s.jAll), 2)} s (${eps(n, m(s.jAll))})`, `${fmt(m(s.aAll), 2)} s (${eps(n, m(s.aAll))})`, ratio(m(s.aAll), m(s.jAll))]);
      rows.push([`${fmt(n, 0)}`, `errors only (${fmt(f.errors, 0)} matches)`, `${fmt(m(s.jErr), 2)} s`, `${fmt(m(s.aErr), 2)} s`, ratio(m(s.aErr), m(s.jErr))]);
      memRows.push([fmt(n, 0), mib(rss(s.jAll)), mib(rss(s.aAll)), mib(base), mib(rss(s.jErr)), mib(rss(s.aErr))]);
      peaks[String(n)] = [rss(s.aAll), rss(s.jAll)];
    }
    const [small, large] = sizes.map((n) => peaks[String(n)]!);
    const growth = small && large ? `${ratio(large[0]!, small[0]!)} for the agent's scan, ${ratio(large[1]!, small[1]!)} for journalctl` : 'n/a';
    const markdown = [
      `Real journals made by \`systemd-journal-remote\` from a generated export stream (8 units, 2 boots, 1% errors at PRIORITY ≤ 3), cached under \`${ctx.cacheDir}\`. ` +
        `"Agent scan" is \`scanJournal()\` from agent/journal/journal-reader.ts (unchanged) in a worker process, pointed at the files by appending \`--directory\` through its command-runner seam; ` +
        `it spawns journalctl with the agent's own argv, parses every JSON line and applies the agent's filters. Baseline: \`journalctl --directory=… -o json [-p err] > /dev/null\`. ` +
        `Medians of ${reps} interleaved rounds; the ratio is agent time ÷ journalctl time.`,
      '',
      table(['journal entries', 'scan', 'journalctl > /dev/null', 'agent scan', 'agent ÷ journalctl'], rows),
      '',
      'Peak RSS (median of the runs): journalctl is measured by GNU time; the agent scan is the worker process (Node) — journalctl runs as its child on top of that.',
      '',
      table(['journal entries', 'journalctl -o json', 'agent scan (all)', 'worker at start', 'journalctl -p err', 'agent scan (err)'], memRows),
      '',
      `Peak memory growth for 10× the entries: ${growth}.`,
    ].join('\n');
    return { title: 'Journal scan', markdown };
  },
};
