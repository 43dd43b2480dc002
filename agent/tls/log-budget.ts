/**
 * At most `perMinute` log lines of one kind per minute; the rest are counted and reported once
 * the next minute's first line is let through. A client hammering the agent with bad
 * certificates must not flood the journal (journald would then drop the audit lines too).
 */
export class LogBudget {
  private windowStart = 0;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly perMinute: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether to log this one; `suppressedBefore` counts lines dropped since the last one let through. */
  take(): { log: boolean; suppressedBefore: number } {
    const now = this.clock();
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.perMinute) {
      this.suppressed += 1;
      return { log: false, suppressedBefore: 0 };
    }
    this.used += 1;
    const suppressedBefore = this.suppressed;
    this.suppressed = 0;
    return { log: true, suppressedBefore };
  }

  /** Lines dropped since the last one let through, counted as reported from now on (for a periodic "N suppressed" line). */
  drainSuppressed(): number {
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}
