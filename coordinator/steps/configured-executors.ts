import { runCommand, type CommandRunner } from '../../shared/exec/command-runner.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import type { StepName } from '../plan/runbook.js';
import { withHooks } from '../hooks/with-hooks.js';
import { PowerCycle } from '../power/power-cycle.js';
import { STEP_EXECUTORS } from './executors.js';
import { waitForRebootStep } from './reboot-steps.js';
import type { StepExecutor } from './step-context.js';

/** The executors as the config asks for them: the power cycle in the reboot wait, the hooks around their steps. */
export function configuredExecutors(config: CoordinatorConfig, runner: CommandRunner = runCommand): Readonly<Record<StepName, StepExecutor>> {
  const executors = config.powerCycle ? { ...STEP_EXECUTORS, waitForReboot: waitForRebootStep(new PowerCycle(config.powerCycle, runner)) } : STEP_EXECUTORS;
  return withHooks(executors, config.hooks, runner);
}
