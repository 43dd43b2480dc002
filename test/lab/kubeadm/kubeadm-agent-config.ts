import { AGENT_GRPC_PORT, AGENT_HTTP_PORT, AGENT_METRICS_PORT } from '../noderoll-config.js';

/**
 * noderoll-agent's config on a kubeadm lab node: the kubeadm profile's defaults (kubelet and
 * containerd units, etcd at kubeadm's PKI paths with /usr/bin/etcdctl) and the node's own
 * listen addresses; TLS as on every lab node (mutual, /etc/noderoll/tls).
 */
export function kubeadmAgentConfigYaml(node: { nodeAddress: string }, options: { extraYaml?: string } = {}): string {
  return `# noderoll-agent on a kubeadm lab node
profile: kubeadm
grpc:
  listen: "${node.nodeAddress}:${AGENT_GRPC_PORT}"
http:
  listen: "${node.nodeAddress}:${AGENT_HTTP_PORT}"
  metrics:
    listen: "${node.nodeAddress}:${AGENT_METRICS_PORT}"
    tls: mutual
${options.extraYaml ?? ''}`;
}
