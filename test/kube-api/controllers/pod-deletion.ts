import { isTerminating } from '../k8s-predicates.js';
import { toKubeTime } from '../k8s-time.js';
import type { Pod } from '../k8s-types.js';
import type { ControllerContext } from './controller.js';

/**
 * How a pod deletion starts, shared by DELETE, eviction and the controllers. A pod that no kubelet
 * has to stop (unscheduled, finished, or grace period 0) goes at once; any other pod is marked
 * terminating and the simulated kubelet removes it later.
 * Returns the pod as it now is (with deletionTimestamp) or undefined when it is gone.
 */
export function deletePod(ctx: ControllerContext, pod: Pod, now: number, gracePeriodSeconds?: number): Pod | undefined {
  const namespace = pod.metadata.namespace;
  const phase = pod.status?.phase;
  const grace = gracePeriodSeconds ?? (pod.spec.terminationGracePeriodSeconds as number | undefined) ?? 30;
  const immediate = grace === 0 || !pod.spec.nodeName || phase === 'Succeeded' || phase === 'Failed';
  if (immediate) {
    const removed = ctx.store.pods.delete(pod.metadata.name, namespace);
    if (removed) ctx.activity.record({ type: 'PodRemoved', namespace, name: pod.metadata.name, node: pod.spec.nodeName }, now);
    return undefined;
  }
  if (isTerminating(pod)) return ctx.store.pods.get(pod.metadata.name, namespace);
  const updated = ctx.store.pods.update(pod.metadata.name, namespace, (p) => {
    p.metadata.deletionTimestamp = toKubeTime(now + grace * 1000);
    p.metadata.deletionGracePeriodSeconds = grace;
  });
  if (updated) ctx.activity.record({ type: 'PodTerminating', namespace, name: pod.metadata.name, node: pod.spec.nodeName }, now);
  return updated;
}
