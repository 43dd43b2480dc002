import { expect } from 'chai';
import { mapWithLimit } from '../../../shared/async/map-with-limit.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('mapWithLimit', () => {
  it('keeps the order of the items and never has more than the limit pending', async () => {
    let pending = 0;
    let most = 0;
    const out = await mapWithLimit([...Array(25).keys()], 4, async (n, i) => {
      most = Math.max(most, ++pending);
      for (let k = 0; k < (n * 7) % 5; k += 1) await tick();
      pending -= 1;
      return `${n}@${i}`;
    });
    expect(out).to.deep.equal([...Array(25).keys()].map((n) => `${n}@${n}`));
    expect(most).to.equal(4);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = mapWithLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 1) throw new Error('boom 1');
      return n;
    });
    await run.catch((err: Error) => expect(err.message).to.equal('boom 1'));
    expect(started).to.deep.equal([0, 1, 2]);
  });

  it('refuses a limit below 1 and maps nothing to nothing', async () => {
    expect(await mapWithLimit([], 3, async () => 1)).to.deep.equal([]);
    await mapWithLimit([1], 0, async () => 1).then(
      () => expect.fail('resolved'),
      (err: Error) => expect(err.message).to.match(/limit 0/),
    );
  });
});
