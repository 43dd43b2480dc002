import { FakeClock } from '../unit/coordinator/fakes/fake-clock.js';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

/**
 * Discrete-event time: a sleep registers a timer and returns; time moves only when the driver calls
 * `fireNext()` (once every promise chain has settled), to the earliest timer, ties in the order they
 * were set. Concurrent sleepers (nodes of a pool) see one timeline, as in reality, and no real time
 * passes. Extends FakeClock so that the unit tests' FakeWorld runs on it.
 */
export class SimClock extends FakeClock {
  private timers: Timer[] = [];
  private seq = 0;
  private readonly tickListeners: (() => void)[] = [];

  override now(): number {
    return this.t;
  }

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      const timer = this.schedule(this.t + Math.max(0, ms), () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = (): void => {
        this.cancel(timer);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A sleep that never ends: the time of a coordinator process that was killed. */
  frozen(): Promise<void> {
    return new Promise<void>(() => undefined);
  }

  /** Runs `fire` when the simulated time reaches `at`. */
  schedule(at: number, fire: () => void): Timer {
    const timer = { at: Math.max(at, this.t), seq: this.seq++, fire };
    // Sorted by time then order of setting; a handful of timers at most, so an insertion is enough.
    let i = this.timers.length;
    while (i > 0 && (this.timers[i - 1]!.at > timer.at || (this.timers[i - 1]!.at === timer.at && this.timers[i - 1]!.seq > timer.seq))) i--;
    this.timers.splice(i, 0, timer);
    return timer;
  }

  private cancel(timer: Timer): void {
    const i = this.timers.indexOf(timer);
    if (i >= 0) this.timers.splice(i, 1);
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves to the earliest timer and fires it; false when no timer is set. */
  fireNext(): boolean {
    const timer = this.timers.shift();
    if (!timer) return false;
    this.t = Math.max(this.t, timer.at);
    for (const l of this.tickListeners) l();
    timer.fire();
    return true;
  }

  override onTick(listener: () => void): void {
    this.tickListeners.push(listener);
  }
}

/**
 * Lets every promise chain that can run, run. A process.nextTick callback runs only once V8 has drained
 * the microtask queue (including what the draining queued), and the simulated engine runs on promises
 * alone: no real timer, no I/O, no other nextTick. So the tick comes when nothing is left to run, as a
 * macrotask turn (setImmediate) would, at a tenth of its cost: the driver settles after every event.
 */
export function settle(): Promise<void> {
  return new Promise<void>((resolve) => process.nextTick(resolve));
}
