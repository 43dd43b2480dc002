import { nodeInternalIP } from './k8s-predicates.js';
import type { Node, Pod } from './k8s-types.js';

/**
 * The address a pod gets when it starts: host-network pods share the node's InternalIP, others
 * take the lowest free host address of the node's pod CIDR (a /24 handed out by the node
 * lifecycle controller). These addresses are labels in API objects; nothing routes them.
 */
export function allocatePodIP(node: Node, pod: Pod, existing: readonly Pod[]): string {
  const nodeIP = nodeInternalIP(node) ?? '';
  if (pod.spec.hostNetwork === true) return nodeIP;
  const base = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(node.spec?.podCIDR ?? '')?.[1];
  if (!base) return nodeIP;
  const used = new Set(existing.map((p) => p.status?.podIP));
  for (let host = 2; host < 255; host++) {
    const ip = `${base}.${host}`;
    if (!used.has(ip)) return ip;
  }
  return nodeIP;
}
