import type { PlanetConfig } from '../planet/planet-config.js';
import { CONTAINER_RUNTIME_SOCKET } from '../planet/container-runtime-standin.js';

/** kubeadm-specific settings of a lab node (host-side etcdctl against its etcd: ../tls-etcd.ts). */

export const CONTAINERD_VERSION = 'containerd://1.7.24';
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

/** The kubelet stand-in's config: kubeadm's labels, and on control-plane nodes its NoSchedule taint (unless `taint` is false). */
export function kubeadmKubeletConfig(n: { name: string; nodeAddress: string }, role: 'master' | 'node', apiServerUrl: string, heartbeatIntervalMs: number, options: { taint: boolean } = { taint: true }): PlanetConfig {
  const controlPlane = role === 'master';
  return {
    ...standinKubeletBase(n, role, apiServerUrl, heartbeatIntervalMs),
    containerRuntimeSocket: CONTAINER_RUNTIME_SOCKET,
    containerRuntimeVersion: CONTAINERD_VERSION,
    labels: {
      ...kubeletNodeLabels(n.name),
      ...(controlPlane ? { [CONTROL_PLANE_LABEL]: '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
    },
    ...(controlPlane && options.taint ? { taints: [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' }] } : {}),
  };
}


/** The labels every kubelet registers its Node with. */
export function kubeletNodeLabels(name: string): Record<string, string> {
  return {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
  };
}

/** What every kubelet stand-in outside planet is configured with (kubeadm's kubelet.service, k3s's units). */
export function standinKubeletBase(n: { name: string; nodeAddress: string }, role: 'master' | 'node', apiServerUrl: string, heartbeatIntervalMs: number): Pick<PlanetConfig, 'nodeName' | 'role' | 'apiServerUrl' | 'nodeAddress' | 'heartbeatIntervalMs' | 'versionFile'> {
  return {
    nodeName: n.name,
    role,
    apiServerUrl,
    nodeAddress: n.nodeAddress,
    heartbeatIntervalMs,
    // no package carries the kubelet in the lab: the version reported is KUBELET_VERSION
    versionFile: '/etc/noderoll-lab/kubelet-version',
  };
}
