import { controllerOf, isPodActive, tolerates } from '../k8s-predicates.js';
import { toKubeTime } from '../k8s-time.js';
import type { Condition, Node, Pod } from '../k8s-types.js';
import type { Controller, ControllerContext } from './controller.js';

/** Why a node cannot take a pod, in the words of the scheduler's FitError, or undefined when it fits. */
export function unfitReason(node: Node, pod: Pod): string | undefined {
  const selector = pod.spec.nodeSelector ?? {};
  const labels = node.metadata.labels ?? {};
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) return "node(s) didn't match Pod's node affinity/selector";
  const unschedulableTolerated = tolerates(pod.spec.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
  if (node.spec?.unschedulable === true && !unschedulableTolerated) return 'node(s) were unschedulable';
  const taint = (node.spec?.taints ?? []).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod.spec.tolerations, t));
  if (taint) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  return undefined;
}

function fitErrorMessage(nodes: Node[], pod: Pod): string {
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const reason = unfitReason(node, pod);
    if (reason) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const reasons = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => `${n} ${r}`);
  const n = nodes.length;
  return `0/${n} nodes are available: ${reasons.join(', ')}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;
}

function setScheduledCondition(pod: Pod, condition: Condition): void {
  const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  pod.status = { ...pod.status, conditions: [...conditions, condition] };
}

/**
 * Binds unscheduled pods to nodes that fit (not cordoned, taints tolerated, nodeSelector matched),
 * spreading pods of one controller across nodes. Pods that fit nowhere stay Pending with
 * PodScheduled=False/Unschedulable and are retried on every pass.
 */
export class Scheduler implements Controller {
  readonly name = 'scheduler';

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const pending = this.ctx.store.pods.list().filter((p) => !p.spec.nodeName && isPodActive(p) && (p.spec.schedulerName ?? 'default-scheduler') === 'default-scheduler');
    if (pending.length === 0) return;
    const nodes = this.ctx.store.nodes.list();
    for (const pod of pending) {
      const fitting = nodes.filter((n) => unfitReason(n, pod) === undefined);
      const chosen = this.pickNode(fitting, pod);
      if (chosen) this.bind(pod, chosen, now);
      else this.markUnschedulable(pod, fitErrorMessage(nodes, pod), now);
    }
  }

  /** Fewest pods of the same controller first (spreading), then fewest pods overall, then name. */
  private pickNode(candidates: Node[], pod: Pod): Node | undefined {
    if (candidates.length === 0) return undefined;
    const ownerUid = controllerOf(pod)?.uid;
    const pods = this.ctx.store.pods.list().filter(isPodActive);
    const score = (node: Node): [number, number] => {
      const here = pods.filter((p) => p.spec.nodeName === node.metadata.name);
      return [ownerUid ? here.filter((p) => controllerOf(p)?.uid === ownerUid).length : 0, here.length];
    };
    return candidates
      .map((node) => ({ node, score: score(node) }))
      .sort((a, b) => a.score[0] - b.score[0] || a.score[1] - b.score[1] || a.node.metadata.name.localeCompare(b.node.metadata.name))[0]?.node;
  }

  private bind(pod: Pod, node: Node, now: number): void {
    const nodeName = node.metadata.name;
    this.ctx.store.pods.update(pod.metadata.name, pod.metadata.namespace, (p) => {
      p.spec.nodeName = nodeName;
      setScheduledCondition(p, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: toKubeTime(now) });
    });
    this.ctx.activity.record({ type: 'PodScheduled', namespace: pod.metadata.namespace, name: pod.metadata.name, node: nodeName }, now);
  }

  private markUnschedulable(pod: Pod, message: string, now: number): void {
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.message === message) return;
    this.ctx.store.pods.update(pod.metadata.name, pod.metadata.namespace, (p) => {
      setScheduledCondition(p, { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: toKubeTime(now), reason: 'Unschedulable', message });
    });
    this.ctx.activity.record({ type: 'PodUnschedulable', namespace: pod.metadata.namespace, name: pod.metadata.name, detail: message }, now);
  }
}
