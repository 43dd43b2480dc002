import { interceptMethods } from './intercept-methods.js';
import type { Clock } from '../ports/clock.js';

/**
 * Measures how much of a run was spent waiting on the outside world (kubectl, agents, gates,
 * backups, reboots, sleeps between polls) versus the coordinator's own work: the union of the
 * intervals during which at least one external call or sleep was in flight.
 */
export class WaitAccounting {
  private inFlight = 0;
  private since = 0;
  private waited = 0;

  constructor(private readonly clock: Clock) {}

  /** Counts the time until `work` settles as waiting. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight++ === 0) this.since = this.clock.now();
    try {
      return await work();
    } finally {
      if (--this.inFlight === 0) this.waited += this.clock.now() - this.since;
    }
  }

  /** Waiting time so far (including a wait still in flight). */
  waitingMs(): number {
    return this.waited + (this.inFlight > 0 ? this.clock.now() - this.since : 0);
  }

  /** The same object, with every method that returns a promise counted as waiting. */
  wrap<T extends object>(target: T): T {
    return interceptMethods(target, (_method, invoke) => {
      let result: unknown;
      const tracked = this.track(async () => {
        result = invoke();
        return result instanceof Promise ? await result : result;
      });
      // Synchronous methods (close) must stay synchronous for their callers.
      return result instanceof Promise ? tracked : (void tracked.catch(() => undefined), result);
    });
  }

  /** A clock whose sleeps count as waiting. */
  wrapClock(clock: Clock): Clock {
    return { now: () => clock.now(), sleep: (ms, signal) => this.track(() => clock.sleep(ms, signal)) };
  }
}
