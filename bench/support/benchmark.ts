/**
 * One benchmark: bounded in time and load, talks only to 127.0.0.0/8 (and lab nodes), cleans up
 * after itself, and returns a markdown section for bench/RESULTS.md.
 */

export interface BenchContext {
  /** Directory for files that may be reused by later runs (fixtures), e.g. /var/tmp/noderoll-bench. */
  cacheDir: string;
  /** A fresh temporary directory, removed after the run. */
  tmpDir: string;
  /** Progress lines (stderr). */
  log(message: string): void;
  /** Quick mode: fewer repetitions, smaller inputs (for trying the harness out). */
  quick: boolean;
}

export interface BenchResult {
  title: string;
  /** Markdown body: method, table(s), notes. */
  markdown: string;
}

export interface Benchmark {
  name: string;
  /** Upper bound on the benchmark's wall time, enforced by the runner. */
  budgetMs: number;
  run(ctx: BenchContext, signal: AbortSignal): Promise<BenchResult>;
}
