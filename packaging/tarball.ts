import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand } from '../shared/exec/command-runner.js';
import { shellScript } from './maintainer-scripts.js';

/**
 * noderoll-agent-<version>-linux-x64.tar.gz: one directory holding install.sh and files/ (the
 * layout of the .deb), for nodes without dpkg or rpm.
 */

export function tarballFileName(version: string): string {
  return `noderoll-agent-${version}-linux-x64.tar.gz`;
}

export function tarballTopDir(version: string): string {
  return `noderoll-agent-${version}-linux-x64`;
}

/** Moves the staged layout to <top>/files/ next to install.sh and packs <top>. */
export async function buildTarball(o: { projectRoot: string; stageRoot: string; workDir: string; version: string; outFile: string }): Promise<void> {
  const top = join(o.workDir, tarballTopDir(o.version));
  await mkdir(top, { recursive: true });
  await rename(o.stageRoot, join(top, 'files'));
  await writeFile(join(top, 'install.sh'), await shellScript(o.projectRoot, 'install'));
  await chmod(join(top, 'install.sh'), 0o755);
  await mkdir(dirname(o.outFile), { recursive: true });
  await runCommand({
    file: 'tar',
    args: ['--create', '--gzip', '--file', o.outFile, '--owner=0', '--group=0', '--numeric-owner', '--sort=name', '-C', o.workDir, tarballTopDir(o.version)],
    timeoutMs: 600_000,
  });
}
