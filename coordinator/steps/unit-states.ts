import { unitFileEnabled } from '../../shared/systemd/unit-file-state.js';
import type { UnitState } from '../ports/node-agent.js';

/** `loaded/active/running, enabled`: a unit's state as the steps show it. */
export function unitStateText(u: UnitState): string {
  return `${u.loadState}/${u.activeState}/${u.subState}${u.unitFileState ? `, ${u.unitFileState}` : ''}`;
}

export function describeUnit(u: UnitState): string {
  return `${u.name} (${unitStateText(u)})`;
}

export function isRunning(u: UnitState): boolean {
  return u.loadState === 'loaded' && u.activeState === 'active' && u.subState === 'running';
}

/** Comes back after the next reboot; unknown (an agent that does not report it) counts as yes. */
export function isEnabled(u: UnitState): boolean {
  return u.unitFileState === undefined || unitFileEnabled(u.unitFileState);
}
