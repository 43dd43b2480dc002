import { expect } from 'chai';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { callApi } from './api-client.js';
import { controllerOf, findCondition, isPodReady } from './k8s-predicates.js';
import type { DaemonSet, Pod, ReplicaSet, Status } from './k8s-types.js';
import { newNode, newPodDisruptionBudget, newReplicaSet } from './object-factory.js';
import { seedRealisticWorkload } from './seed-workload.js';
import { startKubeApiServer, type KubeApiServer } from './server.js';

const NODES = ['w1', 'w2', 'w3'];

describe('kube-api workloads: pods, eviction, controllers, watch', () => {
  let api: KubeApiServer;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, contentType?: string) => callApi<T>(api.url, method, path, body, contentType);
  const podsWhere = (filter: (p: Pod) => boolean): Pod[] => api.store.pods.list().filter(filter);
  const setCordon = (node: string, on: boolean): void => {
    api.store.nodes.update(node, undefined, (n) => {
      n.spec = { ...n.spec, unschedulable: on };
      if (!on) delete n.spec.unschedulable;
    });
  };
  const waitForPods = (what: string, filter: (p: Pod) => boolean, count: number): Promise<Pod[]> =>
    waitFor({ what, timeoutMs: 5000, initialDelayMs: 20, maxDelayMs: 100 }, async () => {
      const found = podsWhere(filter);
      return found.length === count ? ready(found) : notYet(`${found.length} of ${count}: ${found.map((p) => `${p.metadata.name}@${p.spec.nodeName ?? '-'}/${p.status?.phase}`).join(', ')}`);
    });
  const runningReplicaSet = async (name: string, replicas: number): Promise<{ rs: ReplicaSet; pods: Pod[] }> => {
    const rs = api.store.replicasets.create(newReplicaSet('default', name, replicas, { labels: { app: name }, containers: [{ name, image: 'nginx:1.27' }] }));
    const pods = await waitForPods(`${replicas} running ${name} pods`, (p) => p.metadata.labels?.app === name && isPodReady(p), replicas);
    return { rs, pods };
  };

  beforeEach(async () => {
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0, nodeHeartbeatGraceMs: 60_000, podStartDelayMs: 200, podTerminationDelayMs: 100, reconcileIntervalMs: 25 });
    for (const n of NODES) api.store.nodes.create(newNode(n));
  });
  afterEach(async () => {
    await api?.close();
  });

  it('schedules a POSTed pod onto a Ready, uncordoned node; it runs after podStartDelayMs', async () => {
    setCordon('w1', true);
    const posted = await call<Pod>('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'solo-', labels: { app: 'solo' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } });
    expect(posted.status).to.equal(201);
    expect(posted.body.metadata.name).to.match(/^solo-[a-z0-9]{5}$/);
    expect(posted.body.status?.phase).to.equal('Pending');
    const [pod] = await waitForPods('the pod Running', (p) => p.metadata.labels?.app === 'solo' && p.status?.phase === 'Running', 1);
    expect(pod!.spec.nodeName).to.be.oneOf(['w2', 'w3']);
    expect(isPodReady(pod!)).to.equal(true);
    expect(pod!.status?.containerStatuses?.[0]).to.include({ ready: true, started: true, restartCount: 0 });
    expect(pod!.status?.podIP).to.match(/^10\.244\.\d+\.\d+$/);
    expect(pod!.status?.hostIP).to.equal('127.0.0.1');
    expect(pod!.spec.tolerations?.map((t) => t.key)).to.include('node.kubernetes.io/unreachable');
    const scheduled = api.activity.find({ type: 'PodScheduled', name: pod!.metadata.name })[0]!;
    const running = api.activity.find({ type: 'PodRunning', name: pod!.metadata.name })[0]!;
    expect(running.at - scheduled.at).to.be.at.least(190);
    expect((await call<Status>('POST', '/api/v1/namespaces/nowhere/pods', posted.body)).body.message).to.equal('namespaces "nowhere" not found');
  });

  it('graceful DELETE marks the pod terminating, then it disappears; a protobuf DeleteOptions body is ignored', async () => {
    const { pods } = await runningReplicaSet('gone', 1);
    const name = pods[0]!.metadata.name;
    const protobufBody = new Uint8Array([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x0f, 0x0a, 0x02, 0x76, 0x31]);
    const res = await call<Pod>('DELETE', `/api/v1/namespaces/default/pods/${name}`, protobufBody, 'application/vnd.kubernetes.protobuf');
    expect(res.status).to.equal(200);
    expect(res.body.metadata.deletionTimestamp).to.be.a('string');
    expect(res.body.metadata.deletionGracePeriodSeconds).to.equal(30);
    expect((await call('GET', `/api/v1/namespaces/default/pods/${name}`)).status).to.equal(200);
    await waitForPods('the deleted pod to disappear', (p) => p.metadata.name === name, 0);
    expect((await call('GET', `/api/v1/namespaces/default/pods/${name}`)).status).to.equal(404);
  });

  it('filters pod lists by field and label selectors, across and within namespaces', async () => {
    await runningReplicaSet('sel', 3);
    const onW2 = await call<{ items: Pod[] }>('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dw2');
    expect(onW2.body.items.map((p) => p.spec.nodeName)).to.deep.equal(['w2']);
    const notRunning = await call<{ items: Pod[] }>('GET', '/api/v1/pods?fieldSelector=status.phase!%3DRunning');
    expect(notRunning.body.items).to.have.length(0);
    const name = onW2.body.items[0]!.metadata.name;
    const byName = await call<{ items: Pod[] }>('GET', `/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3D%3D${name},spec.nodeName%3Dw2`);
    expect(byName.body.items.map((p) => p.metadata.name)).to.deep.equal([name]);
    const byLabel = await call<{ items: Pod[] }>('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dsel');
    expect(byLabel.body.items).to.have.length(3);
    expect((await call<{ items: Pod[] }>('GET', '/api/v1/namespaces/kube-system/pods?labelSelector=app%3Dsel')).body.items).to.have.length(0);
  });

  it('eviction: 429 with the real body and no Retry-After when the budget is spent; 201 otherwise; 404 when gone', async () => {
    const { pods } = await runningReplicaSet('guarded', 2);
    api.store.poddisruptionbudgets.create(newPodDisruptionBudget('default', 'guarded', { app: 'guarded' }, { minAvailable: 2 }));
    const target = pods[0]!.metadata.name;
    const eviction = (name: string) => ({ kind: 'Eviction', apiVersion: 'policy/v1', metadata: { name, namespace: 'default' }, deleteOptions: {} });
    const refused = await call<Status>('POST', `/api/v1/namespaces/default/pods/${target}/eviction`, eviction(target));
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('retry-after')).to.equal(null);
    expect(refused.body).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget guarded needs 2 healthy pods and has 2 currently' }] },
      code: 429,
    });
    expect(api.activity.find({ type: 'EvictionRefused', name: target })).to.have.length(1);

    expect((await call<Status>('POST', `/api/v1/namespaces/default/pods/${target}/eviction`, eviction('other'))).status).to.equal(400);
    const missing = await call<Status>('POST', '/api/v1/namespaces/default/pods/nope/eviction', eviction('nope'));
    expect(missing.status).to.equal(404);
    expect(missing.body.message).to.equal('pods "nope" not found');

    api.store.poddisruptionbudgets.create(newPodDisruptionBudget('default', 'overlap', { app: 'guarded' }, { maxUnavailable: 1 }));
    const twoBudgets = await call<Status>('POST', `/api/v1/namespaces/default/pods/${target}/eviction`, eviction(target));
    expect(twoBudgets.status).to.equal(500);
    expect(twoBudgets.body.message).to.equal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    api.store.poddisruptionbudgets.delete('overlap', 'default');

    api.store.poddisruptionbudgets.update('guarded', 'default', (p) => {
      p.spec.minAvailable = 1;
    });
    const allowed = await call<Status>('POST', `/api/v1/namespaces/default/pods/${target}/eviction`, eviction(target));
    expect(allowed.status).to.equal(201);
    expect(allowed.body).to.deep.equal({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    expect(api.store.pods.get(target, 'default')?.metadata.deletionTimestamp).to.be.a('string');
    const pdb = api.store.poddisruptionbudgets.get('guarded', 'default')!;
    expect(pdb.status).to.include({ disruptionsAllowed: 0, desiredHealthy: 1 });
  });

  it('eviction of a Pending pod skips the budget', async () => {
    api.store.poddisruptionbudgets.create(newPodDisruptionBudget('default', 'stuck', { app: 'stuck' }, { minAvailable: 5 }));
    const created = await call<Pod>('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'stuck-1', labels: { app: 'stuck' } }, spec: { nodeSelector: { disk: 'none' }, containers: [{ name: 'c', image: 'x' }] } });
    expect(created.status).to.equal(201);
    const res = await call<Status>('POST', '/api/v1/namespaces/default/pods/stuck-1/eviction', { kind: 'Eviction', apiVersion: 'policy/v1', metadata: { name: 'stuck-1' } });
    expect(res.status).to.equal(201);
    expect(api.store.pods.get('stuck-1', 'default'), 'an unscheduled pod goes at once').to.equal(undefined);
  });

  it('replaces an evicted ReplicaSet pod on another schedulable node; it runs after podStartDelayMs', async () => {
    const { rs, pods } = await runningReplicaSet('repl', 2);
    const victim = pods[0]!;
    setCordon(victim.spec.nodeName!, true);
    const res = await call<Status>('POST', `/api/v1/namespaces/default/pods/${victim.metadata.name}/eviction`, { kind: 'Eviction', apiVersion: 'policy/v1', metadata: { name: victim.metadata.name } });
    expect(res.status).to.equal(201);
    const [replacement] = await waitForPods('a Running replacement', (p) => p.metadata.labels?.app === 'repl' && !pods.some((o) => o.metadata.uid === p.metadata.uid) && isPodReady(p), 1);
    expect(replacement!.metadata.name).to.match(/^repl-[a-z0-9]{5}$/);
    expect(replacement!.metadata.labels).to.deep.equal(victim.metadata.labels);
    expect(controllerOf(replacement!)).to.deep.equal({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'repl', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true });
    expect(replacement!.spec.nodeName).to.not.equal(victim.spec.nodeName);
    expect(api.store.replicasets.get('repl', 'default')?.status).to.include({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
  });

  it('leaves a replacement Pending without a node while nothing fits, then schedules it', async () => {
    const { pods } = await runningReplicaSet('wait', 1);
    for (const n of NODES) setCordon(n, true);
    await call('DELETE', `/api/v1/namespaces/default/pods/${pods[0]!.metadata.name}`);
    const [pending] = await waitForPods(
      'an unschedulable replacement',
      (p) => p.metadata.labels?.app === 'wait' && p.metadata.uid !== pods[0]!.metadata.uid && findCondition(p.status?.conditions, 'PodScheduled')?.status === 'False',
      1,
    );
    expect(pending!.spec.nodeName).to.equal(undefined);
    expect(pending!.status?.phase).to.equal('Pending');
    expect(findCondition(pending!.status?.conditions, 'PodScheduled')).to.include({ reason: 'Unschedulable' });
    expect(findCondition(pending!.status?.conditions, 'PodScheduled')?.message).to.match(/^0\/3 nodes are available: 3 node\(s\) were unschedulable\./);
    setCordon('w3', false);
    const [placed] = await waitForPods('the replacement Running on w3', (p) => p.metadata.uid === pending!.metadata.uid && isPodReady(p), 1);
    expect(placed!.spec.nodeName).to.equal('w3');
  });

  it('DaemonSets keep one bound pod per node, including new and cordoned nodes; pods of a deleted node go', async () => {
    setCordon('w2', true);
    const created = await call<DaemonSet>('POST', '/apis/apps/v1/namespaces/kube-system/daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }] } } },
    });
    expect(created.status).to.equal(201);
    const owned = (p: Pod): boolean => controllerOf(p)?.uid === created.body.metadata.uid;
    const pods = await waitForPods('one agent pod per node', (p) => owned(p) && isPodReady(p), 3);
    expect(pods.map((p) => p.spec.nodeName).sort()).to.deep.equal(['w1', 'w2', 'w3']);
    expect(controllerOf(pods[0]!)).to.include({ kind: 'DaemonSet', name: 'agent', controller: true });
    expect(pods[0]!.spec.tolerations?.map((t) => `${t.key}:${t.effect}`)).to.include('node.kubernetes.io/unschedulable:NoSchedule');

    const registered = await call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'w4' }, status: newNode('w4').status });
    expect(registered.status).to.equal(201);
    await waitForPods('an agent pod on w4', (p) => owned(p) && p.spec.nodeName === 'w4', 1);
    await call('DELETE', '/api/v1/nodes/w1');
    await waitForPods('no agent pod on the deleted node', (p) => owned(p) && p.spec.nodeName === 'w1', 0);
    await waitFor({ what: 'DaemonSet status', timeoutMs: 3000, initialDelayMs: 20 }, async () => {
      const s = api.store.daemonsets.get('agent', 'kube-system')?.status;
      return s?.desiredNumberScheduled === 3 && s.numberReady === 3 ? ready(s) : notYet(JSON.stringify(s));
    });
  });

  it('streams watch events from a list resourceVersion', async () => {
    const list = await call<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/nodes');
    const controller = new AbortController();
    const res = await fetch(`${api.url}/api/v1/nodes?watch=true&fieldSelector=metadata.name%3Dw2&resourceVersion=${list.body.metadata.resourceVersion}&timeoutSeconds=5`, { signal: controller.signal });
    expect(res.status).to.equal(200);
    const reader = res.body!.getReader();
    setCordon('w2', true);
    setCordon('w1', true);
    let text = '';
    const deadline = Date.now() + 3000;
    while (!text.includes('\n') && Date.now() < deadline) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    const first = JSON.parse(text.split('\n')[0]!) as { type: string; object: { metadata: { name: string }; spec: { unschedulable?: boolean } } };
    expect(first.type).to.equal('MODIFIED');
    expect(first.object.metadata.name).to.equal('w2');
    expect(first.object.spec.unschedulable).to.equal(true);
  });

  it('seeds a realistic workload: DaemonSets everywhere, mirror pods, an emptyDir pod, a budget that allows one disruption', () => {
    const seeded = seedRealisticWorkload(api, NODES);
    expect(seeded.budgeted.nodeWithTwo).to.equal('w1');
    const pods = api.store.pods.list();
    expect(pods.every((p) => p.status?.phase === 'Running' && isPodReady(p))).to.equal(true);
    const onW1 = pods.filter((p) => p.spec.nodeName === 'w1');
    expect(onW1.filter((p) => p.metadata.labels?.app === 'payments')).to.have.length(2);
    expect(onW1.filter((p) => controllerOf(p)?.kind === 'DaemonSet')).to.have.length(2);
    const mirror = onW1.find((p) => p.metadata.name === 'etcd-w1')!;
    expect(mirror.metadata.annotations).to.have.property('kubernetes.io/config.mirror');
    expect(controllerOf(mirror)).to.include({ kind: 'Node', name: 'w1' });
    const cache = onW1.find((p) => p.metadata.labels?.app === 'cache')!;
    expect(cache.spec.volumes?.[0]).to.deep.equal({ name: 'data', emptyDir: {} });
    expect(api.store.poddisruptionbudgets.get('payments', 'default')?.status).to.include({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });
    const ips = pods.filter((p) => !p.spec.hostNetwork).map((p) => p.status?.podIP);
    expect(new Set(ips).size).to.equal(ips.length);
  });
});
