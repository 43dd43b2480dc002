import { formatCommand } from '../../shared/exec/command-runner.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import type { StepName } from '../plan/runbook.js';
import { hookPointsOf } from './hook-points.js';

/** For `noderoll plan`: the hooks configured around a step, and for the reboot wait, the power cycle. */
export function describeStepCommands(step: StepName, config: Pick<CoordinatorConfig, 'hooks' | 'powerCycle'>): string[] {
  const lines: string[] = [];
  const hooks = (when: 'before' | 'after'): void => {
    for (const point of hookPointsOf(step, when)) {
      for (const h of config.hooks[point]) lines.push(`${point} hook: ${formatCommand(h.argv[0] ?? '', h.argv.slice(1))} (timeout ${Math.round(h.timeoutMs / 1000)}s)`);
    }
  };
  hooks('before');
  if (step === 'waitForReboot') {
    const p = config.powerCycle;
    lines.push(p ? `not back in time: power cycle once, ${formatCommand(p.argv[0] ?? '', p.argv.slice(1))} (timeout ${Math.round(p.timeoutMs / 1000)}s), then wait again` : 'not back in time: halt (no powerCycle configured)');
  }
  hooks('after');
  return lines;
}
