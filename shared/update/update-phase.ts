import { FieldError, showValue } from '../validation/field-error.js';

/**
 * Where a rolling update stands on one node, as the coordinator tells the node's agent and the
 * agent shows on /metrics (`noderoll_agent_update_phase{phase="…"}`): the runbook's step names in
 * their order (coordinator/plan/runbook.ts takes its list from here), bracketed by `idle` (no update
 * has touched the node), `done` (the node's steps all passed) and `halted` (the operation stopped
 * on a failure at this node).
 */

export const RUNBOOK_STEP_NAMES = [
  'verifyClusterHealthy',
  'takeBackup',
  'recordJournalBaseline',
  'recordFailedUnitsBaseline',
  'drainNode',
  'findPlanetUnit',
  'stopPlanetUnit',
  'installUpdate',
  'enableGravityUnits',
  'rebootNode',
  'waitForReboot',
  'verifyNodeHealthy',
  'uncordonNode',
  'soakClusterHealth',
] as const;

/**
 * Steps of the runbooks of the other profiles (kubeadm, k3s; coordinator/plan/profiles.ts): stop the
 * profile's units before the install, enable them again after it, and decide whether the node reboots.
 */
export const PROFILE_STEP_NAMES = ['stopUnits', 'reenableUnits', 'decideReboot'] as const;

/** Every step name any profile's runbook uses. */
export const ALL_STEP_NAMES = [...RUNBOOK_STEP_NAMES, ...PROFILE_STEP_NAMES] as const;

export const UPDATE_PHASE_IDLE = 'idle';
export const UPDATE_PHASE_DONE = 'done';
export const UPDATE_PHASE_HALTED = 'halted';

export const UPDATE_PHASES = [UPDATE_PHASE_IDLE, ...ALL_STEP_NAMES, UPDATE_PHASE_DONE, UPDATE_PHASE_HALTED] as const;
export type UpdatePhaseName = (typeof UPDATE_PHASES)[number];

export function isUpdatePhase(value: string): value is UpdatePhaseName {
  return (UPDATE_PHASES as readonly string[]).includes(value);
}

export function validateUpdatePhase(field: string, value: unknown): UpdatePhaseName {
  if (typeof value !== 'string') throw new FieldError(field, `must be a string, got ${typeof value}`);
  if (!isUpdatePhase(value)) throw new FieldError(field, `${showValue(value)} is not an update phase; one of ${UPDATE_PHASES.join(', ')}`);
  return value;
}
