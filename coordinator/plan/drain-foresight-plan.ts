import { describeForeseenBlocker } from '../cluster/drain-foresight.js';
import { errorMessage } from '../engine/step-failure.js';
import type { KubernetesCluster, NodeDrainForesight } from '../ports/cluster.js';

export type { NodeDrainForesight } from '../ports/cluster.js';

/** Every planned node's drain foresight, from one reading of the cluster (see KubernetesCluster.foreseeDrainBlockersOfNodes). */
export function foreseeDrains(cluster: KubernetesCluster, nodes: readonly string[], signal?: AbortSignal): Promise<NodeDrainForesight[]> {
  return cluster.foreseeDrainBlockersOfNodes(nodes, signal);
}

/**
 * One node after the other, each with its own foreseeDrainBlockers; a node whose check fails says
 * why. For a cluster that has no cheaper way to foresee many nodes (the test doubles).
 */
export async function foreseeNodeByNode(cluster: Pick<KubernetesCluster, 'foreseeDrainBlockers'>, nodes: readonly string[], signal?: AbortSignal): Promise<NodeDrainForesight[]> {
  const out: NodeDrainForesight[] = [];
  for (const node of nodes) {
    try {
      out.push({ node, blockers: await cluster.foreseeDrainBlockers(node, signal) });
    } catch (err) {
      out.push({ node, blockers: [], error: errorMessage(err) });
    }
  }
  return out;
}

export function drainBlockerCount(foresight: readonly NodeDrainForesight[]): number {
  return foresight.reduce((n, f) => n + f.blockers.length, 0);
}

export function renderDrainForesight(foresight: readonly NodeDrainForesight[], onBlocked: string): string[] {
  const lines = ['', 'Drain foresight (pods that would stop each drain now; nothing is cordoned while one is known):'];
  for (const f of foresight) {
    lines.push(`  ${f.error || f.blockers.length > 0 ? '✗' : '✓'} ${f.node}${f.error ? `: cannot check: ${f.error}` : ''}`);
    for (const b of f.blockers) lines.push(`      ✗ ${describeForeseenBlocker(b)}`);
  }
  const count = drainBlockerCount(foresight);
  if (count > 0) {
    const nodes = foresight.filter((f) => f.blockers.length > 0).map((f) => f.node);
    const then = onBlocked === 'halt' ? 'halt before cordoning it' : 'wait up to timeouts.gatesBeforeNode at it, then halt before cordoning it';
    lines.push(`  ${count} pod(s) block the drain of ${nodes.join(', ')}: update would ${then} (drain.onBlocked: ${onBlocked}).`);
  }
  return lines;
}
