import { expect } from 'chai';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { requireKubectl, type NodeList, type PodList } from './kubectl-support.js';
import type { Node } from './k8s-types.js';
import { startTestCluster, type TestCluster } from './test-cluster.js';

describe('real kubectl against the test API server: get, cordon, uncordon, annotate, label', function () {
  this.timeout(60_000);
  let cluster: TestCluster;
  const kubectl = (args: string[], okExitCodes = [0]) => cluster.kubectl.run(args, { okExitCodes });

  before(async () => {
    await requireKubectl();
    cluster = await startTestCluster({ nodes: ['node-1', 'node-2', 'node-3'] });
  });
  after(async () => {
    await cluster?.close();
  });

  it('get nodes -o json lists every registered node', async () => {
    const list = await cluster.kubectl.json<NodeList>(['get', 'nodes']);
    expect(list.kind).to.equal('List');
    expect(list.items.map((n) => n.metadata.name)).to.deep.equal(['node-1', 'node-2', 'node-3']);
    const first = list.items[0]!;
    expect(first.kind).to.equal('Node');
    expect(first.metadata.labels).to.include({ 'gravitational.io/k8s-role': 'master', 'kubernetes.io/hostname': 'node-1' });
    expect(first.status?.conditions?.find((c) => c.type === 'Ready')?.status).to.equal('True');
    expect(first.status?.nodeInfo?.kubeletVersion).to.equal('v1.32.4');
  });

  it('get node X -o json returns the object; a missing node is NotFound with rc 1', async () => {
    const node = await cluster.kubectl.json<Node>(['get', 'node', 'node-2']);
    expect(node.metadata.name).to.equal('node-2');
    expect(node.spec?.unschedulable).to.equal(undefined);
    const missing = await kubectl(['get', 'node', 'missing'], [1]);
    expect(missing.exitCode).to.equal(1);
    expect(missing.stderr.trim()).to.equal('Error from server (NotFound): nodes "missing" not found');
  });

  it('get pods -A -o json, whole and by spec.nodeName field selector', async () => {
    const all = await cluster.kubectl.json<PodList>(['get', 'pods', '-A']);
    expect(all.items.length).to.equal(cluster.api.store.pods.size);
    expect(new Set(all.items.map((p) => p.metadata.namespace))).to.deep.equal(new Set(['default', 'kube-system', 'monitoring']));
    const onNode = await cluster.kubectl.json<PodList>(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-1']);
    expect(onNode.items.length).to.be.greaterThan(0);
    expect(onNode.items.every((p) => p.spec.nodeName === 'node-1')).to.equal(true);
    expect(onNode.items.map((p) => p.metadata.name)).to.include('etcd-node-1');
    const human = await kubectl(['get', 'pods', '-n', 'default', '-o', 'wide']);
    expect(human.stdout).to.match(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
  });

  it('get daemonsets, replicasets and poddisruptionbudgets across namespaces (apps/v1, policy/v1)', async () => {
    const list = await cluster.kubectl.json<{ items: { kind: string; metadata: { namespace: string; name: string } }[] }>(['get', 'daemonsets,replicasets,poddisruptionbudgets', '-A']);
    const names = list.items.map((i) => `${i.kind}/${i.metadata.namespace}/${i.metadata.name}`);
    expect(names).to.include.members([
      'DaemonSet/kube-system/kube-proxy',
      'DaemonSet/monitoring/node-exporter',
      'ReplicaSet/default/payments',
      'ReplicaSet/default/cache',
      'PodDisruptionBudget/default/payments',
    ]);
    const pdb = await cluster.kubectl.json<{ status: { disruptionsAllowed: number; currentHealthy: number } }>(['get', 'pdb', 'payments', '-n', 'default']);
    expect(pdb.status).to.include({ disruptionsAllowed: 1, currentHealthy: 3 });
  });

  it('cordon sets spec.unschedulable and the controller adds the unschedulable taint; uncordon removes both', async () => {
    const cordon = await kubectl(['cordon', 'node-3']);
    expect(cordon.stdout.trim()).to.equal('node/node-3 cordoned');
    const cordoned = await waitFor({ what: 'the unschedulable taint on node-3', timeoutMs: 5000, initialDelayMs: 50 }, async () => {
      const node = await cluster.kubectl.json<Node>(['get', 'node', 'node-3']);
      const taint = node.spec?.taints?.find((t) => t.key === 'node.kubernetes.io/unschedulable');
      return taint ? ready(node) : notYet(JSON.stringify(node.spec));
    });
    expect(cordoned.spec?.unschedulable).to.equal(true);
    expect(cordoned.spec?.taints).to.deep.include({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
    expect((await kubectl(['cordon', 'node-3'])).stdout.trim()).to.equal('node/node-3 already cordoned');

    expect((await kubectl(['uncordon', 'node-3'])).stdout.trim()).to.equal('node/node-3 uncordoned');
    const uncordoned = await waitFor({ what: 'the taint gone from node-3', timeoutMs: 5000, initialDelayMs: 50 }, async () => {
      const node = await cluster.kubectl.json<Node>(['get', 'node', 'node-3']);
      return node.spec?.taints === undefined ? ready(node) : notYet(JSON.stringify(node.spec));
    });
    expect(uncordoned.spec).to.not.have.property('unschedulable');
  });

  it('annotate node and label node (merge patches) are visible in get; removal works', async () => {
    expect((await kubectl(['annotate', 'node', 'node-2', 'noderoll.io/phase=draining', '--overwrite'])).stdout.trim()).to.equal('node/node-2 annotated');
    expect((await kubectl(['label', 'node', 'node-2', 'noderoll.io/batch=1', '--overwrite'])).stdout.trim()).to.equal('node/node-2 labeled');
    let node = await cluster.kubectl.json<Node>(['get', 'node', 'node-2']);
    expect(node.metadata.annotations).to.include({ 'noderoll.io/phase': 'draining' });
    expect(node.metadata.labels).to.include({ 'noderoll.io/batch': '1' });
    await kubectl(['annotate', 'node', 'node-2', 'noderoll.io/phase=done', '--overwrite']);
    await kubectl(['label', 'node', 'node-2', 'noderoll.io/batch-']);
    node = await cluster.kubectl.json<Node>(['get', 'node', 'node-2']);
    expect(node.metadata.annotations).to.include({ 'noderoll.io/phase': 'done' });
    expect(node.metadata.labels).to.not.have.property('noderoll.io/batch');
    const refused = await kubectl(['annotate', 'node', 'node-2', 'noderoll.io/phase=again'], [1]);
    expect(refused.stderr).to.match(/--overwrite is false/);
  });

  it('taint node (strategic merge on spec.taints) adds and removes a taint by key', async () => {
    await kubectl(['taint', 'node', 'node-1', 'noderoll.io/maintenance=true:NoSchedule']);
    let node = await cluster.kubectl.json<Node>(['get', 'node', 'node-1']);
    expect(node.spec?.taints).to.deep.include({ key: 'noderoll.io/maintenance', value: 'true', effect: 'NoSchedule' });
    await kubectl(['taint', 'node', 'node-1', 'noderoll.io/maintenance:NoSchedule-']);
    node = await cluster.kubectl.json<Node>(['get', 'node', 'node-1']);
    expect(node.spec?.taints ?? []).to.have.length(0);
  });
});
