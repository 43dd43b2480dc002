import type { Clock } from '../../../../coordinator/ports/clock.js';

/** Virtual time: sleeping advances it at once, so a whole rolling update runs in milliseconds. */
export class FakeClock implements Clock {
  private listeners: (() => void)[] = [];
  constructor(public t = Date.parse('2026-11-27T02:00:00Z')) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    this.t += Math.max(0, ms);
    for (const l of this.listeners) l();
    await new Promise<void>((r) => setImmediate(r));
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  }
  advance(ms: number): void {
    this.t += ms;
    for (const l of this.listeners) l();
  }
  onTick(listener: () => void): void {
    this.listeners.push(listener);
  }
}
