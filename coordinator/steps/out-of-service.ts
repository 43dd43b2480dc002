import type { KubeNode, KubernetesCluster } from '../ports/cluster.js';
import { StepFailure } from '../engine/step-failure.js';

/** Nodes other than `node` (and those `expected`) that are cordoned or not Ready, i.e. already out of service. */
export function otherNodesOutOfService(nodes: readonly KubeNode[], node: string, expected: readonly string[] = []): KubeNode[] {
  return nodes.filter((n) => n.name !== node && !expected.includes(n.name) && (n.unschedulable || !n.ready));
}

/**
 * The rule of the runbook: no node out of service but the ones this operation took out (`expected`:
 * its other nodes in flight, within their pool's budget). Throws naming the other node.
 */
export async function assertOnlyNodeOutOfService(cluster: KubernetesCluster, node: string, action: string, signal?: AbortSignal, expected: readonly string[] = []): Promise<void> {
  const others = otherNodesOutOfService(await cluster.listNodes(signal), node, expected);
  if (others.length === 0) return;
  throw new StepFailure(
    `refusing to ${action}: ${others.map((n) => `node ${n.name} is already out of service (${n.unschedulable ? 'cordoned' : ''}${n.unschedulable && !n.ready ? ', ' : ''}${!n.ready ? `Ready=${n.readyStatus}` : ''})`).join('; ')}`,
    ['noderoll never takes out more nodes than its pools allow, and none while a node it did not take out is out of service; bring the other node back (uncordon it once it is healthy) first'],
  );
}
