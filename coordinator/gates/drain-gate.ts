import { describeForeseenBlocker } from '../cluster/drain-foresight.js';
import type { ForeseenDrainBlocker, KubernetesCluster } from '../ports/cluster.js';
import type { Gate, GateVerdict } from './gate.js';

/**
 * Gate `drain` for the node about to be started: passes when no pod would stop its drain now
 * (drain foresight). It remembers what its last check found, so the step can tell "a pod blocks the
 * drain" (a known blocker: never cordon) from "the check itself failed".
 */
export class DrainForesightGate implements Gate {
  readonly name = 'drain' as const;
  /** What the last check found; empty before the first and after a check that failed to run. */
  blockers: ForeseenDrainBlocker[] = [];

  constructor(
    private readonly cluster: KubernetesCluster,
    readonly node: string,
  ) {}

  async check(signal?: AbortSignal): Promise<GateVerdict> {
    this.blockers = [];
    const found = await this.cluster.foreseeDrainBlockers(this.node, signal);
    this.blockers = found;
    if (found.length === 0) return { passed: true, summary: `no pod would stop the drain of node ${this.node}`, problems: [], warnings: [] };
    return {
      passed: false,
      summary: `${found.length} pod${found.length === 1 ? '' : 's'} would stop the drain of node ${this.node}`,
      problems: found.map(describeForeseenBlocker),
      warnings: [],
    };
  }

  /** "its drain would be blocked by ns/pod: why; …", naming every blocker the last check found. */
  describeBlocked(): string {
    return `its drain would be blocked by ${this.blockers.map(describeForeseenBlocker).join('; ')}`;
  }
}
