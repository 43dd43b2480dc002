import { computeDisruptionStatus, BudgetError } from '../disruption-budget.js';
import { controllerOf } from '../k8s-predicates.js';
import type { Pod, PodDisruptionBudget } from '../k8s-types.js';
import { selectorMatches } from '../selectors/label-selector.js';
import type { Controller, ControllerContext } from './controller.js';

/** Keeps every PodDisruptionBudget's status (healthy counts, disruptionsAllowed) current. */
export class DisruptionController implements Controller {
  readonly name = 'disruption';

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    for (const pdb of this.ctx.store.poddisruptionbudgets.list()) this.refresh(pdb, now);
  }

  /** Recomputes and stores one budget's status; returns the budget as stored. */
  refresh(pdb: PodDisruptionBudget, now: number): PodDisruptionBudget {
    const { status } = this.recomputed(pdb, now);
    return this.ctx.store.poddisruptionbudgets.update(pdb.metadata.name, pdb.metadata.namespace, (p) => {
      p.status = status;
    }) ?? pdb;
  }

  /** The budget with the status a sync now would give it, nothing stored (what a dry run judges by). */
  recomputed(pdb: PodDisruptionBudget, now: number): PodDisruptionBudget & { status: NonNullable<PodDisruptionBudget['status']> } {
    const pods = this.matchingPods(pdb);
    return { ...pdb, status: computeDisruptionStatus(pdb, pods, () => this.expectedScale(pods), now) };
  }

  /** The budgets that cover `pod` (same namespace, selector matches). */
  budgetsFor(pod: Pod): PodDisruptionBudget[] {
    return this.ctx.store.poddisruptionbudgets
      .list(pod.metadata.namespace)
      .filter((pdb) => selectorMatches(pdb.spec.selector, pod.metadata.labels));
  }

  private matchingPods(pdb: PodDisruptionBudget): Pod[] {
    return this.ctx.store.pods.list(pdb.metadata.namespace).filter((p) => selectorMatches(pdb.spec.selector, p.metadata.labels));
  }

  /**
   * getExpectedScale: the sum of spec.replicas of the pods' controllers. Only ReplicaSets have a
   * scale here (DaemonSets have none in the real controller either).
   */
  private expectedScale(pods: Pod[]): number {
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref) throw new BudgetError(`found no controller ref for pod "${pod.metadata.name}"`);
      if (scales.has(ref.uid)) continue;
      const rs = ref.kind === 'ReplicaSet' ? this.ctx.store.replicasets.get(ref.name, pod.metadata.namespace) : undefined;
      if (!rs || rs.metadata.uid !== ref.uid) throw new BudgetError(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(ref.uid, rs.spec.replicas ?? 1);
    }
    return [...scales.values()].reduce((a, b) => a + b, 0);
  }
}
