import { describeForeseenBlocker } from '../cluster/drain-foresight.js';
import { errorMessage } from '../engine/step-failure.js';
import type { ForeseenDrainBlocker, KubernetesCluster } from '../ports/cluster.js';

/** What would stop each planned node's drain now, for `noderoll plan`. */
export interface NodeDrainForesight {
  node: string;
  blockers: ForeseenDrainBlocker[];
  /** The check could not run (kubectl failed): nothing is known about this node's drain. */
  error?: string;
}

/** One node after the other (each check runs a few kubectl commands); a node whose check fails says why. */
export async function foreseeDrains(cluster: KubernetesCluster, nodes: readonly string[], signal?: AbortSignal): Promise<NodeDrainForesight[]> {
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
