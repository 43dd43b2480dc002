import { expect } from 'chai';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { callApi } from './api-client.js';
import { findCondition, isPodReady } from './k8s-predicates.js';
import type { Node, Pod } from './k8s-types.js';
import { requireKubectl, type PodList } from './kubectl-support.js';
import { nodeAllocatable, podRequests } from './pod-resources.js';
import { fillFreeCpu } from './seed-workload.js';
import { startTestCluster, type TestCluster } from './test-cluster.js';

const NODES = ['node-1', 'node-2', 'node-3'];
const DRAIN = ['drain', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s'];
const describePods = (pods: Pod[]): string => pods.map((p) => `${p.metadata.name}@${p.spec.nodeName ?? '-'}/${p.status?.phase}`).join(', ');
const scheduledCondition = (p: Pod) => findCondition(p.status?.conditions, 'PodScheduled');

describe('scheduler capacity: requests against allocatable, through the real kubectl', function () {
  this.timeout(90_000);
  let cluster: TestCluster;
  const allPods = async () => (await cluster.kubectl.json<PodList>(['get', 'pods', '-A'])).items;
  const waitAllRunning = (what: string) =>
    waitFor({ what, timeoutMs: 20_000, initialDelayMs: 100 }, async () => {
      const pods = await allPods();
      const waiting = pods.filter((p) => p.status?.phase !== 'Running' || !isPodReady(p) || p.metadata.deletionTimestamp);
      return waiting.length === 0 ? ready(pods) : notYet(describePods(waiting));
    });

  before(async () => {
    await requireKubectl();
    cluster = await startTestCluster({ nodes: NODES, podStartDelayMs: 300, podTerminationDelayMs: 100 });
  });
  after(async () => {
    await cluster?.close();
  });

  it('nodes report allocatable (kubelet stand-in) and the seeded pods request CPU and memory within it', async () => {
    const nodes = (await cluster.kubectl.json<{ items: Node[] }>(['get', 'nodes'])).items;
    const pods = await allPods();
    for (const node of nodes) {
      expect(node.status?.allocatable).to.include({ cpu: '2', memory: '3923052Ki', pods: '110' });
      const here = pods.filter((p) => p.spec.nodeName === node.metadata.name);
      const cpu = here.reduce((sum, p) => sum + podRequests(p).milliCpu, 0);
      expect(cpu, node.metadata.name).to.be.within(1, nodeAllocatable(node).milliCpu);
    }
    expect(pods.every((p) => podRequests(p).milliCpu > 0)).to.equal(true);
    expect(pods.find((p) => p.metadata.labels?.app === 'payments')?.status?.qosClass).to.equal('Burstable');
  });

  it('any one node can be drained and its pods fit on the others (the normal rolling update)', async () => {
    for (const node of NODES) {
      const drained = await cluster.kubectl.run([...DRAIN, node], { timeoutMs: 90_000 });
      expect(drained.stdout).to.contain(`node/${node} drained`);
      const pods = await waitAllRunning(`every pod Running after draining ${node}`);
      expect(pods.filter((p) => p.status?.phase === 'Pending')).to.have.length(0);
      await cluster.kubectl.run(['uncordon', node]);
    }
  });

  it('keeps a pod that fits on no node Pending: PodScheduled=False, Unschedulable, the real scheduler message', async () => {
    const created = await callApi<Pod>(cluster.api.url, 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'too-big' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '3', memory: '1Gi' } } }] },
    });
    expect(created.status).to.equal(201);
    const pod = await waitFor({ what: 'too-big marked unschedulable', timeoutMs: 5000, initialDelayMs: 50 }, async () => {
      const p = await cluster.kubectl.json<Pod>(['get', 'pod', 'too-big', '-n', 'default']);
      return scheduledCondition(p)?.status === 'False' ? ready(p) : notYet(JSON.stringify(p.status));
    });
    expect(pod.status?.phase).to.equal('Pending');
    expect(pod.spec.nodeName).to.equal(undefined);
    expect(scheduledCondition(pod)).to.include({
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    });
    const table = await cluster.kubectl.run(['get', 'pods', '-n', 'default', 'too-big']);
    expect(table.stdout).to.match(/too-big\s+0\/1\s+Pending\s+0\s+/);
    await cluster.kubectl.run(['delete', 'pod', '-n', 'default', 'too-big', '--wait=false']);
  });

  it('draining a node of a full cluster leaves its pods Pending (Insufficient cpu), until the node is back', async () => {
    fillFreeCpu(cluster.api);
    await waitAllRunning('the batch pods filling every node Running');
    const target = 'node-3';
    const onTarget = (await allPods()).filter((p) => p.spec.nodeName === target && p.metadata.labels?.app !== undefined && p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet');
    expect(onTarget.length, 'ReplicaSet pods on the node to drain').to.be.at.least(1);

    const drained = await cluster.kubectl.run([...DRAIN, target], { timeoutMs: 90_000 });
    expect(drained.exitCode).to.equal(0);
    expect(drained.stdout).to.contain(`node/${target} drained`);
    const pending = await waitFor({ what: 'the drained pods Pending and unschedulable', timeoutMs: 10_000, initialDelayMs: 100 }, async () => {
      const pods = (await allPods()).filter((p) => p.status?.phase === 'Pending');
      const unschedulable = pods.filter((p) => scheduledCondition(p)?.status === 'False');
      return unschedulable.length >= onTarget.length ? ready(unschedulable) : notYet(describePods(pods));
    });
    for (const p of pending) {
      expect(p.spec.nodeName).to.equal(undefined);
      expect(scheduledCondition(p)).to.include({
        reason: 'Unschedulable',
        message:
          '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
      });
    }
    const table = await cluster.kubectl.run(['get', 'pods', '-A']);
    for (const p of pending) expect(table.stdout).to.match(new RegExp(`${p.metadata.name}\\s+0/1\\s+Pending\\s`));

    await cluster.kubectl.run(['uncordon', target]);
    await waitAllRunning(`the Pending pods scheduled on ${target} once it is uncordoned`);
  });
});
