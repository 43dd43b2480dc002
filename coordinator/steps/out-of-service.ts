import type { KubeNode, KubernetesCluster } from '../ports/cluster.js';
import { StepFailure } from '../engine/step-failure.js';

/** Nodes other than `node` that are cordoned or not Ready, i.e. already out of service. */
export function otherNodesOutOfService(nodes: readonly KubeNode[], node: string): KubeNode[] {
  return nodes.filter((n) => n.name !== node && (n.unschedulable || !n.ready));
}

/** The rule of the runbook: never more than one node out of service. Throws naming the other node. */
export async function assertOnlyNodeOutOfService(cluster: KubernetesCluster, node: string, action: string, signal?: AbortSignal): Promise<void> {
  const others = otherNodesOutOfService(await cluster.listNodes(signal), node);
  if (others.length === 0) return;
  throw new StepFailure(
    `refusing to ${action}: ${others.map((n) => `node ${n.name} is already out of service (${n.unschedulable ? 'cordoned' : ''}${n.unschedulable && !n.ready ? ', ' : ''}${!n.ready ? `Ready=${n.readyStatus}` : ''})`).join('; ')}`,
    ['noderoll never takes more than one node out of service; bring the other node back (uncordon it once it is healthy) first'],
  );
}
