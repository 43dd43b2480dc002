/**
 * Polling with a deadline and capped exponential backoff. Every wait says what it waited for
 * and what it saw last when it gives up.
 */

export interface WaitOptions {
  /** What is awaited, in words: "node n1 to report a new boot ID". */
  what: string;
  timeoutMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  signal?: AbortSignal;
  /** Time source and sleeper; defaults to the real ones. Tests inject a virtual clock. */
  clock?: WaitClock;
}

/** What waitFor needs of time: the current instant and a way to let time pass. */
export interface WaitClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastObservation: string | undefined,
  ) {
    super(`gave up waiting for ${what} after ${timeoutMs} ms` + (lastObservation ? `; last seen: ${lastObservation}` : ''));
    this.name = 'WaitTimeoutError';
  }
}

export class WaitAbortedError extends Error {
  constructor(readonly what: string) {
    super(`stopped waiting for ${what}: aborted`);
    this.name = 'WaitAbortedError';
  }
}

/** Outcome of one probe: done with a value, or not yet with a description of what was seen. */
export type Probe<T> = { done: true; value: T } | { done: false; observed: string };

export const ready = <T>(value: T): Probe<T> => ({ done: true, value });
export const notYet = (observed: string): Probe<never> => ({ done: false, observed });

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The machine's clock and real timers. */
export const realClock: WaitClock = { now: () => Date.now(), sleep };

/**
 * Calls `probe` until it reports done, the deadline passes, or the signal aborts.
 * A probe that throws counts as "not yet" with the error message as the observation.
 */
export async function waitFor<T>(options: WaitOptions, probe: () => Promise<Probe<T>>): Promise<T> {
  const clock = options.clock ?? realClock;
  const deadline = clock.now() + options.timeoutMs;
  let delay = options.initialDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 2000;
  const factor = options.factor ?? 1.6;
  let last: string | undefined;
  for (;;) {
    if (options.signal?.aborted) throw new WaitAbortedError(options.what);
    try {
      const p = await probe();
      if (p.done) return p.value;
      last = p.observed;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    const remaining = deadline - clock.now();
    if (remaining <= 0) throw new WaitTimeoutError(options.what, options.timeoutMs, last);
    try {
      await clock.sleep(Math.min(delay, remaining), options.signal);
    } catch {
      throw new WaitAbortedError(options.what);
    }
    delay = Math.min(maxDelay, delay * factor);
  }
}
