import type { Container, DaemonSet, Node, Pod, ReplicaSet } from './k8s-types.js';
import {
  newDaemonSet,
  newDaemonSetPod,
  newMirrorPod,
  newNamespace,
  newNode,
  newPodDisruptionBudget,
  newPodFromTemplate,
  newReplicaSet,
  runningStatus,
  type WorkloadTemplate,
} from './object-factory.js';
import { allocatePodIP } from './pod-network.js';
import { nodeAllocatable, parseQuantity, podRequests } from './pod-resources.js';
import type { KubeApiServer } from './server.js';

/**
 * The arrangement seedRealisticWorkload makes, for tests that need to find their way around it.
 * Placement uses the node list in the order given (node[0], node[1], ...), wrapping around when
 * there are fewer nodes than the pattern names.
 *
 * - kube-system: DaemonSet kube-proxy (one pod per node), a mirror pod etcd-NODE per node
 *   (static pod: annotation kubernetes.io/config.mirror, owner kind Node), ReplicaSet coredns
 *   with 2 replicas on node[1] and node[2].
 * - monitoring: DaemonSet node-exporter (one pod per node).
 * - default: ReplicaSet web, 3 replicas on node[0], node[1], node[2] (no budget);
 *   ReplicaSet payments, 3 replicas on node[0], node[0], node[1], with PodDisruptionBudget
 *   payments minAvailable 2; ReplicaSet cache, 1 replica with an emptyDir volume on node[0].
 *
 * Draining node[0] therefore evicts two payments pods while the budget allows one disruption:
 * the second eviction gets 429 until the first one's replacement runs and is Ready elsewhere.
 * The same holds for any node that holds two payments pods. All seeded pods start Running and Ready.
 *
 * Every container requests CPU and memory as its real counterpart commonly does (kubeadm's etcd and
 * CoreDNS, kube-prometheus's node-exporter, ...). Per node the DaemonSets and etcd take 302m CPU /
 * 280Mi; the ReplicaSets take 2700m / 2956Mi in all, so with nodes of 2 CPUs (the lab's kubelet
 * stand-in and newNode report 2 CPUs, 3923052Ki allocatable) any one node of three can be drained
 * and its pods still fit on the other two. fillFreeCpu makes the cluster full.
 */
export interface SeededWorkload {
  nodes: string[];
  /** The app behind the budget whose drain needs kubectl's 429-and-retry path. */
  budgeted: { namespace: string; app: string; pdb: string; replicas: number; minAvailable: number; nodeWithTwo: string };
  emptyDir: { namespace: string; app: string; node: string };
  daemonSets: { namespace: string; name: string }[];
  mirrorPods: { namespace: string; name: string; node: string }[];
}

const nginx = (name: string): Container => ({
  name,
  image: 'nginx:1.27',
  ports: [{ containerPort: 80, protocol: 'TCP' }],
  resources: { requests: { cpu: '250m', memory: '256Mi' } },
});

export function seedRealisticWorkload(api: KubeApiServer, nodeNames: readonly string[], now = Date.now()): SeededWorkload {
  if (nodeNames.length === 0) throw new Error('seedRealisticWorkload needs at least one node');
  const store = api.store;
  nodeNames.forEach((name, i) => {
    if (!store.nodes.get(name)) store.nodes.create(newNode(name, { internalIP: `127.0.1.${i + 1}`, now }), now);
  });
  api.reconcile(); // pod CIDRs for the nodes
  const nodes = nodeNames.map((name) => store.nodes.get(name) as Node);
  const at = (i: number): Node => nodes[i % nodes.length] as Node;

  if (!store.namespaces.get('monitoring')) store.namespaces.create(newNamespace('monitoring'), now);

  const startRunning = (pod: Pod, node: Node): Pod => {
    pod.spec.nodeName = node.metadata.name;
    pod.status = runningStatus(pod, node, allocatePodIP(node, pod, store.pods.list()), now);
    return store.pods.create(pod, now);
  };
  const daemonSet = (namespace: string, name: string, template: WorkloadTemplate): DaemonSet => {
    const ds = store.daemonsets.create(newDaemonSet(namespace, name, template), now);
    for (const node of nodes) startRunning(newDaemonSetPod(ds, node.metadata.name), node);
    return ds;
  };
  const replicaSet = (namespace: string, name: string, placement: number[], template: WorkloadTemplate): ReplicaSet => {
    const rs = store.replicasets.create(newReplicaSet(namespace, name, placement.length, template), now);
    for (const i of placement) startRunning(newPodFromTemplate(rs, rs.spec.template), at(i));
    return rs;
  };

  daemonSet('kube-system', 'kube-proxy', {
    labels: { 'k8s-app': 'kube-proxy' },
    containers: [
      {
        name: 'kube-proxy',
        image: 'registry.k8s.io/kube-proxy:v1.32.4',
        command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf'],
        resources: { requests: { cpu: '100m' } },
      },
    ],
  });
  daemonSet('monitoring', 'node-exporter', {
    labels: { app: 'node-exporter' },
    containers: [
      {
        name: 'node-exporter',
        image: 'quay.io/prometheus/node-exporter:v1.8.2',
        ports: [{ containerPort: 9100, protocol: 'TCP' }],
        resources: { requests: { cpu: '102m', memory: '180Mi' }, limits: { cpu: '250m', memory: '180Mi' } },
      },
    ],
  });
  const mirrorPods = nodes.map((node) => {
    const pod = startRunning(newMirrorPod('etcd', node, 'registry.k8s.io/etcd:3.5.16-0', { cpu: '100m', memory: '100Mi' }), node);
    return { namespace: 'kube-system', name: pod.metadata.name, node: node.metadata.name };
  });
  replicaSet('kube-system', 'coredns', [1, 2], {
    labels: { 'k8s-app': 'kube-dns' },
    containers: [
      {
        name: 'coredns',
        image: 'registry.k8s.io/coredns/coredns:v1.11.3',
        args: ['-conf', '/etc/coredns/Corefile'],
        resources: { requests: { cpu: '100m', memory: '70Mi' }, limits: { memory: '170Mi' } },
      },
    ],
  });
  replicaSet('default', 'web', [0, 1, 2], { labels: { app: 'web' }, containers: [nginx('web')] });
  replicaSet('default', 'payments', [0, 0, 1], { labels: { app: 'payments' }, containers: [{ name: 'payments', image: 'ghcr.io/example/payments:2.4.1', resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '512Mi' } } }] });
  store.poddisruptionbudgets.create(newPodDisruptionBudget('default', 'payments', { app: 'payments' }, { minAvailable: 2 }), now);
  replicaSet('default', 'cache', [0], {
    labels: { app: 'cache' },
    containers: [{ name: 'cache', image: 'redis:7.4', volumeMounts: [{ name: 'data', mountPath: '/data' }], resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } } }],
    volumes: [{ name: 'data', emptyDir: {} }],
  });
  api.reconcile(); // statuses of the controllers and the budget

  return {
    nodes: [...nodeNames],
    budgeted: { namespace: 'default', app: 'payments', pdb: 'payments', replicas: 3, minAvailable: 2, nodeWithTwo: at(0).metadata.name },
    emptyDir: { namespace: 'default', app: 'cache', node: at(0).metadata.name },
    daemonSets: [
      { namespace: 'kube-system', name: 'kube-proxy' },
      { namespace: 'monitoring', name: 'node-exporter' },
    ],
    mirrorPods,
  };
}

/** CPU each pod of the fillFreeCpu workload requests: smaller than any seeded pod's request. */
export const BATCH_POD_CPU = '100m';

/**
 * Makes the cluster full: a ReplicaSet default/batch (no budget, like batch workers soaking up
 * spare capacity) with as many 100m-CPU pods as the nodes' free allocatable CPU holds. Afterwards
 * no node has room for another seeded pod, so a drained node's pods stay Pending (Insufficient cpu).
 * Returns the ReplicaSet; its pods are scheduled and started by the controllers.
 */
export function fillFreeCpu(api: KubeApiServer, now = Date.now()): ReplicaSet {
  const pods = api.store.pods.list().filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const unit = (parseQuantity(BATCH_POD_CPU) ?? 0) * 1000;
  let replicas = 0;
  for (const node of api.store.nodes.list()) {
    if (node.spec?.unschedulable) continue;
    const used = pods.filter((p) => p.spec.nodeName === node.metadata.name).reduce((sum, p) => sum + podRequests(p).milliCpu, 0);
    replicas += Math.max(0, Math.floor((nodeAllocatable(node).milliCpu - used) / unit));
  }
  return api.store.replicasets.create(
    newReplicaSet('default', 'batch', replicas, {
      labels: { app: 'batch' },
      containers: [{ name: 'worker', image: 'ghcr.io/example/batch-worker:1.0', resources: { requests: { cpu: BATCH_POD_CPU, memory: '64Mi' } } }],
    }),
    now,
  );
}
