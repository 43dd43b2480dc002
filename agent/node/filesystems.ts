import { runCommand, type CommandRunner } from '../../shared/exec/command-runner.js';

/**
 * Disk usage of the filesystems an update writes to (/, /var*, /opt*), from GNU df's column
 * output. df runs as a child with a deadline rather than statfs(2) in-process: a dead network
 * mount hangs statfs, and a hung child can be killed where a hung thread-pool thread cannot.
 */

export interface FilesystemFacts {
  mount: string;
  device: string;
  type: string;
  sizeBytes: number;
  usedBytes: number;
  usePercent: number;
}

/** Local filesystems only (a network mount is not the node's disk, and may hang), sizes in bytes. */
export const DF_ARGS: readonly string[] = ['--local', '--block-size=1', '--exclude-type=squashfs', '--output=source,fstype,size,used,pcent,target'];

const ROW = /^(\S+)\s+(\S+)\s+(\d+|-)\s+(\d+|-)\s+(\d+%|-)\s+(\/.*)$/;

/** Pure: the rows of `df DF_ARGS` (header skipped; the mount point is the rest of the line, spaces included). */
export function parseDfOutput(stdout: string): FilesystemFacts[] {
  const out: FilesystemFacts[] = [];
  for (const line of stdout.split('\n').slice(1)) {
    const m = ROW.exec(line.trimEnd());
    if (!m) continue;
    const num = (v: string): number => (v === '-' ? 0 : Number(v));
    out.push({ device: m[1]!, type: m[2]!, sizeBytes: num(m[3]!), usedBytes: num(m[4]!), usePercent: m[5] === '-' ? 0 : Number(m[5]!.slice(0, -1)), mount: m[6]! });
  }
  return out;
}

/** The filesystems an update writes to: /, and those mounted under /var or /opt. */
export function isUpdateRelevant(f: FilesystemFacts): boolean {
  return f.mount === '/' || /^\/(var|opt)(\/|$)/.test(f.mount);
}

/**
 * Runs df through the runner within timeoutMs. df exits 1 when one filesystem could not be read
 * (a stale mount) and still prints the others: those rows are used; nothing at all is an error.
 */
export async function readFilesystems(run: CommandRunner = runCommand, timeoutMs = 3000): Promise<FilesystemFacts[]> {
  const r = await run({ file: 'df', args: [...DF_ARGS], timeoutMs, okExitCodes: [0, 1], maxOutputBytes: 1024 * 1024 });
  const rows = parseDfOutput(r.stdout);
  if (r.exitCode !== 0 && rows.length === 0) throw new Error(`${r.command} exited ${r.exitCode}: ${r.stderr.trim() || 'no output'}`);
  return rows.filter(isUpdateRelevant);
}
