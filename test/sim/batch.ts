import { Worker } from 'node:worker_threads';
import { runSchedule } from './run-schedule.js';
import { emptyStats, type PlantedBug, type RunStats } from './sim-world.js';

/** What a batch of seeds did, summed over its runs (and over the worker threads that shared it). */
export interface BatchSummary {
  runs: number;
  outcomes: Record<string, number>;
  failures: { seed: number; violation: string }[];
  /** Runs in which each kind of fault or event happened at least once. */
  runsWith: RunStats;
  /** Runs with more than one node out of service at once (pools). */
  concurrentRuns: number;
}

export function emptySummary(): BatchSummary {
  return { runs: 0, outcomes: {}, failures: [], runsWith: emptyStats(), concurrentRuns: 0 };
}

/** Runs the seeds one after the other in this thread; fails once the wall clock passes deadlineAt. */
export async function runSeeds(seeds: readonly number[], bug: PlantedBug, deadlineAt = Number.POSITIVE_INFINITY): Promise<BatchSummary> {
  const s = emptySummary();
  for (const seed of seeds) {
    if (Date.now() > deadlineAt) throw new Error(`the simulation batch passed its deadline after ${s.runs} of ${seeds.length} seeds`);
    const r = await runSchedule(seed, { bug });
    s.runs++;
    s.outcomes[r.outcome] = (s.outcomes[r.outcome] ?? 0) + 1;
    if (r.violation !== undefined) s.failures.push({ seed, violation: r.violation });
    if (r.maxOutOfService > 1) s.concurrentRuns++;
    for (const key of Object.keys(s.runsWith) as (keyof RunStats)[]) if (r.stats[key] > 0) s.runsWith[key]++;
  }
  return s;
}

function merge(summaries: readonly BatchSummary[]): BatchSummary {
  const all = emptySummary();
  for (const s of summaries) {
    all.runs += s.runs;
    all.concurrentRuns += s.concurrentRuns;
    all.failures.push(...s.failures);
    for (const [k, v] of Object.entries(s.outcomes)) all.outcomes[k] = (all.outcomes[k] ?? 0) + v;
    for (const key of Object.keys(all.runsWith) as (keyof RunStats)[]) all.runsWith[key] += s.runsWith[key];
  }
  all.failures.sort((a, b) => a.seed - b.seed);
  return all;
}

/**
 * Runs the seeds on `jobs` worker threads (in this thread when jobs is 1), each taking every jobs-th
 * seed, so that slow and fast seeds spread evenly. Past `deadlineMs` the workers are terminated and the
 * batch fails.
 */
export async function runBatch(seeds: readonly number[], options: { jobs: number; bug?: PlantedBug; deadlineMs: number }): Promise<BatchSummary> {
  const bug = options.bug ?? 'none';
  const jobs = Math.max(1, Math.min(options.jobs, seeds.length));
  if (jobs === 1) return runSeeds(seeds, bug, Date.now() + options.deadlineMs);
  const workers: Worker[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the simulation batch (${seeds.length} seeds on ${jobs} threads) did not finish within ${options.deadlineMs} ms`)), options.deadlineMs);
  });
  const shares = Array.from({ length: jobs }, (_, k) => {
    const mine = seeds.filter((_, i) => i % jobs === k);
    return new Promise<BatchSummary>((resolve, reject) => {
      const worker = new Worker(new URL('./batch-worker.js', import.meta.url), { workerData: { seeds: mine, bug } });
      workers.push(worker);
      worker.once('message', (s: BatchSummary) => resolve(s));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`simulation worker ${k} exited with ${code} before it reported`)));
    });
  });
  try {
    return merge(await Promise.race([Promise.all(shares), deadline]));
  } finally {
    clearTimeout(timer);
    // Done or given up: none may keep running (a worker that reported exits on its own).
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
