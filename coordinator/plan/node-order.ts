import type { NodeConfig, NodeOrderPolicy } from '../config/config-types.js';
import type { NodeRole } from '../ports/cluster.js';

export interface PlannedNode {
  name: string;
  role: NodeRole;
  /** host:port of the node's agent. */
  agent: string;
  /** Its pool (coordinator/schedule/pools.ts), once assigned. */
  pool?: string;
}

export class PlanError extends Error {
  constructor(
    /** The flag or config field the problem comes from. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PlanError';
  }
}

export interface NodeSelection {
  /** --nodes: only these (names from the config). */
  only?: readonly string[];
  /** --exclude: not these. */
  exclude?: readonly string[];
}

/** Restricts the configured nodes to --nodes / --exclude; unknown names are errors naming the flag. */
export function selectNodes(nodes: readonly NodeConfig[], selection: NodeSelection): NodeConfig[] {
  const known = new Set(nodes.map((n) => n.name));
  for (const [flag, names] of [['--nodes', selection.only], ['--exclude', selection.exclude]] as const) {
    for (const name of names ?? []) {
      if (!known.has(name)) throw new PlanError(flag, `node "${name}" is not in the config (known: ${[...known].join(', ')})`);
    }
  }
  const only = selection.only ? new Set(selection.only) : undefined;
  const exclude = new Set(selection.exclude ?? []);
  const chosen = nodes.filter((n) => (!only || only.has(n.name)) && !exclude.has(n.name));
  if (chosen.length === 0) throw new PlanError(selection.exclude?.length ? '--exclude' : '--nodes', 'no node is left to update');
  return chosen;
}

/**
 * The order nodes are updated in: `roles` = masters one at a time first (etcd members, keeping
 * quorum), then workers, each group in config order; `listed` = exactly the config order.
 * A node's role comes from the config, else from the cluster's labels.
 */
export function orderNodes(nodes: readonly NodeConfig[], policy: NodeOrderPolicy, clusterRoles: ReadonlyMap<string, NodeRole>): PlannedNode[] {
  const planned = nodes.map((n, i) => {
    const role = n.role ?? clusterRoles.get(n.name);
    if (!role) {
      throw new PlanError(`nodes[${i}].role`, `the role of node ${n.name} is unknown (no gravitational.io/k8s-role or node-role label): set it to master or node`);
    }
    return { name: n.name, role, agent: n.agent };
  });
  if (policy === 'listed') return planned;
  return [...planned.filter((n) => n.role === 'master'), ...planned.filter((n) => n.role !== 'master')];
}
