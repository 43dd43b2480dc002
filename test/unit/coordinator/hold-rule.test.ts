import { expect } from 'chai';
import type { KubernetesCluster } from '../../../coordinator/ports/cluster.js';
import { HOLD_ANNOTATION, holdReason, HoldRule } from '../../../coordinator/schedule/hold-rule.js';
import { makeHarness, TARGET, type Harness } from './fakes/engine-harness.js';

/**
 * The hold rule in the engine: the real rule, the fake cluster's node annotations, the fake clock.
 * The harness config: soak interval 10s, timeouts.gatesBeforeNode 1m.
 */
describe('coordinator hold rule: noderoll.io/hold before each node (engine, fake cluster, fake clock)', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  /** The real rule over the fake cluster, counting the reads of `node`, calling `onRead` after each. */
  function holdRule(policy: 'wait' | 'skip', onRead: (node: string, reads: number) => void = () => undefined): { rule: HoldRule; reads: Map<string, number> } {
    const reads = new Map<string, number>();
    const cluster: Pick<KubernetesCluster, 'getNode'> = {
      getNode: async (name, signal) => {
        const node = await h.world.cluster.getNode(name, signal);
        reads.set(name, (reads.get(name) ?? 0) + 1);
        onRead(name, reads.get(name)!);
        return node;
      },
    };
    return { rule: new HoldRule(cluster, { policy, recheckMs: h.config.soak.intervalMs, maxWaitMs: h.config.timeouts.gatesBeforeNodeMs }), reads };
  }

  it('wait: a held node is asked about again every soak interval and starts once released; the wait is reported with the reason', async () => {
    h = await makeHarness();
    h.world.node('node-3').annotations[HOLD_ANNOTATION] = 'disk replacement, OPS-1234';
    const { rule, reads } = holdRule('wait', (node, n) => {
      if (node === 'node-3' && n === 4) delete h.world.node('node-3').annotations[HOLD_ANNOTATION]; // noderoll release, seen at the 5th read
    });
    expect(await h.run({ deps: { admission: [rule] } })).to.equal('completed');
    expect(reads.get('node-3')).to.equal(5);
    const waiting = h.events.filter((e) => e.type === 'node-waiting');
    expect(waiting).to.have.length(1);
    expect(waiting[0]).to.include({ node: 'node-3', rule: 'hold', reason: 'node node-3 is on hold (noderoll.io/hold): disk replacement, OPS-1234' });
    const waitedFrom = Date.parse(waiting[0]!.time);
    const started = h.events.find((e) => e.type === 'node-started' && e.node === 'node-3')!;
    expect(Date.parse(started.time) - waitedFrom).to.be.at.least(4 * h.config.soak.intervalMs);
    expect(h.world.node('node-3').version).to.equal(TARGET);
  });

  it('wait: a node still held after timeouts.gatesBeforeNode halts the operation before it, naming the reason and how to release; nothing changed on it', async () => {
    h = await makeHarness();
    h.world.node('node-2').annotations[HOLD_ANNOTATION] = 'vendor firmware case 4711';
    const { rule } = holdRule('wait');
    expect(await h.run({ deps: { admission: [rule] } })).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt).to.include({ node: 'node-2', kind: 'failure' });
    expect(saved.halt?.reason).to.equal('node node-2 is on hold (noderoll.io/hold): vendor firmware case 4711; waited 60s (timeouts.gatesBeforeNode)');
    expect(saved.halt?.details).to.deep.equal(['release it with: noderoll release node-2']);
    expect(saved.nodes.find((n) => n.name === 'node-2')!.status).to.equal('pending');
    expect(h.world.node('node-2').cordoned).to.equal(false);
    expect(h.world.node('node-2').calls.drain).to.equal(0);
    // masters first: node-1 and node-3 were done before node-2 was reached
    expect(h.world.node('node-3').version).to.equal(TARGET);
  });

  it('skip: a held node is left out with the reason recorded; the others are updated', async () => {
    h = await makeHarness();
    h.world.node('node-1').annotations[HOLD_ANNOTATION] = 'kernel debugging';
    const { rule } = holdRule('skip');
    expect(await h.run({ deps: { admission: [rule] } })).to.equal('completed');
    const saved = await h.load();
    expect(saved.nodes.find((n) => n.name === 'node-1')).to.include({ status: 'skipped', skipReason: 'on hold: kernel debugging' });
    expect(h.world.node('node-1').calls.drain).to.equal(0);
    expect(h.world.node('node-2').version).to.equal(TARGET);
    expect(h.events.some((e) => e.type === 'node-skipped' && e.node === 'node-1' && e.rule === 'hold')).to.equal(true);
  });

  it('a node whose hold cannot be read is waited for, never started or skipped, and halts when it stays unreadable', async () => {
    h = await makeHarness();
    const rule = new HoldRule(
      { getNode: async (name, signal) => (name === 'node-3' ? Promise.reject(new Error('kubectl: connection refused')) : h.world.cluster.getNode(name, signal)) },
      { policy: 'skip', recheckMs: 10_000, maxWaitMs: 60_000 },
    );
    expect(await h.run({ deps: { admission: [rule] } })).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.reason).to.match(/^cannot read node node-3 to see whether it is on hold: kubectl: connection refused; waited 60s/);
    expect(saved.nodes.find((n) => n.name === 'node-3')!.status).to.equal('pending');
  });

  it('the reason is shown on one line and bounded, whatever the annotation holds', () => {
    expect(holdReason({})).to.equal(undefined);
    expect(holdReason({ [HOLD_ANNOTATION]: '' })).to.equal('(no reason given)');
    expect(holdReason({ [HOLD_ANNOTATION]: 'a\n\u001b[2Jb' })).to.equal('a [2Jb');
    expect(holdReason({ [HOLD_ANNOTATION]: 'x'.repeat(1000) })).to.have.length(257);
  });
});
