import type { Logger } from '../../shared/log/logger.js';
import { LogBudget } from '../tls/log-budget.js';

/**
 * The audit log of refused calls and connections, bounded: at most `perMinute` lines a minute
 * (a client repeating a refused call must not flood the journal, which would then drop the audit
 * lines that matter). What the budget drops is counted: the next line let through carries
 * `suppressedBefore`, and a periodic line (and one at close) says how many were dropped, so the
 * log never hides that a flood happened.
 */

/** Codes of calls turned away before anything ran (the rest are failures). */
const REFUSALS = new Set<string>(['INVALID_ARGUMENT', 'PERMISSION_DENIED', 'UNAUTHENTICATED', 'ALREADY_EXISTS', 'FAILED_PRECONDITION', 'UNAVAILABLE', 'RESOURCE_EXHAUSTED']);

export function isRefusalCode(code: string): boolean {
  return REFUSALS.has(code);
}

/** Refusal lines per minute; beyond it lines are counted, not written. */
export const REFUSAL_LINES_PER_MINUTE = 240;
/** How often a "N refusal lines suppressed" line is written while lines are being dropped. */
const SUPPRESSED_REPORT_MS = 60_000;

export class RefusalAudit {
  private readonly budget: LogBudget;
  private readonly insecure: boolean;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    o: { perMinute?: number; clock?: () => number; insecure?: boolean } = {},
  ) {
    this.budget = new LogBudget(o.perMinute ?? REFUSAL_LINES_PER_MINUTE, o.clock);
    this.insecure = o.insecure ?? false;
  }

  /** Writes one refusal line, unless this minute's budget is spent. */
  refused(fields: Record<string, unknown>, msg: string): void {
    const { log, suppressedBefore } = this.budget.take();
    if (!log) return;
    this.log.warn({ audit: true, ...(this.insecure ? { insecure: true } : {}), outcome: 'refused', ...fields, ...(suppressedBefore > 0 ? { suppressedBefore } : {}) }, msg);
  }

  /** Writes the count of lines dropped since the last line let through, if any. */
  reportSuppressed(): void {
    const suppressed = this.budget.drainSuppressed();
    if (suppressed > 0) this.log.warn({ audit: true, suppressed }, `${suppressed} more refusal lines suppressed by the audit rate limit`);
  }

  /** Reports suppressed lines every minute until close(). */
  start(): this {
    this.timer ??= setInterval(() => this.reportSuppressed(), SUPPRESSED_REPORT_MS).unref();
    return this;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.reportSuppressed();
  }
}
