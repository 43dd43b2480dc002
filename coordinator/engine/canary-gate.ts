import type { CanaryConfig, CoordinatorConfig } from '../config/config-types.js';
import type { Gate } from '../gates/gate.js';
import { waitForGatesToPass } from '../gates/run-gates.js';
import type { Clock } from '../ports/clock.js';
import type { OperationRecord } from '../state/operation-record.js';
import { OPERATION_SCOPE as OPERATION_SCOPE_NAME } from '../schedule/node-scheduler.js';
import type { OperationEvent } from './events.js';
import { errorMessage, StepFailure } from './step-failure.js';

export interface CanaryDeps {
  gates: readonly Gate[];
  clock: Clock;
  soak: CoordinatorConfig['soak'];
  /** `resume --confirm`: confirms the first canary that asks in this run (once). */
  confirmed: boolean;
  prompt?: (scope: string, nodes: readonly string[]) => Promise<boolean>;
  persist: () => Promise<void>;
  emit: (event: OperationEvent) => void;
  signal: AbortSignal;
}

/** How clearing a finished canary went. */
export type CanaryVerdict =
  | { kind: 'cleared' }
  | { kind: 'failed'; reason: string; details: string[] }
  | { kind: 'interrupted' }
  /** confirm is set and nobody confirmed: stop with every node in service for `resume --confirm`. */
  | { kind: 'needs-confirmation'; reason: string };

/**
 * After the canary node(s) of a scope (a pool, or the operation) finished: the gates pass over the
 * canary soak, then, with confirm, the operator confirms (prompt, or `resume --confirm`). Progress is
 * kept in the record (record.canary), so a resume does not soak or ask twice.
 */
export class CanaryGate {
  private confirmationLeft: boolean;

  constructor(
    private readonly record: OperationRecord,
    private readonly config: CanaryConfig | undefined,
    private readonly deps: CanaryDeps,
  ) {
    this.confirmationLeft = deps.confirmed;
  }

  private state(): NonNullable<OperationRecord['canary']> {
    this.record.canary ??= { soaked: [], confirmed: [] };
    return this.record.canary;
  }

  /** Scopes whose canary is soaked and, when asked, confirmed. */
  cleared(): Set<string> {
    const state = this.record.canary;
    if (!state) return new Set();
    return new Set(state.soaked.filter((scope) => !this.config?.confirm || state.confirmed.includes(scope)));
  }

  async clear(scope: string, nodes: readonly string[]): Promise<CanaryVerdict> {
    const config = this.config;
    if (!config) return { kind: 'cleared' };
    const state = this.state();
    const who = `canary ${nodes.join(', ')}`;
    if (!state.soaked.includes(scope)) {
      const { intervalMs, timeoutMs } = this.deps.soak;
      const passes = Math.max(1, Math.floor(config.soakMs / intervalMs) + 1);
      try {
        await waitForGatesToPass(this.deps.gates, this.deps.clock, {
          passes,
          intervalMs,
          timeoutMs: config.soakMs + timeoutMs,
          signal: this.deps.signal,
          purpose: `after the ${who}`,
        });
      } catch (err) {
        if (this.deps.signal.aborted) return { kind: 'interrupted' };
        if (err instanceof StepFailure) return { kind: 'failed', reason: `the ${who} did not soak: ${err.reason}`, details: [...err.details] };
        return { kind: 'failed', reason: `the ${who} did not soak: ${errorMessage(err)}`, details: [] };
      }
      state.soaked.push(scope);
      await this.deps.persist();
      this.deps.emit({ type: 'canary-soaked', scope: describeScope(scope), nodes: [...nodes], passes });
    }
    if (!config.confirm || state.confirmed.includes(scope)) return { kind: 'cleared' };
    const confirmed = this.confirmationLeft || (this.deps.prompt ? await this.deps.prompt(describeScope(scope), nodes) : false);
    if (!confirmed) return { kind: 'needs-confirmation', reason: `the ${who} is updated and soaked; the rest of ${describeScope(scope)} waits for confirmation` };
    this.confirmationLeft = false;
    state.confirmed.push(scope);
    await this.deps.persist();
    this.deps.emit({ type: 'canary-confirmed', scope: describeScope(scope), nodes: [...nodes] });
    return { kind: 'cleared' };
  }
}

export function describeScope(scope: string): string {
  return scope === OPERATION_SCOPE_NAME ? 'the operation' : `pool ${scope}`;
}
