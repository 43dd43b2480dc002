import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../shared/exec/command-runner.js';
import { commitLabel, STATUS_ARGS } from './provenance.js';

/** The project root (this file runs from dist/bench/support/). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The machine a run happened on, for bench/RESULTS.md. */
export interface MachineInfo {
  date: string;
  nproc: string;
  cpuModel: string;
  memory: string;
  kernel: string;
  node: string;
  loadAtStart: string;
  /** The commit measured, with a note when the working tree has changes (provenance.ts). */
  commit: string;
}

async function firstLine(file: string, args: string[]): Promise<string> {
  try {
    return (await runCommand({ file, args, timeoutMs: 5000 })).stdout.trim().split('\n')[0] ?? '';
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

export async function describeMachine(): Promise<MachineInfo> {
  const load = await readFile('/proc/loadavg', 'utf8').catch(() => 'unknown');
  return {
    date: new Date().toISOString(),
    nproc: await firstLine('nproc', []),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: await firstLine('uname', ['-srm']),
    node: process.version,
    loadAtStart: load.trim().split(' ').slice(0, 3).join(' '),
    commit: await describeCommit(),
  };
}

async function describeCommit(): Promise<string> {
  try {
    const head = (await runCommand({ file: 'git', args: ['rev-parse', '--short', 'HEAD'], cwd: ROOT, timeoutMs: 5000 })).stdout.trim();
    const status = (await runCommand({ file: 'git', args: STATUS_ARGS, cwd: ROOT, timeoutMs: 10_000 })).stdout;
    return commitLabel(head, status);
  } catch {
    return 'unknown';
  }
}
