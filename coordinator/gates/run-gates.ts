import { StepFailure, StepInterrupted, errorMessage } from '../engine/step-failure.js';
import type { Clock } from '../ports/clock.js';
import { describeGateFailures, gateFailureDetails, type Gate, type GateReport, type GateResult, type GateScope } from './gate.js';

/** Runs every gate at once; a gate that throws counts as failed with its error. */
export async function runGates(gates: readonly Gate[], clock: Clock, signal?: AbortSignal, scope?: GateScope): Promise<GateReport> {
  const at = clock.now();
  const results = await Promise.all(
    gates.map(async (gate): Promise<GateResult> => {
      const started = clock.now();
      try {
        const verdict = await gate.check(signal, scope);
        return { gate: gate.name, ...verdict, durationMs: clock.now() - started };
      } catch (err) {
        if (signal?.aborted) throw err;
        const message = errorMessage(err);
        return { gate: gate.name, passed: false, summary: message, problems: [message], warnings: [], durationMs: clock.now() - started };
      }
    }),
  );
  return { passed: results.every((r) => r.passed), results, at };
}

export interface GateWaitOptions {
  /** Passes required in a row. */
  passes: number;
  /** Time between two checks. */
  intervalMs: number;
  /** Give up after this long. */
  timeoutMs: number;
  /** Stops the wait (at a safe point: nothing is changed by gates). */
  signal?: AbortSignal;
  onReport?: (report: GateReport, consecutivePasses: number) => void;
  /** What the gates are for, in failures: "before node 127.0.0.2". */
  purpose: string;
  /** Asked before each check: the nodes the operation itself has out of service (expected by the gates). */
  expectedOutOfService?: () => readonly string[];
  /** Asked after each failing report: a reason to stop waiting and fail at once (undefined: keep waiting). */
  giveUpWhen?: (report: GateReport) => string | undefined;
}

/**
 * Checks the gates until they pass `passes` times in a row, `intervalMs` apart. A failure resets the
 * count. Throws StepFailure with the last failing gates when the time is up.
 */
export async function waitForGatesToPass(gates: readonly Gate[], clock: Clock, options: GateWaitOptions): Promise<GateReport> {
  const deadline = clock.now() + options.timeoutMs;
  let consecutive = 0;
  let lastFailure: GateReport | undefined;
  for (;;) {
    if (options.signal?.aborted) throw new StepInterrupted(`stopped while checking the gates ${options.purpose}`);
    let report: GateReport;
    try {
      report = await runGates(gates, clock, options.signal, options.expectedOutOfService ? { expectedOutOfService: options.expectedOutOfService() } : undefined);
    } catch (err) {
      if (options.signal?.aborted) throw new StepInterrupted(`stopped while checking the gates ${options.purpose}`);
      throw err;
    }
    consecutive = report.passed ? consecutive + 1 : 0;
    if (!report.passed) lastFailure = report;
    options.onReport?.(report, consecutive);
    if (consecutive >= options.passes) return report;
    const givingUp = report.passed ? undefined : options.giveUpWhen?.(report);
    if (givingUp !== undefined) {
      throw new StepFailure(`gates did not pass ${options.purpose} (${givingUp}): ${describeGateFailures(report)}`, gateFailureDetails(report));
    }
    if (clock.now() + (report.passed ? options.intervalMs : 0) > deadline || clock.now() >= deadline) {
      const failing = lastFailure ?? report;
      const passedPart = consecutive > 0 ? ` (only ${consecutive} of ${options.passes} consecutive passes before the deadline)` : '';
      throw new StepFailure(
        `gates did not pass ${options.purpose} within ${Math.round(options.timeoutMs / 1000)}s${passedPart}: ${describeGateFailures(failing) || 'no failure recorded'}`,
        gateFailureDetails(failing),
      );
    }
    try {
      await clock.sleep(Math.min(options.intervalMs, Math.max(0, deadline - clock.now())), options.signal);
    } catch {
      throw new StepInterrupted(`stopped while checking the gates ${options.purpose}`);
    }
  }
}

export interface StartGateOptions {
  /** Reads before the gates count as failing (default 3). */
  reads?: number;
  /** Time between two reads (default 2 s). */
  intervalMs?: number;
  /** Told about each failing read that is read again, and how long until the next read. */
  onRetry?: (report: GateReport, read: number, reads: number, nextReadInMs: number) => void;
}

/**
 * The gates before an operation starts. One failing read is not enough to refuse: a probe that misses its
 * timeout once on a busy cluster would refuse a whole update that the first node's own gate (which waits)
 * would have let through. A failing report is read again, `intervalMs` apart, up to `reads` reads; the
 * first passing read, or the last failing one, is returned.
 */
export async function checkGatesAtStart(gates: readonly Gate[], clock: Clock, options: StartGateOptions = {}): Promise<GateReport> {
  const reads = options.reads ?? 3;
  const intervalMs = options.intervalMs ?? 2000;
  for (let read = 1; ; read++) {
    const report = await runGates(gates, clock);
    if (report.passed || read >= reads) return report;
    options.onRetry?.(report, read, reads, intervalMs);
    await clock.sleep(intervalMs);
  }
}
