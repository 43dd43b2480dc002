import { readFile, rm } from 'node:fs/promises';
import { LabIdentity } from './lab-identity.js';
import { removeLabNetwork } from './lab-network.js';
import type { LabState } from './lab-state.js';
import { releaseOctet } from './octet-reservation.js';
import { sleep } from '../../shared/time/wait-for.js';

/**
 * Removes what a lab left behind when its owner could not take it down (a killed daemon or test
 * run): its systemd-nspawn processes (only those whose command line names its machines), its
 * namespaces and links, its directory and its address reservation.
 */

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
}

export async function sweepLab(state: LabState): Promise<string[]> {
  const problems: string[] = [];
  const lab = new LabIdentity(state.id, state.octet);
  for (const n of state.nodes) {
    const pid = n.nspawnPid;
    if (pid === undefined || !pidAlive(pid)) continue;
    if (!(await cmdline(pid)).includes(`--machine=${n.machine}`)) continue;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 40 && pidAlive(pid); i++) await sleep(250);
    if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  problems.push(...(await removeLabNetwork(lab)));
  await rm(state.dir, { recursive: true, force: true }).catch((e: Error) => problems.push(e.message));
  await releaseOctet(state.octet);
  return problems;
}
