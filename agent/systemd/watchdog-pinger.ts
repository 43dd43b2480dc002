import type { Logger } from '../../shared/log/logger.js';
import { sleep, type WaitClock } from '../../shared/time/wait-for.js';

/**
 * systemd's watchdog (WatchdogSec= in systemd/noderoll-agent.service): WATCHDOG=1 every
 * WatchdogSec/4, sent from the agent's own event loop and only while that loop is responsive.
 * A stalled loop (a busy handler, a SIGSTOP) sends nothing, so systemd kills and restarts the
 * agent; a ping timer that fires late, or a loop-delay sample since the last ping above the
 * limit, skips that ping, so a loop that is blocked nearly all the time is not kept alive by the
 * moments in between. One lost or skipped ping never costs a restart: systemd needs four in a row
 * to be missing.
 */

/** Pings per watchdog period: three may be lost or skipped before systemd's limit runs out. */
export const WATCHDOG_PINGS_PER_PERIOD = 4;

export function watchdogPingIntervalMs(watchdogMs: number): number {
  return Math.max(1, Math.floor(watchdogMs / WATCHDOG_PINGS_PER_PERIOD));
}

/** Event-loop delay above which a ping is skipped: half a ping interval. */
export function watchdogMaxLagMs(watchdogMs: number): number {
  return Math.floor(watchdogPingIntervalMs(watchdogMs) / 2);
}

/** The longest event-loop stall since the previous call (an upper bound). */
export interface LoopDelaySampler {
  takeMaxMs(): number;
  close(): void;
}

/**
 * How often the loop-delay histogram samples: a quarter of the lag limit, within 10 ms–1 s. A
 * sample timer wakes the process each time, so it is as coarse as the limit allows: at the
 * production WatchdogSec a 20 ms timer alone cost 0.35% of a core on an idle agent.
 */
export function loopDelayResolutionMs(maxLagMs: number): number {
  return Math.min(1000, Math.max(10, Math.floor(maxLagMs / 4)));
}

/**
 * A timer every resolutionMs that notes how late it fires. A stall may begin up to one resolution
 * before the timer was due, so the longest stall is at most the largest lateness plus the
 * resolution; that bound is what takeMaxMs returns. (perf_hooks' monitorEventLoopDelay is not used:
 * on Node.js 20 its maximum stays near its resolution through a 1 s stall inside a timer callback.)
 */
export function eventLoopDelaySampler(resolutionMs: number): LoopDelaySampler {
  let maxLateMs = 0;
  let samples = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const due = performance.now() + resolutionMs;
    timer = setTimeout(() => {
      maxLateMs = Math.max(maxLateMs, performance.now() - due);
      samples += 1;
      arm();
    }, resolutionMs);
    timer.unref();
  };
  arm();
  return {
    takeMaxMs: () => {
      const max = samples > 0 ? maxLateMs + resolutionMs : 0;
      maxLateMs = 0;
      samples = 0;
      return max;
    },
    close: () => clearTimeout(timer),
  };
}

export interface WatchdogPingerOptions {
  /** Sends WATCHDOG=1 (SystemdNotify.send through the command runner). */
  ping: () => Promise<void>;
  watchdogMs: number;
  logger: Logger;
  clock?: WaitClock;
  loopDelay?: LoopDelaySampler;
}

/** Why a ping was not sent, for the log and the unit tests. */
export type PingOutcome = 'sent' | 'late' | 'loop-delay' | 'in-flight' | 'failed';

export class WatchdogPinger {
  readonly intervalMs: number;
  readonly maxLagMs: number;
  private readonly clock: WaitClock;
  private readonly abort = new AbortController();
  private inFlight = false;
  private lastOutcome: PingOutcome | undefined;
  private loop: Promise<void> | undefined;
  /** Every ping decision in order (bounded: the last 64), for tests and /status-style inspection. */
  readonly outcomes: PingOutcome[] = [];

  constructor(private readonly o: WatchdogPingerOptions) {
    this.intervalMs = watchdogPingIntervalMs(o.watchdogMs);
    this.maxLagMs = watchdogMaxLagMs(o.watchdogMs);
    this.clock = o.clock ?? { now: () => Date.now(), sleep };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('watchdog pinger stopped'));
    await this.loop;
    this.o.loopDelay?.close();
  }

  private async run(): Promise<void> {
    this.o.loopDelay?.takeMaxMs();
    while (!this.abort.signal.aborted) {
      const due = this.clock.now() + this.intervalMs;
      try {
        await this.clock.sleep(this.intervalMs, this.abort.signal);
      } catch {
        return;
      }
      this.tick(this.clock.now() - due);
    }
  }

  private tick(lateMs: number): void {
    const delayMs = this.o.loopDelay?.takeMaxMs() ?? 0;
    if (lateMs > this.maxLagMs) return this.record('late', { lateMs });
    if (delayMs > this.maxLagMs) return this.record('loop-delay', { delayMs: Math.round(delayMs) });
    if (this.inFlight) return this.record('in-flight', {});
    this.inFlight = true;
    this.o.ping().then(
      () => this.record('sent', {}),
      (err: Error) => this.record('failed', { err: err.message }),
    ).finally(() => (this.inFlight = false));
  }

  /** Logs changes only (the first skip, failure or recovery), so a steady state writes nothing. */
  private record(outcome: PingOutcome, detail: Record<string, unknown>): void {
    this.outcomes.push(outcome);
    if (this.outcomes.length > 64) this.outcomes.shift();
    const changed = outcome !== this.lastOutcome;
    this.lastOutcome = outcome;
    if (!changed) return;
    const fields = { watchdog: true, intervalMs: this.intervalMs, maxLagMs: this.maxLagMs, ...detail };
    if (outcome === 'sent') this.o.logger.info(fields, 'watchdog: WATCHDOG=1 sent to systemd');
    else if (outcome === 'failed') this.o.logger.error(fields, 'watchdog: systemd-notify failed; systemd restarts the agent if this continues');
    else this.o.logger.warn({ ...fields, outcome }, 'watchdog: ping skipped, the event loop was not responsive');
  }
}
