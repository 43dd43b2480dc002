import { expect } from 'chai';
import { drainTreatment, explainBudget, foreseeDrainBlockersOfNodes, type FleetDrainForesightSource } from '../../../coordinator/cluster/drain-foresight.js';
import { readEvictionJudgement, type EvictionJudgement } from '../../../coordinator/cluster/eviction-dry-run.js';
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

  describe('of many nodes at once (plan)', () => {
    /** A cluster with node-0…node-(n−1), calls counted; pods: an unmanaged one on node-1, a budgeted one on node-2 whose eviction the API refuses. */
    const cluster = (n: number, fail: { listing?: boolean; dryRun?: boolean } = {}) => {
      const calls = { listPods: 0, listPodDisruptionBudgets: 0, dryRunEviction: [] as string[] };
      const pods = [
        ...Array.from({ length: n }, (_, i) => pod({ name: `ds-${i}`, nodeName: `node-${i}`, controllerKind: 'DaemonSet' })),
        pod({ name: 'bare', nodeName: 'node-1' }),
        pod({ namespace: 'shop', name: 'solo', nodeName: 'node-2', controllerKind: 'ReplicaSet', labels: { app: 'solo' } }),
        pod({ name: 'pending' }),
      ];
      const source: FleetDrainForesightSource = {
        listPods: async () => {
          calls.listPods += 1;
          if (fail.listing) throw new Error('connection refused');
          return pods;
        },
        listPodDisruptionBudgets: async () => {
          calls.listPodDisruptionBudgets += 1;
          return [pdb({ namespace: 'shop', name: 'solo', matchLabels: { app: 'solo' }, maxUnavailable: 0, disruptionsAllowed: 0 })];
        },
        dryRunEviction: async (namespace, name): Promise<EvictionJudgement> => {
          calls.dryRunEviction.push(`${namespace}/${name}`);
          if (fail.dryRun) throw new Error('kubectl create --raw: Forbidden');
          return { verdict: 'refused-by-budget', message: 'Cannot evict pod' };
        },
      };
      return { source, calls };
    };

    it('reads the pods and the budgets once for all the nodes, and asks the API only about budgeted pods', async () => {
      const { source, calls } = cluster(500);
      const nodes = Array.from({ length: 500 }, (_, i) => `node-${i}`);
      const found = await foreseeDrainBlockersOfNodes(source, nodes);
      expect(calls.listPods).to.equal(1);
      expect(calls.listPodDisruptionBudgets).to.equal(1);
      expect(calls.dryRunEviction).to.deep.equal(['shop/solo']);
      expect(found.map((f) => f.node)).to.deep.equal(nodes);
      expect(found.filter((f) => f.blockers.length > 0).map((f) => [f.node, f.blockers.map((b) => `${b.reason} ${b.namespace}/${b.pod}`)])).to.deep.equal([
        ['node-1', ['unmanaged default/bare']],
        ['node-2', ['disruption-budget shop/solo']],
      ]);
      expect(found[2]!.blockers[0]!.why).to.equal('PodDisruptionBudget shop/solo has maxUnavailable 0: it never allows an eviction');
    });

    it('a failed listing fails every node, a failed dry run only its own node', async () => {
      const listing = await foreseeDrainBlockersOfNodes(cluster(3, { listing: true }).source, ['node-0', 'node-1', 'node-2']);
      expect(listing).to.deep.equal(['node-0', 'node-1', 'node-2'].map((node) => ({ node, blockers: [], error: 'connection refused' })));
      const dryRun = await foreseeDrainBlockersOfNodes(cluster(3, { dryRun: true }).source, ['node-0', 'node-2']);
      expect(dryRun).to.deep.equal([
        { node: 'node-0', blockers: [] },
        { node: 'node-2', blockers: [], error: 'kubectl create --raw: Forbidden' },
      ]);
    });
  });
});
