import { expect } from 'chai';
import { notYet, ready, waitFor, WaitAbortedError, WaitTimeoutError, type WaitClock } from '../../../shared/time/wait-for.js';

/** Virtual time that records every sleep waitFor asks for: the delays are exact, whatever the host's load. */
class RecordingClock implements WaitClock {
  readonly sleeps: number[] = [];
  constructor(public t = 0) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    this.sleeps.push(ms);
    this.t += ms;
    await Promise.resolve();
  }
}

describe('waitFor', () => {
  it('returns the value once the probe is done', async () => {
    let calls = 0;
    const clock = new RecordingClock();
    const v = await waitFor({ what: 'three calls', timeoutMs: 2000, initialDelayMs: 1, clock }, async () => (++calls >= 3 ? ready(calls) : notYet(`call ${calls}`)));
    expect(v).to.equal(3);
    expect(clock.sleeps, 'slept between the calls only').to.have.length(2);
  });

  it('gives up at the deadline naming what it waited for and what it last saw', async () => {
    const clock = new RecordingClock();
    let probes = 0;
    const err = (await waitFor({ what: 'the moon', timeoutMs: 100, initialDelayMs: 10, factor: 2, maxDelayMs: 1000, clock }, async () => {
      probes++;
      return notYet('still the sun');
    }).catch((e: unknown) => e)) as WaitTimeoutError;
    expect(err).to.be.instanceOf(WaitTimeoutError);
    expect(err.message).to.contain('the moon').and.contain('still the sun').and.contain('100 ms');
    // 10 + 20 + 40 + 80 would overshoot: the last sleep is cut to the deadline, then one last probe
    expect(clock.sleeps).to.deep.equal([10, 20, 40, 30]);
    expect(clock.now(), 'gave up exactly at the deadline').to.equal(100);
    expect(probes).to.equal(5);
  });

  it('treats a throwing probe as not yet and reports its error', async () => {
    const err = (await waitFor({ what: 'x', timeoutMs: 100, initialDelayMs: 10, clock: new RecordingClock() }, async () => {
      throw new Error('connection refused');
    }).catch((e: unknown) => e)) as WaitTimeoutError;
    expect(err).to.be.instanceOf(WaitTimeoutError);
    expect(err.lastObservation).to.equal('connection refused');
  });

  it('backs off exponentially up to the cap, then holds at the cap', async () => {
    const clock = new RecordingClock();
    let probes = 0;
    await waitFor({ what: 'y', timeoutMs: 60_000, initialDelayMs: 20, factor: 2, maxDelayMs: 80, clock }, async () => (++probes >= 8 ? ready(undefined) : notYet('')));
    expect(clock.sleeps).to.deep.equal([20, 40, 80, 80, 80, 80, 80]);
  });

  it('uses the documented defaults: 100 ms growing by 1.6, capped at 2 s', async () => {
    const clock = new RecordingClock();
    let probes = 0;
    await waitFor({ what: 'defaults', timeoutMs: 60_000, clock }, async () => (++probes >= 10 ? ready(undefined) : notYet('')));
    expect(clock.sleeps.map((ms) => Math.round(ms))).to.deep.equal([100, 160, 256, 410, 655, 1049, 1678, 2000, 2000]);
  });

  it('stops when aborted, without waiting for the deadline', async () => {
    const ac = new AbortController();
    const clock = new RecordingClock();
    let probes = 0;
    const err = await waitFor({ what: 'z', timeoutMs: 3_600_000, initialDelayMs: 10, signal: ac.signal, clock }, async () => {
      if (++probes === 3) ac.abort();
      return notYet('');
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(WaitAbortedError);
    expect((err as WaitAbortedError).message).to.contain('z');
    expect(probes, 'no probe after the abort').to.equal(3);
  });

  it('stops a real sleep when aborted (the default clock)', async () => {
    const ac = new AbortController();
    let probes = 0;
    const err = await waitFor({ what: 'real timers', timeoutMs: 3_600_000, initialDelayMs: 3_600_000, signal: ac.signal }, async () => {
      if (++probes === 1) setImmediate(() => ac.abort());
      return notYet('');
    }).catch((e: unknown) => e);
    expect(err, 'an hour-long sleep was cut short').to.be.instanceOf(WaitAbortedError);
  });
});
