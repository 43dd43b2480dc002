import { availableParallelism } from 'node:os';
import { runBatch } from './batch.js';
import { replayCommand, runSchedule } from './run-schedule.js';
import type { PlantedBug } from './sim-world.js';

/**
 * `npm run simulate`: seeded runs of the engine through fault schedules.
 *   --seed N        replay one seed and print its trace
 *   --runs N        how many seeds (default 10000), from --from (default 1)
 *   --jobs N        worker threads sharing the seeds (default: the machine's cores)
 *   --bug NAME      run a planted engine bug (gate-always-passes, pool-budget-ignored, window-ignored, hold-ignored, canary-ignored) to see it caught
 * Exit 1 on any invariant violation, with the seed and the command that replays it.
 */
interface Args {
  seed?: number;
  runs: number;
  from: number;
  jobs: number;
  bug: PlantedBug;
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
    else if (flag === '--bug' && (value === 'gate-always-passes' || value === 'pool-budget-ignored' || value === 'window-ignored' || value === 'hold-ignored' || value === 'canary-ignored' || value === 'none')) {
      args.bug = value;
      i++;
    } else throw new Error(`unknown argument ${flag ?? ''} (use --seed N | --runs N [--from SEED] | --bug gate-always-passes|pool-budget-ignored|window-ignored|hold-ignored|canary-ignored)`);
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
  // Bounded: at a few schedules per second at worst on one core, with room.
  const summary = await runBatch(seeds, { jobs, bug: args.bug, deadlineMs: 60_000 + seeds.length * 1000 });
  const failures = summary.failures;
  for (const f of failures) console.log(`VIOLATION seed ${f.seed}: ${f.violation}\n  replay: ${replayCommand(f.seed)}${args.bug !== 'none' ? ` --bug ${args.bug}` : ''}`);
  const seconds = (Date.now() - started) / 1000;
  console.log(`${args.runs} schedules (seeds ${args.from}..${args.from + args.runs - 1}, ${jobs} thread(s)) in ${seconds.toFixed(1)} s (${(args.runs / seconds).toFixed(0)}/s): ${Object.entries(summary.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
