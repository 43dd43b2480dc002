import { expect } from 'chai';
import { StopControl } from '../../../coordinator/engine/stop-control.js';
import type { AdmissionRequest, AdmissionRule, Admission } from '../../../coordinator/engine/node-admission.js';
import { makeHarness, TARGET, type Harness } from './fakes/engine-harness.js';

/** A rule that answers from a table per node, recording every question. */
function ruleFrom(name: string, answer: (r: AdmissionRequest) => Admission): AdmissionRule & { asked: AdmissionRequest[] } {
  const asked: AdmissionRequest[] = [];
  return {
    name,
    asked,
    decide: async (r) => {
      asked.push(r);
      return answer(r);
    },
  };
}

describe('coordinator engine: admission rules before each node (fake cluster, fake clock)', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('a skipped node is left untouched and recorded as skipped with the reason; the others are updated', async () => {
    h = await makeHarness();
    const rule = ruleFrom('hold', (r) => (r.node.name === 'node-3' ? { kind: 'skip', reason: 'held: disk replacement' } : { kind: 'start' }));
    expect(await h.run({ deps: { admission: [rule] } })).to.equal('completed');
    expect(h.world.node('node-3').calls.drain).to.equal(0);
    expect(h.world.node('node-3').version).to.not.equal(TARGET);
    expect(h.world.node('node-1').version).to.equal(TARGET);
    expect(h.world.node('node-2').version).to.equal(TARGET);
    const saved = await h.load();
    const node3 = saved.nodes.find((n) => n.name === 'node-3')!;
    expect(node3.status).to.equal('skipped');
    expect(node3.skipReason).to.equal('held: disk replacement');
    expect(h.events.some((e) => e.type === 'node-skipped' && e.node === 'node-3' && e.rule === 'hold')).to.equal(true);
  });

  it('a halt stops before the node with nothing changed on it, and names the reason and the resume command', async () => {
    h = await makeHarness();
    const rule = ruleFrom('window', (r) => (r.node.name === 'node-3' ? { kind: 'halt', reason: 'no window left tonight', details: ['next window opens 22:00'] } : { kind: 'start' }));
    expect(await h.run({ deps: { admission: [rule] } })).to.equal('halted');
    expect(h.world.node('node-1').version).to.equal(TARGET);
    expect(h.world.node('node-3').calls.drain).to.equal(0);
    expect(h.world.node('node-3').cordoned).to.equal(false);
    const saved = await h.load();
    expect(saved.status).to.equal('halted');
    expect(saved.halt).to.include({ kind: 'failure', node: 'node-3', reason: 'no window left tonight' });
    expect(saved.halt?.step).to.equal(undefined);
    expect(saved.nodes.find((n) => n.name === 'node-3')!.status).to.equal('pending');
  });

  it('waits on the engine clock until the rule admits the node, asking again when it said, and reports the wait once per reason', async () => {
    h = await makeHarness();
    let openAt = 0;
    const rule = ruleFrom('window', (r) => {
      if (r.node.name !== 'node-3') return { kind: 'start' };
      openAt ||= r.nowMs + 600_000;
      return r.nowMs >= openAt ? { kind: 'start' } : { kind: 'wait', reason: 'outside the window', recheckAtMs: r.nowMs + 120_000 };
    });
    expect(await h.run({ deps: { admission: [rule] } })).to.equal('completed');
    const node3Asks = rule.asked.filter((r) => r.node.name === 'node-3');
    expect(node3Asks.length).to.equal(6);
    expect(node3Asks[1]!.waitingSinceMs).to.equal(node3Asks[0]!.nowMs);
    expect(h.events.filter((e) => e.type === 'node-waiting')).to.have.length(1);
    const started = h.events.find((e) => e.type === 'node-started' && e.node === 'node-3')!;
    expect(Date.parse(started.time)).to.be.at.least(openAt);
  });

  it('a stop requested while a node waits ends the run at that safe point: interrupted, nothing out of service', async () => {
    h = await makeHarness();
    const stop = new StopControl();
    const rule = ruleFrom('hold', (r) => {
      if (r.node.name !== 'node-3') return { kind: 'start' };
      if (r.waitingSinceMs !== undefined && r.nowMs - r.waitingSinceMs >= 300_000) stop.requestGraceful('Ctrl-C');
      return { kind: 'wait', reason: 'held', recheckAtMs: r.nowMs + 60_000 };
    });
    expect(await h.run({ stop, deps: { admission: [rule] } })).to.equal('interrupted');
    expect(h.world.maxOutOfService).to.equal(1);
    expect(h.world.node('node-3').calls.drain).to.equal(0);
    const saved = await h.load();
    expect(saved.status).to.equal('interrupted');
    expect(saved.halt?.node).to.equal('node-3');
  });
});
