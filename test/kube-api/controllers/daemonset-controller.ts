import { controllerOf, isPodActive, isPodReady, tolerates } from '../k8s-predicates.js';
import type { DaemonSet, Node, Pod, Taint } from '../k8s-types.js';
import { daemonSetPodTolerations, newDaemonSetPod } from '../object-factory.js';
import { deletePod } from './pod-deletion.js';
import type { Controller, ControllerContext } from './controller.js';

/**
 * nodeShouldRunDaemonPod: a new pod needs every NoSchedule/NoExecute taint tolerated; an existing
 * pod stays unless a NoExecute taint is not tolerated. DaemonSet pods tolerate cordons and the
 * NoExecute not-ready/unreachable taints, so they stay on cordoned and failing nodes.
 */
export function daemonPlacement(ds: DaemonSet, node: Node): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const tolerations = daemonSetPodTolerations(ds);
  const selector = ds.spec.template.spec.nodeSelector ?? {};
  const labels = node.metadata.labels ?? {};
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) return { shouldRun: false, shouldContinueRunning: false };
  const untolerated = (effects: Taint['effect'][]): boolean =>
    (node.spec?.taints ?? []).some((t) => effects.includes(t.effect) && !tolerates(tolerations, t));
  return { shouldRun: !untolerated(['NoSchedule', 'NoExecute']), shouldContinueRunning: !untolerated(['NoExecute']) };
}

/** One pod per eligible node for every DaemonSet, created bound to the node. */
export class DaemonSetController implements Controller {
  readonly name = 'daemonset';

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const nodes = this.ctx.store.nodes.list();
    const pods = this.ctx.store.pods.list();
    for (const ds of this.ctx.store.daemonsets.list()) {
      const owned = pods.filter((p) => controllerOf(p)?.uid === ds.metadata.uid && isPodActive(p));
      let desired = 0;
      let current = 0;
      let misscheduled = 0;
      let ready = 0;
      for (const node of nodes) {
        const { shouldRun, shouldContinueRunning } = daemonPlacement(ds, node);
        const here = owned.filter((p) => p.spec.nodeName === node.metadata.name);
        if (here.length === 0 && shouldRun) {
          here.push(this.createPod(ds, node.metadata.name, now));
        } else if (here.length > 0 && !shouldContinueRunning) {
          for (const p of here.splice(0)) deletePod(this.ctx, p, now);
        } else if (here.length > 1) {
          for (const p of here.splice(1)) deletePod(this.ctx, p, now);
        }
        if (shouldRun) desired++;
        if (here.length > 0 && shouldRun) current++;
        if (here.length > 0 && !shouldRun) misscheduled++;
        if (here.some(isPodReady) && shouldRun) ready++;
      }
      this.ctx.store.daemonsets.update(ds.metadata.name, ds.metadata.namespace, (d) => {
        d.status = {
          currentNumberScheduled: current,
          desiredNumberScheduled: desired,
          numberMisscheduled: misscheduled,
          numberReady: ready,
          numberAvailable: ready,
          numberUnavailable: Math.max(0, desired - ready),
          updatedNumberScheduled: current,
          observedGeneration: ds.metadata.generation ?? 1,
        };
      });
    }
  }

  private createPod(ds: DaemonSet, nodeName: string, now: number): Pod {
    const pod = this.ctx.store.pods.create(newDaemonSetPod(ds, nodeName), now);
    this.ctx.activity.record({ type: 'PodCreated', namespace: pod.metadata.namespace, name: pod.metadata.name, node: nodeName, detail: `DaemonSet/${ds.metadata.name}` }, now);
    return pod;
  }
}
