import type { DrainBlocker, KubePod, KubePodDisruptionBudget } from '../ports/cluster.js';
import { budgetSelectsPod } from './kube-objects.js';

/**
 * Pure readers of what `kubectl drain` prints: which spelling of the emptyDir flag this kubectl
 * knows, and which pods a failed drain could not evict.
 */

export type LocalDataFlag = '--delete-emptydir-data' | '--delete-local-data';

/**
 * kubectl >= 1.31 knows only --delete-emptydir-data, 1.20-1.30 both, <= 1.19 only
 * --delete-local-data (the flag on Gravity's planet kubectl up to Gravity 8). Decided from
 * `kubectl drain --help`, never from a version number.
 */
export function chooseLocalDataFlag(helpText: string): LocalDataFlag | undefined {
  if (/(^|\s)--delete-emptydir-data\b/m.test(helpText)) return '--delete-emptydir-data';
  if (/(^|\s)--delete-local-data\b/m.test(helpText)) return '--delete-local-data';
  return undefined;
}

export interface DrainFailureReport {
  /** The global --timeout was reached. */
  timedOut: boolean;
  /** Pods kubectl named, with its last words about each. */
  pods: { namespace?: string; pod: string; detail?: string }[];
  /** Lines starting with `error:` (filter errors such as unmanaged pods). */
  errors: string[];
}

const EVICT_ERROR = /error when evicting pods\/"([^"]+)" -n "([^"]+)"(?: \(will retry after \d+s\))?: (.*)$/;
const WAIT_ERROR = /error when waiting for pod "([^"]+)" (?:in namespace "([^"]+)" )?to terminate: (.*)$/;
const PENDING_POD = /^pod\/(\S+)$/;

export function readDrainFailure(output: string): DrainFailureReport {
  const pods = new Map<string, { namespace?: string; pod: string; detail?: string }>();
  const errors: string[] = [];
  let timedOut = false;
  let inPendingList = false;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (/global timeout reached/i.test(line)) timedOut = true;
    const evict = EVICT_ERROR.exec(line) ?? WAIT_ERROR.exec(line);
    if (evict) {
      const [, pod = '', namespace, detail = ''] = evict;
      const key = `${namespace ?? ''}/${pod}`;
      // Keep kubectl's reason (the budget's refusal) over the later "global timeout reached".
      const previous = pods.get(key)?.detail;
      const keep = previous !== undefined && /global timeout reached/i.test(detail) ? previous : detail;
      pods.set(key, { pod, ...(namespace ? { namespace } : {}), detail: keep });
    }
    if (/^There are pending pods in node/i.test(line)) {
      inPendingList = true;
      continue;
    }
    const pending = PENDING_POD.exec(line);
    if (inPendingList && pending) {
      const pod = pending[1] ?? '';
      if (![...pods.values()].some((p) => p.pod === pod)) pods.set(`/${pod}`, { pod });
      continue;
    }
    inPendingList = false;
    if (/^error:/i.test(line)) errors.push(line);
  }
  return { timedOut, pods: [...pods.values()], errors };
}

/**
 * Names the PodDisruptionBudget behind each pod that could not be evicted, from the pods still on
 * the node and the budgets in the cluster.
 */
export function explainBlockedPods(
  report: DrainFailureReport,
  podsOnNode: readonly KubePod[],
  budgets: readonly KubePodDisruptionBudget[],
): DrainBlocker[] {
  const blockers: DrainBlocker[] = [];
  for (const named of report.pods) {
    const pod = podsOnNode.find((p) => p.name === named.pod && (named.namespace === undefined || p.namespace === named.namespace));
    const namespace = named.namespace ?? pod?.namespace ?? '';
    const blocker: DrainBlocker = { namespace, pod: named.pod, ...(named.detail ? { detail: named.detail } : {}) };
    const budget = pod ? budgets.find((b) => budgetSelectsPod(b, pod)) : undefined;
    if (budget) blocker.budget = { namespace: budget.namespace, name: budget.name, detail: describeBudget(budget) };
    blockers.push(blocker);
  }
  return blockers;
}

export function describeBudget(b: KubePodDisruptionBudget): string {
  const parts: string[] = [];
  if (b.disruptionsAllowed !== undefined) parts.push(`${b.disruptionsAllowed} disruptions allowed`);
  if (b.desiredHealthy !== undefined && b.currentHealthy !== undefined) {
    parts.push(`needs ${b.desiredHealthy} healthy pods and has ${b.currentHealthy}`);
  }
  return parts.join(', ') || 'no status';
}

export function describeBlocker(b: DrainBlocker): string {
  const pod = `pod ${b.namespace ? `${b.namespace}/` : ''}${b.pod}`;
  if (b.budget) return `${pod} is protected by PodDisruptionBudget ${b.budget.namespace}/${b.budget.name} (${b.budget.detail})`;
  return `${pod} could not be evicted${b.detail ? `: ${b.detail}` : ''}`;
}
