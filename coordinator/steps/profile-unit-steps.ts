import { StepFailure } from '../engine/step-failure.js';
import type { ProfileUnits } from '../plan/profiles.js';
import type { UnitState } from '../ports/node-agent.js';
import { enableForNextBoot } from './enable-gravity-units.js';
import type { StepContext, StepExecutor } from './step-context.js';
import { actionId, callOptions, rebootRequested } from './step-context.js';
import { describeUnit } from './unit-states.js';

const PAST_INSTALL = 'the reboot was already requested or decided against, so this step is behind us';

/** The profile's units for this node's role (config `units`, else the profile's defaults). */
export function profileUnits(ctx: StepContext): ProfileUnits {
  return ctx.config.units[ctx.node.role === 'master' ? 'master' : 'node'];
}

/** Each named unit's state as the agent lists it (not-found when the node has no such unit). */
export async function unitStates(ctx: StepContext, names: readonly string[]): Promise<UnitState[]> {
  const out: UnitState[] = [];
  for (const name of names) {
    const [state] = (await ctx.agent.listUnits(name, callOptions(ctx))).filter((u) => u.name === name);
    out.push(state ?? { name, loadState: 'not-found', activeState: 'inactive', subState: 'dead' });
  }
  return out;
}

function behindUs(ctx: StepContext): boolean {
  return rebootRequested(ctx) || ctx.node.facts.rebootDecision !== undefined;
}

/** Before the install: `systemctl stop` each of units.stop (e.g. kubelet for a kubelet upgrade), confirmed inactive. */
export const stopUnits: StepExecutor = {
  name: 'stopUnits',
  async alreadyDone(ctx: StepContext) {
    return behindUs(ctx) ? PAST_INSTALL : undefined;
  },
  async run(ctx: StepContext) {
    const names = profileUnits(ctx).stop;
    if (names.length === 0) return `no units to stop (units.stop of profile ${ctx.config.profile} is empty)`;
    const timeoutMs = ctx.config.timeouts.stopPlanetMs;
    const stopped: string[] = [];
    const notes: string[] = [];
    for (const state of await unitStates(ctx, names)) {
      if (state.loadState !== 'loaded') throw new StepFailure(`${state.name} (units.stop) is ${state.loadState} on ${ctx.node.name}`, ['list only units this node has in units.stop']);
      ctx.progress(`stopping ${state.name}`);
      await ctx.agent.stopUnit(state.name, { operationId: actionId(ctx, `stop-${state.name}`), timeoutMs }, callOptions(ctx, timeoutMs + ctx.config.agents.callTimeoutMs));
      const [after] = await unitStates(ctx, [state.name]);
      if (after && after.activeState !== 'inactive' && after.activeState !== 'failed') throw new StepFailure(`${state.name} is still ${after.activeState}/${after.subState} after systemctl stop`);
      stopped.push(state.name);
      notes.push(after ? describeUnit(after) : state.name);
    }
    ctx.node.facts.stoppedUnits = stopped;
    return `stopped ${notes.join(', ')}`;
  },
};

/** After the install: enable (not start) the stopped and checked units that are not enabled, so that they come back. */
export const reenableUnits: StepExecutor = {
  name: 'reenableUnits',
  async alreadyDone(ctx: StepContext) {
    return behindUs(ctx) ? PAST_INSTALL : undefined;
  },
  async run(ctx: StepContext) {
    const { stop, check } = profileUnits(ctx);
    const names = [...new Set([...stop, ...check])];
    if (names.length === 0) return 'no units to enable (units.stop and units.check are empty)';
    const loaded = (await unitStates(ctx, names)).filter((u) => u.loadState === 'loaded' || u.loadState === 'masked');
    return enableForNextBoot(ctx, loaded, `units of profile ${ctx.config.profile}`);
  },
};
