import { expect } from 'chai';
import type { TimedEvent } from '../../../coordinator/engine/events.js';
import type { NodeRole } from '../../../coordinator/ports/cluster.js';
import type { OperationRecord } from '../../../coordinator/state/operation-record.js';
import type { StateStore } from '../../../coordinator/state/state-store.js';
import { renderMarkdownReport } from '../../../coordinator/report/render-markdown.js';
import { SOLO_BLOCKER } from './fakes/drain-blockers.js';
import { makeHarness, TARGET, type Harness } from './fakes/engine-harness.js';

const SIX: { name: string; role: NodeRole }[] = [
  { name: 'm1', role: 'master' },
  { name: 'm2', role: 'master' },
  { name: 'm3', role: 'master' },
  { name: 'w1', role: 'node' },
  { name: 'w2', role: 'node' },
  { name: 'w3', role: 'node' },
];

const POOLS = `pools:
  - { name: masters, selector: "gravitational.io/k8s-role=master", maxUnavailable: 3 }
  - { name: workers, selector: "gravitational.io/k8s-role=node", maxUnavailable: 2 }`;

/** What was out of service at every sample of the fake world: masters and workers counted apart. */
interface Sampled {
  maxMasters: number;
  maxWorkers: number;
  /** A master out of service together with any other node. */
  masterWithOther: string[];
  /** Sets of nodes seen out of service together. */
  together: Set<string>;
}

function sampleRoles(h: Harness): Sampled {
  const seen: Sampled = { maxMasters: 0, maxWorkers: 0, masterWithOther: [], together: new Set() };
  const world = h.world;
  const original = world.sample.bind(world);
  world.sample = () => {
    original();
    const out = [...world.nodes.values()].filter((n) => n.cordoned || !world.kubeletReady(n));
    const masters = out.filter((n) => n.role === 'master').length;
    seen.maxMasters = Math.max(seen.maxMasters, masters);
    seen.maxWorkers = Math.max(seen.maxWorkers, out.length - masters);
    if (masters > 0 && out.length > 1) seen.masterWithOther.push(out.map((n) => n.name).join(','));
    seen.together.add(out.map((n) => n.name).join(','));
  };
  return seen;
}

/** A store that counts saves running at the same time. */
function countConcurrentSaves(h: Harness): { max: number; store: StateStore } {
  const inner = h.store;
  const counter = { max: 0, running: 0 };
  const store: StateStore = Object.create(inner) as StateStore;
  store.save = async (record, lock) => {
    counter.running++;
    counter.max = Math.max(counter.max, counter.running);
    try {
      await inner.save(record, lock);
    } finally {
      counter.running--;
    }
  };
  return {
    get max() {
      return counter.max;
    },
    store,
  };
}

function events<T extends TimedEvent['type']>(h: Harness, type: T): Extract<TimedEvent, { type: T }>[] {
  return h.events.filter((e): e is Extract<TimedEvent, { type: T }> => e.type === type);
}

describe('engine with pools: several workers at once, masters alone', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('updates workers two at a time and masters one at a time (a masters pool of 3 is overridden); saves never overlap', async () => {
    h = await makeHarness({ nodes: SIX, configExtra: POOLS });
    const seen = sampleRoles(h);
    const saves = countConcurrentSaves(h);
    expect(await h.run({ store: saves.store })).to.equal('completed');
    for (const n of SIX) {
      expect(h.world.node(n.name).version, n.name).to.equal(TARGET);
      expect(h.world.node(n.name).cordoned, n.name).to.equal(false);
      expect(h.world.node(n.name).boots, n.name).to.equal(1);
    }
    expect(seen.maxMasters, 'never two masters').to.equal(1);
    expect(seen.masterWithOther, 'a master is never out beside another node').to.deep.equal([]);
    expect(seen.maxWorkers, 'never more than 2 workers').to.equal(2);
    expect([...seen.together].some((s) => s.split(',').length === 2), `two workers out together: ${[...seen.together].join(' | ')}`).to.equal(true);
    expect(saves.max, 'one save at a time').to.equal(1);
    const saved = await h.load();
    expect(saved.status).to.equal('completed');
    expect(events(h, 'node-started').map((e) => e.node).slice(0, 3)).to.deep.equal(['m1', 'm2', 'm3']);
    expect(renderMarkdownReport(saved), 'the report shows the overlap').to.match(/^- Most nodes out of service at once: 2 \(w\d, w\d\)$/m);
  });

  it('a failing worker halts the pool: its sibling stops at a safe point, no new worker starts; resume completes', async () => {
    h = await makeHarness({ nodes: SIX, configExtra: POOLS });
    const seen = sampleRoles(h);
    h.world.node('w1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    expect(saved.status).to.equal('halted');
    expect(saved.halt).to.deep.include({ node: 'w1', step: 'verifyNodeHealthy' });
    expect(h.world.node('w1').cordoned, 'the failed node stays cordoned').to.equal(true);
    expect(h.world.node('w3').calls.drain, 'no new worker started').to.equal(0);
    expect(events(h, 'node-started').map((e) => e.node)).to.not.include('w3');
    const w2 = h.world.node('w2');
    expect(w2.cordoned, 'the sibling is back in service (or never left it)').to.equal(false);
    expect(w2.calls.drain, 'the sibling was in flight with w1').to.equal(1);
    const w2rec = saved.nodes.find((n) => n.name === 'w2')!;
    expect(w2rec.status, 'the sibling is unfinished').to.equal('in-progress');
    expect(w2rec.steps.find((s) => s.name === 'uncordonNode')!.status, 'the drained sibling ran until back in service').to.equal('completed');
    expect(events(h, 'operation-halted')).to.have.length(1);
    expect(h.events.findIndex((e) => e.type === 'operation-halted'), 'the halt is written once the sibling settled').to.be.greaterThan(h.events.findIndex((e) => e.type === 'warning' && e.node === 'w2' && /safe point/.test(e.message)));

    h.world.node('w1').units.delete('noderoll-lab-broken.service');
    expect(await h.run({ resumed: true, record: saved })).to.equal('completed');
    for (const n of SIX) expect(h.world.node(n.name).version, n.name).to.equal(TARGET);
    expect(h.world.node('w1').boots, 'w1 not rebooted again').to.equal(1);
    expect(h.world.node('w2').boots, 'w2 not rebooted again').to.equal(1);
    expect(seen.maxWorkers).to.equal(2);
  });

  it('onFailure rollback with two workers in flight: both workers in flight install the broken release and each is rolled back (the halt names the first); no worker is left cordoned, none beyond the budget, no new worker starts', async () => {
    h = await makeHarness({ nodes: SIX, configExtra: `${POOLS}\nonFailure: rollback` });
    const seen = sampleRoles(h);
    // The release is broken for the workers only: it turns broken when the first worker drains (masters done).
    const drain = h.world.cluster.drainNode;
    h.world.cluster.drainNode = async (name, options) => {
      if (name.startsWith('w')) h.world.brokenVersions.add(TARGET);
      return drain(name, options);
    };
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    // Which worker fails first, and whose rollback ends first, depend on how their steps interleave
    // with the state file's real writes; the halt names the first to fail (it was 1 run in 5 the
    // other one, when that one's rollback settled first).
    const firstFailure = h.events.find((e) => e.type === 'step-failed') as { node: string } | undefined;
    const first = firstFailure?.node ?? '';
    expect(first).to.be.oneOf(['w1', 'w2']);
    const other = first === 'w1' ? 'w2' : 'w1';
    const rollbackStarted = h.events.findIndex((e) => e.type === 'node-rollback-started' && (e as { node: string }).node === first);
    expect(rollbackStarted).to.be.greaterThan(-1);
    expect(saved.halt?.node).to.equal(first);
    expect(saved.halt?.reason).to.match(new RegExp(`^node ${first} was rolled back to \\S+ \\S+ \\(healthy and uncordoned\\)`));
    const started = events(h, 'node-started').map((e) => e.node);
    expect(h.events.findIndex((e) => e.type === 'node-started' && e.node === other), `${other} was in flight when ${first} was rolled back`).to.be.lessThan(rollbackStarted);
    expect(started, 'no new worker started').to.not.include('w3');
    for (const m of ['m1', 'm2', 'm3']) expect(h.world.node(m).version, m).to.equal(TARGET);
    for (const w of ['w1', 'w2']) {
      const node = h.world.node(w);
      expect(node.cordoned, `${w} back in service`).to.equal(false);
      const rec = saved.nodes.find((n) => n.name === w)!;
      // the sibling was drained with w1, so it runs on to the broken release too and is rolled back like w1
      expect(node.calls.drain, `${w} drained once`).to.equal(1);
      expect(rec.rollbacks?.map((r) => r.status), `${w} rolled back`).to.deep.equal(['completed']);
      expect(node.version, `${w} on its old version`).to.not.equal(TARGET);
    }
    expect(seen.maxWorkers, 'never more than 2 workers').to.be.at.most(2);
    expect(seen.masterWithOther).to.deep.equal([]);
    expect(seen.together.has('w1,w2'), 'both workers out together').to.equal(true);
  });

  it('a sibling not yet drained when another fails goes back to pending; resume asks its gates again', async () => {
    h = await makeHarness({ nodes: SIX, configExtra: POOLS });
    // w1 fails its drain at once (before w2 got to drain): w2 is still in its gates.
    const drain = h.world.cluster.drainNode;
    h.world.cluster.drainNode = async (name, options) => {
      if (name === 'w1') throw new Error('simulated: the API server refused the eviction');
      return drain(name, options);
    };
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.node).to.equal('w1');
    const w2 = saved.nodes.find((n) => n.name === 'w2')!;
    expect(events(h, 'node-started').map((e) => e.node), 'w2 was in flight beside w1').to.include('w2');
    expect(h.world.node('w2').calls.drain, 'w2 stopped before draining').to.equal(0);
    expect(w2.status).to.equal('pending');
    expect(w2.steps.every((s) => s.status === 'pending'), 'nothing of w2 is trusted on resume').to.equal(true);
    expect(h.world.node('w3').calls.drain).to.equal(0);

    h.world.cluster.drainNode = drain;
    expect(await h.run({ resumed: true, record: saved })).to.equal('completed');
    expect(h.world.node('w2').version).to.equal(TARGET);
  });

  it('a worker whose drain a PDB blocks while another is in flight waits for it (drain.onBlocked halt notwithstanding), then goes', async () => {
    h = await makeHarness({ nodes: SIX, configExtra: `${POOLS}\ndrain: { onBlocked: halt }` });
    const seen = sampleRoles(h);
    const world = h.world;
    const foresee = world.cluster.foreseeDrainBlockers;
    // The one replica of the app may go when w1 is back: blocked only while w1 is out of service.
    world.cluster.foreseeDrainBlockers = async (name, signal) => {
      const found = await foresee(name, signal);
      const w1 = world.node('w1');
      return name === 'w2' && (w1.cordoned || !world.kubeletReady(w1)) ? [SOLO_BLOCKER] : found;
    };
    expect(await h.run()).to.equal('completed');
    const waits = events(h, 'node-waiting').filter((e) => e.node === 'w2');
    expect(waits.length, 'w2 waited').to.be.greaterThan(0);
    expect(waits[0]!.rule).to.equal('drain');
    expect(waits[0]!.reason).to.contain('w1').and.contain('shop/solo-7d9f');
    expect([...seen.together].filter((s) => s.includes('w1') && s.includes('w2')), 'w2 never out beside w1').to.deep.equal([]);
    expect(seen.maxWorkers, 'w3 went beside one of them').to.equal(2);
    expect(world.node('w2').version).to.equal(TARGET);
  });

  it('a node out of service that the operation did not take out still fails the gates', async () => {
    h = await makeHarness({ nodes: SIX, configExtra: POOLS });
    const world = h.world;
    const cordon = world.cluster.cordonNode;
    // While w1 is in flight, someone cordons w3 (not the operation's).
    const drain = world.cluster.drainNode;
    world.cluster.drainNode = async (name, options) => {
      if (name === 'w1') await cordon('w3');
      return drain(name, options);
    };
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.reason).to.match(/w3 is cordoned|node w3 is already out of service/);
    expect(saved.halt?.node, 'the node in flight beside w1 stops, not w3 itself').to.equal('w2');
    expect(events(h, 'node-started').map((e) => e.node)).to.not.include('w3');
    expect(world.node('w3').calls.drain).to.equal(0);
  });

  describe('canary', () => {
    it('scope operation with confirm: the first node alone, a soak, a stop waiting for confirmation; resume --confirm completes', async () => {
      h = await makeHarness({ nodes: SIX, configExtra: `${POOLS}\ncanary: { nodes: 1, soak: 30s, confirm: true, scope: operation }` });
      expect(await h.run()).to.equal('waiting');
      let saved: OperationRecord = await h.load();
      expect(saved.status).to.equal('waiting-for-confirmation');
      expect(saved.nodes.map((n) => `${n.name}:${n.status}`)).to.deep.equal(['m1:completed', 'm2:pending', 'm3:pending', 'w1:pending', 'w2:pending', 'w3:pending']);
      expect(saved.canary).to.deep.equal({ soaked: ['*operation*'], confirmed: [] });
      expect(saved.halt?.resumeCommand).to.match(/ resume --confirm/);
      expect(events(h, 'canary-soaked')[0]).to.deep.include({ scope: 'the operation', nodes: ['m1'], passes: 4 });
      expect(events(h, 'operation-waiting-for-confirmation')).to.have.length(1);
      for (const n of ['m2', 'w1']) expect(h.world.node(n).calls.drain, n).to.equal(0);

      // resume without --confirm stops again at once, without another soak
      expect(await h.run({ resumed: true, record: saved })).to.equal('waiting');
      expect(events(h, 'canary-soaked')).to.have.length(1);
      saved = await h.load();
      expect(await h.run({ resumed: true, record: saved, deps: { confirmCanary: true } })).to.equal('completed');
      saved = await h.load();
      expect(saved.canary).to.deep.equal({ soaked: ['*operation*'], confirmed: ['*operation*'] });
      for (const n of SIX) expect(h.world.node(n.name).version, n.name).to.equal(TARGET);
    });

    it('scope pool without confirm: each pool\'s first node alone, then the rest of that pool at its budget', async () => {
      h = await makeHarness({ nodes: SIX, configExtra: `${POOLS}\ncanary: { nodes: 1, soak: 0s, scope: pool }` });
      const seen = sampleRoles(h);
      expect(await h.run()).to.equal('completed');
      expect(events(h, 'canary-soaked').map((e) => e.scope)).to.deep.equal(['pool masters', 'pool workers']);
      const started = events(h, 'node-started').map((e) => e.node);
      const w1Done = h.events.findIndex((e) => e.type === 'node-completed' && e.node === 'w1');
      const w2Start = h.events.findIndex((e) => e.type === 'node-started' && e.node === 'w2');
      expect(started.indexOf('w1')).to.be.lessThan(started.indexOf('w2'));
      expect(w2Start, 'the rest of the workers after the canary').to.be.greaterThan(w1Done);
      expect(seen.maxWorkers).to.equal(2);
    });
  });
});
