import { labAgentListenYaml } from '../noderoll-config.js';

/**
 * noderoll-agent's config on a kubeadm or k3s lab node: the profile's defaults (kubeadm: kubelet and
 * containerd units, etcd at kubeadm's PKI paths with /usr/bin/etcdctl; k3s: k3s.service /
 * k3s-agent.service, etcd at k3s's paths, snapshots by `k3s etcd-snapshot save`) and the node's own
 * listen addresses; TLS as on every lab node (mutual, /etc/noderoll/tls).
 */
export function profileAgentConfigYaml(profile: 'kubeadm' | 'k3s', node: { nodeAddress: string }, options: { extraYaml?: string } = {}): string {
  return `# noderoll-agent on a ${profile} lab node
profile: ${profile}
${labAgentListenYaml(node)}${options.extraYaml ?? ''}`;
}

export function kubeadmAgentConfigYaml(node: { nodeAddress: string }, options: { extraYaml?: string } = {}): string {
  return profileAgentConfigYaml('kubeadm', node, options);
}

export function k3sAgentConfigYaml(node: { nodeAddress: string }, options: { extraYaml?: string } = {}): string {
  return profileAgentConfigYaml('k3s', node, options);
}
