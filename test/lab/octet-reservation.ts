import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { hostIPv4Addresses } from './host-commands.js';
import { labsRoot } from './lab-state.js';

/**
 * Each lab owns one second octet (127.O.x.x) for its links. A reservation is a file created
 * exclusively, so two labs starting at once never pick the same one; reservations of labs whose
 * directory is gone are stale and reclaimed.
 */

function reservationsDir(): string {
  return join(labsRoot(), '.octets');
}

export async function reserveOctet(labId: string): Promise<number> {
  const dir = reservationsDir();
  await mkdir(dir, { recursive: true });
  await reclaimStale();
  const used = new Set((await hostIPv4Addresses()).filter((a) => a.startsWith('127.')).map((a) => Number(a.split('.')[1])));
  for (let attempt = 0; attempt < 200; attempt++) {
    const octet = randomInt(100, 251);
    if (used.has(octet)) continue;
    try {
      await writeFile(join(dir, String(octet)), labId, { flag: 'wx' });
      return octet;
    } catch {
      // taken by another lab; try another
    }
  }
  throw new Error('no free 127.x octet for a new lab (100..250 all reserved); run `npm run lab -- down --all`');
}

export async function releaseOctet(octet: number): Promise<void> {
  await rm(join(reservationsDir(), String(octet)), { force: true });
}

async function reclaimStale(): Promise<void> {
  const dir = reservationsDir();
  for (const name of await readdir(dir)) {
    const file = join(dir, name);
    const owner = (await readFile(file, 'utf8').catch(() => '')).trim();
    // Empty: another lab's exclusive create whose write has not landed yet (labs start at once in CI's two
    // test halves), unless it is old enough to be left by a crash.
    if (!owner && Date.now() - ((await stat(file).catch(() => undefined))?.mtimeMs ?? 0) < 60_000) continue;
    if (!owner || !existsSync(join(labsRoot(), owner))) await rm(file, { force: true });
  }
}
