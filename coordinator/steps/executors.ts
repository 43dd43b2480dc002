import type { StepName } from '../plan/runbook.js';
import { soakClusterHealth, verifyClusterHealthy } from './cluster-health-steps.js';
import { drainNode, uncordonNode } from './drain-node.js';
import { enableGravityUnits } from './enable-gravity-units.js';
import { decideReboot } from './decide-reboot.js';
import { installUpdate } from './install-update.js';
import { reenableUnits, stopUnits } from './profile-unit-steps.js';
import { findPlanetUnit, stopPlanetUnit } from './planet-unit-steps.js';
import { rebootNode, waitForReboot } from './reboot-steps.js';
import { recordFailedUnitsBaseline } from './record-failed-units-baseline.js';
import { recordJournalBaseline } from './record-journal-baseline.js';
import type { StepExecutor } from './step-context.js';
import { takeBackup } from './take-backup.js';
import { verifyNodeHealthy } from './verify-node-healthy.js';

/** The executor of every runbook step, by name. */
export const STEP_EXECUTORS: Readonly<Record<StepName, StepExecutor>> = {
  verifyClusterHealthy,
  takeBackup,
  recordJournalBaseline,
  recordFailedUnitsBaseline,
  drainNode,
  findPlanetUnit,
  stopPlanetUnit,
  installUpdate,
  enableGravityUnits,
  rebootNode,
  waitForReboot,
  verifyNodeHealthy,
  uncordonNode,
  soakClusterHealth,
  stopUnits,
  reenableUnits,
  decideReboot,
};
