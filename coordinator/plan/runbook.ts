import { ALL_STEP_NAMES, RUNBOOK_STEP_NAMES } from '../../shared/update/update-phase.js';
import type { StepTimeouts } from '../config/config-types.js';
import { PROFILES, type ProfileName } from './profiles.js';

/**
 * The per-node runbook as data: the ordered steps of RUNBOOK.md for one node (RUNBOOK, the gravity
 * profile's), and the steps the other profiles use (PROFILE_STEPS). A profile (./profiles.ts) picks
 * its steps by name; the engine walks `runbookFor(profile)`; each name has an executor in
 * coordinator/steps with its own "already done?" check.
 */

/** The gravity runbook's step names, in order. */
export const STEP_NAMES = RUNBOOK_STEP_NAMES;

/** Every step name of every profile (gravity's, then the other profiles' own). */
export { ALL_STEP_NAMES };

export type StepName = (typeof ALL_STEP_NAMES)[number];

export interface RunbookStep {
  name: StepName;
  /** What the step does, in the runbook's words. */
  title: string;
  /** Where it comes from in RUNBOOK.md. */
  runbook: string;
  /** Value of the node's `noderoll.io/phase` annotation while the step runs. */
  phase: string;
  /**
   * Done once and trusted afterwards: a resumed operation does not re-run it once recorded as
   * completed (the backup, the gates that admitted the node). Every other step is re-run or
   * re-checked against reality on resume.
   */
  once: boolean;
  /** The node is in service while the step runs, so a graceful stop may interrupt it. */
  inService: boolean;
  /** Stopping right before this step leaves the cluster with every node in service. */
  safeToStopBefore: boolean;
  /** The config timeout bounding the step, when it has one. */
  timeout?: keyof StepTimeouts;
}

export const RUNBOOK: readonly RunbookStep[] = [
  { name: 'verifyClusterHealthy', title: 'cluster gates pass (gravity, etcd, pods, nodes, agents)', runbook: '§1', phase: 'checking-gates', once: true, inService: true, safeToStopBefore: true, timeout: 'gatesBeforeNodeMs' },
  { name: 'takeBackup', title: 'take and verify the backup (once per operation)', runbook: 'Before starting', phase: 'backup', once: true, inService: true, safeToStopBefore: true, timeout: 'backupMs' },
  { name: 'recordJournalBaseline', title: 'record the journal errors of the current boot as a baseline (newest first)', runbook: '§3.3', phase: 'baseline', once: true, inService: true, safeToStopBefore: true },
  { name: 'recordFailedUnitsBaseline', title: 'record the units already failed before the update as a baseline', runbook: '§3.1', phase: 'baseline', once: true, inService: true, safeToStopBefore: true },
  { name: 'drainNode', title: 'kubectl drain --ignore-daemonsets --delete-emptydir-data', runbook: '§2.2', phase: 'draining', once: false, inService: false, safeToStopBefore: true, timeout: 'drainMs' },
  { name: 'findPlanetUnit', title: 'find the planet unit among the gravity units', runbook: '§2.3', phase: 'stopping-planet', once: false, inService: false, safeToStopBefore: false },
  { name: 'stopPlanetUnit', title: 'stop the planet unit and confirm it is inactive', runbook: '§2.4', phase: 'stopping-planet', once: false, inService: false, safeToStopBefore: false, timeout: 'stopPlanetMs' },
  { name: 'installUpdate', title: 'install the update through the agent', runbook: '§2.5', phase: 'installing', once: false, inService: false, safeToStopBefore: false, timeout: 'installMs' },
  { name: 'enableGravityUnits', title: 'enable (not start) disabled gravity units so that they come back after the reboot', runbook: '§4.1-4.2', phase: 'enabling-units', once: false, inService: false, safeToStopBefore: false },
  { name: 'rebootNode', title: 'reboot the node', runbook: '§2.5', phase: 'rebooting', once: false, inService: false, safeToStopBefore: false },
  { name: 'waitForReboot', title: 'wait for a new boot ID, Node Ready with a fresh heartbeat, and the target version', runbook: '§3', phase: 'rebooting', once: false, inService: false, safeToStopBefore: false, timeout: 'rebootMs' },
  { name: 'verifyNodeHealthy', title: 'post checks: no newly failed units, gravity units enabled and running, journal errors, planet checks', runbook: '§3.1-3.4, §4.1-4.2', phase: 'verifying', once: false, inService: false, safeToStopBefore: false, timeout: 'postChecksMs' },
  { name: 'uncordonNode', title: 'kubectl uncordon', runbook: '§4.3', phase: 'uncordoning', once: false, inService: false, safeToStopBefore: false, timeout: 'uncordonMs' },
  { name: 'soakClusterHealth', title: 'cluster gates pass N consecutive times over the soak interval', runbook: '§3.5, §4.4', phase: 'soaking', once: false, inService: true, safeToStopBefore: true },
];

/** The steps only the other profiles use (their titles are theirs; shared steps may be retitled by a profile). */
export const PROFILE_STEPS: readonly RunbookStep[] = [
  { name: 'stopUnits', title: "stop the profile's units (units.stop) and confirm they are inactive", runbook: '§2.4', phase: 'stopping-units', once: false, inService: false, safeToStopBefore: false, timeout: 'stopPlanetMs' },
  { name: 'reenableUnits', title: 'enable (not start) the units stopped before the install so that they come back', runbook: '§4.1-4.2', phase: 'enabling-units', once: false, inService: false, safeToStopBefore: false },
  { name: 'decideReboot', title: "decide the reboot (reboot: auto|always|never, the agent's reboot advice); without one, start the stopped units and restart the services the agent names", runbook: '§2.5', phase: 'deciding-reboot', once: false, inService: false, safeToStopBefore: false },
];

const CATALOGUE: readonly RunbookStep[] = [...RUNBOOK, ...PROFILE_STEPS];

/** The ordered steps of a profile's runbook (gravity: RUNBOOK itself). */
export function runbookFor(profile: ProfileName | undefined): readonly RunbookStep[] {
  const data = PROFILES[profile ?? 'gravity'];
  if (data.name === 'gravity') return RUNBOOK;
  return data.steps.map((name) => {
    const step = runbookStep(name);
    const title = data.titles?.[name];
    return title ? { ...step, title } : step;
  });
}

export function runbookStep(name: StepName): RunbookStep {
  const step = CATALOGUE.find((s) => s.name === name);
  if (!step) throw new Error(`no runbook step named ${name}`);
  return step;
}

/** Phase annotation values outside steps. */
export const NODE_PHASE_DONE = 'updated';
export const NODE_PHASE_HALTED = 'halted';
