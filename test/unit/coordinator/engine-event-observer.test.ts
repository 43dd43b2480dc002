import { expect } from 'chai';
import type { TimedEvent } from '../../../coordinator/engine/events.js';
import { makeHarness, TARGET, type Harness } from './fakes/engine-harness.js';

/** The engine's observers (terminal, log, webhooks, metrics) cannot change what it does to the nodes. */
describe('engine: an event observer that throws', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('is logged, and the operation runs to completion exactly as without it', async () => {
    h = await makeHarness();
    const seen: TimedEvent[] = [];
    let thrown = 0;
    const outcome = await h.run({
      deps: {
        events: (e) => {
          seen.push(e);
          // every step start of node-2, as a webhook formatter or a metrics observer with a bug would
          if (e.type === 'step-started' && e.node === 'node-2') {
            thrown++;
            throw new Error('observer bug');
          }
        },
      },
    });
    expect(outcome).to.equal('completed');
    expect(thrown, 'the observer threw at every step of node-2').to.be.greaterThan(5);
    expect(seen.filter((e) => e.type === 'node-completed').map((e) => (e as { node: string }).node).sort()).to.deep.equal(['node-1', 'node-2', 'node-3']);
    for (const name of ['node-1', 'node-2', 'node-3']) {
      const n = h.world.node(name);
      expect([n.version, n.cordoned], name).to.deep.equal([TARGET, false]);
    }
  });
});
