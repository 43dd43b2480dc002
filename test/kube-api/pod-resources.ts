import type { Container, Node, Pod, PodSpec } from './k8s-types.js';

/**
 * Resource quantities ("100m", "512Mi", "1.5", "1e3") and what the scheduler adds up from them:
 * a pod's CPU/memory requests and a node's allocatable.
 */

const SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** The value of a resource.Quantity in base units (cores, bytes, count), or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const base = Number(m[1]);
  return m[3] !== undefined ? base * 10 ** Number(m[3]) : base * (SUFFIXES[m[2] ?? ''] ?? 1);
}

/** What the scheduler compares: millicores, bytes and a pod count. */
export interface Resources {
  milliCpu: number;
  memory: number;
  pods: number;
}

type ResourceMap = Record<string, string> | undefined;

function resourcesOf(map: ResourceMap): Omit<Resources, 'pods'> {
  // The scheduler rounds CPU up to whole millicores and memory up to whole bytes.
  return { milliCpu: Math.ceil((parseQuantity(map?.cpu ?? '0') ?? 0) * 1000), memory: Math.ceil(parseQuantity(map?.memory ?? '0') ?? 0) };
}

function containerResources(c: Container): { requests?: Record<string, string>; limits?: Record<string, string> } {
  return (c.resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
}

/**
 * The pod's effective requests as NodeResourcesFit computes them: the sum over its containers,
 * or the largest init container when that is more. Requests left out count as zero (the non-zero
 * defaults of 100m / 200Mi are used for scoring only, never for fitting).
 */
export function podRequests(pod: Pod): Resources {
  const sum = { milliCpu: 0, memory: 0 };
  for (const c of pod.spec.containers) {
    const r = resourcesOf(containerResources(c).requests);
    sum.milliCpu += r.milliCpu;
    sum.memory += r.memory;
  }
  for (const c of (pod.spec.initContainers ?? []) as Container[]) {
    const r = resourcesOf(containerResources(c).requests);
    sum.milliCpu = Math.max(sum.milliCpu, r.milliCpu);
    sum.memory = Math.max(sum.memory, r.memory);
  }
  return { ...sum, pods: 1 };
}

/** status.allocatable; a node that reports none has room for nothing, as on a real cluster. */
export function nodeAllocatable(node: Node): Resources {
  const allocatable = node.status?.allocatable;
  return { ...resourcesOf(allocatable), pods: Math.floor(parseQuantity(allocatable?.pods ?? '0') ?? 0) };
}

/** Validation of requests/limits: "spec.containers[0].resources.requests[cpu]" for each value that is not a quantity. */
export function invalidQuantityFields(spec: PodSpec): string[] {
  const fields: string[] = [];
  spec.containers.forEach((c, i) => {
    const { requests, limits } = containerResources(c);
    for (const [kind, map] of [['requests', requests], ['limits', limits]] as const) {
      for (const [name, value] of Object.entries(map ?? {})) {
        if (typeof value !== 'string' || parseQuantity(value) === undefined) fields.push(`spec.containers[${i}].resources.${kind}[${name}]`);
      }
    }
  });
  return fields;
}

/**
 * GetPodQOS: Guaranteed when every container has CPU and memory limits equal to its requests,
 * BestEffort when none has any CPU/memory request or limit, otherwise Burstable.
 */
export function podQOSClass(spec: PodSpec): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...spec.containers, ...((spec.initContainers ?? []) as Container[])].map(containerResources);
  const relevant = (m: ResourceMap): string[] => Object.keys(m ?? {}).filter((k) => k === 'cpu' || k === 'memory');
  if (all.every((r) => relevant(r.requests).length === 0 && relevant(r.limits).length === 0)) return 'BestEffort';
  const guaranteed = all.every((r) =>
    ['cpu', 'memory'].every((k) => r.limits?.[k] !== undefined && parseQuantity(r.limits[k]) === parseQuantity(r.requests?.[k] ?? r.limits[k])),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
