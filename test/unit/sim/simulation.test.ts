import { availableParallelism } from 'node:os';
import { expect } from 'chai';
import { runBatch } from '../../sim/batch.js';
import { replayCommand, runSchedule, type RunResult } from '../../sim/run-schedule.js';
import type { PlantedBug } from '../../sim/sim-world.js';

/** Seeds the CI run covers, on one worker thread per core (~95 s on 2 idle cores, ~105 schedules/s), as `npm run simulate`. */
const SEEDS = Number(process.env.NODEROLL_SIM_SEEDS ?? 10_000);
const JOBS = Math.max(1, availableParallelism());
/** The batch's bound; past it the workers are terminated and the test fails (mocha's timeout is a little longer). */
const BATCH_DEADLINE_MS = 300_000;

function failureReport(failures: readonly { seed: number; violation?: string }[]): string {
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

  it(`${SEEDS} schedules on ${JOBS} worker thread(s): no invariant violated, and every kind of fault exercised`, async function () {
    this.timeout(BATCH_DEADLINE_MS + 10_000);
    const started = Date.now();
    const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
    const s = await runBatch(seeds, { jobs: JOBS, deadlineMs: BATCH_DEADLINE_MS });
    const seconds = (Date.now() - started) / 1000;
    console.log(`      ${SEEDS} schedules on ${JOBS} thread(s) in ${seconds.toFixed(1)} s (${(SEEDS / seconds).toFixed(1)}/s); outcomes ${JSON.stringify(s.outcomes)}; runs with several nodes out at once (pools): ${s.concurrentRuns}`);
    console.log(`      runs per fault kind: ${JSON.stringify(s.runsWith)}`);
    expect(s.runs).to.equal(SEEDS);
    expect(s.failures, failureReport(s.failures)).to.deep.equal([]);
    for (const [kind, runs] of Object.entries(s.runsWith)) expect(runs, `runs that exercised ${kind}`).to.be.greaterThan(0);
    expect(s.outcomes.completed ?? 0, 'completed runs').to.be.greaterThan(0);
    expect(s.outcomes.halted ?? 0, 'runs that ended halted').to.be.greaterThan(0);
    expect(s.concurrentRuns, 'runs with more than one node out of service at once (pools)').to.be.greaterThan(0);
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
    ['window-ignored', /started (outside the maintenance windows|with \d+ min left in the window)/],
    ['hold-ignored', /started while on hold/],
    ['canary-ignored', /started before the canary of/],
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
