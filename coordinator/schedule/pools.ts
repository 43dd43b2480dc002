import type { PoolBudget, PoolConfig } from '../config/config-types.js';
import { PlanError } from '../plan/node-order.js';
import type { NodeRole } from '../ports/cluster.js';
import { labelSelectorMatches } from '../../shared/validation/label-selector.js';

/**
 * Node pools: which nodes may be out of service together. Without `pools:` in the config, the default
 * is `masters` (control-plane nodes, the NodeRecord role) then `workers` (the rest), each one node at a
 * time. Masters are etcd members: whatever a pool allows, a master is only ever in flight alone
 * (coordinator/schedule/node-scheduler.ts), which plan says when it overrides a configured budget.
 */

export const MASTERS_POOL = 'masters';
export const WORKERS_POOL = 'workers';

export interface ResolvedPool {
  name: string;
  /** Nodes of this pool that may be in flight at once (masters: 1). */
  maxUnavailable: number;
  /** As configured: "2", "50%". */
  configured: string;
  /** The operation's nodes in this pool, in operation order. */
  nodes: string[];
  /** Why the budget differs from what was configured, when it does. */
  note?: string;
}

interface PooledNode {
  name: string;
  role: NodeRole;
  pool?: string;
}

/** The pool of a node of a record written before pools existed: by its role. */
export function poolOf(node: PooledNode): string {
  return node.pool ?? (node.role === 'master' ? MASTERS_POOL : WORKERS_POOL);
}

export function describeBudget(budget: PoolBudget): string {
  return 'count' in budget ? String(budget.count) : `${budget.percent}%`;
}

/** A percentage of the pool's size, rounded down, at least 1 (a pool never stands still). */
export function budgetFor(budget: PoolBudget, poolSize: number): number {
  if ('count' in budget) return budget.count;
  return Math.max(1, Math.floor((poolSize * budget.percent) / 100));
}

/**
 * The pool of each node: the first configured pool whose selector matches the node's labels; without
 * configured pools, by role. A node no pool matches is a plan error naming it.
 */
export function assignPools(nodes: readonly { name: string; role: NodeRole }[], pools: readonly PoolConfig[], labelsOf: (node: string) => Readonly<Record<string, string>> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const node of nodes) {
    if (pools.length === 0) {
      out.set(node.name, poolOf(node));
      continue;
    }
    const labels = labelsOf(node.name);
    if (!labels) throw new PlanError('pools', `cannot read the labels of node ${node.name} to find its pool (is it in the cluster?)`);
    const pool = pools.find((p) => labelSelectorMatches(p.selector, labels));
    if (!pool) throw new PlanError('pools', `node ${node.name} matches no pool's selector (${pools.map((p) => `${p.name}: ${p.selector}`).join('; ')}); add a pool for it or exclude it with --exclude`);
    out.set(node.name, pool.name);
  }
  return out;
}

/** Stable order of the nodes by the pools' order (pools run one after another). */
export function orderByPool<T extends { name: string }>(nodes: readonly T[], poolOfNode: ReadonlyMap<string, string>, pools: readonly PoolConfig[]): T[] {
  const rank = (n: T): number => {
    const pool = poolOfNode.get(n.name);
    const i = pools.findIndex((p) => p.name === pool);
    return i < 0 ? (pool === MASTERS_POOL ? -2 : -1) : i;
  };
  return nodes.map((n, i) => ({ n, i })).sort((a, b) => rank(a.n) - rank(b.n) || a.i - b.i).map((x) => x.n);
}

/** The pools of an operation's nodes with their budgets in nodes (config pools, or the defaults). */
export function resolvePools(pools: readonly PoolConfig[], nodes: readonly PooledNode[]): ResolvedPool[] {
  const configured: { name: string; maxUnavailable: PoolBudget }[] = pools.length > 0 ? [...pools] : [
    { name: MASTERS_POOL, maxUnavailable: { count: 1 } },
    { name: WORKERS_POOL, maxUnavailable: { count: 1 } },
  ];
  const out: ResolvedPool[] = [];
  for (const pool of configured) {
    const members = nodes.filter((n) => poolOf(n) === pool.name);
    if (members.length === 0) continue;
    const budget = budgetFor(pool.maxUnavailable, members.length);
    const allMasters = members.every((n) => n.role === 'master');
    const someMasters = members.some((n) => n.role === 'master');
    const maxUnavailable = allMasters ? 1 : budget;
    const note =
      allMasters && budget > 1
        ? `configured ${describeBudget(pool.maxUnavailable)}, but masters (etcd members) go one at a time`
        : someMasters && budget > 1
          ? `its masters (etcd members) go one at a time, alone`
          : undefined;
    out.push({ name: pool.name, maxUnavailable, configured: describeBudget(pool.maxUnavailable), nodes: members.map((n) => n.name), ...(note ? { note } : {}) });
  }
  // Nodes of a pool no longer configured (a record from an older config): one at a time.
  for (const n of nodes) {
    const pool = poolOf(n);
    if (out.some((p) => p.name === pool)) continue;
    out.push({ name: pool, maxUnavailable: 1, configured: 'not configured', nodes: nodes.filter((m) => poolOf(m) === pool).map((m) => m.name), note: 'no longer in the config: one node at a time' });
  }
  return out;
}
