import type { StepContext, StepExecutor } from './step-context.js';
import { callOptions } from './step-context.js';

/**
 * §3.1 needs a "before" too: a unit that failed long before the update (kdump.service on many
 * CentOS/RHEL hosts) is no reason to halt after the reboot. Taken before the node is touched.
 */
export const recordFailedUnitsBaseline: StepExecutor = {
  name: 'recordFailedUnitsBaseline',
  async alreadyDone(ctx: StepContext) {
    const baseline = ctx.node.facts.failedUnitsBaseline;
    return baseline ? `baseline of ${baseline.length} failed unit${baseline.length === 1 ? '' : 's'} already recorded` : undefined;
  },
  async run(ctx: StepContext) {
    const failed = [...new Set((await ctx.agent.failedUnits(callOptions(ctx))).map((u) => u.name))].sort();
    ctx.node.facts.failedUnitsBaseline = failed;
    ctx.finding({ type: 'failed-units', when: 'before-update', failed, known: failed, ignored: [], new: [] });
    return failed.length === 0 ? 'no failed units before the update' : `${failed.length} unit${failed.length === 1 ? '' : 's'} already failed before the update: ${failed.join(', ')}`;
  },
};
