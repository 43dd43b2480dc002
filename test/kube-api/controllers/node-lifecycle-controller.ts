import { deepEqual } from '../json-value.js';
import { findCondition, isNodeReady } from '../k8s-predicates.js';
import { toKubeTime } from '../k8s-time.js';
import type { Condition, Node, Taint } from '../k8s-types.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE } from '../node-taints.js';
import type { Controller, ControllerContext } from './controller.js';

/** kube-controller-manager's --node-monitor-grace-period default: a real cluster marks a silent node Unknown after this. */
export const NODE_MONITOR_GRACE_PERIOD_MS = 40_000;

const MANAGED_TAINTS = [TAINT_UNREACHABLE, TAINT_NOT_READY, TAINT_UNSCHEDULABLE];

/**
 * The taints the controllers keep in step with a node's readiness and cordon: NoSchedule for
 * Ready=Unknown (unreachable) / Ready=False (not-ready) and for a cordon, and the NoExecute twin of
 * the readiness taint, stamped with timeAdded, that makes the taint-eviction controller count down
 * the pods' tolerationSeconds. `evictionsStopped`: no NoExecute taints (full disruption).
 */
export function desiredManagedTaints(node: Node, now: number, evictionsStopped: boolean): Taint[] {
  const ready = findCondition(node.status?.conditions, 'Ready')?.status;
  const key = ready === 'Unknown' ? TAINT_UNREACHABLE : ready === 'False' ? TAINT_NOT_READY : undefined;
  const taints: Taint[] = [];
  if (key) taints.push({ key, effect: 'NoSchedule' });
  if (key && !evictionsStopped) taints.push({ key, effect: 'NoExecute', timeAdded: toKubeTime(now) });
  if (node.spec?.unschedulable === true) taints.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return taints;
}

/**
 * Full disruption: when no node at all is Ready, the real controller assumes the control plane lost
 * its network rather than every node dying, removes the NoExecute taints and evicts nothing.
 * (It treats each zone so; the lab's nodes carry no zone label, so they are all one zone.)
 */
function inFullDisruption(nodes: Node[]): boolean {
  return nodes.length > 0 && nodes.every((n) => !isNodeReady(n));
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
 * Node lifecycle: watches heartbeats, marks silent nodes Unknown, keeps the unreachable / not-ready
 * (NoSchedule and NoExecute) and unschedulable taints in step, marks pods on a not-ready node
 * unready, and hands out pod CIDRs (the node IPAM controller's job). The NoExecute taints are added
 * at once, not at the real controller's rate of one node per 10 s per zone.
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
    }
    const evictionsStopped = inFullDisruption(this.ctx.store.nodes.list());
    for (const node of nodes) {
      this.syncTaints(node.metadata.name, now, evictionsStopped);
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

  private syncTaints(name: string, now: number, evictionsStopped: boolean): void {
    const node = this.ctx.store.nodes.get(name);
    if (!node) return;
    const current = node.spec?.taints ?? [];
    const desired = desiredManagedTaints(node, now, evictionsStopped);
    const kept = current.filter((t) => !(MANAGED_TAINTS.includes(t.key) && (t.effect === 'NoSchedule' || t.effect === 'NoExecute')));
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
