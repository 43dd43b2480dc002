import { errorMessage } from '../engine/step-failure.js';
import type { ForeseenDrainBlocker, KubePod, KubePodDisruptionBudget, NodeDrainForesight } from '../ports/cluster.js';
import type { EvictionJudgement } from './eviction-dry-run.js';
import { budgetSelectsPod } from './kube-objects.js';

/**
 * Drain foresight: which pods of a node would stop `kubectl drain --ignore-daemonsets
 * --delete-emptydir-data` (no --force) now. The drain's own pod filters are applied as kubectl
 * applies them; whether an eviction is allowed is the API's judgement (a dry-run eviction), and the
 * PodDisruptionBudgets are read only to name them and explain that judgement.
 */

export interface DrainForesightSource {
  listPodsOnNode(node: string, signal?: AbortSignal): Promise<KubePod[]>;
  listPodDisruptionBudgets(signal?: AbortSignal): Promise<KubePodDisruptionBudget[]>;
  dryRunEviction(namespace: string, pod: string, signal?: AbortSignal): Promise<EvictionJudgement>;
}

/** What kubectl drain's filters do with a pod: leave it (DaemonSet, mirror), refuse it (no controller), or evict it. */
export function drainTreatment(pod: KubePod): 'left' | 'refused' | 'evicted' {
  if (pod.mirror || pod.controllerKind === 'DaemonSet') return 'left';
  // kubectl deletes finished pods whatever owns them (unreplicatedFilter).
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return 'evicted';
  return pod.controllerKind === undefined ? 'refused' : 'evicted';
}

const budgetName = (b: KubePodDisruptionBudget): string => `${b.namespace}/${b.name}`;
const isZero = (v: number | string | undefined): boolean => v === 0 || v === '0%';

/** Why one budget allows no disruption now, from its spec and the status the disruption controller wrote. */
export function explainBudget(b: KubePodDisruptionBudget): string {
  const name = `PodDisruptionBudget ${budgetName(b)}`;
  if (isZero(b.maxUnavailable)) return `${name} has maxUnavailable 0: it never allows an eviction`;
  const { expectedPods, desiredHealthy, currentHealthy } = b;
  if (b.minAvailable !== undefined && expectedPods !== undefined && desiredHealthy !== undefined && desiredHealthy >= expectedPods && expectedPods > 0) {
    const what = expectedPods === 1 ? 'one replica' : `${expectedPods} pods`;
    return `${name}: ${what} with minAvailable ${b.minAvailable}: it never allows an eviction`;
  }
  const counts = desiredHealthy !== undefined && currentHealthy !== undefined ? `: needs ${desiredHealthy} healthy pods and has ${currentHealthy}` : '';
  return `${name} allows no disruption now (disruptionsAllowed ${b.disruptionsAllowed ?? 0}${counts})`;
}

/** The blocker for a pod the API refused to evict, its budgets named and the refusal explained. */
export function budgetBlocker(pod: KubePod, judgement: EvictionJudgement & { message: string }, budgets: readonly KubePodDisruptionBudget[]): ForeseenDrainBlocker {
  const covering = budgets.filter((b) => budgetSelectsPod(b, pod));
  const names = covering.map(budgetName);
  const base = { namespace: pod.namespace, pod: pod.name, budgets: names };
  if (judgement.verdict === 'several-budgets') {
    const which = names.length > 0 ? ` (${names.join(', ')})` : '';
    return { ...base, reason: 'several-budgets', why: `covered by more than one PodDisruptionBudget${which}, which the eviction API refuses` };
  }
  const [only] = covering;
  return { ...base, reason: 'disruption-budget', why: only && covering.length === 1 ? explainBudget(only) : `the eviction API refuses it: ${judgement.message}` };
}

export function describeForeseenBlocker(b: ForeseenDrainBlocker): string {
  return `${b.namespace}/${b.pod}: ${b.why}`;
}

export async function foreseeDrainBlockers(source: DrainForesightSource, node: string, signal?: AbortSignal): Promise<ForeseenDrainBlocker[]> {
  const [pods, budgets] = await Promise.all([source.listPodsOnNode(node, signal), source.listPodDisruptionBudgets(signal)]);
  return blockersAmong(source, pods, budgets, signal);
}

/** Where the foresight of many nodes reads: every pod of the cluster at once instead of each node's. */
export type FleetDrainForesightSource = Pick<DrainForesightSource, 'listPodDisruptionBudgets' | 'dryRunEviction'> & { listPods(signal?: AbortSignal): Promise<KubePod[]> };

/**
 * The foresight of several nodes from one listing of the cluster's pods and one of its budgets (a
 * node's pods are those whose spec.nodeName names it, as the field selector of a single node's
 * listing picks them); only the dry-run evictions are per pod. A failed listing fails every node's
 * check, a failed dry run only its node's.
 */
export async function foreseeDrainBlockersOfNodes(source: FleetDrainForesightSource, nodes: readonly string[], signal?: AbortSignal): Promise<NodeDrainForesight[]> {
  let pods: KubePod[];
  let budgets: KubePodDisruptionBudget[];
  try {
    [pods, budgets] = await Promise.all([source.listPods(signal), source.listPodDisruptionBudgets(signal)]);
  } catch (err) {
    const error = errorMessage(err);
    return nodes.map((node) => ({ node, blockers: [], error }));
  }
  const podsByNode = new Map<string, KubePod[]>();
  for (const pod of pods) if (pod.nodeName !== undefined) podsByNode.set(pod.nodeName, [...(podsByNode.get(pod.nodeName) ?? []), pod]);
  const out: NodeDrainForesight[] = [];
  for (const node of nodes) {
    try {
      out.push({ node, blockers: await blockersAmong(source, podsByNode.get(node) ?? [], budgets, signal) });
    } catch (err) {
      out.push({ node, blockers: [], error: errorMessage(err) });
    }
  }
  return out;
}

async function blockersAmong(source: Pick<DrainForesightSource, 'dryRunEviction'>, pods: readonly KubePod[], budgets: readonly KubePodDisruptionBudget[], signal: AbortSignal | undefined): Promise<ForeseenDrainBlocker[]> {
  const blockers: ForeseenDrainBlocker[] = [];
  for (const pod of pods) {
    const treatment = drainTreatment(pod);
    if (treatment === 'refused') {
      blockers.push({ namespace: pod.namespace, pod: pod.name, reason: 'unmanaged', budgets: [], why: 'declares no controller: kubectl drain refuses to delete it without --force' });
      continue;
    }
    // A pod no budget covers is always evicted (the API has nothing to judge it by): no question to ask.
    if (treatment === 'left' || !budgets.some((b) => budgetSelectsPod(b, pod))) continue;
    const judgement = await source.dryRunEviction(pod.namespace, pod.name, signal);
    if (judgement.verdict === 'refused-by-budget' || judgement.verdict === 'several-budgets') blockers.push(budgetBlocker(pod, judgement, budgets));
  }
  return blockers;
}
