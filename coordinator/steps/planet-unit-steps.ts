import { StepFailure } from '../engine/step-failure.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { actionId, callOptions, rebootRequested } from './step-context.js';
import { describeUnit } from './unit-states.js';

const PAST_REBOOT = 'the reboot was already requested, so this boot-bound step is behind us';

/** §2.3: the planet unit among `gravity__gravitational*` units. */
export const findPlanetUnit: StepExecutor = {
  name: 'findPlanetUnit',
  async alreadyDone(ctx: StepContext) {
    if (rebootRequested(ctx)) return PAST_REBOOT;
    const recorded = ctx.node.facts.planetUnit;
    if (!recorded) return undefined;
    const [unit] = (await ctx.agent.listUnits(recorded, callOptions(ctx))).filter((u) => u.name === recorded && u.loadState === 'loaded');
    return unit ? `planet unit ${describeUnit(unit)} found before` : undefined;
  },
  async run(ctx: StepContext) {
    const { unitPattern, nameContains } = ctx.config.planet;
    const units = await ctx.agent.listUnits(unitPattern, callOptions(ctx));
    const planet = units.filter((u) => u.name.includes(nameContains) && u.loadState === 'loaded');
    if (planet.length === 0) {
      throw new StepFailure(`no loaded unit containing "${nameContains}" among ${unitPattern} on ${ctx.node.name}`, [
        units.length > 0 ? `units found: ${units.map(describeUnit).join(', ')}` : `no unit matches ${unitPattern}`,
      ]);
    }
    let chosen = planet[0];
    if (planet.length > 1) {
      const active = planet.filter((u) => u.activeState === 'active');
      if (active.length !== 1) {
        throw new StepFailure(`cannot tell which planet unit to stop on ${ctx.node.name}: ${planet.map(describeUnit).join(', ')}`);
      }
      chosen = active[0];
    }
    if (!chosen) throw new StepFailure('no planet unit');
    ctx.node.facts.planetUnit = chosen.name;
    return describeUnit(chosen);
  },
};

/** §2.4: `systemctl stop`, then confirm the unit is inactive. */
export const stopPlanetUnit: StepExecutor = {
  name: 'stopPlanetUnit',
  async alreadyDone(ctx: StepContext) {
    return rebootRequested(ctx) ? PAST_REBOOT : undefined;
  },
  async run(ctx: StepContext) {
    const unit = ctx.node.facts.planetUnit;
    if (!unit) throw new StepFailure('the planet unit was not found before stopping it (findPlanetUnit left no unit name)');
    const timeoutMs = ctx.config.timeouts.stopPlanetMs;
    ctx.progress(`stopping ${unit}`);
    await ctx.agent.stopUnit(unit, { operationId: actionId(ctx, 'stop-planet'), timeoutMs }, callOptions(ctx, timeoutMs + ctx.config.agents.callTimeoutMs));
    // Confirm with a fresh read, as the runbook does with `systemctl status`.
    const [state] = (await ctx.agent.listUnits(unit, callOptions(ctx))).filter((u) => u.name === unit);
    if (!state) throw new StepFailure(`${unit} is no longer listed after stopping it`);
    if (state.activeState !== 'inactive' && state.activeState !== 'failed') {
      throw new StepFailure(`${unit} is still ${state.activeState}/${state.subState} after systemctl stop`);
    }
    return `${describeUnit(state)}`;
  },
};
