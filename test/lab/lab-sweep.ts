import { readdir, readFile, rm } from 'node:fs/promises';
import { removeLabCgroups } from './node-cgroup.js';
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

/** systemd-nspawn processes booting one of this lab's machines (their names carry the lab id). */
async function labNspawnPids(labId: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = await cmdline(Number(entry));
    if (args.startsWith('systemd-nspawn ') && args.includes(` --machine=nr${labId}-node-`)) pids.push(Number(entry));
  }
  return pids;
}

export async function sweepLab(state: LabState): Promise<string[]> {
  const problems: string[] = [];
  const lab = new LabIdentity(state.id, state.octet);
  const pids = await labNspawnPids(state.id);
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 60 && pids.some(pidAlive); i++) await sleep(250);
  // SIGKILL to systemd-nspawn alone would leave the container running: kill its init too (ends the PID namespace)
  for (const pid of pids.filter(pidAlive)) {
    const init = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/)[0];
    if (init) process.kill(Number(init), 'SIGKILL');
    process.kill(pid, 'SIGKILL');
  }
  problems.push(...removeLabCgroups(state.id));
  problems.push(...(await removeLabNetwork(lab)));
  await rm(state.dir, { recursive: true, force: true }).catch((e: Error) => problems.push(e.message));
  await releaseOctet(state.octet);
  return problems;
}
