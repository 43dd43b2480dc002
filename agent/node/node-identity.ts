import { readFile } from 'node:fs/promises';
import { hostname, release } from 'node:os';

/**
 * Who and where this node is: identity from the kernel and systemd's files, the OS from
 * os-release(5). (Disk usage: filesystems.ts.)
 */

export interface BootIdentity {
  bootId: string;
  /** When init (PID 1) started: the boot of this node, also right inside containers. */
  bootTimeUnixMs: number;
}

export interface OsFacts {
  osName: string;
  osVersion: string;
  /** PRETTY_NAME of /etc/os-release ("" when absent). */
  osPrettyName: string;
  kernel: string;
}

export async function readBootId(procRoot = '/proc'): Promise<string> {
  return (await readFile(`${procRoot}/sys/kernel/random/boot_id`, 'utf8')).trim();
}

/** USER_HZ, the unit of /proc/PID/stat times: 100 on every Linux architecture noderoll targets. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Pure: field `starttime` (22nd) of /proc/PID/stat, in clock ticks since the kernel booted. */
export function parseProcStatStartTicks(stat: string): number {
  // The command name (field 2) is in parentheses and may contain spaces and ")".
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  const ticks = Number(fields[19]);
  if (!Number.isFinite(ticks)) throw new Error('unexpected /proc/PID/stat format');
  return ticks;
}

/** Pure: `btime` of /proc/stat, the kernel's boot time in seconds since the epoch. */
export function parseProcStatBtime(stat: string): number {
  const m = /^btime\s+(\d+)$/m.exec(stat);
  if (!m) throw new Error('no btime in /proc/stat');
  return Number(m[1]);
}

export async function readBootIdentity(procRoot = '/proc'): Promise<BootIdentity> {
  const [bootId, stat, initStat] = await Promise.all([readBootId(procRoot), readFile(`${procRoot}/stat`, 'utf8'), readFile(`${procRoot}/1/stat`, 'utf8')]);
  const btimeMs = parseProcStatBtime(stat) * 1000;
  const initStartMs = (parseProcStatStartTicks(initStat) * 1000) / CLOCK_TICKS_PER_SECOND;
  return { bootId, bootTimeUnixMs: Math.round(btimeMs + initStartMs) };
}

export async function readMachineId(): Promise<string> {
  return (await readFile('/etc/machine-id', 'utf8')).trim();
}

export function nodeHostname(): string {
  return hostname();
}

/** Pure: the value of KEY in an os-release file (os-release(5): shell-style assignments, values maybe quoted); "" when absent. */
export function osReleaseValue(text: string, key: string): string {
  const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
  if (!m?.[1]) return '';
  const raw = m[1].trim();
  const quoted = /^(["'])(.*)\1$/.exec(raw);
  return (quoted ? (quoted[2] ?? '') : raw).replace(/\\(["'$`\\])/g, '$1');
}

/** Pure: PRETTY_NAME of an os-release file ("" when absent). */
export function osReleasePrettyName(text: string): string {
  return osReleaseValue(text, 'PRETTY_NAME');
}

/** Pure: the OS facts from an os-release file and the kernel release (uname -r). */
export function osFactsFrom(osRelease: string, kernel: string): OsFacts {
  const version = osReleaseValue(osRelease, 'VERSION_ID');
  const codename = osReleaseValue(osRelease, 'VERSION_CODENAME');
  return {
    osName: osReleaseValue(osRelease, 'NAME') || 'Linux',
    osVersion: [version, codename ? `(${codename})` : ''].filter(Boolean).join(' '),
    osPrettyName: osReleasePrettyName(osRelease),
    kernel,
  };
}

let osCache: OsFacts | undefined;

/** /etc/os-release, else /usr/lib/os-release (os-release(5)); read once: it changes only with an upgrade and a restart. */
export async function readOsFacts(): Promise<OsFacts> {
  if (!osCache) {
    const text = await readFile('/etc/os-release', 'utf8').catch(() => readFile('/usr/lib/os-release', 'utf8').catch(() => ''));
    osCache = osFactsFrom(text, release());
  }
  return osCache;
}
