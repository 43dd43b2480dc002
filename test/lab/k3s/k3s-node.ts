import { kubeletNodeLabels, standinKubeletBase } from '../kubeadm/kubeadm-node.js';
import { tlsEtcdArgs, type KubeadmEtcdMember } from '../kubeadm/kubeadm-units.js';
import { enableUnit, prepareNodeIdentity, writeAgentFiles, clockDropIn, writeInRoot, type NodeFile, type NodeRootfsOptions } from '../node-rootfs.js';
import type { PlanetConfig } from '../planet/planet-config.js';
import { K3S_BINARY, K3S_CONTAINERD_SOCKET, K3S_ETCD_MEMBER_FILES } from './k3s-paths.js';
import type { K3sStandinConfig } from './k3s-standin.js';
import { K3S_AGENT_UNIT, K3S_SERVER_UNIT, k3sStandinScript, k3sUnitText, NODE_K3S_STANDIN_CONFIG } from './k3s-units.js';

/**
 * A k3s lab node from the node image: k3s.service (server: kubelet, containerd and the etcd member in
 * one unit) or k3s-agent.service (agent), /usr/local/bin/k3s, on servers k3s's etcd PKI; the agent's
 * files when the lab has agents. Nothing of Gravity or kubeadm: no planet, kubelet.service or
 * containerd.service, no /etc/kubernetes.
 */

export const K3S_CONTAINERD_VERSION = 'containerd://1.7.23-k3s2';

/** The kubelet stand-in's config: k3s's labels (servers: control-plane, master, etcd = "true"; no taint, k3s servers take workloads). */
export function k3sKubeletConfig(n: { name: string; nodeAddress: string }, role: 'master' | 'node', apiServerUrl: string, heartbeatIntervalMs: number): PlanetConfig {
  const server = role === 'master';
  return {
    ...standinKubeletBase(n, role, apiServerUrl, heartbeatIntervalMs),
    containerRuntimeSocket: K3S_CONTAINERD_SOCKET,
    containerRuntimeVersion: K3S_CONTAINERD_VERSION,
    labels: {
      ...kubeletNodeLabels(n.name),
      'node.kubernetes.io/instance-type': 'k3s',
      'beta.kubernetes.io/instance-type': 'k3s',
      ...(server ? { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true', 'node-role.kubernetes.io/etcd': 'true' } : {}),
    },
  };
}

/** The k3s server's embedded etcd member: etcd's flags with k3s's paths (client URL https://127.0.0.1:2379 among them). */
export function k3sEtcdArgs(m: KubeadmEtcdMember): string[] {
  return tlsEtcdArgs(m, K3S_ETCD_MEMBER_FILES);
}

export interface K3sRootfsOptions extends Pick<NodeRootfsOptions, 'image' | 'rootfs' | 'hostname' | 'agent' | 'clockOffsetMs'> {
  kubelet: PlanetConfig;
  /** Servers with embedded etcd: the etcd program, the member and k3s's etcd PKI files. */
  etcd?: { binary: string; member: KubeadmEtcdMember; pkiFiles: Record<string, NodeFile> };
  /** The single server of a cluster on SQLite: kine's database there. */
  sqlite?: { database: string };
}

export async function prepareK3sNodeRootfs(o: K3sRootfsOptions): Promise<void> {
  await prepareNodeIdentity(o);
  const unit = o.etcd || o.sqlite ? K3S_SERVER_UNIT : K3S_AGENT_UNIT;
  const config: K3sStandinConfig = { kubelet: o.kubelet, ...(o.etcd ? { etcd: { binary: o.etcd.binary, args: k3sEtcdArgs(o.etcd.member) } } : {}), ...(o.sqlite ? { sqlite: o.sqlite } : {}) };
  await writeInRoot(o.rootfs, NODE_K3S_STANDIN_CONFIG, JSON.stringify(config, null, 2) + '\n');
  await writeInRoot(o.rootfs, K3S_BINARY, k3sStandinScript(), 0o755);
  await writeInRoot(o.rootfs, `/etc/systemd/system/${unit}`, k3sUnitText(unit));
  await enableUnit(o.rootfs, unit);
  const skewed = o.clockOffsetMs !== undefined && o.clockOffsetMs !== 0 ? clockDropIn(o.clockOffsetMs) : undefined;
  if (skewed) await writeInRoot(o.rootfs, `/etc/systemd/system/${unit}.d/lab-clock.conf`, skewed);
  if (o.etcd) for (const [path, file] of Object.entries(o.etcd.pkiFiles)) await writeInRoot(o.rootfs, path, file.content, file.mode);
  if (o.agent) await writeAgentFiles(o.rootfs, o.agent, skewed);
}
