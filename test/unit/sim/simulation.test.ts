import { expect } from 'chai';
import { replayCommand, runSchedule, type RunResult } from '../../sim/run-schedule.js';
import { emptyStats, type PlantedBug, type RunStats } from '../../sim/sim-world.js';

/** Seeds the CI run covers (`npm run simulate` runs 10,000 by default). */
const SEEDS = Number(process.env.NODEROLL_SIM_SEEDS ?? 600);

function failureReport(failures: readonly RunResult[]): string {
  return failures.map((r) => `seed ${r.seed}: ${r.violation} (replay: ${replayCommand(r.seed)})`).join('\n');
}

/** The first seed (from 1) whose run with the planted bug violates an invariant. */
async function firstCaught(bug: PlantedBug, maxSeeds: number): Promise<RunResult | undefined> {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const r = await runSchedule(seed, { bug });
    if (r.violation !== undefined) return r;
  }
  return undefined;
}

describe('deterministic simulation of the engine over seeded fault schedules (test/sim)', function () {
  this.timeout(180_000);

  it(`${SEEDS} schedules: no invariant violated, and every kind of fault exercised`, async () => {
    const started = Date.now();
    const totals: RunStats = emptyStats();
    const runsWith: Record<keyof RunStats, number> = emptyStats();
    const outcomes: Record<string, number> = {};
    const failures: RunResult[] = [];
    let concurrentRuns = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = await runSchedule(seed);
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      if (r.violation !== undefined) failures.push(r);
      if (r.maxOutOfService > 1) concurrentRuns++;
      for (const key of Object.keys(totals) as (keyof RunStats)[]) {
        totals[key] += r.stats[key];
        if (r.stats[key] > 0) runsWith[key]++;
      }
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`      ${SEEDS} schedules in ${seconds.toFixed(1)} s (${(SEEDS / seconds).toFixed(1)}/s); outcomes ${JSON.stringify(outcomes)}; runs with several nodes out at once (pools): ${concurrentRuns}`);
    console.log(`      runs per fault kind: ${JSON.stringify(runsWith)}`);
    expect(failures, failureReport(failures)).to.deep.equal([]);
    for (const [kind, runs] of Object.entries(runsWith)) expect(runs, `runs that exercised ${kind}`).to.be.greaterThan(0);
    expect(outcomes.completed ?? 0, 'completed runs').to.be.greaterThan(0);
    expect(outcomes.halted ?? 0, 'runs that ended halted').to.be.greaterThan(0);
    expect(concurrentRuns, 'runs with more than one node out of service at once (pools)').to.be.greaterThan(0);
  });

  it('the same seed replays the same run: identical trace hash', async () => {
    for (const seed of [7, 78, 1234]) {
      const a = await runSchedule(seed);
      const b = await runSchedule(seed);
      expect(b.traceHash, `seed ${seed}`).to.equal(a.traceHash);
      expect(b.trace).to.deep.equal(a.trace);
    }
  });

  for (const [bug, expected] of [
    ['gate-always-passes', /admitted \(verifyClusterHealthy passed\) while gate alerts was failing/],
    ['pool-budget-ignored', /nodes out of service/],
  ] as const) {
    it(`a planted engine bug (${bug}) is caught with its seed, and the seed replays the violation`, async () => {
      const caught = await firstCaught(bug, 300);
      expect(caught, `no seed of 1..300 caught ${bug}`).to.not.equal(undefined);
      const report = failureReport([caught!]);
      expect(report).to.include(`npm run simulate -- --seed ${caught!.seed}`);
      expect(caught!.violation).to.match(expected);
      const replay = await runSchedule(caught!.seed, { bug });
      expect(replay.violation).to.equal(caught!.violation);
      expect(replay.traceHash).to.equal(caught!.traceHash);
      // The same seed without the bug holds every invariant: the violation is the bug's.
      expect((await runSchedule(caught!.seed)).violation).to.equal(undefined);
    });
  }
});
