import { readFile } from 'node:fs/promises';
import type { LabState } from '../lab-state.js';
import { pidAlive } from '../lab-sweep.js';
import { containerInitPid, execInContainer } from '../node-machine.js';

/**
 * The Gravity units of each running lab node (planet, teleport), as planet's agent on the node
 * would know them. A node whose machine is down, or that cannot be asked, is left out: gravity has
 * no report from it either.
 */

export interface UnitReading {
  unit: string;
  /** systemctl show ActiveState / SubState. */
  activeState: string;
  subState: string;
}

export interface NodeUnits {
  planet: UnitReading;
  teleport: UnitReading;
}

const SHOW_TIMEOUT_MS = 5000;

/** Parses `systemctl show -p Id,ActiveState,SubState A B` (one blank-line separated block per unit). */
export function parseUnitBlocks(stdout: string): UnitReading[] {
  return stdout
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const props = new Map(block.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const));
      return { unit: props.get('Id') ?? '', activeState: props.get('ActiveState') ?? 'unknown', subState: props.get('SubState') ?? 'unknown' };
    });
}

async function readNodeUnits(pid: number, node: string, planetUnit: string, teleportUnit: string): Promise<NodeUnits | undefined> {
  if (!pidAlive(pid)) return undefined;
  try {
    const r = await execInContainer(containerInitPid(pid, node), 'systemctl', ['show', '-p', 'Id,ActiveState,SubState', planetUnit, teleportUnit], { timeoutMs: SHOW_TIMEOUT_MS });
    const readings = parseUnitBlocks(r.stdout);
    const planet = readings.find((u) => u.unit === planetUnit);
    const teleport = readings.find((u) => u.unit === teleportUnit);
    return planet && teleport ? { planet, teleport } : undefined;
  } catch {
    return undefined; // shutting down or booting: no report
  }
}

/** Node name → its units, for the nodes that could be asked; `machineStateFile` is the lab's state.json. */
export async function observeNodeUnits(machineStateFile: string): Promise<Map<string, NodeUnits>> {
  const state = JSON.parse(await readFile(machineStateFile, 'utf8')) as LabState;
  const readings = await Promise.all(
    state.nodes.map(async (n) => [n.name, n.nspawnPid === undefined ? undefined : await readNodeUnits(n.nspawnPid, n.name, state.planetUnit, state.teleportUnit)] as const),
  );
  return new Map(readings.filter((r): r is readonly [string, NodeUnits] => r[1] !== undefined));
}
