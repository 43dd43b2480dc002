import type { Pod, Toleration } from './k8s-types.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from './node-taints.js';

/**
 * The tolerationSeconds the DefaultTolerationSeconds admission plugin gives every pod that does not
 * tolerate the not-ready / unreachable NoExecute taints itself: how long such a pod stays on a
 * NotReady node before the taint-eviction controller deletes it.
 *
 * A real kube-apiserver uses 300 s (--default-not-ready-toleration-seconds and
 * --default-unreachable-toleration-seconds) against a node-monitor-grace-period of 40 s. The lab
 * scales both down by the same factor of 10: heartbeat grace 4 s, tolerations 30 s. A normal lab
 * reboot (NotReady for a few seconds) therefore leaves pods where they are; an outage longer than
 * grace + 30 s evicts them, as a 5-minute outage does on a real cluster. Tests that want an eviction
 * sooner pass `defaultTolerationSeconds` to the server instead of changing this.
 */
export const LAB_DEFAULT_TOLERATION_SECONDS = 30;

/** Whether `t` tolerates the NoExecute taint `key` (empty key and empty effect match everything). */
function toleratesNoExecute(t: Toleration, key: string): boolean {
  return (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect);
}

/**
 * DefaultTolerationSeconds, run on every pod create: adds a not-ready and an unreachable NoExecute
 * toleration with `seconds` to a pod that has none of its own for that taint. DaemonSet pods and
 * static (mirror) pods already tolerate both without a limit, so they are left as they are.
 */
export function admitDefaultTolerations(pod: Pod, seconds: number): void {
  const tolerations = [...(pod.spec.tolerations ?? [])];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    if (!tolerations.some((t) => toleratesNoExecute(t, key))) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  pod.spec.tolerations = tolerations;
}
