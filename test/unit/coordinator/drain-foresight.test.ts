import { expect } from 'chai';
import { drainTreatment, explainBudget } from '../../../coordinator/cluster/drain-foresight.js';
import { readEvictionJudgement } from '../../../coordinator/cluster/eviction-dry-run.js';
import type { KubePod, KubePodDisruptionBudget } from '../../../coordinator/ports/cluster.js';
import { CommandError, type CommandResult } from '../../../shared/exec/command-runner.js';

const pod = (extra: Partial<KubePod>): KubePod => ({ namespace: 'default', name: 'p', phase: 'Running', terminating: false, notReadyContainers: [], waitingReasons: [], labels: {}, ...extra });
const pdb = (extra: Partial<KubePodDisruptionBudget>): KubePodDisruptionBudget => ({ namespace: 'default', name: 'b', matchLabels: {}, matchExpressions: [], ...extra });
const kubectl = (exitCode: number, stderr: string): CommandResult => ({ command: 'kubectl create --raw …', exitCode, signal: null, stdout: '', stderr, truncated: false, durationMs: 1 });

describe('drain foresight: kubectl drain filters, the eviction verdict, the budget explained', () => {
  it('treats pods as kubectl drain --ignore-daemonsets does without --force', () => {
    expect(drainTreatment(pod({ controllerKind: 'DaemonSet' }))).to.equal('left');
    expect(drainTreatment(pod({ mirror: true }))).to.equal('left');
    expect(drainTreatment(pod({ controllerKind: 'ReplicaSet' }))).to.equal('evicted');
    expect(drainTreatment(pod({}))).to.equal('refused');
    expect(drainTreatment(pod({ phase: 'Succeeded' })), 'a finished pod is deleted whatever owns it').to.equal('evicted');
  });

  it('reads the API verdict from kubectl create --raw (429, the 500 of overlapping budgets, 404) and throws on anything else', () => {
    expect(readEvictionJudgement(kubectl(0, ''))).to.deep.equal({ verdict: 'allowed' });
    expect(readEvictionJudgement(kubectl(1, "Error from server (TooManyRequests): Cannot evict pod as it would violate the pod's disruption budget.\n")).verdict).to.equal('refused-by-budget');
    expect(readEvictionJudgement(kubectl(1, 'Error from server: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.\n')).verdict).to.equal('several-budgets');
    expect(readEvictionJudgement(kubectl(1, 'Error from server (NotFound): pods "p" not found\n'))).to.deep.equal({ verdict: 'gone' });
    expect(() => readEvictionJudgement(kubectl(1, 'Error from server (Forbidden): pods "p" is forbidden\n'))).to.throw(CommandError, /Forbidden/);
  });

  it('explains why a budget allows no eviction', () => {
    expect(explainBudget(pdb({ maxUnavailable: '0%', disruptionsAllowed: 0 }))).to.equal('PodDisruptionBudget default/b has maxUnavailable 0: it never allows an eviction');
    expect(explainBudget(pdb({ minAvailable: 1, expectedPods: 1, desiredHealthy: 1, currentHealthy: 1, disruptionsAllowed: 0 }))).to.equal(
      'PodDisruptionBudget default/b: one replica with minAvailable 1: it never allows an eviction',
    );
    expect(explainBudget(pdb({ minAvailable: 2, expectedPods: 3, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 }))).to.equal(
      'PodDisruptionBudget default/b allows no disruption now (disruptionsAllowed 0: needs 2 healthy pods and has 2)',
    );
  });
});
