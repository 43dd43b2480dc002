import type { Pod } from '../k8s-types.js';
import type { Controller, ControllerContext } from './controller.js';
import { deletePod } from './pod-deletion.js';

/**
 * Pod garbage collection: pods bound to a node that no longer exists go at once (PodGC), and pods
 * whose controlling ReplicaSet, DaemonSet or Node is gone are deleted (background cascading
 * deletion). Owners of other kinds are not tracked by this server and are left alone.
 */
export class PodGarbageCollector implements Controller {
  readonly name = 'pod-gc';

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const store = this.ctx.store;
    const uids = new Map<string, Set<string>>([
      ['Node', new Set(store.nodes.list().map((o) => o.metadata.uid ?? ''))],
      ['ReplicaSet', new Set(store.replicasets.list().map((o) => o.metadata.uid ?? ''))],
      ['DaemonSet', new Set(store.daemonsets.list().map((o) => o.metadata.uid ?? ''))],
    ]);
    const nodeNames = new Set(store.nodes.list().map((n) => n.metadata.name));
    for (const pod of store.pods.list()) {
      if (pod.spec.nodeName && !nodeNames.has(pod.spec.nodeName)) deletePod(this.ctx, pod, now, 0);
      else if (this.hasMissingOwner(pod, uids)) deletePod(this.ctx, pod, now);
    }
  }

  private hasMissingOwner(pod: Pod, uids: Map<string, Set<string>>): boolean {
    return (pod.metadata.ownerReferences ?? []).some((ref) => {
      const known = uids.get(ref.kind);
      return ref.controller === true && known !== undefined && !known.has(ref.uid);
    });
  }
}
