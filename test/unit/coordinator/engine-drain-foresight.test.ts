import { expect } from 'chai';
import type { TimedEvent } from '../../../coordinator/engine/events.js';
import { renderMarkdownReport } from '../../../coordinator/report/render-markdown.js';
import { BARE_POD_BLOCKER as BARE, SOLO_BLOCKER as SOLO } from './fakes/drain-blockers.js';
import { makeHarness, type Harness } from './fakes/engine-harness.js';

// Masters first: node-1, node-3, then node-2. The blocker sits on the second node started, node-3.
const BLOCKED = 'node-3';

type GateReportEvent = Extract<TimedEvent, { type: 'gate-report' }>;

/** Every node the engine cordoned or drained, in order (the fake's own cordon/drain wrapped). */
function recordTouches(h: Harness): string[] {
  const touched: string[] = [];
  const { cordonNode, drainNode } = h.world.cluster;
  h.world.cluster.cordonNode = async (name, signal) => (touched.push(name), cordonNode(name, signal));
  h.world.cluster.drainNode = async (name, options) => (touched.push(name), drainNode(name, options));
  return touched;
}

function drainResults(h: Harness, node: string): GateReportEvent['results'] {
  return h.events
    .filter((e): e is GateReportEvent => e.type === 'gate-report' && e.node === node)
    .flatMap((e) => e.results.filter((r) => r.gate === 'drain'));
}

function haltEvent(h: Harness): Extract<TimedEvent, { type: 'operation-halted' }> {
  const halted = h.events.find((e) => e.type === 'operation-halted');
  if (halted?.type !== 'operation-halted') throw new Error('no operation-halted event');
  return halted;
}

describe('drain foresight in the engine: a node is never cordoned while a pod is known to block its drain', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('drain.onBlocked halt: halts at the gate before the node at once, naming every blocker in the gate report and the halt; resume completes once it is gone', async () => {
    h = await makeHarness({ configExtra: 'drain: { onBlocked: halt }' });
    h.world.foreseenBlockers.set(BLOCKED, [SOLO, BARE]);
    const touched = recordTouches(h);
    expect(await h.run()).to.equal('halted');

    expect(touched).to.deep.equal(['node-1']);
    expect(h.world.node(BLOCKED).cordoned).to.equal(false);
    expect(h.world.foresightChecks.filter((n) => n === BLOCKED), 'one check: no waiting').to.have.length(1);
    const saved = await h.load();
    expect(saved.halt).to.deep.include({ node: BLOCKED, step: 'verifyClusterHealthy' });
    expect(saved.halt?.reason).to.equal(
      `node ${BLOCKED} not cordoned: its drain would be blocked by shop/solo-7d9f: ${SOLO.why}; default/debug-shell: ${BARE.why} (drain.onBlocked is halt)`,
    );
    expect(haltEvent(h).reason).to.equal(saved.halt?.reason);
    expect(renderMarkdownReport(saved), 'the report names the blockers').to.contain(`shop/solo-7d9f: ${SOLO.why}`).and.contain(`default/debug-shell: ${BARE.why}`);
    expect(haltEvent(h).details).to.include(`drain: shop/solo-7d9f: ${SOLO.why}`);
    const [result] = drainResults(h, BLOCKED);
    expect(result).to.deep.equal({
      gate: 'drain',
      passed: false,
      summary: `2 pods would stop the drain of node ${BLOCKED}`,
      problems: [`shop/solo-7d9f: ${SOLO.why}`, `default/debug-shell: ${BARE.why}`],
    });

    h.world.foreseenBlockers.delete(BLOCKED);
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('completed');
    expect(touched).to.deep.equal(['node-1', 'node-3', 'node-2']);
    expect(drainResults(h, BLOCKED).at(-1)).to.include({ passed: true, summary: `no pod would stop the drain of node ${BLOCKED}` });
  });

  it('drain.onBlocked wait (the default): checks again every soak interval until timeouts.gatesBeforeNode, then halts naming the blocker', async () => {
    h = await makeHarness();
    expect(h.config.drain.onBlocked).to.equal('wait');
    h.world.foreseenBlockers.set(BLOCKED, [SOLO]);
    const touched = recordTouches(h);
    expect(await h.run()).to.equal('halted');

    expect(touched).to.deep.equal(['node-1']);
    const checks = drainResults(h, BLOCKED);
    // gatesBeforeNode 1m, soak interval 10s: the first check and one every 10 s until the deadline.
    expect(checks.length).to.equal(7);
    expect(checks.every((r) => !r.passed)).to.equal(true);
    expect((await h.load()).halt?.reason).to.equal(`node ${BLOCKED} not cordoned: its drain would be blocked by shop/solo-7d9f: ${SOLO.why} (still blocked after timeouts.gatesBeforeNode (60s))`);
  });

  it('drain.onBlocked wait: goes on with the node as soon as the blocker is gone', async () => {
    h = await makeHarness();
    h.world.foreseenBlockers.set(BLOCKED, [SOLO]);
    const touched = recordTouches(h);
    const { foreseeDrainBlockers } = h.world.cluster;
    let checks = 0;
    h.world.cluster.foreseeDrainBlockers = async (name, signal) => {
      if (name === BLOCKED && ++checks === 3) h.world.foreseenBlockers.delete(BLOCKED); // the PDB was relaxed
      return foreseeDrainBlockers(name, signal);
    };
    expect(await h.run()).to.equal('completed');
    expect(touched).to.deep.equal(['node-1', 'node-3', 'node-2']);
    expect(drainResults(h, BLOCKED).map((r) => r.passed)).to.deep.equal([false, false, true, true]);
  });

  it('a blocker that appears after the gate halts drainNode before anything is cordoned', async () => {
    h = await makeHarness();
    const touched = recordTouches(h);
    const { foreseeDrainBlockers } = h.world.cluster;
    h.world.cluster.foreseeDrainBlockers = async (name, signal) => {
      const found = await foreseeDrainBlockers(name, signal);
      // The gate's check passed; the pod is scheduled there before the drain step looks again.
      if (name === BLOCKED && h.world.foresightChecks.filter((n) => n === BLOCKED).length === 1) h.world.foreseenBlockers.set(BLOCKED, [SOLO]);
      return found;
    };
    expect(await h.run()).to.equal('halted');
    expect(touched).to.deep.equal(['node-1']);
    expect(h.world.node(BLOCKED).cordoned).to.equal(false);
    const saved = await h.load();
    expect(saved.halt).to.deep.include({ node: BLOCKED, step: 'drainNode', reason: `node ${BLOCKED} not cordoned: its drain would be blocked by shop/solo-7d9f: ${SOLO.why}` });
    const last = h.events.filter((e): e is GateReportEvent => e.type === 'gate-report' && e.node === BLOCKED).at(-1);
    expect(last).to.deep.include({ purpose: `before draining node ${BLOCKED}`, passed: false });
  });

  it('a resume after a drain that failed half-way says the node is still cordoned when a blocker is known, and drains nothing', async () => {
    h = await makeHarness();
    h.world.drainBlocker = { namespace: SOLO.namespace, pod: SOLO.pod, budget: { namespace: 'shop', name: 'solo', detail: '0 disruptions allowed' } };
    h.world.cluster.foreseeDrainBlockers = async () => []; // the budget was missed before the drain (e.g. created during it)
    expect(await h.run()).to.equal('halted');
    expect(h.world.node('node-1').cordoned, 'the failed drain left node-1 cordoned').to.equal(true);
    expect(h.world.node('node-1').calls.drain).to.equal(1);

    h.world.cluster.foreseeDrainBlockers = async (name) => (name === 'node-1' ? [SOLO] : []);
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('halted');
    expect(h.world.node('node-1').calls.drain, 'not drained again').to.equal(1);
    expect((await h.load()).halt).to.deep.include({ node: 'node-1', step: 'drainNode', reason: `node node-1 is still cordoned from an earlier drain and not drained again: its drain would be blocked by shop/solo-7d9f: ${SOLO.why}` });
  });
});
