import type { ResourceName } from './api-error.js';

/** The collections the object store keeps, one per served resource. */
export type CollectionName =
  | 'nodes'
  | 'namespaces'
  | 'pods'
  | 'daemonsets'
  | 'replicasets'
  | 'poddisruptionbudgets'
  | 'configmaps'
  | 'serviceaccounts'
  | 'leases'
  | 'roles'
  | 'clusterroles'
  | 'rolebindings'
  | 'clusterrolebindings';

export interface ResourceInfo extends ResourceName {
  resource: CollectionName;
  version: string;
  kind: string;
  singularName: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames?: readonly string[];
  categories?: readonly string[];
  /** Subresources reached as /NAME/SUB: "status" behaves like the object with only status writable. */
  subresources: readonly string[];
  /** Whether metadata.generation is tracked (bumped on spec changes), as for apps and policy kinds. */
  tracksGeneration: boolean;
}

const ALL_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const;

export const RESOURCES: readonly ResourceInfo[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', singularName: 'namespace', namespaced: false, verbs: ['create', 'get', 'list', 'watch'], shortNames: ['ns'], subresources: [], tracksGeneration: false },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', singularName: 'node', namespaced: false, verbs: ALL_VERBS, shortNames: ['no'], subresources: ['status'], tracksGeneration: false },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', singularName: 'pod', namespaced: true, verbs: ALL_VERBS, shortNames: ['po'], categories: ['all'], subresources: ['status', 'eviction'], tracksGeneration: false },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', singularName: 'daemonset', namespaced: true, verbs: ALL_VERBS, shortNames: ['ds'], categories: ['all'], subresources: ['status'], tracksGeneration: true },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', singularName: 'replicaset', namespaced: true, verbs: ALL_VERBS, shortNames: ['rs'], categories: ['all'], subresources: ['status'], tracksGeneration: true },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', singularName: 'configmap', namespaced: true, verbs: ALL_VERBS, shortNames: ['cm'], subresources: [], tracksGeneration: false },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', singularName: 'serviceaccount', namespaced: true, verbs: ALL_VERBS, shortNames: ['sa'], subresources: ['token'], tracksGeneration: false },
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', singularName: 'lease', namespaced: true, verbs: ALL_VERBS, subresources: [], tracksGeneration: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', singularName: 'role', namespaced: true, verbs: ALL_VERBS, subresources: [], tracksGeneration: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', singularName: 'clusterrole', namespaced: false, verbs: ALL_VERBS, subresources: [], tracksGeneration: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', singularName: 'rolebinding', namespaced: true, verbs: ALL_VERBS, subresources: [], tracksGeneration: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', singularName: 'clusterrolebinding', namespaced: false, verbs: ALL_VERBS, subresources: [], tracksGeneration: false },
  { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', singularName: 'poddisruptionbudget', namespaced: true, verbs: ALL_VERBS, shortNames: ['pdb'], subresources: ['status'], tracksGeneration: true },
];

export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function resourceInfo(resource: CollectionName): ResourceInfo {
  const info = RESOURCES.find((r) => r.resource === resource);
  if (!info) throw new Error(`no resource ${resource}`);
  return info;
}

/** The API groups other than the legacy core group, in the order /apis lists them. */
export function apiGroups(): { name: string; versions: string[] }[] {
  const groups = new Map<string, Set<string>>();
  for (const r of RESOURCES) {
    if (!r.group) continue;
    const versions = groups.get(r.group) ?? new Set<string>();
    versions.add(r.version);
    groups.set(r.group, versions);
  }
  return [...groups].map(([name, versions]) => ({ name, versions: [...versions] }));
}
