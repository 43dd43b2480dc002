import { StepFailure } from '../engine/step-failure.js';
import type { UnitChange } from '../engine/events.js';
import type { UnitState } from '../ports/node-agent.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { actionId, callOptions, rebootRequested } from './step-context.js';
import { isEnabled, unitStateText } from './unit-states.js';

/**
 * §4.1 ahead of the reboot: a gravity unit that is disabled (planet running but `systemctl
 * disable`d) would not start after the reboot, and the node would stay NotReady. Enable it without
 * starting it (planet stays stopped until the reboot); the post checks confirm it came back.
 */
export const enableGravityUnits: StepExecutor = {
  name: 'enableGravityUnits',
  async alreadyDone(ctx: StepContext) {
    return rebootRequested(ctx) ? 'the reboot was already requested, so this boot-bound step is behind us' : undefined;
  },
  async run(ctx: StepContext) {
    const units = await ctx.agent.listUnits(ctx.config.planet.unitPattern, callOptions(ctx));
    return enableForNextBoot(ctx, units, 'gravity units');
  },
};

/**
 * `systemctl enable` (not --now) of each unit that is not enabled, so that it starts at the next boot; a
 * masked one fails the step. What was changed goes into the node's facts and is reported.
 */
export async function enableForNextBoot(ctx: StepContext, units: readonly UnitState[], what: string): Promise<string> {
  const disabled = units.filter((u) => !isEnabled(u));
  const changes: UnitChange[] = [];
  for (const u of disabled) {
    if (u.unitFileState === 'masked' || u.loadState === 'masked') {
      throw new StepFailure(`${u.name} on ${ctx.node.name} is masked and would not start after the reboot`, ['unmask it (systemctl unmask), then resume']);
    }
    ctx.progress(`enable ${u.name} (was ${unitStateText(u)}) so that it starts after the reboot`);
    await ctx.agent.enableUnit(u.name, { operationId: actionId(ctx, `enable-before-reboot-${u.name}`), timeoutMs: ctx.config.agents.callTimeoutMs }, callOptions(ctx));
    changes.push({ unit: u.name, action: 'enable', before: unitStateText(u) });
  }
  if (changes.length === 0) return `${units.length} ${what} enabled`;
  ctx.node.facts.unitsChanged = [...(ctx.node.facts.unitsChanged ?? []), ...changes];
  ctx.finding({ type: 'units-changed', changes });
  return `enabled ${changes.map((c) => `${c.unit} (was ${c.before})`).join(', ')}`;
}
