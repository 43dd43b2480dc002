import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { KubectlClient } from '../../coordinator/cluster/kubectl.js';
import type { ForeseenDrainBlocker } from '../../coordinator/ports/cluster.js';
import { runCommand, type CommandSpec } from '../../shared/exec/command-runner.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { requireKubectl } from '../kube-api/kubectl-support.js';
import { startTestCluster, type TestCluster } from '../kube-api/test-cluster.js';

/** A ReplicaSet of `replicas` pods pinned to `node`, as an operator would write it. */
function replicaSet(name: string, replicas: number, node: string): object {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { nodeSelector: { 'kubernetes.io/hostname': node }, containers: [{ name, image: 'nginx:1.27' }] } },
    },
  };
}

function budget(name: string, app: string, spec: { minAvailable: number | string } | { maxUnavailable: number | string }): object {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec: { ...spec, selector: { matchLabels: { app } } } };
}

describe('drain foresight through KubectlClient, the real kubectl and the test API server', function () {
  this.timeout(60_000);
  let cluster: TestCluster;
  let client: KubectlClient;
  let calls: string[][];

  const create = async (name: string, ...objects: object[]): Promise<void> => {
    const manifest = join(cluster.kubectl.dir, `${name}.json`);
    await writeFile(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    await cluster.kubectl.run(['create', '--validate=false', '-f', manifest]);
  };
  const runningOn = (app: string, node: string, count: number) =>
    waitFor({ what: `${count} ${app} pods Running on ${node}`, timeoutMs: 15_000, initialDelayMs: 50 }, async () => {
      const pods = cluster.api.store.pods.list('default').filter((p) => p.metadata.labels?.app === app && p.spec.nodeName === node && p.status?.phase === 'Running');
      const budgets = cluster.api.store.poddisruptionbudgets.list('default').filter((b) => b.spec.selector?.matchLabels?.app === app);
      const synced = budgets.every((b) => b.status?.currentHealthy === count);
      return pods.length === count && synced ? ready(pods.map((p) => p.metadata.name)) : notYet(`${pods.length} running, budgets synced: ${synced}`);
    });
  const foresee = async (node: string): Promise<ForeseenDrainBlocker[]> => {
    const found = await client.foreseeDrainBlockers(node);
    expect(cluster.api.activity.find({ type: 'EvictionAccepted' }), 'nothing evicted').to.deep.equal([]);
    expect(cluster.api.store.nodes.get(node)?.spec?.unschedulable, 'not cordoned').to.equal(undefined);
    return found;
  };

  beforeEach(async () => {
    await requireKubectl();
    cluster = await startTestCluster({ nodes: ['node-1', 'node-2', 'node-3'], podStartDelayMs: 200, podTerminationDelayMs: 100 });
    calls = [];
    client = new KubectlClient({
      kubectl: process.env.KUBECTL ?? 'kubectl',
      kubeconfig: cluster.kubectl.kubeconfig,
      env: { ...process.env, KUBECACHEDIR: cluster.kubectl.cacheDir },
      callTimeoutMs: 30_000,
      runner: (spec: CommandSpec) => {
        calls.push([...spec.args]);
        return runCommand(spec);
      },
    });
  });
  afterEach(async () => {
    await cluster?.close();
  });

  it('finds nothing on a node whose budgets allow the evictions (DaemonSet and mirror pods left alone), asking the API about budgeted pods only', async () => {
    const node = cluster.seeded!.budgeted.nodeWithTwo;
    expect(await foresee(node)).to.deep.equal([]);
    const asked = calls.filter((a) => a.includes('--raw')).map((a) => a[a.indexOf('--raw') + 1]);
    // The two payments pods (budget minAvailable 2 of 3) were judged by a dry-run eviction; web, cache, kube-proxy, etcd were not asked.
    expect(asked).to.have.length(2);
    expect(asked.every((p) => /^\/api\/v1\/namespaces\/default\/pods\/payments-[a-z0-9]{5}\/eviction\?dryRun=All$/.test(p ?? ''))).to.equal(true);
    expect(cluster.api.activity.find({ type: 'EvictionDryRun' }).map((a) => a.detail)).to.deep.equal(['allowed', 'allowed']);
  });

  it('names a one-replica app with minAvailable 1, a budget with maxUnavailable 0 and a pod without a controller', async () => {
    await create('apps', replicaSet('solo', 1, 'node-2'), budget('solo', 'solo', { minAvailable: 1 }), replicaSet('frozen', 2, 'node-2'), budget('frozen', 'frozen', { maxUnavailable: 0 }));
    const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug-shell', namespace: 'default' }, spec: { nodeName: 'node-2', containers: [{ name: 'sh', image: 'busybox:1.36' }] } };
    await create('bare', bare);
    const [solo] = await runningOn('solo', 'node-2', 1);
    const frozen = await runningOn('frozen', 'node-2', 2);

    const found = await foresee('node-2');
    const byPod = new Map(found.map((b) => [b.pod, b]));
    expect(found).to.have.length(4);
    expect(byPod.get(solo!)).to.deep.equal({
      namespace: 'default',
      pod: solo,
      reason: 'disruption-budget',
      budgets: ['default/solo'],
      why: 'PodDisruptionBudget default/solo: one replica with minAvailable 1: it never allows an eviction',
    });
    for (const pod of frozen) {
      expect(byPod.get(pod)).to.include({ reason: 'disruption-budget', why: 'PodDisruptionBudget default/frozen has maxUnavailable 0: it never allows an eviction' });
    }
    expect(byPod.get('debug-shell')).to.deep.include({ reason: 'unmanaged', budgets: [] });
    expect(cluster.api.store.pods.get(solo!, 'default')?.metadata.deletionTimestamp).to.equal(undefined);
    expect(await foresee('node-3'), 'other nodes unaffected').to.deep.equal([]);
  });

  it('names every budget of a pod two budgets cover (the API refuses it with a 500), and a budget whose minAvailable equals its pods', async () => {
    await create('apps', replicaSet('pair', 2, 'node-3'), budget('pair-a', 'pair', { maxUnavailable: 1 }), budget('pair-b', 'pair', { minAvailable: 1 }));
    await create('web-budget', budget('web-strict', 'web', { minAvailable: 3 }));
    const pair = await runningOn('pair', 'node-3', 2);
    const found = await foresee('node-3');
    const web = cluster.api.store.pods.list('default').find((p) => p.metadata.labels?.app === 'web' && p.spec.nodeName === 'node-3')!;
    expect(found.map((b) => b.pod).sort()).to.deep.equal([...pair, web.metadata.name].sort());
    for (const b of found.filter((x) => x.pod.startsWith('pair-'))) {
      expect(b).to.deep.include({ reason: 'several-budgets', budgets: ['default/pair-a', 'default/pair-b'] });
      expect(b.why).to.equal('covered by more than one PodDisruptionBudget (default/pair-a, default/pair-b), which the eviction API refuses');
    }
    expect(found.find((b) => b.pod === web.metadata.name)?.why).to.equal('PodDisruptionBudget default/web-strict: 3 pods with minAvailable 3: it never allows an eviction');
  });
});
