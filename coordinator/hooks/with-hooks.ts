import type { CommandRunner } from '../../shared/exec/command-runner.js';
import type { StepName } from '../plan/runbook.js';
import type { StepContext, StepExecutor } from '../steps/step-context.js';
import { hookPointsOf, type HookPoint, type HooksConfig } from './hook-points.js';
import { runHooks } from './run-hooks.js';

/**
 * The executors with the configured hooks around the steps they belong to (hook-points.ts). A step
 * found already done runs no hooks; a step that runs again on resume runs its hooks again, so hooks
 * must be safe to repeat. Steps without hooks are returned as they are.
 */
export function withHooks<T extends Readonly<Record<string, StepExecutor>>>(executors: T, hooks: HooksConfig, runner: CommandRunner): T {
  const out: Record<string, StepExecutor> = { ...executors };
  for (const [name, executor] of Object.entries(executors)) {
    const before = configured(hooks, hookPointsOf(name as StepName, 'before'));
    const after = configured(hooks, hookPointsOf(name as StepName, 'after'));
    if (before.length === 0 && after.length === 0) continue;
    const runPoints = async (ctx: StepContext, points: HookPoint[]): Promise<string[]> => {
      const notes: string[] = [];
      for (const point of points) {
        notes.push(...(await runHooks(hooks[point], { point, node: ctx.node.name, operationId: ctx.operation.id, signal: ctx.signal, output: (line) => ctx.output(line) }, runner)));
      }
      return notes;
    };
    out[name] = {
      ...executor,
      async run(ctx: StepContext) {
        const notes = await runPoints(ctx, before);
        const note = await executor.run(ctx);
        notes.push(...(await runPoints(ctx, after)));
        return [note, ...notes].filter((n): n is string => typeof n === 'string' && n !== '').join('; ');
      },
    };
  }
  return out as T;
}

function configured(hooks: HooksConfig, points: HookPoint[]): HookPoint[] {
  return points.filter((p) => hooks[p].length > 0);
}
