import type { AgentIdentity } from '../ports/node-agent.js';
import type { StepContext } from '../steps/step-context.js';

/**
 * The node's rollback point: the watched packages' versions as the agent reports them right before
 * this operation's first install on the node. Recorded once: a later attempt may find a half-done
 * install, whose version is no place to roll back to.
 */
export function recordRollbackPoint(ctx: StepContext, identity: AgentIdentity): void {
  if (ctx.node.facts.rollbackPoint) return;
  const version = identity.packages[identity.updatePackage];
  ctx.node.facts.rollbackPoint = {
    package: identity.updatePackage,
    ...(version !== undefined ? { version } : {}),
    packages: { ...identity.packages },
    recordedAt: new Date(ctx.clock.now()).toISOString(),
  };
}
