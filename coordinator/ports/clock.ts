import type { WaitClock } from '../../shared/time/wait-for.js';
import { realClock } from '../../shared/time/wait-for.js';

/**
 * Time as the coordinator sees it: the engine, the steps and the gates read the time and wait only
 * through this, so tests drive whole operations on a virtual clock in milliseconds.
 */
export interface Clock extends WaitClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = realClock;

export function isoTime(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
