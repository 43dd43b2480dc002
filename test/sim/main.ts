import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { replayCommand, runSchedule } from './run-schedule.js';
import type { PlantedBug } from './sim-world.js';

/**
 * `npm run simulate`: seeded runs of the engine through fault schedules.
 *   --seed N        replay one seed and print its trace
 *   --runs N        how many seeds (default 10000), from --from (default 1)
 *   --jobs N        worker threads sharing the seeds (default: the machine's cores)
 *   --bug NAME      run a planted engine bug (gate-always-passes, pool-budget-ignored) to see it caught
 * Exit 1 on any invariant violation, with the seed and the command that replays it.
 */
interface Args {
  seed?: number;
  runs: number;
  from: number;
  jobs: number;
  bug: PlantedBug;
}

/** What one worker thread reports for its share of the seeds. */
interface Share {
  outcomes: Record<string, number>;
  failures: { seed: number; violation: string }[];
}

/** Runs one share of the seeds (a worker thread's, or all of them). */
async function runShare(seeds: readonly number[], bug: PlantedBug): Promise<Share> {
  const share: Share = { outcomes: {}, failures: [] };
  for (const seed of seeds) {
    const r = await runSchedule(seed, { bug });
    share.outcomes[r.outcome] = (share.outcomes[r.outcome] ?? 0) + 1;
    if (r.violation !== undefined) share.failures.push({ seed, violation: r.violation });
  }
  return share;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { runs: 10_000, from: 1, jobs: Math.max(1, availableParallelism()), bug: 'none' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const number = (): number => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} wants a whole number, got ${value ?? '(nothing)'}`);
      i++;
      return n;
    };
    if (flag === '--seed') args.seed = number();
    else if (flag === '--runs') args.runs = number();
    else if (flag === '--from') args.from = number();
    else if (flag === '--jobs') args.jobs = Math.max(1, number());
    else if (flag === '--bug' && (value === 'gate-always-passes' || value === 'pool-budget-ignored' || value === 'none')) {
      args.bug = value;
      i++;
    } else throw new Error(`unknown argument ${flag ?? ''} (use --seed N | --runs N [--from SEED] | --bug gate-always-passes|pool-budget-ignored)`);
  }
  return args;
}

function describe(r: Awaited<ReturnType<typeof runSchedule>>): string {
  return `seed ${r.seed}: ${r.outcome} after ${(r.simulatedMs / 60_000).toFixed(1)} simulated min, ${r.steps} events, trace ${r.traceHash}`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.seed !== undefined) {
    const r = await runSchedule(args.seed, { bug: args.bug, stackTraces: true });
    for (const line of r.trace) console.log(line);
    console.log(describe(r));
    console.log(`stats: ${JSON.stringify(r.stats)}`);
    if (r.violation !== undefined) {
      console.log(`VIOLATION: ${r.violation}`);
      if (r.engineError !== undefined) console.log(r.engineError);
      return 1;
    }
    return 0;
  }
  const started = Date.now();
  const seeds = Array.from({ length: args.runs }, (_, i) => args.from + i);
  const jobs = Math.min(args.jobs, Math.max(1, seeds.length));
  const shares = await Promise.all(
    Array.from({ length: jobs }, (_, k) => {
      const mine = seeds.filter((_, i) => i % jobs === k);
      if (jobs === 1) return runShare(mine, args.bug);
      return new Promise<Share>((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: { seeds: mine, bug: args.bug } });
        worker.once('message', (share: Share) => resolve(share));
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`simulation worker ${k} exited with ${code}`))));
      });
    }),
  );
  const outcomes = new Map<string, number>();
  const failures = shares.flatMap((s) => s.failures).sort((a, b) => a.seed - b.seed);
  for (const s of shares) for (const [k, v] of Object.entries(s.outcomes)) outcomes.set(k, (outcomes.get(k) ?? 0) + v);
  for (const f of failures) console.log(`VIOLATION seed ${f.seed}: ${f.violation}\n  replay: ${replayCommand(f.seed)}${args.bug !== 'none' ? ` --bug ${args.bug}` : ''}`);
  const seconds = (Date.now() - started) / 1000;
  console.log(`${args.runs} schedules (seeds ${args.from}..${args.from + args.runs - 1}, ${jobs} thread(s)) in ${seconds.toFixed(1)} s (${(args.runs / seconds).toFixed(0)}/s): ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return failures.length > 0 ? 1 : 0;
}

if (!isMainThread) {
  const { seeds, bug } = workerData as { seeds: number[]; bug: PlantedBug };
  runShare(seeds, bug).then((share) => parentPort?.postMessage(share));
} else {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(2);
    },
  );
}
