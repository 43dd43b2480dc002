import { findCondition, isNodeReady, isTerminating } from '../k8s-predicates.js';
import { toKubeTime } from '../k8s-time.js';
import type { Node, Pod } from '../k8s-types.js';
import { containerCreatingStatus, runningStatus } from '../object-factory.js';
import { allocatePodIP } from '../pod-network.js';
import type { Controller, ControllerContext } from './controller.js';

/**
 * What the kubelets of all nodes would do with their pods: start bound pods (Pending, then
 * Running and Ready after podStartDelayMs), report pods ready again once the node is back, and
 * finish graceful deletions after podTerminationDelayMs. A node that is not Ready has no working
 * kubelet here: its pods neither start nor finish terminating, as on a real dead node.
 */
export class PodLifecycleController implements Controller {
  readonly name = 'pod-lifecycle';
  private readonly startAt = new Map<string, number>();
  private readonly removeAt = new Map<string, number>();

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const pods = this.ctx.store.pods.list();
    const nodes = new Map(this.ctx.store.nodes.list().map((n) => [n.metadata.name, n]));
    const live = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata.uid ?? '';
      live.add(uid);
      const node = pod.spec.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
      if (!node) continue;
      if (!isNodeReady(node)) {
        // The kubelet is gone: timers restart when it comes back.
        this.startAt.delete(uid);
        this.removeAt.delete(uid);
        continue;
      }
      if (isTerminating(pod)) this.finishTermination(pod, uid, now);
      else if (pod.status?.phase === 'Pending') this.startPod(pod, node, uid, now);
      else if (pod.status?.phase === 'Running' && findCondition(pod.status.conditions, 'Ready')?.status !== 'True') this.reportReady(pod, now);
    }
    for (const uid of this.startAt.keys()) if (!live.has(uid)) this.startAt.delete(uid);
    for (const uid of this.removeAt.keys()) if (!live.has(uid)) this.removeAt.delete(uid);
  }

  private finishTermination(pod: Pod, uid: string, now: number): void {
    const due = this.removeAt.get(uid);
    if (due === undefined) {
      this.removeAt.set(uid, now + this.ctx.timing.podTerminationDelayMs);
      return;
    }
    if (now < due) return;
    this.ctx.store.pods.delete(pod.metadata.name, pod.metadata.namespace);
    this.removeAt.delete(uid);
    this.ctx.activity.record({ type: 'PodRemoved', namespace: pod.metadata.namespace, name: pod.metadata.name, node: pod.spec.nodeName }, now);
  }

  private startPod(pod: Pod, node: Node, uid: string, now: number): void {
    const due = this.startAt.get(uid);
    if (due === undefined) {
      this.startAt.set(uid, now + this.ctx.timing.podStartDelayMs);
      if (!pod.status?.startTime) {
        this.ctx.store.pods.update(pod.metadata.name, pod.metadata.namespace, (p) => {
          p.status = containerCreatingStatus(p, node, now);
        });
      }
      return;
    }
    if (now < due) return;
    // Fresh list: pods started earlier in this pass already hold addresses.
    const podIP = allocatePodIP(node, pod, this.ctx.store.pods.list());
    this.ctx.store.pods.update(pod.metadata.name, pod.metadata.namespace, (p) => {
      p.status = runningStatus(p, node, podIP, now);
    });
    this.startAt.delete(uid);
    this.ctx.activity.record({ type: 'PodRunning', namespace: pod.metadata.namespace, name: pod.metadata.name, node: node.metadata.name }, now);
  }

  private reportReady(pod: Pod, now: number): void {
    this.ctx.store.pods.update(pod.metadata.name, pod.metadata.namespace, (p) => {
      const t = toKubeTime(now);
      const conditions = (p.status?.conditions ?? []).map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'True' as const, lastTransitionTime: t } : c));
      p.status = { ...p.status, conditions };
    });
    this.ctx.activity.record({ type: 'PodReadyChanged', namespace: pod.metadata.namespace, name: pod.metadata.name, node: pod.spec.nodeName, detail: 'True' }, now);
  }
}
