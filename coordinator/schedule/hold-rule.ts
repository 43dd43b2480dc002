import { errorMessage } from '../engine/step-failure.js';
import type { Admission, AdmissionRequest, AdmissionRule } from '../engine/node-admission.js';
import type { KubernetesCluster } from '../ports/cluster.js';
import type { HoldPolicy } from '../config/config-types.js';

/** Set by `noderoll hold NODE --reason …`, removed by `noderoll release NODE`; the value is the reason. */
export const HOLD_ANNOTATION = 'noderoll.io/hold';


export interface HoldRuleOptions {
  /** wait: ask again until released or maxWaitMs passed, then halt; skip: leave the node out of the operation. */
  policy: HoldPolicy;
  /** How often a waiting node is asked again (the soak interval). */
  recheckMs: number;
  /** How long a node may be waited for (timeouts.gatesBeforeNode), then the operation halts. */
  maxWaitMs: number;
}

/** What of a reason is shown: an annotation set by hand may hold anything (escape sequences, pages of text). */
const SHOWN_REASON_LENGTH = 256;

/** The reason of a hold, one line, or undefined when the node is not on hold. */
export function holdReason(annotations: Readonly<Record<string, string>>): string | undefined {
  const raw = annotations[HOLD_ANNOTATION];
  if (raw === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const reason = raw.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (reason === '') return '(no reason given)';
  return reason.length > SHOWN_REASON_LENGTH ? `${reason.slice(0, SHOWN_REASON_LENGTH)}…` : reason;
}

/**
 * A node annotated noderoll.io/hold is not started: it is skipped (recorded with the reason) or waited
 * for, by policy. The annotation is read from the cluster each time the node is asked about, so a
 * `noderoll release` during the wait lets the node start at the next ask.
 */
export class HoldRule implements AdmissionRule {
  readonly name = 'hold';
  constructor(
    private readonly cluster: Pick<KubernetesCluster, 'getNode'>,
    private readonly options: HoldRuleOptions,
  ) {}

  async decide(request: AdmissionRequest): Promise<Admission> {
    const name = request.node.name;
    let reason: string | undefined;
    let held: string;
    try {
      const node = await this.cluster.getNode(name, request.signal);
      // A node missing from the cluster is not held; the gates before it say that it is missing.
      reason = node ? holdReason(node.annotations) : undefined;
      if (reason === undefined) return { kind: 'start' };
      held = `node ${name} is on hold (${HOLD_ANNOTATION}): ${reason}`;
    } catch (err) {
      if (request.signal.aborted) throw err;
      // Not knowing whether the node is held is no reason to start it: wait like a hold (never skip on it).
      held = `cannot read node ${name} to see whether it is on hold: ${errorMessage(err)}`;
      if (this.options.policy === 'skip') return this.waitOrHalt(request, held, [`the hold annotation ${HOLD_ANNOTATION} could not be read`]);
    }
    if (reason !== undefined && this.options.policy === 'skip') return { kind: 'skip', reason: `on hold: ${reason}` };
    return this.waitOrHalt(request, held, reason !== undefined ? [`release it with: noderoll release ${name}`] : []);
  }

  private waitOrHalt(request: AdmissionRequest, reason: string, details: string[]): Admission {
    const waitedMs = request.waitingSinceMs === undefined ? 0 : request.nowMs - request.waitingSinceMs;
    if (waitedMs >= this.options.maxWaitMs) {
      return { kind: 'halt', reason: `${reason}; waited ${Math.round(waitedMs / 1000)}s (timeouts.gatesBeforeNode)`, details };
    }
    return { kind: 'wait', reason, recheckAtMs: request.nowMs + Math.min(this.options.recheckMs, this.options.maxWaitMs - waitedMs) };
  }
}
