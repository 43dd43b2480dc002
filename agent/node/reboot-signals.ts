/**
 * Pure readings of the signs that a node needs a reboot or a service restart after packages
 * changed (agent/node/reboot-advice.ts gathers the inputs):
 * - Debian/Ubuntu: /var/run/reboot-required exists; /var/run/reboot-required.pkgs names the
 *   packages that asked for it (one per line, repeated when a package asks twice);
 * - RHEL-like: `needs-restarting -r` exits 1 when a reboot is needed, 0 when not, and prints why;
 * - any: a kernel newer than the running one is installed (/boot/vmlinuz-*, /lib/modules/*);
 * - services: processes that still map files the install replaced ("(deleted)" in
 *   /proc/PID/maps), found by their systemd unit in /proc/PID/cgroup.
 */

/** The packages in reboot-required.pkgs, first mention order, each once. */
export function parseRebootRequiredPkgs(text: string): string[] {
  return [...new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== ''))];
}

export interface NeedsRestartingVerdict {
  required: boolean;
  reasons: string[];
  problem?: string;
}

/** `needs-restarting -r`: exit 1 = reboot required (its output says why), 0 = not, anything else = could not tell. */
export function parseNeedsRestarting(exitCode: number | null, stdout: string, stderr: string): NeedsRestartingVerdict {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (exitCode === 0) return { required: false, reasons: [] };
  if (exitCode === 1) return { required: true, reasons: [`needs-restarting -r: ${lines.filter((l) => !/^more information/i.test(l)).join('; ') || 'reboot is required'}`] };
  return { required: false, reasons: [], problem: `needs-restarting -r exited ${exitCode ?? 'by a signal'}: ${(stderr.trim() || stdout.trim()).slice(-300)}` };
}

/** Kernel release names compared as version strings: digit runs numerically, the rest as text. */
export function compareKernelReleases(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d/.test(x) ? Number(x) : NaN;
    const ny = /^\d/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Releases from /boot entry names (vmlinuz-RELEASE) and /lib/modules directory names (RELEASE). */
export function installedKernelReleases(bootEntries: readonly string[], moduleDirs: readonly string[]): string[] {
  const fromBoot = bootEntries.filter((e) => e.startsWith('vmlinuz-')).map((e) => e.slice('vmlinuz-'.length));
  return [...new Set([...fromBoot, ...moduleDirs])].filter((r) => r !== '' && !r.endsWith('.old'));
}

/** Why the running kernel is older than the newest installed one; undefined when it is not (or no kernel is installed). */
export function newerKernelReason(installed: readonly string[], running: string): string | undefined {
  if (installed.length === 0) return undefined;
  const newest = [...installed].sort(compareKernelReleases).at(-1)!;
  return compareKernelReleases(newest, running) > 0 ? `kernel ${newest} installed, ${running} running` : undefined;
}

/**
 * Files a process maps that were deleted or replaced since it mapped them. Memory that never was
 * a package's file (memfd, shared memory, /tmp, /run, /var, home directories) is not a reason.
 */
const NOT_PACKAGE_FILES = /^\/(memfd:|dev\/|run\/|tmp\/|var\/|home\/|proc\/|SYSV|\[|drm |aio)/;

export function deletedMappedFiles(maps: string): string[] {
  const files = new Set<string>();
  for (const line of maps.split('\n')) {
    if (!line.endsWith(' (deleted)')) continue;
    const path = line.slice(line.indexOf('/'), -' (deleted)'.length);
    if (line.indexOf('/') < 0 || NOT_PACKAGE_FILES.test(path)) continue;
    files.add(path);
  }
  return [...files];
}

/** The system service a process belongs to, from /proc/PID/cgroup (v2 "0::/…" or a v1 name=systemd line). */
export function serviceOfCgroup(cgroup: string): string | undefined {
  for (const line of cgroup.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined || !(controllers === '' || controllers === 'name=systemd')) continue;
    const parts = path.split('/');
    if (parts[1] !== 'system.slice') continue;
    const service = parts.slice(2).find((p) => p.endsWith('.service'));
    if (service) return service;
  }
  return undefined;
}
