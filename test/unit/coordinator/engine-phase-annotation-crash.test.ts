import { expect } from 'chai';
import { ANNOTATION_PHASE } from '../../../coordinator/engine/engine.js';
import type { OperationRecord } from '../../../coordinator/state/operation-record.js';
import { CrashingStore, makeHarness, SimulatedCrash, type Harness } from './fakes/engine-harness.js';

/** Found by the simulation (test/sim, seed 78): a crash right after a node was saved completed. */
describe('engine: the phase annotation of a completed node survives a coordinator crash', function () {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('killed right after node-1 was saved completed, the resumed operation leaves node-1 annotated updated', async () => {
    h = await makeHarness();
    const crashing = new CrashingStore(h.store, (r: OperationRecord) => r.nodes[0]!.status === 'completed');
    const ended = await h.run({ store: crashing }).catch((e: unknown) => e);
    expect(ended).to.be.instanceOf(SimulatedCrash);
    const record = await h.load();
    expect(await h.run({ resumed: true, record })).to.equal('completed');
    for (const name of ['node-1', 'node-2', 'node-3']) {
      expect(h.world.node(name).annotations[ANNOTATION_PHASE], `${name}'s phase annotation`).to.equal('updated');
    }
  });
});
