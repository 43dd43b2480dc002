import { expect } from 'chai';
import {
  budgetTarget,
  BudgetError,
  computeDisruptionStatus,
  consumeDisruption,
  DISRUPTED_POD_TIMEOUT_MS,
  evictionIgnoresBudget,
  scaledValue,
  unhealthyPodMayBeEvicted,
} from './disruption-budget.js';
import { toKubeTime } from './k8s-time.js';
import type { IntOrString, Pod, PodDisruptionBudget } from './k8s-types.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');

function pod(name: string, opts: { ready?: boolean; phase?: NonNullable<Pod['status']>['phase']; terminating?: boolean } = {}): Pod {
  const p: Pod = {
    metadata: { name, namespace: 'default', labels: { app: 'payments' } },
    spec: { containers: [{ name: 'c', image: 'x' }], nodeName: 'n1' },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
  if (opts.terminating) p.metadata.deletionTimestamp = toKubeTime(NOW);
  return p;
}

function pdb(budget: { minAvailable?: IntOrString; maxUnavailable?: IntOrString }, status?: PodDisruptionBudget['status']): PodDisruptionBudget {
  const b: PodDisruptionBudget = { metadata: { name: 'payments', namespace: 'default', generation: 1 }, spec: { selector: { matchLabels: { app: 'payments' } }, ...budget } };
  if (status) b.status = status;
  return b;
}

const noScale = (): number => {
  throw new BudgetError('found no controllers for pod "x"');
};

describe('kube-api PodDisruptionBudget arithmetic', () => {
  it('scales percentages of a total, rounding as asked', () => {
    expect(scaledValue(2, 10, true)).to.equal(2);
    expect(scaledValue('50%', 3, true)).to.equal(2);
    expect(scaledValue('50%', 3, false)).to.equal(1);
    expect(scaledValue('100%', 4, true)).to.equal(4);
    expect(() => scaledValue('2', 3, true)).to.throw(BudgetError, /not a percentage/);
  });

  it('derives expected pods and desired healthy from minAvailable and maxUnavailable', () => {
    expect(budgetTarget(pdb({ minAvailable: 2 }), 3, noScale)).to.deep.equal({ expectedPods: 3, desiredHealthy: 2 });
    expect(budgetTarget(pdb({ minAvailable: '50%' }), 3, () => 5)).to.deep.equal({ expectedPods: 5, desiredHealthy: 3 });
    expect(budgetTarget(pdb({ maxUnavailable: 1 }), 3, () => 3)).to.deep.equal({ expectedPods: 3, desiredHealthy: 2 });
    expect(budgetTarget(pdb({ maxUnavailable: '34%' }), 3, () => 3)).to.deep.equal({ expectedPods: 3, desiredHealthy: 1 });
    expect(budgetTarget(pdb({ maxUnavailable: 5 }), 3, () => 3)).to.deep.equal({ expectedPods: 3, desiredHealthy: 0 });
    expect(budgetTarget(pdb({}), 3, noScale)).to.deep.equal({ expectedPods: 0, desiredHealthy: 0 });
  });

  it('counts Ready pods that are neither terminating nor already granted an eviction', () => {
    const pods = [pod('a'), pod('b'), pod('c', { ready: false }), pod('d', { terminating: true }), pod('e')];
    const budget = pdb({ minAvailable: 2 }, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptedPods: { e: toKubeTime(NOW - 1000), d: toKubeTime(NOW) } });
    const status = computeDisruptionStatus(budget, pods, noScale, NOW);
    expect(status).to.include({ currentHealthy: 2, desiredHealthy: 2, expectedPods: 5, disruptionsAllowed: 0, observedGeneration: 1 });
    expect(status.disruptedPods, 'the terminating pod leaves the map').to.deep.equal({ e: toKubeTime(NOW - 1000) });
    expect(status.conditions?.[0]).to.include({ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' });
  });

  it('forgets a granted eviction after two minutes without deletion', () => {
    const budget = pdb({ minAvailable: 1 }, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptedPods: { a: toKubeTime(NOW - DISRUPTED_POD_TIMEOUT_MS - 1000) } });
    const status = computeDisruptionStatus(budget, [pod('a'), pod('b')], noScale, NOW);
    expect(status).to.include({ currentHealthy: 2, disruptionsAllowed: 1 });
    expect(status.disruptedPods).to.equal(undefined);
    expect(status.conditions?.[0]).to.include({ status: 'True', reason: 'SufficientPods' });
  });

  it('allows nothing when the budget cannot be computed (fail safe) or no pods are expected', () => {
    const failed = computeDisruptionStatus(pdb({ maxUnavailable: 1 }), [pod('a'), pod('b')], noScale, NOW);
    expect(failed.disruptionsAllowed).to.equal(0);
    expect(failed.conditions?.[0]).to.include({ status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "x"' });
    expect(computeDisruptionStatus(pdb({ minAvailable: 0 }), [], noScale, NOW).disruptionsAllowed).to.equal(0);
  });

  it('takes one disruption per eviction and refuses with the real cause text at zero', () => {
    const budget = pdb({ minAvailable: 2 });
    budget.status = computeDisruptionStatus(budget, [pod('a'), pod('b'), pod('c')], noScale, NOW);
    const first = consumeDisruption(budget, 'a', NOW);
    expect(first.allowed).to.equal(true);
    if (!first.allowed) return;
    expect(first.status).to.include({ disruptionsAllowed: 0 });
    expect(first.status.disruptedPods).to.deep.equal({ a: toKubeTime(NOW) });
    const second = consumeDisruption({ ...budget, status: first.status }, 'b', NOW);
    expect(second).to.deep.equal({ allowed: false, cause: 'The disruption budget payments needs 2 healthy pods and has 3 currently' });
    // What the next eviction sees once the first pod is terminating: 2 healthy, 2 needed.
    const recomputed = computeDisruptionStatus(budget, [pod('a', { terminating: true }), pod('b'), pod('c')], noScale, NOW);
    expect(consumeDisruption({ ...budget, status: recomputed }, 'b', NOW)).to.deep.equal({ allowed: false, cause: 'The disruption budget payments needs 2 healthy pods and has 2 currently' });
  });

  it('refuses while the controller has not observed the current generation', () => {
    const budget = pdb({ minAvailable: 1 }, { observedGeneration: 1, disruptionsAllowed: 3, currentHealthy: 4, desiredHealthy: 1, expectedPods: 4 });
    budget.metadata.generation = 2;
    expect(consumeDisruption(budget, 'a', NOW)).to.deep.equal({ allowed: false, cause: 'The disruption budget payments is still being processed by the server.' });
  });

  it('lets Pending, finished and terminating pods skip the budget', () => {
    expect(evictionIgnoresBudget(pod('a', { phase: 'Pending' }))).to.equal(true);
    expect(evictionIgnoresBudget(pod('a', { phase: 'Succeeded' }))).to.equal(true);
    expect(evictionIgnoresBudget(pod('a', { phase: 'Failed' }))).to.equal(true);
    expect(evictionIgnoresBudget(pod('a', { terminating: true }))).to.equal(true);
    expect(evictionIgnoresBudget(pod('a'))).to.equal(false);
  });

  it('evicts an unready pod without a disruption only when the budget is met (IfHealthyBudget) or AlwaysAllow', () => {
    const met = pdb({ minAvailable: 2 }, { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 });
    const short = pdb({ minAvailable: 2 }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 3 });
    expect(unhealthyPodMayBeEvicted(met, pod('a', { ready: false }))).to.equal(true);
    expect(unhealthyPodMayBeEvicted(short, pod('a', { ready: false }))).to.equal(false);
    expect(unhealthyPodMayBeEvicted(met, pod('a'))).to.equal(false, 'a ready pod always needs a disruption');
    short.spec.unhealthyPodEvictionPolicy = 'AlwaysAllow';
    expect(unhealthyPodMayBeEvicted(short, pod('a', { ready: false }))).to.equal(true);
  });
});
