import { isAbsolute, join } from 'node:path';
import { projectRoot } from '../../shared/agent-api/codegen.js';
import { serviceAccountUser } from './auth/identities.js';
import { Kubectl } from './kubectl.js';
import type { KubeApiServer } from './server.js';

/** The shipped RBAC (`kubectl apply -f deploy/`): Namespace, ServiceAccount, roles and bindings of the coordinator. */
export const DEPLOY_DIR = join(projectRoot, 'deploy');

export interface ServiceAccountOptions {
  /** Where the kubeconfig is written (created when missing). */
  dir: string;
  /** Default noderoll-system. */
  namespace?: string;
  /** Default noderoll. */
  name?: string;
  /** Files or directories applied first, as the admin, with `kubectl apply -f` (relative paths: to the checkout), e.g. ['deploy']. */
  manifests?: readonly string[];
  /** Default NAME.kubeconfig. */
  fileName?: string;
}

export interface ServiceAccountIdentity {
  /** A kubeconfig that acts as the ServiceAccount on the secure port. */
  kubeconfig: string;
  token: string;
  /** system:serviceaccount:NAMESPACE:NAME, as the API server names it in a 403. */
  username: string;
  /** What `kubectl apply` printed, one line per object (empty without manifests). */
  applied: string[];
}

/** The real kubectl as the admin (system:masters) on the secure port; the caller disposes it. */
export function adminKubectl(api: KubeApiServer): Promise<Kubectl> {
  if (!api.secureUrl) throw new Error('the test API server was started without secure: true: ServiceAccounts need its HTTPS port');
  return Kubectl.forServer(api.secureUrl, undefined, api.credentials(api.adminToken));
}

/** adminKubectl(), disposed after `use`. */
export async function withAdminKubectl<T>(api: KubeApiServer, use: (admin: Kubectl) => Promise<T>): Promise<T> {
  const admin = await adminKubectl(api);
  try {
    return await use(admin);
  } finally {
    await admin.dispose();
  }
}

/** `kubectl apply -f M1 -f M2 …` as the admin; returns what it printed, one line per object. */
export async function applyManifests(api: KubeApiServer, manifests: readonly string[]): Promise<string[]> {
  if (manifests.length === 0) return [];
  const files = manifests.flatMap((m) => ['-f', isAbsolute(m) ? m : join(projectRoot, m)]);
  const r = await withAdminKubectl(api, (admin) => admin.run(['apply', ...files]));
  return r.stdout.trim().split('\n');
}

/**
 * Applies `manifests` as the admin, mints a token of the ServiceAccount with the real
 * `kubectl create token` (TokenRequest; the account must exist by then) and writes a kubeconfig
 * that acts as it on the secure port.
 */
export async function serviceAccountIdentity(api: KubeApiServer, options: ServiceAccountOptions): Promise<ServiceAccountIdentity> {
  const namespace = options.namespace ?? 'noderoll-system';
  const name = options.name ?? 'noderoll';
  const applied = await applyManifests(api, options.manifests ?? []);
  const token = (await withAdminKubectl(api, (admin) => admin.run(['create', 'token', name, '-n', namespace]))).stdout.trim();
  const kubeconfig = await api.writeKubeconfig(options.dir, token, options.fileName ?? `${name}.kubeconfig`);
  return { kubeconfig, token, username: serviceAccountUser(namespace, name).username, applied };
}

/** serviceAccountIdentity(), when only the kubeconfig's path matters (a lab coordinator's --kubeconfig). */
export async function serviceAccountKubeconfig(api: KubeApiServer, options: ServiceAccountOptions): Promise<string> {
  return (await serviceAccountIdentity(api, options)).kubeconfig;
}
