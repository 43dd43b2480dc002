import type { IncomingMessage } from 'node:http';
import { findCondition, isTerminating } from '../k8s-predicates.js';
import { parseKubeTime } from '../k8s-time.js';
import type { ConfigMap, DaemonSet, KubeObject, Lease, Namespace, Node, Pod, PodDisruptionBudget, ReplicaSet, RoleBinding, ServiceAccount } from '../k8s-types.js';
import type { ResourceInfo } from '../resource-registry.js';

/**
 * Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for in its human output forms
 * (`get`, `get -o wide`). Columns follow the apiserver's printers for these kinds.
 */

interface Column {
  name: string;
  type: 'string' | 'integer';
  format?: string;
  priority?: number;
  cell: (obj: KubeObject, now: number) => string | number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string; continue?: string };
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: { cells: (string | number)[]; object: { kind: 'PartialObjectMetadata'; apiVersion: 'meta.k8s.io/v1'; metadata: KubeObject['metadata'] } }[];
}

export function wantsTable(req: IncomingMessage): boolean {
  return /\bas=Table\b/.test(req.headers.accept ?? '');
}

/** duration.HumanDuration: 45s, 5m10s, 3h20m, 2d4h, 400d... */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };
const age: Column = { name: 'Age', type: 'string', cell: (o, now) => humanDuration(now - (parseKubeTime(o.metadata.creationTimestamp) ?? now)) };
const none = (v: string | undefined): string => (v === undefined || v === '' ? '<none>' : v);

function nodeStatus(node: Node): string {
  const ready = findCondition(node.status?.conditions, 'Ready')?.status;
  const base = ready === 'True' ? 'Ready' : ready === 'False' ? 'NotReady' : 'Unknown';
  return node.spec?.unschedulable ? `${base},SchedulingDisabled` : base;
}

function nodeRoles(node: Node): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  return roles.length > 0 ? roles.sort().join(',') : '<none>';
}

function podStatus(pod: Pod): string {
  if (isTerminating(pod)) return 'Terminating';
  const waiting = pod.status?.containerStatuses?.map((c) => (c.state.waiting as { reason?: string } | undefined)?.reason).find((r) => r);
  return waiting ?? pod.status?.phase ?? 'Pending';
}

const address = (type: string) => (o: KubeObject): string => none((o as Node).status?.addresses?.find((a) => a.type === type)?.address);
const nodeInfo = (key: string) => (o: KubeObject): string => none((o as Node).status?.nodeInfo?.[key]);

const createdAt: Column = { name: 'Created At', type: 'string', format: 'date', cell: (o) => o.metadata.creationTimestamp ?? '' };
const subjectNames = (kind: string) => (o: KubeObject): string =>
  (o as RoleBinding).subjects?.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? o.metadata.namespace ?? ''}/${s.name}` : s.name)).join(', ') ?? '';
const bindingColumns: Column[] = [
  name,
  { name: 'Role', type: 'string', cell: (o) => `${(o as RoleBinding).roleRef.kind}/${(o as RoleBinding).roleRef.name}` },
  age,
  { name: 'Users', type: 'string', priority: 1, cell: subjectNames('User') },
  { name: 'Groups', type: 'string', priority: 1, cell: subjectNames('Group') },
  { name: 'ServiceAccounts', type: 'string', priority: 1, cell: subjectNames('ServiceAccount') },
];

const COLUMNS: Record<string, Column[]> = {
  nodes: [
    name,
    { name: 'Status', type: 'string', cell: (o) => nodeStatus(o as Node) },
    { name: 'Roles', type: 'string', cell: (o) => nodeRoles(o as Node) },
    age,
    { name: 'Version', type: 'string', cell: nodeInfo('kubeletVersion') },
    { name: 'Internal-IP', type: 'string', priority: 1, cell: address('InternalIP') },
    { name: 'External-IP', type: 'string', priority: 1, cell: address('ExternalIP') },
    { name: 'OS-Image', type: 'string', priority: 1, cell: nodeInfo('osImage') },
    { name: 'Kernel-Version', type: 'string', priority: 1, cell: nodeInfo('kernelVersion') },
    { name: 'Container-Runtime', type: 'string', priority: 1, cell: nodeInfo('containerRuntimeVersion') },
  ],
  pods: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => {
        const statuses = (o as Pod).status?.containerStatuses ?? [];
        return `${statuses.filter((c) => c.ready).length}/${(o as Pod).spec.containers.length}`;
      },
    },
    { name: 'Status', type: 'string', cell: (o) => podStatus(o as Pod) },
    { name: 'Restarts', type: 'string', cell: (o) => String(((o as Pod).status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0)) },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => none((o as Pod).status?.podIP) },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => none((o as Pod).spec.nodeName) },
    { name: 'Nominated Node', type: 'string', priority: 1, cell: (o) => none((o as Pod).status?.nominatedNodeName) },
    { name: 'Readiness Gates', type: 'string', priority: 1, cell: () => '<none>' },
  ],
  daemonsets: [
    name,
    { name: 'Desired', type: 'integer', cell: (o) => (o as DaemonSet).status?.desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', cell: (o) => (o as DaemonSet).status?.currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o) => (o as DaemonSet).status?.numberReady ?? 0 },
    { name: 'Up-to-date', type: 'integer', cell: (o) => (o as DaemonSet).status?.updatedNumberScheduled ?? 0 },
    { name: 'Available', type: 'integer', cell: (o) => (o as DaemonSet).status?.numberAvailable ?? 0 },
    {
      name: 'Node Selector',
      type: 'string',
      cell: (o) => none(Object.entries((o as DaemonSet).spec.template.spec.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')),
    },
    age,
  ],
  replicasets: [
    name,
    { name: 'Desired', type: 'integer', cell: (o) => (o as ReplicaSet).spec.replicas ?? 1 },
    { name: 'Current', type: 'integer', cell: (o) => (o as ReplicaSet).status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o) => (o as ReplicaSet).status?.readyReplicas ?? 0 },
    age,
  ],
  poddisruptionbudgets: [
    name,
    { name: 'Min Available', type: 'string', cell: (o) => String((o as PodDisruptionBudget).spec.minAvailable ?? 'N/A') },
    { name: 'Max Unavailable', type: 'string', cell: (o) => String((o as PodDisruptionBudget).spec.maxUnavailable ?? 'N/A') },
    { name: 'Allowed Disruptions', type: 'integer', cell: (o) => (o as PodDisruptionBudget).status?.disruptionsAllowed ?? 0 },
    age,
  ],
  namespaces: [name, { name: 'Status', type: 'string', cell: (o) => (o as Namespace).status?.phase ?? 'Active' }, age],
  configmaps: [name, { name: 'Data', type: 'integer', cell: (o) => Object.keys((o as ConfigMap).data ?? {}).length + Object.keys((o as ConfigMap).binaryData ?? {}).length }, age],
  leases: [name, { name: 'Holder', type: 'string', cell: (o) => (o as Lease).spec?.holderIdentity ?? '' }, age],
  serviceaccounts: [name, { name: 'Secrets', type: 'string', cell: (o) => String((o as ServiceAccount).secrets?.length ?? 0) }, age],
  roles: [name, createdAt],
  clusterroles: [name, createdAt],
  rolebindings: bindingColumns,
  clusterrolebindings: bindingColumns,
};

export function toTable(info: ResourceInfo, objects: KubeObject[], resourceVersion: string, now = Date.now()): Table {
  const columns = COLUMNS[info.resource] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: c.priority ?? 0 })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
