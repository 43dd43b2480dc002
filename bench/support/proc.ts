import { readFile } from 'node:fs/promises';
import { runCommand } from '../../shared/exec/command-runner.js';

/** What /proc says about one process: RSS now and at its peak (KiB) and CPU time used (ms). */
export interface ProcSample {
  atMs: number;
  rssKib: number;
  hwmKib: number;
  cpuMs: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second (USER_HZ), for /proc/PID/stat. */
export async function userHz(): Promise<number> {
  if (clockTicks === undefined) {
    const r = await runCommand({ file: 'getconf', args: ['CLK_TCK'], timeoutMs: 5000 });
    clockTicks = Number(r.stdout.trim()) || 100;
  }
  return clockTicks;
}

function statusKib(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

/** Samples one process, or undefined when it is gone. */
export async function sampleProcess(pid: number): Promise<ProcSample | undefined> {
  try {
    const [status, stat] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
    // Fields after the command name (which may contain spaces) start at field 3; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hz = await userHz();
    const ticks = Number(rest[11]) + Number(rest[12]);
    return { atMs: Date.now(), rssKib: statusKib(status, 'VmRSS'), hwmKib: statusKib(status, 'VmHWM'), cpuMs: (ticks * 1000) / hz };
  } catch {
    return undefined;
  }
}

/** Average CPU (% of one core) between two samples. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  const wall = b.atMs - a.atMs;
  return wall > 0 ? ((b.cpuMs - a.cpuMs) / wall) * 100 : Number.NaN;
}
