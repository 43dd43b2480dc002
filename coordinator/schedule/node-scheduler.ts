import type { CanaryConfig } from '../config/config-types.js';
import type { NodeRole } from '../ports/cluster.js';
import type { NodeStatus } from '../state/operation-record.js';
import { poolOf, type ResolvedPool } from './pools.js';

/**
 * Which node may start now — the one question, answered from the record and what is in flight, with
 * no I/O (the engine asks after every change). Rules, in order:
 * - nodes start in operation order; a node waits for every earlier node of another pool to finish
 *   (pools run one after another);
 * - at most `maxUnavailable` nodes of a pool in flight;
 * - a master (etcd member) is only ever in flight alone, whatever its pool allows;
 * - a candidate whose drain foresight was blocked while others were in flight waits until one of them
 *   finishes or the engine asks again a soak interval later (`blockedUntilOneFinishes`);
 * - once a node failed (`halted`), nothing new starts;
 * - canary: the first `canary.nodes` node(s) of each pool (or of the operation) go alone, and the rest
 *   of that scope waits until the canary is cleared (soaked, and confirmed when asked).
 */

export interface SchedulableNode {
  name: string;
  role: NodeRole;
  pool?: string;
  status: NodeStatus;
}

export interface ScheduleState {
  nodes: readonly SchedulableNode[];
  pools: readonly ResolvedPool[];
  inFlight: ReadonlySet<string>;
  /** Nodes an earlier run of the operation left out of service (drained, not uncordoned) and not in flight now. */
  leftOutOfService?: ReadonlySet<string>;
  /** A node failed: the pool (and the operation) halts; nothing new starts. */
  halted: boolean;
  /** Candidates whose drain foresight is blocked until an in-flight node finishes. */
  blockedUntilOneFinishes: ReadonlySet<string>;
  canary?: Pick<CanaryConfig, 'nodes' | 'scope'>;
  /** Canary scopes (a pool name, or OPERATION_SCOPE) already soaked and confirmed. */
  canaryCleared: ReadonlySet<string>;
}

export const OPERATION_SCOPE = '*operation*';

export type ScheduleDecision =
  | { kind: 'start'; node: string; canary: boolean }
  /** Nothing may start until an in-flight node finishes. */
  | { kind: 'wait'; node: string; reason: string }
  /** The canary of `scope` finished: soak (and confirm) before the rest of it starts. */
  | { kind: 'canary-done'; scope: string; nodes: string[] }
  /** Nothing left to start (finished, or halted with nothing in flight). */
  | { kind: 'done' };

const FINISHED: readonly NodeStatus[] = ['completed', 'skipped'];

function isFinished(n: SchedulableNode): boolean {
  return FINISHED.includes(n.status);
}

/** The canary nodes of each scope: the first N nodes (skipped ones aside) of each pool or of the operation. */
export function canaryNodes(nodes: readonly SchedulableNode[], canary: Pick<CanaryConfig, 'nodes' | 'scope'>): Map<string, string[]> {
  const byScope = new Map<string, string[]>();
  for (const n of nodes) {
    if (n.status === 'skipped') continue;
    const scope = canary.scope === 'operation' ? OPERATION_SCOPE : poolOf(n);
    const list = byScope.get(scope) ?? [];
    if (list.length < canary.nodes) list.push(n.name);
    byScope.set(scope, list);
  }
  return byScope;
}

export function nextDecision(state: ScheduleState): ScheduleDecision {
  const { nodes, inFlight } = state;
  if (state.halted) return { kind: 'done' };
  // A node that failed in an earlier run is unfinished too: resume re-runs it in its place, and nodes
  // left out of service go first (they count against the budget until they are back).
  const left = state.leftOutOfService ?? new Set<string>();
  const leftIndex = nodes.findIndex((n) => left.has(n.name) && !isFinished(n) && !inFlight.has(n.name));
  const index = leftIndex >= 0 ? leftIndex : nodes.findIndex((n) => !isFinished(n) && !inFlight.has(n.name));
  const candidate = nodes[index];
  return candidate ? pick(state, candidate, index) : { kind: 'done' };
}

function pick(state: ScheduleState, candidate: SchedulableNode, index: number): ScheduleDecision {
  const { nodes, inFlight } = state;
  const pool = poolOf(candidate);
  const left = state.leftOutOfService ?? new Set<string>();
  // Out of service for this operation: in flight now, or left so by an earlier run (not the candidate itself).
  const flying = nodes.filter((n) => n.name !== candidate.name && (inFlight.has(n.name) || left.has(n.name)));
  const wait = (reason: string): ScheduleDecision => ({ kind: 'wait', node: candidate.name, reason });

  const earlierOtherPool = nodes.slice(0, index).find((n) => poolOf(n) !== pool && !isFinished(n));
  if (earlierOtherPool) return wait(`pool ${pool} starts after node ${earlierOtherPool.name} of pool ${poolOf(earlierOtherPool)} finished`);

  let canary = false;
  if (state.canary) {
    const scopes = canaryNodes(nodes, state.canary);
    const scope = state.canary.scope === 'operation' ? OPERATION_SCOPE : pool;
    const members = scopes.get(scope) ?? [];
    canary = members.includes(candidate.name) && !state.canaryCleared.has(scope);
    if (!canary && !state.canaryCleared.has(scope) && members.length > 0) {
      const unfinished = members.filter((m) => !isFinished(nodes.find((n) => n.name === m)!));
      if (unfinished.length > 0) return wait(`canary node(s) ${unfinished.join(', ')} first`);
      if (flying.length > 0) return wait('the canary soaks once every node in flight finished');
      return { kind: 'canary-done', scope, nodes: members };
    }
    if (canary && flying.length > 0) return wait('a canary node goes alone');
  }

  const master = flying.find((n) => n.role === 'master');
  if (master) return wait(`master ${master.name} (an etcd member) is in flight: it goes alone`);
  if (candidate.role === 'master' && flying.length > 0) return wait(`a master (etcd member) goes alone: waiting for ${flying.map((n) => n.name).join(', ')}`);

  const budget = state.pools.find((p) => p.name === pool)?.maxUnavailable ?? 1;
  const inPool = flying.filter((n) => poolOf(n) === pool);
  if (inPool.length >= budget) return wait(`pool ${pool} has ${inPool.length} of ${budget} node(s) in flight`);

  if (state.blockedUntilOneFinishes.has(candidate.name) && flying.some((n) => inFlight.has(n.name))) {
    return wait(`draining node ${candidate.name} would break a PodDisruptionBudget while ${flying.map((n) => n.name).join(', ')} ${flying.length > 1 ? 'are' : 'is'} in flight`);
  }
  return { kind: 'start', node: candidate.name, canary };
}
