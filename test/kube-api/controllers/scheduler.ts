import { controllerOf, isPodActive, tolerates } from '../k8s-predicates.js';
import { toKubeTime } from '../k8s-time.js';
import type { Condition, Node, Pod } from '../k8s-types.js';
import { TAINT_UNSCHEDULABLE } from '../node-taints.js';
import { nodeAllocatable, podRequests, type Resources } from '../pod-resources.js';
import type { Controller, ControllerContext } from './controller.js';

/** A filter's verdict on one node: its reasons, and whether evicting lower-priority pods could help. */
export interface NodeFit {
  reasons: string[];
  /** Only NodeResourcesFit failures can be resolved by preemption; cordons, taints and selectors cannot. */
  resolvable: boolean;
}

const FITS: NodeFit = { reasons: [], resolvable: true };

/** NodeResourcesFit: the pod's requests against what is left of the node's allocatable. */
function resourceFit(pod: Pod, node: Node, used: Resources): NodeFit {
  const want = podRequests(pod);
  const have = nodeAllocatable(node);
  const reasons: string[] = [];
  if (used.pods + 1 > have.pods) reasons.push('Too many pods');
  if (want.milliCpu > 0 && used.milliCpu + want.milliCpu > have.milliCpu) reasons.push('Insufficient cpu');
  if (want.memory > 0 && used.memory + want.memory > have.memory) reasons.push('Insufficient memory');
  return reasons.length > 0 ? { reasons, resolvable: true } : FITS;
}

/**
 * Why a node cannot take a pod, in the words of the scheduler's filter plugins, run in the default
 * profile's order (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit); the first
 * plugin that rejects the node decides. `used`: the requests of the pods already bound to it.
 */
export function nodeFit(node: Node, pod: Pod, used: Resources): NodeFit {
  const unschedulableTolerated = tolerates(pod.spec.tolerations, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  if (node.spec?.unschedulable === true && !unschedulableTolerated) return { reasons: ['node(s) were unschedulable'], resolvable: false };
  const taint = (node.spec?.taints ?? []).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod.spec.tolerations, t));
  if (taint) return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`], resolvable: false };
  const selector = pod.spec.nodeSelector ?? {};
  const labels = node.metadata.labels ?? {};
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], resolvable: false };
  return resourceFit(pod, node, used);
}

/** "N reason" counts, sorted as strings, the way FitError.Error() joins them. */
function histogram(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ');
}

/**
 * The FitError message, then the preemption plugin's verdict: nodes rejected for resources have
 * no victims (every pod here has the same or a higher priority), the others cannot be helped:
 * "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes
 * are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
 */
export function fitErrorMessage(fits: NodeFit[]): string {
  const n = fits.length;
  if (n === 0) return 'no nodes available to schedule pods';
  const filters = histogram(fits.flatMap((f) => f.reasons));
  const preemption = histogram(fits.map((f) => (f.resolvable ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling')));
  return `0/${n} nodes are available: ${filters}. preemption: 0/${n} nodes are available: ${preemption}.`;
}

/** The requests of the pods bound to each node; terminating pods count until they are gone, as in the scheduler's cache. */
function requestedByNode(pods: Pod[]): Map<string, Resources> {
  const used = new Map<string, Resources>();
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (!pod.spec.nodeName || phase === 'Succeeded' || phase === 'Failed') continue;
    addRequests(used, pod.spec.nodeName, podRequests(pod));
  }
  return used;
}

function addRequests(used: Map<string, Resources>, nodeName: string, r: Resources): void {
  const u = used.get(nodeName) ?? { milliCpu: 0, memory: 0, pods: 0 };
  used.set(nodeName, { milliCpu: u.milliCpu + r.milliCpu, memory: u.memory + r.memory, pods: u.pods + r.pods });
}

function setScheduledCondition(pod: Pod, condition: Condition): void {
  const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  pod.status = { ...pod.status, conditions: [...conditions, condition] };
}

/**
 * Binds unscheduled pods to nodes that fit (not cordoned, taints tolerated, nodeSelector matched,
 * CPU/memory requests and pod count within allocatable), spreading pods of one controller across
 * nodes. Pods that fit nowhere stay Pending with PodScheduled=False/Unschedulable and the real
 * scheduler's message, and are retried on every pass. No preemption.
 */
export class Scheduler implements Controller {
  readonly name = 'scheduler';

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const pending = this.ctx.store.pods.list().filter((p) => !p.spec.nodeName && isPodActive(p) && (p.spec.schedulerName ?? 'default-scheduler') === 'default-scheduler');
    if (pending.length === 0) return;
    const nodes = this.ctx.store.nodes.list();
    const used = requestedByNode(this.ctx.store.pods.list());
    for (const pod of pending) {
      const fits = nodes.map((n) => nodeFit(n, pod, used.get(n.metadata.name) ?? { milliCpu: 0, memory: 0, pods: 0 }));
      const chosen = this.pickNode(nodes.filter((_, i) => fits[i]?.reasons.length === 0), pod);
      if (chosen) {
        this.bind(pod, chosen, now);
        addRequests(used, chosen.metadata.name, podRequests(pod));
      } else {
        this.markUnschedulable(pod, fitErrorMessage(fits), now);
      }
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
      const since = current?.status === 'False' ? current.lastTransitionTime : undefined;
      setScheduledCondition(p, { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: since ?? toKubeTime(now), reason: 'Unschedulable', message });
    });
    this.ctx.activity.record({ type: 'PodUnschedulable', namespace: pod.metadata.namespace, name: pod.metadata.name, detail: message }, now);
  }
}
