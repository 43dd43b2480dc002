import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../../shared/exec/command-runner.js';
import { notYet, ready, waitFor } from '../../../shared/time/wait-for.js';
import type { PlanetConfig } from '../planet/planet-config.js';
import { CONTAINER_RUNTIME_SOCKET } from '../planet/container-runtime-standin.js';
import type { EtcdClientFiles } from './kubeadm-etcd-pki.js';

/** kubeadm-specific settings of a lab node and host-side etcdctl against the kubeadm lab's etcd. */

export const CONTAINERD_VERSION = 'containerd://1.7.24';
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

/** The kubelet stand-in's config: kubeadm's labels, and on control-plane nodes its NoSchedule taint (unless `taint` is false). */
export function kubeadmKubeletConfig(n: { name: string; nodeAddress: string }, role: 'master' | 'node', apiServerUrl: string, heartbeatIntervalMs: number, options: { taint: boolean } = { taint: true }): PlanetConfig {
  const controlPlane = role === 'master';
  return {
    nodeName: n.name,
    role,
    apiServerUrl,
    nodeAddress: n.nodeAddress,
    heartbeatIntervalMs,
    // no package carries the kubelet in the lab: the version reported is KUBELET_VERSION
    versionFile: '/etc/noderoll-lab/kubelet-version',
    containerRuntimeSocket: CONTAINER_RUNTIME_SOCKET,
    containerRuntimeVersion: CONTAINERD_VERSION,
    labels: {
      'kubernetes.io/hostname': n.name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': 'amd64',
      ...(controlPlane ? { [CONTROL_PLANE_LABEL]: '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
    },
    ...(controlPlane && options.taint ? { taints: [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' }] } : {}),
  };
}

/** Host etcdctl (API v3) against the given endpoints; `client` undefined: without a client certificate. */
export function hostEtcdctl(endpoints: readonly string[], client: EtcdClientFiles | undefined, cacert: string, args: string[], okExitCodes = [0]): Promise<CommandResult> {
  const tls = client ? [`--cacert=${client.cacert}`, `--cert=${client.cert}`, `--key=${client.key}`] : [`--cacert=${cacert}`];
  return runCommand({
    file: 'etcdctl',
    args: [`--endpoints=${endpoints.join(',')}`, ...tls, '--dial-timeout=2s', '--command-timeout=3s', ...args],
    env: { ...process.env, ETCDCTL_API: '3' },
    timeoutMs: 20_000,
    okExitCodes,
  });
}

/** The host's healthcheck client files of a kubeadm lab, by the lab's directory (KubeadmEtcdPki.create(<dir>/kubeadm-pki)). */
export function kubeadmHostClientFiles(labDir: string): EtcdClientFiles {
  const pki = join(labDir, 'kubeadm-pki');
  return { cacert: join(pki, 'ca.crt'), cert: join(pki, 'host', 'healthcheck-client.crt'), key: join(pki, 'host', 'healthcheck-client.key') };
}

/** One member's health over TLS with the host's healthcheck certificate (lab status of a kubeadm lab). */
export async function kubeadmMemberHealthy(url: string, client: EtcdClientFiles): Promise<boolean> {
  const r = await hostEtcdctl([url], client, client.cacert, ['endpoint', 'health', '-w', 'json'], [0, 1]).catch(() => undefined);
  try {
    return (JSON.parse(r?.stdout ?? '') as { health: boolean }[])[0]?.health === true;
  } catch {
    return false;
  }
}

/** Waits until every member answers `endpoint health` over TLS with the host's healthcheck certificate. */
export async function waitKubeadmEtcdHealthy(endpoints: readonly string[], client: EtcdClientFiles, timeoutMs: number, what: string): Promise<void> {
  await waitFor({ what: `etcd healthy (TLS client auth) on every control-plane node of ${what}`, timeoutMs, initialDelayMs: 300, maxDelayMs: 1500 }, async () => {
    const r = await hostEtcdctl(endpoints, client, client.cacert, ['endpoint', 'health', '-w', 'json'], [0, 1]);
    let members: { endpoint: string; health: boolean; error?: string }[] = [];
    try {
      members = JSON.parse(r.stdout) as typeof members;
    } catch {
      return notYet(`etcdctl: ${r.stderr.trim().split('\n').pop() ?? 'no output'}`);
    }
    const bad = members.filter((m) => !m.health).map((m) => `${m.endpoint} (${m.error ?? 'unhealthy'})`);
    return bad.length === 0 && members.length === endpoints.length ? ready(undefined) : notYet(`unhealthy: ${bad.join(', ')}`);
  });
}

/**
 * Writes the API objects the lab's API server holds into the kubeadm lab's etcd, under kube-apiserver's
 * key layout (/registry/<resource>/[<namespace>/]<name>), so etcd carries a cluster's state as on a real
 * control plane and a snapshot of it has data and a revision. The lab's API server is a fixture that does
 * not use etcd: these keys are a copy taken once at lab start (JSON where kube-apiserver writes protobuf),
 * not kept in step with later changes.
 */
export async function seedEtcdWithApiObjects(endpoints: readonly string[], client: EtcdClientFiles, objects: readonly { resource: string; namespace?: string; name: string; json: string }[]): Promise<void> {
  for (const o of objects.slice(0, 200)) {
    const key = `/registry/${o.resource}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
    await hostEtcdctl(endpoints, client, client.cacert, ['put', key, o.json]);
  }
}
