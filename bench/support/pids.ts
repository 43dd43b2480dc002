import { readdir, readFile } from 'node:fs/promises';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';

/** The PID of the one process whose command line contains `marker` (a unique temp path or port). */
export function findPid(marker: string, timeoutMs = 10_000): Promise<number> {
  return waitFor({ what: `a process with ${marker} in its command line`, timeoutMs, initialDelayMs: 20, maxDelayMs: 200 }, async () => {
    const found: number[] = [];
    for (const name of await readdir('/proc')) {
      if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
      const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
      const argv = cmd.split('\0');
      // Skip wrappers (GNU time, sh -c) that merely name the process we want.
      if (argv[0] && /(^|\/)(time|sh|timeout)$/.test(argv[0])) continue;
      if (argv.some((a) => a.includes(marker))) found.push(Number(name));
    }
    if (found.length === 1) return ready(found[0]!);
    return notYet(found.length === 0 ? 'no such process yet' : `several: ${found.join(', ')}`);
  });
}
