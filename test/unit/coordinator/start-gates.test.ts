import { expect } from 'chai';
import { checkGatesAtStart } from '../../../coordinator/gates/run-gates.js';
import type { Gate, GateVerdict } from '../../../coordinator/gates/gate.js';
import { FakeClock } from './fakes/fake-clock.js';

/** A gravity gate whose answers are scripted, one per read; it records when it was read. */
function scripted(answers: boolean[], clock: FakeClock): Gate & { readsAt: number[] } {
  const readsAt: number[] = [];
  return {
    name: 'gravity',
    readsAt,
    async check(): Promise<GateVerdict> {
      readsAt.push(clock.now());
      const passed = answers[Math.min(readsAt.length - 1, answers.length - 1)]!;
      return passed
        ? { passed, summary: 'cluster active', problems: [], warnings: [] }
        : { passed, summary: 'degraded', problems: ['etcd member on 127.0.1.2 is unreachable (no answer within 1500 ms)'], warnings: [] };
    },
  };
}

describe('the cluster gates before an update starts', () => {
  it('a gate that fails once (a probe missing its timeout on a busy cluster) is read again 2 s later and the update may start', async () => {
    const clock = new FakeClock();
    const gate = scripted([false, true], clock);
    const retries: string[] = [];
    const report = await checkGatesAtStart([gate], clock, { onRetry: (r, read, reads, nextInMs) => retries.push(`${read}/${reads}, next in ${nextInMs} ms: ${r.results[0]!.problems[0]}`) });
    expect(report.passed).to.equal(true);
    expect(gate.readsAt.map((t) => t - gate.readsAt[0]!)).to.deep.equal([0, 2000]);
    expect(retries).to.deep.equal(['1/3, next in 2000 ms: etcd member on 127.0.1.2 is unreachable (no answer within 1500 ms)']);
  });

  it('a gate that keeps failing is read 3 times, 2 s apart, and its last failing report is returned: the update is refused', async () => {
    const clock = new FakeClock();
    const gate = scripted([false], clock);
    const report = await checkGatesAtStart([gate], clock);
    expect(report.passed).to.equal(false);
    expect(report.results[0]!.problems).to.deep.equal(['etcd member on 127.0.1.2 is unreachable (no answer within 1500 ms)']);
    expect(gate.readsAt.map((t) => t - gate.readsAt[0]!)).to.deep.equal([0, 2000, 4000]);
  });

  it('passing gates are read once', async () => {
    const clock = new FakeClock();
    const gate = scripted([true], clock);
    expect((await checkGatesAtStart([gate], clock)).passed).to.equal(true);
    expect(gate.readsAt).to.have.length(1);
  });

  it('another interval is kept and told to whoever reports the retry', async () => {
    const clock = new FakeClock();
    const gate = scripted([false, false, true], clock);
    const told: number[] = [];
    const report = await checkGatesAtStart([gate], clock, { intervalMs: 5000, onRetry: (_r, _read, _reads, nextInMs) => told.push(nextInMs) });
    expect(report.passed).to.equal(true);
    expect(gate.readsAt.map((t) => t - gate.readsAt[0]!)).to.deep.equal([0, 5000, 10000]);
    expect(told).to.deep.equal([5000, 5000]);
  });
});
