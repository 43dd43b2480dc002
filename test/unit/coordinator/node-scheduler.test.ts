import { expect } from 'chai';
import type { PoolConfig } from '../../../coordinator/config/config-types.js';
import { canaryNodes, nextDecision, OPERATION_SCOPE, type SchedulableNode, type ScheduleState } from '../../../coordinator/schedule/node-scheduler.js';
import { assignPools, budgetFor, resolvePools } from '../../../coordinator/schedule/pools.js';
import type { NodeStatus } from '../../../coordinator/state/operation-record.js';

const M = (name: string, status: NodeStatus = 'pending'): SchedulableNode => ({ name, role: 'master', status });
const W = (name: string, status: NodeStatus = 'pending', pool?: string): SchedulableNode => ({ name, role: 'node', status, ...(pool ? { pool } : {}) });

function state(nodes: SchedulableNode[], over: Partial<ScheduleState> & { workers?: number } = {}): ScheduleState {
  const pools = resolvePools([{ name: 'masters', selector: 'm', maxUnavailable: { count: 3 } }, { name: 'workers', selector: 'w', maxUnavailable: { count: over.workers ?? 2 } }], nodes);
  return { nodes, pools, inFlight: new Set(), halted: false, blockedUntilOneFinishes: new Set(), canaryCleared: new Set(), ...over };
}

/** Starts what the scheduler allows, marking nodes in flight, until it waits or is done. */
function startAll(s: ScheduleState): string[] {
  const inFlight = new Set(s.inFlight);
  const started: string[] = [];
  for (;;) {
    const d = nextDecision({ ...s, inFlight });
    if (d.kind !== 'start') return started;
    started.push(d.node);
    inFlight.add(d.node);
    const n = s.nodes.find((x) => x.name === d.node)!;
    n.status = 'in-progress';
  }
}

describe('node scheduler: which node may start now', () => {
  it('starts workers of a pool up to its budget at once, and no more', () => {
    const nodes = [W('w1'), W('w2'), W('w3')];
    expect(startAll(state(nodes))).to.deep.equal(['w1', 'w2']);
    expect(nextDecision(state(nodes, { inFlight: new Set(['w1', 'w2']) }))).to.deep.include({ kind: 'wait', node: 'w3' });
  });

  it('starts a master only alone, even when its pool allows more', () => {
    const nodes = [M('m1'), M('m2'), M('m3'), W('w1')];
    expect(startAll(state(nodes))).to.deep.equal(['m1']);
    const d = nextDecision(state(nodes, { inFlight: new Set(['m1']) }));
    expect(d).to.deep.include({ kind: 'wait', node: 'm2' });
    expect(d.kind === 'wait' && d.reason).to.match(/master m1 \(an etcd member\) is in flight/);
  });

  it('runs pools one after another: no worker starts while a master is unfinished', () => {
    const nodes = [M('m1', 'completed'), M('m2', 'in-progress'), W('w1'), W('w2')];
    const d = nextDecision(state(nodes, { inFlight: new Set(['m2']) }));
    expect(d).to.deep.include({ kind: 'wait', node: 'w1' });
    nodes[1]!.status = 'completed';
    expect(startAll(state(nodes))).to.deep.equal(['w1', 'w2']);
  });

  it('resumes nodes left in progress first, within the budget', () => {
    const nodes = [M('m1', 'completed'), W('w1', 'in-progress'), W('w2', 'in-progress'), W('w3', 'in-progress')];
    expect(startAll(state(nodes))).to.deep.equal(['w1', 'w2']);
  });

  it('a master never starts beside a worker in flight (a pool mixing roles)', () => {
    const nodes = [W('w1', 'pending', 'all'), M('m1', 'pending')].map((n) => ({ ...n, pool: 'all' }));
    const pools = resolvePools([{ name: 'all', selector: 'x', maxUnavailable: { count: 5 } }], nodes);
    expect(pools[0]).to.deep.include({ maxUnavailable: 5, note: 'its masters (etcd members) go one at a time, alone' });
    const d = nextDecision({ nodes, pools, inFlight: new Set(['w1']), halted: false, blockedUntilOneFinishes: new Set(), canaryCleared: new Set() });
    expect(d).to.deep.include({ kind: 'wait', node: 'm1' });
  });

  it('a candidate whose drain is blocked by a PDB waits for an in-flight node, and starts once none is', () => {
    const nodes = [W('w1', 'in-progress'), W('w2')];
    const blocked = new Set(['w2']);
    const d = nextDecision(state(nodes, { inFlight: new Set(['w1']), blockedUntilOneFinishes: blocked }));
    expect(d).to.deep.include({ kind: 'wait', node: 'w2' });
    expect(d.kind === 'wait' && d.reason).to.match(/PodDisruptionBudget while w1 is in flight/);
    // nothing in flight: the gates' own drain.onBlocked policy decides (the node starts and its gate step waits or halts)
    const later: SchedulableNode[] = [W('w1', 'completed'), W('w2')];
    expect(nextDecision(state(later, { blockedUntilOneFinishes: blocked }))).to.deep.include({ kind: 'start', node: 'w2' });
  });

  it('nodes an earlier run left out of service go first and count against the budget until back', () => {
    const nodes = [M('m1', 'completed'), W('w1'), W('w2', 'failed'), W('w3')];
    const left = new Set(['w2']);
    expect(nextDecision(state(nodes, { workers: 1, leftOutOfService: left }))).to.deep.include({ kind: 'start', node: 'w2' });
    expect(nextDecision(state(nodes, { workers: 1, inFlight: new Set(['w2']) }))).to.deep.include({ kind: 'wait', node: 'w1' });
    // budget 2: one left out of service, one more may go
    expect(nextDecision(state([...nodes], { workers: 2, leftOutOfService: new Set(['w3']) }))).to.deep.include({ kind: 'start', node: 'w3' });
  });

  it('once halted, nothing new starts', () => {
    expect(nextDecision(state([W('w1', 'failed'), W('w2')], { halted: true }))).to.deep.equal({ kind: 'done' });
  });

  it('is done when every node is completed or skipped', () => {
    expect(nextDecision(state([M('m1', 'completed'), W('w1', 'skipped')]))).to.deep.equal({ kind: 'done' });
  });

  describe('canary', () => {
    it('scope operation: the first node goes alone, then the canary is soaked/confirmed before any other starts', () => {
      const nodes = [M('m1'), M('m2'), W('w1'), W('w2')];
      const canary = { nodes: 1, scope: 'operation' as const };
      expect(startAll(state(nodes, { canary }))).to.deep.equal(['m1']);
      nodes[0]!.status = 'completed';
      expect(nextDecision(state(nodes, { canary }))).to.deep.equal({ kind: 'canary-done', scope: OPERATION_SCOPE, nodes: ['m1'] });
      expect(startAll(state(nodes, { canary, canaryCleared: new Set([OPERATION_SCOPE]) }))).to.deep.equal(['m2']);
    });

    it('scope pool: the first worker goes alone even with budget 2; the rest of the pool waits for it', () => {
      const nodes = [M('m1', 'completed'), W('w1'), W('w2'), W('w3')];
      const canary = { nodes: 1, scope: 'pool' as const };
      const cleared = new Set(['masters']);
      expect(startAll(state(nodes, { canary, canaryCleared: cleared }))).to.deep.equal(['w1']);
      nodes[1]!.status = 'completed';
      expect(nextDecision(state(nodes, { canary, canaryCleared: cleared }))).to.deep.equal({ kind: 'canary-done', scope: 'workers', nodes: ['w1'] });
      expect(startAll(state(nodes, { canary, canaryCleared: new Set(['masters', 'workers']) }))).to.deep.equal(['w2', 'w3']);
    });

    it('skipped nodes are not canaries', () => {
      expect(canaryNodes([W('w1', 'skipped'), W('w2'), W('w3')], { nodes: 1, scope: 'pool' }).get('workers')).to.deep.equal(['w2']);
    });
  });
});

describe('pools: budgets and membership', () => {
  it('rounds a percentage down, at least 1', () => {
    expect(budgetFor({ percent: 25 }, 10)).to.equal(2);
    expect(budgetFor({ percent: 50 }, 3)).to.equal(1);
    expect(budgetFor({ percent: 10 }, 3)).to.equal(1);
    expect(budgetFor({ percent: 100 }, 40)).to.equal(40);
    expect(budgetFor({ count: 3 }, 2)).to.equal(3);
  });

  it('overrides a masters pool budget to 1 and says so', () => {
    const [pool] = resolvePools([{ name: 'cp', selector: 'x', maxUnavailable: { percent: 100 } }], [M('m1'), M('m2'), M('m3')].map((n) => ({ ...n, pool: 'cp' })));
    expect(pool).to.deep.include({ name: 'cp', maxUnavailable: 1, configured: '100%', note: 'configured 100%, but masters (etcd members) go one at a time' });
  });

  it('default pools: masters then workers, one at a time', () => {
    expect(resolvePools([], [M('m1'), W('w1'), W('w2')]).map((p) => [p.name, p.maxUnavailable, p.nodes])).to.deep.equal([
      ['masters', 1, ['m1']],
      ['workers', 1, ['w1', 'w2']],
    ]);
  });

  it('assigns each node the first pool whose selector matches its labels; a node matching none is an error naming it', () => {
    const pools: PoolConfig[] = [
      { name: 'gpu', selector: 'accel in (gpu,tpu)', maxUnavailable: { count: 1 } },
      { name: 'workers', selector: '!node-role.kubernetes.io/master,zone!=b', maxUnavailable: { percent: 50 } },
    ];
    const labels: Record<string, Record<string, string>> = { g1: { accel: 'gpu' }, w1: { zone: 'a' }, w2: {}, m1: { 'node-role.kubernetes.io/master': '' }, b1: { zone: 'b' } };
    const nodes = ['g1', 'w1', 'w2'].map((name) => ({ name, role: 'node' as const }));
    expect([...assignPools(nodes, pools, (n) => labels[n]).entries()]).to.deep.equal([['g1', 'gpu'], ['w1', 'workers'], ['w2', 'workers']]);
    expect(() => assignPools([{ name: 'm1', role: 'master' }], pools, (n) => labels[n])).to.throw(/node m1 matches no pool's selector/);
    expect(() => assignPools([{ name: 'b1', role: 'node' }], pools, (n) => labels[n])).to.throw(/pools: node b1 matches no pool/);
  });
});
