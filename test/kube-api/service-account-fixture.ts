import { mkdir, writeFile } from 'node:fs/promises';
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
  /**
   * Also create the ServiceAccount and bind deploy/'s coordinator roles (ClusterRole noderoll-coordinator, Role
   * noderoll-state in noderoll-system) to it: another coordinator identity with exactly the shipped permissions.
   * deploy/ must be applied already, or be among `manifests`.
   */
  withDeployRoles?: boolean;
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

/** A ServiceAccount NAMESPACE/NAME bound to deploy/'s ClusterRole noderoll-coordinator and Role noderoll-state. */
function deployRoleBindings(namespace: string, name: string): string {
  const subject = `subjects:\n- kind: ServiceAccount\n  name: ${name}\n  namespace: ${namespace}\n`;
  const roleRef = (kind: string, role: string): string => `roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ${kind}\n  name: ${role}\n`;
  return [
    `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`,
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: noderoll-coordinator-${namespace}-${name}\n${roleRef('ClusterRole', 'noderoll-coordinator')}${subject}`,
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: noderoll-state-${namespace}-${name}\n  namespace: noderoll-system\n${roleRef('Role', 'noderoll-state')}${subject}`,
  ].join('---\n');
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
  const extra: string[] = [];
  if (options.withDeployRoles) {
    extra.push(join(options.dir, `${name}-rbac.yaml`));
    await mkdir(options.dir, { recursive: true });
    await writeFile(extra[0] as string, deployRoleBindings(namespace, name));
  }
  const applied = await applyManifests(api, [...(options.manifests ?? []), ...extra]);
  const token = (await withAdminKubectl(api, (admin) => admin.run(['create', 'token', name, '-n', namespace]))).stdout.trim();
  const kubeconfig = await api.writeKubeconfig(options.dir, token, options.fileName ?? `${name}.kubeconfig`);
  return { kubeconfig, token, username: serviceAccountUser(namespace, name).username, applied };
}

/** serviceAccountIdentity(), when only the kubeconfig's path matters (a lab coordinator's --kubeconfig). */
export async function serviceAccountKubeconfig(api: KubeApiServer, options: ServiceAccountOptions): Promise<string> {
  return (await serviceAccountIdentity(api, options)).kubeconfig;
}
