import { replayCommand, runSchedule, type RunResult } from './run-schedule.js';
import type { PlantedBug } from './sim-world.js';

/**
 * `npm run simulate`: seeded runs of the engine through fault schedules.
 *   --seed N        replay one seed and print its trace
 *   --runs N        how many seeds (default 10000), from --from (default 1)
 *   --bug NAME      run a planted engine bug (gate-always-passes, pool-budget-ignored) to see it caught
 * Exit 1 on any invariant violation, with the seed and the command that replays it.
 */
interface Args {
  seed?: number;
  runs: number;
  from: number;
  bug: PlantedBug;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { runs: 10_000, from: 1, bug: 'none' };
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
    else if (flag === '--bug' && (value === 'gate-always-passes' || value === 'pool-budget-ignored' || value === 'none')) {
      args.bug = value;
      i++;
    } else throw new Error(`unknown argument ${flag ?? ''} (use --seed N | --runs N [--from SEED] | --bug gate-always-passes|pool-budget-ignored)`);
  }
  return args;
}

function describe(r: RunResult): string {
  return `seed ${r.seed}: ${r.outcome} after ${(r.simulatedMs / 60_000).toFixed(1)} simulated min, ${r.steps} events, trace ${r.traceHash}`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.seed !== undefined) {
    const r = await runSchedule(args.seed, { bug: args.bug });
    for (const line of r.trace) console.log(line);
    console.log(describe(r));
    console.log(`stats: ${JSON.stringify(r.stats)}`);
    if (r.violation !== undefined) {
      console.log(`VIOLATION: ${r.violation}`);
      return 1;
    }
    return 0;
  }
  const started = Date.now();
  const outcomes = new Map<string, number>();
  const failures: RunResult[] = [];
  for (let seed = args.from; seed < args.from + args.runs; seed++) {
    const r = await runSchedule(seed, { bug: args.bug });
    outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
    if (r.violation !== undefined) {
      failures.push(r);
      console.log(`VIOLATION seed ${seed}: ${r.violation}\n  replay: ${replayCommand(seed)}${args.bug !== 'none' ? ` --bug ${args.bug}` : ''}`);
    }
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`${args.runs} schedules (seeds ${args.from}..${args.from + args.runs - 1}) in ${seconds.toFixed(1)} s (${(args.runs / seconds).toFixed(0)}/s): ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
