import type { KubeObject, Namespace, Node, Pod } from '../k8s-types.js';
import type { CollectionName } from '../resource-registry.js';

/** The fields each resource can be selected by, as the apiserver's per-resource field sets define them. */

type FieldGetter = (obj: KubeObject) => string | undefined;

const pod = (f: (p: Pod) => unknown): FieldGetter => (o) => String(f(o as Pod) ?? '');
const node = (f: (n: Node) => unknown): FieldGetter => (o) => String(f(o as Node) ?? '');

const COMMON: Record<string, FieldGetter> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
};

const BY_RESOURCE: Record<CollectionName, Record<string, FieldGetter>> = {
  pods: {
    ...COMMON,
    'spec.nodeName': pod((p) => p.spec.nodeName),
    'spec.restartPolicy': pod((p) => p.spec.restartPolicy),
    'spec.schedulerName': pod((p) => p.spec.schedulerName),
    'spec.serviceAccountName': pod((p) => p.spec.serviceAccountName),
    'spec.hostNetwork': pod((p) => p.spec.hostNetwork === true),
    'status.phase': pod((p) => p.status?.phase),
    'status.podIP': pod((p) => p.status?.podIP),
    'status.nominatedNodeName': pod((p) => p.status?.nominatedNodeName),
  },
  nodes: { ...COMMON, 'spec.unschedulable': node((n) => n.spec?.unschedulable === true) },
  namespaces: { ...COMMON, 'status.phase': (o) => (o as Namespace).status?.phase ?? '' },
  daemonsets: COMMON,
  replicasets: COMMON,
  poddisruptionbudgets: COMMON,
  configmaps: COMMON,
  serviceaccounts: COMMON,
  leases: COMMON,
  roles: COMMON,
  clusterroles: COMMON,
  rolebindings: COMMON,
  clusterrolebindings: COMMON,
};

export function supportsField(resource: CollectionName, field: string): boolean {
  return Object.hasOwn(BY_RESOURCE[resource], field);
}

export function fieldValue(resource: CollectionName, obj: KubeObject, field: string): string | undefined {
  return BY_RESOURCE[resource][field]?.(obj);
}
