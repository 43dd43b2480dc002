import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs/atomic-write.js';

/** What a running lab records about itself, for the CLI, the gravity stand-in and teardown. */

export interface LabNodeRecord {
  name: string;
  index: number;
  role: 'master' | 'node';
  machine: string;
  netns: string;
  hostAddress: string;
  nodeAddress: string;
  bridgeAddress: string;
  rootfs: string;
  consoleLog: string;
  nspawnPid?: number;
  etcdClientUrl?: string;
}

export interface LabState {
  id: string;
  octet: number;
  dir: string;
  projectDir: string;
  daemonPid?: number;
  ready: boolean;
  apiServerUrl: string;
  /** The lab BMC (lab-bmc.ts): POST {bmcUrl}/redfish/v1/Systems/NODE/Actions/ComputerSystem.Reset powers a node on. */
  bmcUrl?: string;
  kubeconfig: string;
  kubeCacheDir: string;
  binDir: string;
  packages: { name: string; installed: string; update: string; dir: string; nodeDir: string };
  planetUnit: string;
  teleportUnit: string;
  nodes: LabNodeRecord[];
  timings: Record<string, number>;
}

export function labsRoot(): string {
  return process.env.NODEROLL_LAB_ROOT ?? '/var/lib/noderoll/labs';
}

export function labDir(id: string): string {
  return join(labsRoot(), id);
}

export function labStateFile(dir: string): string {
  return join(dir, 'state.json');
}

export async function writeLabState(state: LabState): Promise<void> {
  await writeFileAtomic(labStateFile(state.dir), JSON.stringify(state, null, 2) + '\n', 0o644);
}

export async function readLabState(id: string): Promise<LabState> {
  const file = labStateFile(labDir(id));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`no lab "${id}" here (${file} not found); start one with: npm run lab -- up`);
  }
  return JSON.parse(text) as LabState;
}
