import { StepFailure, WaitForInFlightNode } from '../engine/step-failure.js';
import { DrainForesightGate } from '../gates/drain-gate.js';
import { waitForGatesToPass } from '../gates/run-gates.js';
import type { StepContext, StepExecutor } from './step-context.js';

/**
 * §1: before touching a node, every gate passes (retried up to timeouts.gatesBeforeNode), and gate
 * `drain` says no pod would stop its drain; with drain.onBlocked halt a known blocker halts at once.
 */
export const verifyClusterHealthy: StepExecutor = {
  name: 'verifyClusterHealthy',
  async run(ctx: StepContext) {
    const purpose = `before node ${ctx.node.name}`;
    const drain = new DrainForesightGate(ctx.cluster, ctx.node.name);
    const haltAtOnce = ctx.config.drain.onBlocked === 'halt';
    try {
      const report = await waitForGatesToPass([...ctx.gates, drain], ctx.clock, {
        passes: 1,
        intervalMs: ctx.config.soak.intervalMs,
        timeoutMs: ctx.config.timeouts.gatesBeforeNodeMs,
        signal: ctx.signal,
        purpose,
        onReport: (r, consecutive) => ctx.gateReport(r, purpose, consecutive),
        expectedOutOfService: () => ctx.otherNodesInFlight(),
        giveUpWhen: () => {
          if (drain.blockers.length === 0) return undefined;
          // Blocked while other nodes of the operation are out: their pods come back with them.
          const others = ctx.otherNodesInFlight();
          if (others.length > 0) throw new WaitForInFlightNode(`node ${ctx.node.name} waits for ${others.join(', ')}: ${drain.describeBlocked()}`);
          return haltAtOnce ? 'drain.onBlocked is halt' : undefined;
        },
      });
      return report.results.map((r) => `${r.gate}: ${r.summary}`).join('; ');
    } catch (err) {
      if (!(err instanceof StepFailure) || drain.blockers.length === 0) throw err;
      const policy = haltAtOnce ? 'drain.onBlocked is halt' : `still blocked after timeouts.gatesBeforeNode (${Math.round(ctx.config.timeouts.gatesBeforeNodeMs / 1000)}s)`;
      throw new StepFailure(`node ${ctx.node.name} not cordoned: ${drain.describeBlocked()} (${policy})`, [err.reason, ...err.details]);
    }
  },
};

/** §3.5 and §4.4: after the node is back, the gates must pass N times in a row over the soak interval. */
export const soakClusterHealth: StepExecutor = {
  name: 'soakClusterHealth',
  async run(ctx: StepContext) {
    const { passes, intervalMs, timeoutMs } = ctx.config.soak;
    const purpose = `after node ${ctx.node.name}`;
    await waitForGatesToPass(ctx.gates, ctx.clock, {
      passes,
      intervalMs,
      timeoutMs,
      signal: ctx.signal,
      purpose,
      expectedOutOfService: () => ctx.otherNodesInFlight(),
      onReport: (r, consecutive) => {
        ctx.gateReport(r, purpose, consecutive);
        ctx.progress(r.passed ? `gates passed ${consecutive} of ${passes} times in a row` : `gates failing: ${r.results.filter((x) => !x.passed).map((x) => x.gate).join(', ')}`);
      },
    });
    return `gates passed ${passes} consecutive times, ${Math.round(intervalMs / 1000)}s apart`;
  },
};
