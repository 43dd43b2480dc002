import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { serviceAccountUser } from '../kube-api/auth/identities.js';
import type { KubeApiServer } from '../kube-api/server.js';

/**
 * Coordinators in the lab as operators on different hosts run them against a real cluster: deploy/ is
 * applied once by the cluster admin, and each coordinator identity gets its own ServiceAccount, bound
 * to the roles deploy/ ships and nothing else, its own token (`kubectl create token`, the TokenRequest
 * API) and its own kubeconfig on the API server's secure port, where RBAC decides every request.
 */

/** The namespace and ServiceAccount deploy/ creates; the first identity is that account itself. */
export const STATE_NAMESPACE = 'noderoll-system';
export const SHIPPED_SERVICE_ACCOUNT = 'noderoll';
/** The deploy/ roles a coordinator needs: cluster-wide (nodes, pods, evictions) and in the namespace (Lease, ConfigMap). */
const SHIPPED_CLUSTER_ROLE = 'noderoll-coordinator';
const SHIPPED_STATE_ROLE = 'noderoll-state';

export interface CoordinatorIdentity {
  /** The ServiceAccount's name. */
  serviceAccount: string;
  /** What the API server (and its activity log) calls this identity: system:serviceaccount:NS:NAME. */
  user: string;
  /** A kubeconfig that acts as this ServiceAccount on the secure port, and nothing else. */
  kubeconfig: string;
}

/** kubectl as the lab's cluster admin on the secure port. */
export type AdminKubectl = (args: string[], input?: string) => Promise<CommandResult>;

export function adminKubectl(adminKubeconfig: string, cacheDir: string): AdminKubectl {
  return (args, input) => runCommand({ file: 'kubectl', args: ['--kubeconfig', adminKubeconfig, '--cache-dir', cacheDir, ...args], timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
}

/** `kubectl apply -f DIR` of the shipped manifests, as the admin. */
export async function applyDeployManifests(kubectl: AdminKubectl, deployDir: string): Promise<void> {
  await kubectl(['apply', '-f', deployDir]);
}

/**
 * A ServiceAccount for one more coordinator, bound to the shipped roles exactly as deploy/ binds its
 * own account (a binding of its own, so deploy/ stays as shipped), then its token and kubeconfig.
 */
export async function makeCoordinatorIdentity(kubectl: AdminKubectl, api: KubeApiServer, serviceAccount: string, kubeDir: string): Promise<CoordinatorIdentity> {
  if (serviceAccount !== SHIPPED_SERVICE_ACCOUNT) {
    const account = `${STATE_NAMESPACE}:${serviceAccount}`;
    await kubectl(['create', 'serviceaccount', serviceAccount, '-n', STATE_NAMESPACE]);
    await kubectl(['create', 'clusterrolebinding', `${SHIPPED_CLUSTER_ROLE}-${serviceAccount}`, `--clusterrole=${SHIPPED_CLUSTER_ROLE}`, `--serviceaccount=${account}`]);
    await kubectl(['create', 'rolebinding', `${SHIPPED_STATE_ROLE}-${serviceAccount}`, '-n', STATE_NAMESPACE, `--role=${SHIPPED_STATE_ROLE}`, `--serviceaccount=${account}`]);
  }
  const token = (await kubectl(['create', 'token', serviceAccount, '-n', STATE_NAMESPACE])).stdout.trim();
  await mkdir(kubeDir, { recursive: true });
  const kubeconfig = await api.writeKubeconfig(kubeDir, token, `${serviceAccount}.config`);
  return { serviceAccount, user: serviceAccountUser(STATE_NAMESPACE, serviceAccount).username, kubeconfig };
}

/** Writes the admin's kubeconfig for the secure port (the admin token) and returns its path. */
export async function writeAdminKubeconfig(api: KubeApiServer, kubeDir: string): Promise<string> {
  await mkdir(kubeDir, { recursive: true });
  const path = await api.writeKubeconfig(kubeDir, api.adminToken, 'admin-secure.config');
  await writeFile(join(kubeDir, 'README'), 'config: the plain port (kubelet stand-ins, tests); admin-secure.config: the admin on the secure port; <account>.config: a coordinator ServiceAccount\n');
  return path;
}
