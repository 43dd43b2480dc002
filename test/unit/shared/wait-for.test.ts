import { expect } from 'chai';
import { notYet, ready, waitFor, WaitAbortedError, WaitTimeoutError } from '../../../shared/time/wait-for.js';

describe('waitFor', () => {
  it('returns the value once the probe is done', async () => {
    let calls = 0;
    const v = await waitFor({ what: 'three calls', timeoutMs: 2000, initialDelayMs: 1 }, async () => (++calls >= 3 ? ready(calls) : notYet(`call ${calls}`)));
    expect(v).to.equal(3);
  });

  it('gives up at the deadline naming what it waited for and what it last saw', async () => {
    const err = (await waitFor({ what: 'the moon', timeoutMs: 150, initialDelayMs: 10 }, async () => notYet('still the sun')).catch((e: unknown) => e)) as WaitTimeoutError;
    expect(err).to.be.instanceOf(WaitTimeoutError);
    expect(err.message).to.contain('the moon').and.contain('still the sun').and.contain('150 ms');
  });

  it('treats a throwing probe as not yet and reports its error', async () => {
    const err = (await waitFor({ what: 'x', timeoutMs: 100, initialDelayMs: 10 }, async () => {
      throw new Error('connection refused');
    }).catch((e: unknown) => e)) as WaitTimeoutError;
    expect(err.lastObservation).to.equal('connection refused');
  });

  it('backs off with a cap', async () => {
    const times: number[] = [];
    await waitFor({ what: 'y', timeoutMs: 3000, initialDelayMs: 20, factor: 2, maxDelayMs: 80 }, async () => {
      times.push(Date.now());
      return times.length >= 6 ? ready(undefined) : notYet('');
    }).catch(() => undefined);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(times).to.have.length(6);
    // 20, 40, 80, 80, 80 ms nominal: grows, then holds at the cap (generous bounds: timers on a busy host)
    expect(gaps[2]!).to.be.at.least(gaps[0]!);
    expect(Math.max(...gaps)).to.be.below(1000);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await waitFor({ what: 'z', timeoutMs: 5000, initialDelayMs: 10, signal: ac.signal }, async () => notYet('')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(WaitAbortedError);
  });
});
