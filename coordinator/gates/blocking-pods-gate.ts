import type { KubePod, LabelledPodLister } from '../ports/cluster.js';
import type { Gate, GateVerdict } from './gate.js';

/** Finished pods (a completed backup Job's) no longer block; Pending, Running, Unknown and terminating ones do. */
function stillActive(pod: KubePod): boolean {
  return pod.terminating || (pod.phase !== 'Succeeded' && pod.phase !== 'Failed');
}

function describePod(pod: KubePod, selector: string): string {
  const state = pod.terminating ? 'Terminating' : pod.phase;
  return `${pod.namespace}/${pod.name} is ${state}${pod.nodeName ? ` on ${pod.nodeName}` : ''} (matches gates.blockingPods selector ${JSON.stringify(selector)})`;
}

/**
 * No pod matching any of gates.blockingPods' label selectors is active anywhere in the cluster: work
 * that must not be interrupted (a backup job, a database migration) holds every node back until it ends.
 */
export class BlockingPodsGate implements Gate {
  readonly name = 'blockingPods' as const;
  constructor(
    private readonly pods: LabelledPodLister,
    private readonly selectors: readonly string[],
  ) {}

  async check(signal?: AbortSignal): Promise<GateVerdict> {
    const found = await Promise.all(this.selectors.map(async (selector) => ({ selector, pods: await this.pods.listPodsWithLabels(selector, signal) })));
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const { selector, pods } of found) {
      for (const pod of pods.filter(stillActive)) {
        const key = `${pod.namespace}/${pod.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        problems.push(describePod(pod, selector));
      }
    }
    return {
      passed: problems.length === 0,
      summary: problems.length === 0 ? `no pod matches ${this.selectors.map((s) => JSON.stringify(s)).join(', ')}` : `${problems.length} blocking pod(s): ${problems[0]}`,
      problems,
      warnings: [],
    };
  }
}
