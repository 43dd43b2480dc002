import { controllerOf, isPodActive, isPodReady } from '../k8s-predicates.js';
import type { Pod, ReplicaSet } from '../k8s-types.js';
import { newPodFromTemplate } from '../object-factory.js';
import { selectorMatches } from '../selectors/label-selector.js';
import { deletePod } from './pod-deletion.js';
import type { Controller, ControllerContext } from './controller.js';

/** Which surplus pods go first: unscheduled, then not running, then not ready, then the newest. */
function deletionPreference(a: Pod, b: Pod): number {
  const rank = (p: Pod): number => (!p.spec.nodeName ? 0 : p.status?.phase !== 'Running' ? 1 : !isPodReady(p) ? 2 : 3);
  return rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
}

/**
 * Keeps spec.replicas active pods per ReplicaSet. A terminating pod no longer counts, so an
 * evicted pod gets its replacement at once (the scheduler then places it).
 */
export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const pods = this.ctx.store.pods.list();
    for (const rs of this.ctx.store.replicasets.list()) {
      const owned = pods.filter((p) => controllerOf(p)?.uid === rs.metadata.uid);
      const active = owned.filter(isPodActive);
      const wanted = rs.spec.replicas ?? 1;
      if (active.length < wanted) {
        for (let i = active.length; i < wanted; i++) active.push(this.createPod(rs, now));
      } else if (active.length > wanted) {
        for (const pod of active.sort(deletionPreference).splice(0, active.length - wanted)) deletePod(this.ctx, pod, now);
      }
      this.updateStatus(rs, active);
    }
  }

  private createPod(rs: ReplicaSet, now: number): Pod {
    const pod = this.ctx.store.pods.create(newPodFromTemplate(rs, rs.spec.template), now);
    this.ctx.activity.record({ type: 'PodCreated', namespace: pod.metadata.namespace, name: pod.metadata.name, detail: `ReplicaSet/${rs.metadata.name}` }, now);
    return pod;
  }

  private updateStatus(rs: ReplicaSet, active: Pod[]): void {
    const ready = active.filter(isPodReady).length;
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => selectorMatches({ matchLabels: rs.spec.template.metadata?.labels ?? {} }, p.metadata.labels)).length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    this.ctx.store.replicasets.update(rs.metadata.name, rs.metadata.namespace, (r) => {
      r.status = status;
    });
  }
}
