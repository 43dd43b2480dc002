import { StepFailure } from '../engine/step-failure.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { actionId, callOptions, rebootRequested } from './step-context.js';

/** §2.5: install the update through the agent, output streamed; the operation ID keeps it to one install. */
export const installUpdate: StepExecutor = {
  name: 'installUpdate',
  async alreadyDone(ctx: StepContext) {
    if (rebootRequested(ctx)) return 'the reboot was already requested, so the install finished before it';
    const status = await ctx.agent.operationStatus(actionId(ctx, 'install'), callOptions(ctx));
    if (status.state === 'succeeded') return `the agent already ran install operation ${status.operationId} successfully`;
    return undefined;
  },
  async run(ctx: StepContext) {
    const target = ctx.operation.targetVersion;
    const operationId = actionId(ctx, 'install');
    const identity = await ctx.agent.identity(callOptions(ctx));
    const before = identity.packages[identity.updatePackage];
    if (ctx.node.facts.versionBefore === undefined && before !== undefined) ctx.node.facts.versionBefore = before;
    ctx.progress(`installing ${identity.updatePackage} ${target}${before ? ` (installed: ${before})` : ''}`);
    const outcome = await ctx.agent.install(
      { version: target, operationId },
      (l) => ctx.output(l.stream === 'stderr' ? `[stderr] ${l.line}` : l.line),
      callOptions(ctx, ctx.config.timeouts.installMs),
    );
    if (!outcome.succeeded) {
      throw new StepFailure(
        `install of ${identity.updatePackage} ${target} failed on ${ctx.node.name}${outcome.exitCode !== undefined ? ` (exit code ${outcome.exitCode})` : ''}${outcome.detail ? `: ${outcome.detail}` : ''}`,
      );
    }
    if (outcome.installedVersion !== undefined && outcome.installedVersion !== target) {
      throw new StepFailure(`after the install ${identity.updatePackage} is at ${outcome.installedVersion}, not ${target}`);
    }
    return `${identity.updatePackage} ${before ?? '(none)'} -> ${target}${outcome.replayed ? ' (answered from the agent\'s record of this operation)' : ''}`;
  },
};
