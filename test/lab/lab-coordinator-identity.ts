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

/**
 * The identity of coordinator `serviceAccount` (deploy/ must be applied): its token and a kubeconfig
 * for the secure port in `kubeDir`. Any account but deploy/'s own is created first and bound to the
 * shipped roles exactly as deploy/ binds its own account (bindings of its own; deploy/ stays as shipped).
 */
export async function makeCoordinatorIdentity(api: KubeApiServer, serviceAccount: string, kubeDir: string): Promise<ServiceAccountIdentity> {
  return serviceAccountIdentity(api, { dir: kubeDir, namespace: STATE_NAMESPACE, name: serviceAccount, withDeployRoles: serviceAccount !== SHIPPED_SERVICE_ACCOUNT });
}
