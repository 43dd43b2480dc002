import { deepEqual } from '../json-value.js';
import { findCondition, isNodeReady } from '../k8s-predicates.js';
import { toKubeTime } from '../k8s-time.js';
import type { Condition, Node, Taint } from '../k8s-types.js';
import type { Controller, ControllerContext } from './controller.js';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** kube-controller-manager's --node-monitor-grace-period default: a real cluster marks a silent node Unknown after this. */
export const NODE_MONITOR_GRACE_PERIOD_MS = 40_000;

const MANAGED_TAINTS = [TAINT_UNREACHABLE, TAINT_NOT_READY, TAINT_UNSCHEDULABLE];

/** The NoSchedule taints the controllers keep in step with a node's readiness and cordon. */
export function desiredManagedTaints(node: Node): Taint[] {
  const ready = findCondition(node.status?.conditions, 'Ready');
  const taints: Taint[] = [];
  if (ready?.status === 'Unknown') taints.push({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' });
  if (ready?.status === 'False') taints.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' });
  if (node.spec?.unschedulable === true) taints.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return taints;
}

/** Conditions after the kubelet went silent: every condition Unknown, Ready added if it never came. */
function markStatusUnknown(conditions: Condition[] | undefined, now: number, createdAt: string | undefined): Condition[] {
  const t = toKubeTime(now);
  const result = (conditions ?? []).map((c): Condition =>
    c.status === 'Unknown' ? c : { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: t },
  );
  if (!findCondition(result, 'Ready')) {
    result.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: createdAt ?? t, lastTransitionTime: t });
  }
  return result;
}

/**
 * Node lifecycle: watches heartbeats, marks silent nodes Unknown, keeps the unreachable / not-ready /
 * unschedulable NoSchedule taints in step, marks pods on a not-ready node unready, and hands out
 * pod CIDRs (the node IPAM controller's job).
 *
 * Staleness is measured on the server's clock from when a new lastHeartbeatTime was first seen,
 * as the real controller does, so the node's clock and timestamp precision do not matter.
 */
export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle';
  private readonly heartbeats = new Map<string, { value: string; observedAt: number }>();

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const nodes = this.ctx.store.nodes.list();
    const names = new Set(nodes.map((n) => n.metadata.name));
    for (const name of this.heartbeats.keys()) if (!names.has(name)) this.heartbeats.delete(name);
    for (const node of nodes) {
      this.assignPodCIDR(node, nodes);
      this.checkHeartbeat(node, now);
      this.syncTaints(node.metadata.name, now);
      this.markPodsNotReady(node.metadata.name, now);
    }
  }

  private assignPodCIDR(node: Node, all: Node[]): void {
    if (node.spec?.podCIDR) return;
    const used = new Set(all.map((n) => n.spec?.podCIDR).filter((c) => c !== undefined));
    let index = 0;
    while (used.has(`10.244.${index}.0/24`)) index++;
    const cidr = `10.244.${index}.0/24`;
    this.ctx.store.nodes.update(node.metadata.name, undefined, (n) => {
      n.spec = { ...n.spec, podCIDR: cidr, podCIDRs: [cidr] };
    });
    // `node` is an element of `all`: the next node of this pass must see the CIDR as taken.
    node.spec = { ...node.spec, podCIDR: cidr };
  }

  private checkHeartbeat(node: Node, now: number): void {
    const name = node.metadata.name;
    const ready = findCondition(node.status?.conditions, 'Ready');
    const value = ready?.lastHeartbeatTime ?? '';
    const seen = this.heartbeats.get(name);
    if (!seen || seen.value !== value) {
      this.heartbeats.set(name, { value, observedAt: now });
      return;
    }
    if (now - seen.observedAt <= this.ctx.timing.nodeHeartbeatGraceMs || ready?.status === 'Unknown') return;
    const updated = this.ctx.store.nodes.update(name, undefined, (n) => {
      n.status = { ...n.status, conditions: markStatusUnknown(n.status?.conditions, now, n.metadata.creationTimestamp) };
    });
    const after = findCondition(updated?.status?.conditions, 'Ready');
    this.heartbeats.set(name, { value: after?.lastHeartbeatTime ?? '', observedAt: seen.observedAt });
    this.ctx.activity.record({ type: 'NodeReadyChanged', name, detail: 'Unknown' }, now);
    this.ctx.logger.info({ node: name }, 'node stopped posting status; marked Ready=Unknown');
  }

  private syncTaints(name: string, now: number): void {
    const node = this.ctx.store.nodes.get(name);
    if (!node) return;
    const current = node.spec?.taints ?? [];
    const desired = desiredManagedTaints(node);
    const kept = current.filter((t) => !(MANAGED_TAINTS.includes(t.key) && t.effect === 'NoSchedule'));
    const next = [...kept, ...desired.map((d) => current.find((t) => t.key === d.key && t.effect === d.effect) ?? d)];
    if (deepEqual(current, next)) return;
    this.ctx.store.nodes.update(name, undefined, (n) => {
      const spec = { ...n.spec };
      if (next.length > 0) spec.taints = next;
      else delete spec.taints;
      n.spec = spec;
    });
    this.ctx.activity.record({ type: 'NodeTaintsChanged', name, detail: next.map((t) => `${t.key}:${t.effect}`).join(',') }, now);
  }

  /** MarkPodsNotReady: the kubelet cannot report, so nothing on the node counts as ready. */
  private markPodsNotReady(name: string, now: number): void {
    const node = this.ctx.store.nodes.get(name);
    if (!node || isNodeReady(node)) return;
    for (const pod of this.ctx.store.pods.list()) {
      if (pod.spec.nodeName !== name || findCondition(pod.status?.conditions, 'Ready')?.status !== 'True') continue;
      this.ctx.store.pods.update(pod.metadata.name, pod.metadata.namespace, (p) => {
        const conditions = (p.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const, lastTransitionTime: toKubeTime(now) } : c));
        p.status = { ...p.status, conditions };
      });
      this.ctx.activity.record({ type: 'PodReadyChanged', namespace: pod.metadata.namespace, name: pod.metadata.name, node: name, detail: 'False' }, now);
    }
  }
}
