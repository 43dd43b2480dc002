import { isTerminating, tolerates } from '../k8s-predicates.js';
import { toKubeTime } from '../k8s-time.js';
import type { Pod, Taint, Toleration } from '../k8s-types.js';
import { deletePod } from './pod-deletion.js';
import type { Controller, ControllerContext } from './controller.js';

/**
 * getMinTolerationTime over the tolerations that match the node's NoExecute taints: the smallest
 * tolerationSeconds (0 for any value ≤ 0), or undefined when every one of them tolerates forever.
 * Undefined also when a taint is not tolerated at all — see evictionDelayMs.
 */
function minTolerationSeconds(used: Toleration[]): number | undefined {
  const limits = used.map((t) => t.tolerationSeconds).filter((s) => s !== undefined);
  return limits.length === 0 ? undefined : Math.max(0, Math.min(...limits));
}

/** How long `pod` may stay under `taints`: 0 = now, undefined = forever. */
export function evictionDelayMs(pod: Pod, taints: Taint[]): number | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const matching = (pod.spec.tolerations ?? []).filter((t) => tolerates([t], taint));
    if (matching.length === 0) return 0;
    used.push(...matching);
  }
  const seconds = minTolerationSeconds(used);
  return seconds === undefined ? undefined : seconds * 1000;
}

export const TAINT_EVICTION_REASON = 'DeletionByTaintManager';
export const TAINT_EVICTION_MESSAGE = 'Taint manager: deleting due to NoExecute taint';

/**
 * The taint-eviction controller (the "NoExecute taint manager"): a pod on a node with NoExecute
 * taints is deleted at once when it does not tolerate one of them, or once the smallest matching
 * tolerationSeconds has passed since the controller first saw it under the taints. Before the
 * delete it gets the DisruptionTarget condition the real controller adds. Pod disruption budgets do
 * not apply. On a node that is down the deleted pod stays Terminating until its kubelet returns;
 * its ReplicaSet replaces it at once.
 */
export class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction';
  /** Pod uid → when this controller first saw the pod under NoExecute taints. */
  private readonly since = new Map<string, number>();

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const taintsByNode = new Map(this.ctx.store.nodes.list().map((n) => [n.metadata.name, (n.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute')]));
    const watched = new Set<string>();
    for (const pod of this.ctx.store.pods.list()) {
      const taints = (pod.spec.nodeName && taintsByNode.get(pod.spec.nodeName)) || [];
      if (taints.length === 0 || isTerminating(pod)) continue;
      const uid = pod.metadata.uid ?? '';
      const delay = evictionDelayMs(pod, taints);
      if (delay === undefined) continue;
      watched.add(uid);
      const since = this.since.get(uid) ?? now;
      this.since.set(uid, since);
      if (now - since >= delay) this.evict(pod, taints, now);
    }
    for (const uid of this.since.keys()) if (!watched.has(uid)) this.since.delete(uid);
  }

  private evict(pod: Pod, taints: Taint[], now: number): void {
    const { name, namespace } = pod.metadata;
    const marked = this.ctx.store.pods.update(name, namespace, (p) => {
      const conditions = (p.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
      conditions.push({ type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: toKubeTime(now), reason: TAINT_EVICTION_REASON, message: TAINT_EVICTION_MESSAGE });
      p.status = { ...p.status, conditions };
    });
    if (!marked) return;
    deletePod(this.ctx, marked, now);
    const detail = taints.map((t) => `${t.key}:${t.effect}`).join(',');
    this.ctx.activity.record({ type: 'PodEvictedByTaint', namespace, name, node: pod.spec.nodeName, detail }, now);
    this.ctx.logger.info({ pod: `${namespace}/${name}`, node: pod.spec.nodeName, taints: detail }, 'taint eviction: deleting pod');
  }
}
