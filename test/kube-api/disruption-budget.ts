import { isPodReady, isTerminating } from './k8s-predicates.js';
import { toKubeTime, parseKubeTime } from './k8s-time.js';
import type { Condition, IntOrString, Pod, PodDisruptionBudget, PodDisruptionBudgetStatus } from './k8s-types.js';

/**
 * PodDisruptionBudget arithmetic as the disruption controller and the eviction subresource do it
 * (pkg/controller/disruption, pkg/registry/core/pod/storage/eviction.go). Pure functions.
 */

/** How long an eviction the budget granted counts against it before the pod is seen terminating. */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60 * 1000;

export class BudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

/** intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of total rounded up or down. */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(-?[0-9]+)%$/.exec(value);
  if (!m) throw new BudgetError(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export interface BudgetTarget {
  expectedPods: number;
  desiredHealthy: number;
}

/**
 * getExpectedPodCount: an integer minAvailable counts the matching pods; a percentage or
 * maxUnavailable needs the scale of the pods' controllers, which `expectedScale` supplies (it
 * throws when a pod has no controller with a scale).
 */
export function budgetTarget(pdb: PodDisruptionBudget, matchingPods: number, expectedScale: () => number): BudgetTarget {
  const { minAvailable, maxUnavailable } = pdb.spec;
  if (maxUnavailable !== undefined) {
    const expectedPods = expectedScale();
    return { expectedPods, desiredHealthy: Math.max(0, expectedPods - scaledValue(maxUnavailable, expectedPods, true)) };
  }
  if (typeof minAvailable === 'number') return { expectedPods: matchingPods, desiredHealthy: minAvailable };
  if (typeof minAvailable === 'string') {
    const expectedPods = expectedScale();
    return { expectedPods, desiredHealthy: scaledValue(minAvailable, expectedPods, true) };
  }
  return { expectedPods: 0, desiredHealthy: 0 };
}

/** Evictions granted recently whose pods are not terminating yet still count as disrupted. */
export function liveDisruptedPods(pdb: PodDisruptionBudget, pods: readonly Pod[], now: number): Record<string, string> {
  const recorded = pdb.status?.disruptedPods ?? {};
  const result: Record<string, string> = {};
  for (const pod of pods) {
    if (isTerminating(pod)) continue;
    const at = recorded[pod.metadata.name];
    const atMs = parseKubeTime(at);
    if (at !== undefined && atMs !== undefined && atMs + DISRUPTED_POD_TIMEOUT_MS >= now) result[pod.metadata.name] = at;
  }
  return result;
}

export function countHealthy(pods: readonly Pod[], disrupted: Record<string, string>): number {
  return pods.filter((p) => !isTerminating(p) && !Object.hasOwn(disrupted, p.metadata.name) && isPodReady(p)).length;
}

function disruptionAllowedCondition(previous: Condition[] | undefined, allowed: boolean, now: number, generation: number, failure?: string): Condition[] {
  const status = allowed ? 'True' : 'False';
  const reason = failure ? 'SyncFailed' : allowed ? 'SufficientPods' : 'InsufficientPods';
  const old = previous?.find((c) => c.type === 'DisruptionAllowed');
  const condition: Condition = {
    type: 'DisruptionAllowed',
    status,
    reason,
    message: failure ?? '',
    observedGeneration: generation,
    lastTransitionTime: old && old.status === status ? (old.lastTransitionTime ?? toKubeTime(now)) : toKubeTime(now),
  };
  return [...(previous ?? []).filter((c) => c.type !== 'DisruptionAllowed'), condition];
}

/** The status the disruption controller would write for `pdb` given the pods its selector matches. */
export function computeDisruptionStatus(pdb: PodDisruptionBudget, matchingPods: readonly Pod[], expectedScale: () => number, now: number): PodDisruptionBudgetStatus {
  const generation = pdb.metadata.generation ?? 1;
  let target: BudgetTarget;
  try {
    target = budgetTarget(pdb, matchingPods.length, expectedScale);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // failSafe: nothing may be disrupted while the budget cannot be computed.
    return {
      ...(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
      disruptionsAllowed: 0,
      observedGeneration: generation,
      conditions: disruptionAllowedCondition(pdb.status?.conditions, false, now, generation, message),
    };
  }
  const disrupted = liveDisruptedPods(pdb, matchingPods, now);
  const currentHealthy = countHealthy(matchingPods, disrupted);
  const allowed = target.expectedPods <= 0 ? 0 : Math.max(0, currentHealthy - target.desiredHealthy);
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: generation,
    disruptionsAllowed: allowed,
    currentHealthy,
    desiredHealthy: target.desiredHealthy,
    expectedPods: target.expectedPods,
    conditions: disruptionAllowedCondition(pdb.status?.conditions, allowed > 0, now, generation),
  };
  if (Object.keys(disrupted).length > 0) status.disruptedPods = disrupted;
  return status;
}

export type EvictionVerdict = { allowed: true; status: PodDisruptionBudgetStatus } | { allowed: false; cause: string };

/**
 * checkAndDecrement: take one disruption from an up-to-date budget for `podName`, or say why not
 * (the text goes into the 429's DisruptionBudget cause).
 */
export function consumeDisruption(pdb: PodDisruptionBudget, podName: string, now: number): EvictionVerdict {
  const status = pdb.status;
  if (!status || (status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1)) {
    return { allowed: false, cause: `The disruption budget ${pdb.metadata.name} is still being processed by the server.` };
  }
  if (status.disruptionsAllowed <= 0) {
    return {
      allowed: false,
      cause: `The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
    };
  }
  const disruptionsAllowed = status.disruptionsAllowed - 1;
  const generation = pdb.metadata.generation ?? 1;
  return {
    allowed: true,
    status: {
      ...status,
      disruptionsAllowed,
      disruptedPods: { ...status.disruptedPods, [podName]: toKubeTime(now) },
      conditions: disruptionsAllowed === 0 ? disruptionAllowedCondition(status.conditions, false, now, generation) : status.conditions,
    },
  };
}

/**
 * Whether an eviction may skip the budget: pods not running (Pending, Succeeded, Failed) and pods
 * already terminating (canIgnorePDB).
 */
export function evictionIgnoresBudget(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed' || isTerminating(pod);
}

/**
 * An unready pod may be evicted without taking a disruption when the policy is AlwaysAllow, or
 * (IfHealthyBudget, the default) when the budget is currently met.
 */
export function unhealthyPodMayBeEvicted(pdb: PodDisruptionBudget, pod: Pod): boolean {
  if (isPodReady(pod)) return false;
  if (pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const s = pdb.status;
  return s !== undefined && s.desiredHealthy > 0 && s.currentHealthy >= s.desiredHealthy;
}
