import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { controllerOf, isPodReady } from './k8s-predicates.js';
import type { Node, Pod } from './k8s-types.js';
import { requireKubectl, type PodList } from './kubectl-support.js';
import { startTestCluster, type TestCluster } from './test-cluster.js';

const DRAIN = ['drain', '--ignore-daemonsets', '--delete-emptydir-data'];

describe('real kubectl drain against the test API server', function () {
  this.timeout(60_000);

  describe('a node holding two pods of an app whose budget allows one disruption', () => {
    let cluster: TestCluster;
    let drained: Awaited<ReturnType<TestCluster['kubectl']['run']>>;
    let target: string;
    let podsBefore: Pod[];

    before(async () => {
      await requireKubectl();
      cluster = await startTestCluster({ nodes: ['node-1', 'node-2', 'node-3'], podStartDelayMs: 1500, podTerminationDelayMs: 300 });
      target = cluster.seeded!.budgeted.nodeWithTwo;
      podsBefore = cluster.api.store.pods.list();
      drained = await cluster.kubectl.run([...DRAIN, '--timeout=60s', target], { timeoutMs: 90_000 });
    });
    after(async () => {
      await cluster?.close();
    });

    it('succeeds after retrying the eviction the budget refused (429, "will retry after 5s")', () => {
      expect(drained.exitCode).to.equal(0);
      expect(drained.stdout).to.contain(`node/${target} cordoned`);
      expect(drained.stdout).to.contain(`node/${target} drained`);
      expect(drained.stderr).to.match(/Warning: ignoring DaemonSet-managed Pods: .*kube-system\/kube-proxy-/);
      expect(drained.stderr).to.match(/error when evicting pods\/"payments-[a-z0-9]{5}" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
      // kubectl waited the 5 s the 429 asked for before retrying (a lower bound: load only lengthens it)
      expect(drained.durationMs).to.be.at.least(5000);
    });

    it('evicted the second budgeted pod only after a replacement of the first was Running and Ready', () => {
      const activity = cluster.api.activity;
      const budgeted = podsBefore.filter((p) => p.spec.nodeName === target && p.metadata.labels?.app === 'payments').map((p) => p.metadata.name);
      expect(budgeted).to.have.length(2);
      const accepted = budgeted.map((name) => activity.find({ type: 'EvictionAccepted', name })[0]!).sort((a, b) => a.at - b.at);
      expect(accepted.every((a) => a !== undefined)).to.equal(true);
      const [first, second] = accepted as [NonNullable<(typeof accepted)[0]>, NonNullable<(typeof accepted)[0]>];
      expect(activity.find({ type: 'EvictionRefused', name: second.name }).length, 'the second eviction was refused at least once').to.be.at.least(1);
      const replacements = activity.find({ type: 'PodCreated', detail: 'ReplicaSet/payments' }).filter((c) => c.at >= first.at);
      const runningBeforeSecond = replacements.filter((c) => activity.find({ type: 'PodRunning', name: c.name }).some((r) => r.at <= second.at));
      expect(runningBeforeSecond.length, 'a payments replacement ran before the second eviction').to.be.at.least(1);
    });

    it('left only DaemonSet and mirror pods on the node, which stays cordoned', async () => {
      const left = await cluster.kubectl.json<PodList>(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${target}`]);
      const kinds = left.items.map((p) => controllerOf(p)?.kind);
      expect(kinds.sort()).to.deep.equal(['DaemonSet', 'DaemonSet', 'Node']);
      expect(left.items.map((p) => p.metadata.name)).to.include(`etcd-${target}`);
      const node = await cluster.kubectl.json<Node>(['get', 'node', target]);
      expect(node.spec?.unschedulable).to.equal(true);
      expect(node.spec?.taints).to.deep.include({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
    });

    it('has every evicted pod replaced and Running on other nodes; uncordon then works', async () => {
      const pods = await waitFor({ what: 'every pod Running and Ready', timeoutMs: 10_000, initialDelayMs: 100 }, async () => {
        const list = await cluster.kubectl.json<PodList>(['get', 'pods', '-A']);
        const waiting = list.items.filter((p) => p.status?.phase !== 'Running' || !isPodReady(p) || p.metadata.deletionTimestamp);
        return waiting.length === 0 ? ready(list.items) : notYet(waiting.map((p) => `${p.metadata.name}:${p.status?.phase}`).join(', '));
      });
      const replicated = pods.filter((p) => controllerOf(p)?.kind === 'ReplicaSet');
      expect(replicated.filter((p) => p.metadata.labels?.app === 'payments')).to.have.length(3);
      expect(replicated.filter((p) => p.metadata.labels?.app === 'cache')).to.have.length(1);
      expect(replicated.every((p) => p.spec.nodeName !== target)).to.equal(true);

      expect((await cluster.kubectl.run(['uncordon', target])).stdout.trim()).to.equal(`node/${target} uncordoned`);
      const node = await cluster.kubectl.json<Node>(['get', 'node', target]);
      expect(node.spec).to.not.have.property('unschedulable');
    });
  });

  describe('a budget that can never be satisfied', () => {
    let cluster: TestCluster;

    before(async () => {
      await requireKubectl();
      cluster = await startTestCluster({ nodes: ['node-1', 'node-2', 'node-3'], podStartDelayMs: 500, podTerminationDelayMs: 100 });
    });
    after(async () => {
      await cluster?.close();
    });

    it('makes drain --timeout=8s fail with rc 1 and leaves the node cordoned with the pod in place', async () => {
      const manifest = join(cluster.kubectl.dir, 'web-pdb.json');
      const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web-all', namespace: 'default' }, spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } } };
      await writeFile(manifest, JSON.stringify(pdb));
      // --validate=false: this server publishes no OpenAPI document to validate against.
      expect((await cluster.kubectl.run(['create', '--validate=false', '-f', manifest])).stdout.trim()).to.equal('poddisruptionbudget.policy/web-all created');

      const target = 'node-1';
      const web = cluster.api.store.pods.list().find((p) => p.spec.nodeName === target && p.metadata.labels?.app === 'web')!;
      const drain = await cluster.kubectl.run([...DRAIN, '--timeout=8s', target], { okExitCodes: [1], timeoutMs: 60_000 });
      expect(drain.exitCode).to.equal(1);
      expect(drain.stderr).to.contain(`error when evicting pods/"${web.metadata.name}" -n "default" (will retry after 5s)`);
      expect(drain.stderr).to.contain(`There are pending pods in node "${target}"`);
      expect(drain.stderr).to.contain('global timeout reached: 8s');

      const node = await cluster.kubectl.json<Node>(['get', 'node', target]);
      expect(node.spec?.unschedulable).to.equal(true);
      const still = cluster.api.store.pods.get(web.metadata.name, 'default');
      expect(still?.status?.phase).to.equal('Running');
      expect(still?.metadata.deletionTimestamp).to.equal(undefined);
      expect(cluster.api.store.poddisruptionbudgets.get('web-all', 'default')?.status).to.include({ currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0 });
    });
  });
});
