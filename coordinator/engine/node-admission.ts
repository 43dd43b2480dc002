import type { Clock } from '../ports/clock.js';
import type { NodeRecord, OperationRecord } from '../state/operation-record.js';

/**
 * "May this node start now?" — the scheduler's question, asked by the engine before each pending node,
 * while every node is in service. The engine only acts on the answer; each rule (a node on hold, a
 * maintenance window, …) lives in its own module and knows nothing of the engine.
 */
export type Admission =
  /** Go: the node's runbook starts now. */
  | { kind: 'start' }
  /** Leave this node out of the operation (node status `skipped`, with the reason) and go on with the next. */
  | { kind: 'skip'; reason: string }
  /**
   * Not now: ask every rule again at `recheckAtMs` (engine clock). The rule decides when waiting has
   * lasted long enough and then answers `halt` (it gets `waitingSinceMs`).
   */
  | { kind: 'wait'; reason: string; recheckAtMs: number }
  /** Stop before this node as a failed gate does: the operation halts (exit 1), resumable, nothing changed. */
  | { kind: 'halt'; reason: string; details: string[] }
  /**
   * Not in this run: stop before this node at this safe point with the operation `waiting-for-window`
   * (resumable, not a failure; exit 4), nothing changed. `resumeAtMs`: when it could go on.
   */
  | { kind: 'defer'; reason: string; details: string[]; resumeAtMs?: number };

export interface AdmissionRequest {
  record: OperationRecord;
  node: NodeRecord;
  /** Position of the node in the operation. */
  index: number;
  /** Engine clock, ms since the epoch. */
  nowMs: number;
  /** When the engine started waiting for this node (the first `wait` answer), if it is waiting. */
  waitingSinceMs?: number;
  signal: AbortSignal;
}

export interface AdmissionRule {
  /** Short name shown with the answer: "hold", "window". */
  readonly name: string;
  decide(request: AdmissionRequest): Promise<Admission>;
}

export type FinalAdmission = Exclude<Admission, { kind: 'wait' }> & { rule?: string };

export interface AdmissionWaitHooks {
  clock: Clock;
  /** Called (and awaited) when a rule starts making the node wait, and again whenever the reason changes. */
  onWait: (rule: string, reason: string, recheckAtMs: number) => void | Promise<void>;
}

/** The first answer other than `start`, in rule order. */
async function decideOnce(rules: readonly AdmissionRule[], request: AdmissionRequest): Promise<Admission & { rule?: string }> {
  for (const rule of rules) {
    const answer = await rule.decide(request);
    if (answer.kind !== 'start') return { ...answer, rule: rule.name };
  }
  return { kind: 'start' };
}

/**
 * Asks the rules until they admit, skip or halt the node, sleeping on the engine clock between waits.
 * Rejects (with the signal's reason) when the signal aborts during a wait: the caller stops at this
 * safe point.
 */
export async function awaitAdmission(
  rules: readonly AdmissionRule[],
  base: Omit<AdmissionRequest, 'nowMs' | 'waitingSinceMs'>,
  hooks: AdmissionWaitHooks,
): Promise<FinalAdmission> {
  let waitingSinceMs: number | undefined;
  let lastReason = '';
  for (;;) {
    const nowMs = hooks.clock.now();
    const answer = await decideOnce(rules, { ...base, nowMs, ...(waitingSinceMs !== undefined ? { waitingSinceMs } : {}) });
    if (answer.kind !== 'wait') return answer;
    waitingSinceMs ??= nowMs;
    const shown = `${answer.rule ?? ''}\n${answer.reason}`;
    if (shown !== lastReason) await hooks.onWait(answer.rule ?? '', answer.reason, answer.recheckAtMs);
    lastReason = shown;
    // A rule that asks to be asked again at once would spin: at least one second between two asks.
    await hooks.clock.sleep(Math.max(1000, answer.recheckAtMs - nowMs), base.signal);
  }
}
