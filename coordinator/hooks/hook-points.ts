import type { StepName } from '../plan/runbook.js';

/**
 * Where the operator's coordinator-side hooks run, as data: each hook point is tied to one runbook
 * step and runs right before or right after that step's own work (not when the step is found already
 * done on a resume). A failing hook fails its step, which halts the operation like any failed step.
 */

export const HOOK_POINTS = ['preDrain', 'postDrain', 'preReboot', 'postReboot', 'postUncordon'] as const;
export type HookPoint = (typeof HOOK_POINTS)[number];

export const HOOK_STEPS: Readonly<Record<HookPoint, { step: StepName; when: 'before' | 'after' }>> = {
  // before anything of the node changes: it is not cordoned yet
  preDrain: { step: 'drainNode', when: 'before' },
  postDrain: { step: 'drainNode', when: 'after' },
  preReboot: { step: 'rebootNode', when: 'before' },
  // the node is back: new boot, Ready, target version; the post checks come next
  postReboot: { step: 'waitForReboot', when: 'after' },
  postUncordon: { step: 'uncordonNode', when: 'after' },
};

/** The placeholders a hook command may use. {phase} is the hook point's name, so one script can serve several. */
export const HOOK_PLACEHOLDERS = ['node', 'operation', 'phase'] as const;

/** One configured hook: argv with placeholders, run on the coordinator's host. */
export interface HookCommand {
  argv: string[];
  timeoutMs: number;
}

export type HooksConfig = Readonly<Record<HookPoint, readonly HookCommand[]>>;

/** The hook points of `step`, in the order they run. */
export function hookPointsOf(step: StepName, when: 'before' | 'after'): HookPoint[] {
  return HOOK_POINTS.filter((p) => HOOK_STEPS[p].step === step && HOOK_STEPS[p].when === when);
}
