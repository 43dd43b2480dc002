import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeApiServer } from '../kube-api/server.js';
import { serviceAccountIdentity, type ServiceAccountIdentity } from '../kube-api/service-account-fixture.js';

/**
 * Coordinators in the lab as operators on different hosts run them against a real cluster: deploy/ is
 * applied once by the cluster admin, and each coordinator identity gets its own ServiceAccount, bound
 * to the roles deploy/ ships and nothing else, its own token (`kubectl create token`, the TokenRequest
 * API) and its own kubeconfig on the API server's secure port, where RBAC decides every request.
 */

export const STATE_NAMESPACE = 'noderoll-system';
/** deploy/'s own ServiceAccount: the first coordinator identity is that account itself. */
export const SHIPPED_SERVICE_ACCOUNT = 'noderoll';
/** The deploy/ roles a coordinator needs: cluster-wide (nodes, pods, evictions) and in the namespace (Lease, ConfigMap). */
const SHIPPED_CLUSTER_ROLE = 'noderoll-coordinator';
const SHIPPED_STATE_ROLE = 'noderoll-state';

/**
 * One more coordinator's ServiceAccount, bound to the shipped roles exactly as deploy/ binds its own
 * account (bindings of its own, so deploy/ stays as shipped).
 */
export function extraCoordinatorAccountManifest(serviceAccount: string): string {
  const subjects = [{ kind: 'ServiceAccount', name: serviceAccount, namespace: STATE_NAMESPACE }];
  const roleRef = (kind: string, name: string): Record<string, string> => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
  const items = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace: STATE_NAMESPACE } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `${SHIPPED_CLUSTER_ROLE}-${serviceAccount}` }, roleRef: roleRef('ClusterRole', SHIPPED_CLUSTER_ROLE), subjects },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${SHIPPED_STATE_ROLE}-${serviceAccount}`, namespace: STATE_NAMESPACE }, roleRef: roleRef('Role', SHIPPED_STATE_ROLE), subjects },
  ];
  return items.map((o) => stringify(o)).join('---\n');
}

/**
 * The identity of coordinator `serviceAccount` (deploy/ must be applied): its token and a kubeconfig
 * for the secure port in `kubeDir`. Any account but deploy/'s own is created and bound first.
 */
export async function makeCoordinatorIdentity(api: KubeApiServer, serviceAccount: string, kubeDir: string): Promise<ServiceAccountIdentity> {
  await mkdir(kubeDir, { recursive: true });
  const manifests: string[] = [];
  if (serviceAccount !== SHIPPED_SERVICE_ACCOUNT) {
    const file = join(kubeDir, `${serviceAccount}-rbac.yaml`);
    await writeFile(file, extraCoordinatorAccountManifest(serviceAccount));
    manifests.push(file);
  }
  return serviceAccountIdentity(api, { dir: kubeDir, namespace: STATE_NAMESPACE, name: serviceAccount, manifests });
}
