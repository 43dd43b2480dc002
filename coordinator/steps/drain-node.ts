import { DrainError } from '../ports/cluster.js';
import { describeBlocker } from '../cluster/drain-output.js';
import { StepFailure, WaitForInFlightNode } from '../engine/step-failure.js';
import { gateFailureDetails } from '../gates/gate.js';
import { DrainForesightGate } from '../gates/drain-gate.js';
import { runGates } from '../gates/run-gates.js';
import { assertOnlyNodeOutOfService } from './out-of-service.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { rebootRequested } from './step-context.js';

/** §2.2: `kubectl drain --ignore-daemonsets --delete-emptydir-data` (or the old spelling) with a timeout. */
export const drainNode: StepExecutor = {
  name: 'drainNode',
  async alreadyDone(ctx: StepContext) {
    if (!rebootRequested(ctx)) return undefined;
    const node = await ctx.cluster.getNode(ctx.node.name, ctx.signal);
    return node?.unschedulable ? 'the node was drained and its reboot requested; it is still cordoned' : undefined;
  },
  async run(ctx: StepContext) {
    await assertOnlyNodeOutOfService(ctx.cluster, ctx.node.name, `drain node ${ctx.node.name}`, ctx.signal, ctx.otherNodesInFlight());
    if (rebootRequested(ctx)) {
      // Drained before its reboot, then uncordoned by someone (or by us just before a crash):
      // keep it out of scheduling until the post checks pass, without evicting anything again.
      await ctx.cluster.cordonNode(ctx.node.name, ctx.signal);
      return 'drained before its reboot; cordoned again until the post checks pass';
    }
    await assertDrainUnblocked(ctx);
    ctx.progress('draining');
    let evicted = 0;
    try {
      await ctx.cluster.drainNode(ctx.node.name, {
        timeoutMs: ctx.config.timeouts.drainMs,
        signal: ctx.signal,
        onOutput: (line) => {
          if (/^pod\/\S+ evicted$/.test(line.trim())) evicted++;
          ctx.output(line);
        },
      });
    } catch (err) {
      if (err instanceof DrainError) {
        throw new StepFailure(err.message, [...err.blockers.map(describeBlocker), ...err.outputTail.split('\n').slice(-20).filter(Boolean)]);
      }
      throw err;
    }
    return `drained (${evicted} pods evicted)`;
  },
};

/** The last look before anything is cordoned: a pod that would stop the drain (or a check that cannot run) halts here. */
async function assertDrainUnblocked(ctx: StepContext): Promise<void> {
  const gate = new DrainForesightGate(ctx.cluster, ctx.node.name);
  const purpose = `before draining node ${ctx.node.name}`;
  const report = await runGates([gate], ctx.clock, ctx.signal);
  ctx.gateReport(report, purpose);
  if (report.passed) return;
  // A resume after a drain that failed half-way finds the node cordoned already: say so rather than "not cordoned".
  const cordoned = (await ctx.cluster.getNode(ctx.node.name, ctx.signal))?.unschedulable === true;
  // Another node of the operation drained first and holds the budget: this one waits for it to come back.
  const others = ctx.otherNodesInFlight();
  if (!cordoned && gate.blockers.length > 0 && others.length > 0) throw new WaitForInFlightNode(`node ${ctx.node.name} waits for ${others.join(', ')}: ${gate.describeBlocked()}`);
  const state = cordoned ? `node ${ctx.node.name} is still cordoned from an earlier drain and not drained again` : `node ${ctx.node.name} not cordoned`;
  const why = gate.blockers.length > 0 ? gate.describeBlocked() : `could not check whether its drain can finish: ${report.results[0]?.summary ?? 'no result'}`;
  throw new StepFailure(`${state}: ${why}`, gateFailureDetails(report));
}

/** §4.3: `kubectl uncordon`, confirmed by reading the Node back. */
export const uncordonNode: StepExecutor = {
  name: 'uncordonNode',
  async run(ctx: StepContext) {
    await ctx.cluster.uncordonNode(ctx.node.name, ctx.signal);
    const node = await ctx.cluster.getNode(ctx.node.name, ctx.signal);
    if (!node) throw new StepFailure(`node ${ctx.node.name} disappeared from the cluster`);
    if (node.unschedulable) throw new StepFailure(`node ${ctx.node.name} is still cordoned after kubectl uncordon`);
    return 'schedulable again';
  },
};
