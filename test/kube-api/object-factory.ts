import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { NODE_ALLOCATABLE, NODE_CAPACITY } from '../lab/planet/node-capacity.js';
import { nodeInternalIP } from './k8s-predicates.js';
import { podQOSClass } from './pod-resources.js';
import { toKubeTime } from './k8s-time.js';
import type {
  Condition,
  Container,
  ContainerStatus,
  DaemonSet,
  IntOrString,
  KubeObject,
  Namespace,
  Node,
  OwnerReference,
  Pod,
  PodDisruptionBudget,
  PodSpec,
  PodTemplateSpec,
  ReplicaSet,
  Toleration,
  Volume,
} from './k8s-types.js';

/** Objects shaped like the ones a real cluster holds, for seeding and for the controllers. */

// The alphabet of k8s.io/apimachinery/pkg/util/rand.String: no vowels, no confusable digits.
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  const bytes = randomBytes(length);
  return [...bytes].map((b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');
}

export function controllerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? 'v1',
    kind: owner.kind ?? '',
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function newNamespace(name: string): Namespace {
  return {
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export interface NodeOptions {
  internalIP?: string;
  labels?: Record<string, string>;
  kubeletVersion?: string;
  bootID?: string;
  now?: number;
}

export function readyNodeConditions(now: number): Condition[] {
  const t = toKubeTime(now);
  const c = (type: string, status: Condition['status'], reason: string, message: string): Condition => ({
    type,
    status,
    lastHeartbeatTime: t,
    lastTransitionTime: t,
    reason,
    message,
  });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** A registered, Ready node whose kubelet has just posted status. */
export function newNode(name: string, options: NodeOptions = {}): Node {
  const now = options.now ?? Date.now();
  const ip = options.internalIP ?? '127.0.0.1';
  return {
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...options.labels,
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {},
    status: {
      capacity: { ...NODE_CAPACITY },
      allocatable: { ...NODE_ALLOCATABLE },
      conditions: readyNodeConditions(now),
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: randomBytes(16).toString('hex'),
        systemUUID: randomUUID(),
        bootID: options.bootID ?? randomUUID(),
        kernelVersion: '6.1.0-28-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: options.kubeletVersion ?? 'v1.32.4',
        kubeProxyVersion: options.kubeletVersion ?? 'v1.32.4',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/** The fields the apiserver's defaulting adds to every pod spec (admission adds tolerations: pod-admission.ts). */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  return {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
    serviceAccountName: 'default',
    serviceAccount: spec.serviceAccountName ?? 'default',
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
    ...spec,
    containers: spec.containers.map((c) => ({
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
      ...c,
      resources: defaultResources(c.resources),
    })),
  };
}

/** A container's requests default to its limits for every resource that has a limit and no request. */
function defaultResources(resources: unknown): { requests?: Record<string, string>; limits?: Record<string, string> } {
  const r = (resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
  if (!r.limits) return { ...r };
  return { ...r, requests: { ...r.limits, ...r.requests } };
}

/** A new pod from a controller's template; Pending and unscheduled unless nodeName is given. */
export function newPodFromTemplate(owner: KubeObject, template: PodTemplateSpec, options: { nodeName?: string; extraLabels?: Record<string, string> } = {}): Pod {
  const spec: PodSpec = defaultPodSpec(structuredClone(template.spec));
  if (options.nodeName) spec.nodeName = options.nodeName;
  const pod: Pod = {
    metadata: {
      name: `${owner.metadata.name}-${randomSuffix()}`,
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace ?? 'default',
      labels: { ...template.metadata?.labels, ...options.extraLabels },
      ownerReferences: [controllerReference(owner)],
    },
    spec,
    status: { phase: 'Pending', qosClass: podQOSClass(spec) },
  };
  if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
  return pod;
}

function fakeDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function containerStatus(container: Container, state: Record<string, unknown>, ready: boolean): ContainerStatus {
  const image = container.image.includes('/') ? container.image : `docker.io/library/${container.image}`;
  const status: ContainerStatus = {
    name: container.name,
    state,
    lastState: {},
    ready,
    restartCount: 0,
    image,
    imageID: `${image.split(':')[0]}@sha256:${fakeDigest(image)}`,
    started: ready,
  };
  if (ready) status.containerID = `containerd://${fakeDigest(randomUUID())}`;
  return status;
}

function podConditions(now: number, ready: boolean, scheduledAt: string): Condition[] {
  const t = toKubeTime(now);
  const running = (type: string): Condition =>
    ready ? { type, status: 'True', lastProbeTime: null, lastTransitionTime: t } : { type, status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: 'containers with unready status' };
  return [
    { type: 'PodReadyToStartContainers', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t },
    { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
    running('Ready'),
    running('ContainersReady'),
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: scheduledAt },
  ];
}

function scheduledAt(pod: Pod, now: number): string {
  return pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True')?.lastTransitionTime ?? toKubeTime(now);
}

/** What the kubelet reports when it has accepted a pod and is creating its containers. */
export function containerCreatingStatus(pod: Pod, node: Node, now: number): NonNullable<Pod['status']> {
  const hostIP = nodeInternalIP(node) ?? '';
  return {
    phase: 'Pending',
    conditions: podConditions(now, false, scheduledAt(pod, now)),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime: toKubeTime(now),
    containerStatuses: pod.spec.containers.map((c) => containerStatus(c, { waiting: { reason: 'ContainerCreating' } }, false)),
    qosClass: pod.status?.qosClass ?? 'BestEffort',
  };
}

/** What the kubelet reports once every container runs and passes readiness. */
export function runningStatus(pod: Pod, node: Node, podIP: string, now: number): NonNullable<Pod['status']> {
  const hostIP = nodeInternalIP(node) ?? '';
  const startTime = pod.status?.startTime ?? toKubeTime(now);
  return {
    phase: 'Running',
    conditions: podConditions(now, true, scheduledAt(pod, now)),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime,
    containerStatuses: pod.spec.containers.map((c) => containerStatus(c, { running: { startedAt: toKubeTime(now) } }, true)),
    qosClass: pod.status?.qosClass ?? 'BestEffort',
  };
}

/** The API's reflection of a static pod the kubelet runs from a manifest file (etcd-NODE style). */
export function newMirrorPod(component: string, node: Node, image: string, requests?: Record<string, string>): Pod {
  const manifestHash = fakeDigest(`${component}/${node.metadata.name}`).slice(0, 32);
  const spec = defaultPodSpec({
    containers: [{ name: component, image, ...(requests ? { resources: { requests } } : {}) }],
    hostNetwork: true,
    priorityClassName: 'system-node-critical',
    priority: 2000001000,
    tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
  });
  return {
    metadata: {
      name: `${component}-${node.metadata.name}`,
      namespace: 'kube-system',
      labels: { component, tier: 'control-plane' },
      annotations: {
        'kubernetes.io/config.hash': manifestHash,
        'kubernetes.io/config.mirror': manifestHash,
        'kubernetes.io/config.seen': new Date().toISOString(),
        'kubernetes.io/config.source': 'file',
      },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid ?? '', controller: true }],
    },
    spec: {
      ...spec,
      nodeName: node.metadata.name,
    },
    status: { phase: 'Pending', qosClass: podQOSClass(spec) },
  };
}

export interface WorkloadTemplate {
  labels: Record<string, string>;
  containers: Container[];
  volumes?: Volume[];
  tolerations?: Toleration[];
}

function podTemplate(t: WorkloadTemplate): PodTemplateSpec {
  const spec: PodSpec = { containers: t.containers };
  if (t.volumes) spec.volumes = t.volumes;
  if (t.tolerations) spec.tolerations = t.tolerations;
  return { metadata: { labels: { ...t.labels } }, spec };
}

export function newReplicaSet(namespace: string, name: string, replicas: number, template: WorkloadTemplate): ReplicaSet {
  return {
    metadata: { name, namespace, labels: { ...template.labels } },
    spec: { replicas, selector: { matchLabels: { ...template.labels } }, template: podTemplate(template) },
  };
}

/** The tolerations the DaemonSet controller adds so its pods run on cordoned and failing nodes. */
export const DAEMONSET_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

export function newDaemonSet(namespace: string, name: string, template: WorkloadTemplate): DaemonSet {
  return {
    metadata: { name, namespace, labels: { ...template.labels } },
    spec: {
      selector: { matchLabels: { ...template.labels } },
      template: podTemplate(template),
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
  };
}

/** A pod of `ds` pinned to `nodeName` the way the DaemonSet controller makes them. */
export function newDaemonSetPod(ds: DaemonSet, nodeName: string): Pod {
  const pod = newPodFromTemplate(ds, ds.spec.template, {
    nodeName,
    extraLabels: {
      'controller-revision-hash': fakeDigest(JSON.stringify(ds.spec.template)).slice(0, 10),
      'pod-template-generation': String(ds.metadata.generation ?? 1),
    },
  });
  pod.spec.affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
      },
    },
  };
  pod.spec.tolerations = daemonSetPodTolerations(ds);
  return pod;
}

/** The template's tolerations plus the DaemonSet ones (so admission adds no tolerationSeconds to them). */
export function daemonSetPodTolerations(ds: DaemonSet): Toleration[] {
  const own = (ds.spec.template.spec.tolerations ?? []).filter((t) => !DAEMONSET_TOLERATIONS.some((d) => d.key === t.key && d.effect === t.effect));
  return [...own, ...DAEMONSET_TOLERATIONS.map((t) => ({ ...t }))];
}

export function newPodDisruptionBudget(namespace: string, name: string, matchLabels: Record<string, string>, budget: { minAvailable: IntOrString } | { maxUnavailable: IntOrString }): PodDisruptionBudget {
  return { metadata: { name, namespace }, spec: { selector: { matchLabels: { ...matchLabels } }, ...budget } };
}
