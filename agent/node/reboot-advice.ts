import { readdir, readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandRunner } from '../../shared/exec/command-runner.js';
import type { PackageManager } from '../config/agent-config.js';
import { deletedMappedFiles, installedKernelReleases, newerKernelReason, parseNeedsRestarting, parseRebootRequiredPkgs, serviceOfCgroup } from './reboot-signals.js';

/**
 * Reads whether this node needs a reboot (and which services a restart) from the host: the
 * Debian marker files or RHEL's needs-restarting, the installed kernels, and /proc. Read-only.
 * Anything it cannot read makes the advice undecided (`problem`), which a caller treats as
 * "reboot"; a missing marker or kernel is simply no reason.
 */

export interface RebootAdviceRecord {
  required: boolean;
  reasons: string[];
  servicesToRestart: string[];
  /** Why the agent could not tell ("" when it could). */
  problem: string;
}

export interface RebootAdviceSources {
  manager: PackageManager;
  runner?: CommandRunner;
  /** Root of the host's files (tests); default "/". */
  root?: string;
  /** `uname -r`; default os.release(). */
  runningKernel?: string;
  /** At most this many processes are looked at (bounded work on a busy node). */
  maxProcesses?: number;
}

export const REBOOT_REQUIRED_FILE = '/var/run/reboot-required';
const DEFAULT_MAX_PROCESSES = 4096;

function missing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (missing(err)) return undefined;
    throw err;
  }
}

async function listOptional(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if (missing(err)) return [];
    throw err;
  }
}

async function debianMarker(root: string): Promise<string[]> {
  const marker = await readOptional(join(root, REBOOT_REQUIRED_FILE));
  if (marker === undefined) return [];
  const pkgs = parseRebootRequiredPkgs((await readOptional(join(root, `${REBOOT_REQUIRED_FILE}.pkgs`))) ?? '');
  return [`${REBOOT_REQUIRED_FILE}${pkgs.length > 0 ? ` (${pkgs.join(', ')})` : ''}`];
}

async function needsRestarting(runner: CommandRunner): Promise<{ reasons: string[]; problem?: string }> {
  try {
    const r = await runner({ file: 'needs-restarting', args: ['-r'], timeoutMs: 60_000, okExitCodes: [0, 1] });
    const v = parseNeedsRestarting(r.exitCode, r.stdout, r.stderr);
    return { reasons: v.reasons, ...(v.problem ? { problem: v.problem } : {}) };
  } catch (err) {
    const e = err as { result?: { exitCode: number | null; stdout: string; stderr: string }; message: string };
    if (e.result && e.result.exitCode !== null && e.result.exitCode !== 127) {
      const v = parseNeedsRestarting(e.result.exitCode, e.result.stdout, e.result.stderr);
      return { reasons: v.reasons, ...(v.problem ? { problem: v.problem } : {}) };
    }
    return { reasons: [], problem: `needs-restarting -r could not run (install dnf-utils / yum-utils): ${e.message}` };
  }
}

async function kernelReason(root: string, running: string): Promise<string[]> {
  const [boot, modules] = await Promise.all([listOptional(join(root, 'boot')), listOptional(join(root, 'lib/modules'))]);
  const reason = newerKernelReason(installedKernelReleases(boot, modules), running);
  return reason ? [reason] : [];
}

/** Units whose processes map deleted files; processes that vanish while being read are skipped. */
export async function servicesMappingDeletedFiles(root: string, maxProcesses: number): Promise<string[]> {
  const pids = (await readdir(join(root, 'proc'))).filter((e) => /^\d+$/.test(e)).slice(0, maxProcesses);
  const services = new Set<string>();
  for (const pid of pids) {
    try {
      const maps = await readFile(join(root, 'proc', pid, 'maps'), 'utf8');
      if (deletedMappedFiles(maps).length === 0) continue;
      const service = serviceOfCgroup(await readFile(join(root, 'proc', pid, 'cgroup'), 'utf8'));
      if (service) services.add(service);
    } catch {
      // the process exited, or is a kernel thread without maps
    }
  }
  return [...services].sort();
}

export async function readRebootAdvice(s: RebootAdviceSources): Promise<RebootAdviceRecord> {
  const root = s.root ?? '/';
  const reasons: string[] = [];
  const problems: string[] = [];
  const gather = async (what: string, read: () => Promise<string[]>): Promise<void> => {
    try {
      reasons.push(...(await read()));
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  if (s.manager === 'dpkg') await gather('reboot-required marker', () => debianMarker(root));
  else {
    const v = await needsRestarting(s.runner ?? runCommand);
    reasons.push(...v.reasons);
    if (v.problem) problems.push(v.problem);
  }
  await gather('installed kernels', () => kernelReason(root, s.runningKernel ?? release()));
  let servicesToRestart: string[] = [];
  try {
    servicesToRestart = await servicesMappingDeletedFiles(root, s.maxProcesses ?? DEFAULT_MAX_PROCESSES);
  } catch (err) {
    problems.push(`processes: ${(err as Error).message}`);
  }
  return { required: reasons.length > 0, reasons, servicesToRestart, problem: problems.join('; ') };
}
