import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../shared/exec/command-runner.js';
import { shellScript } from './maintainer-scripts.js';

/**
 * noderoll-agent_<version>_amd64.deb from a staged layout: control and the maintainer scripts in
 * DEBIAN/ (no conffiles: see package-layout.ts), files owned by root (dpkg-deb --root-owner-group),
 * xz-compressed (older dpkg cannot read zstd).
 */

/** The floor of the binary (objdump -T: GLIBC_2.28, GLIBCXX_3.4.21 from GCC 5) and what it runs. */
export const DEB_DEPENDS = 'libc6 (>= 2.28), libstdc++6 (>= 5.2), systemd';

export function debFileName(version: string): string {
  return `noderoll-agent_${version}_amd64.deb`;
}

export function debControl(version: string, installedSizeKiB: number): string {
  return [
    'Package: noderoll-agent',
    `Version: ${version}`,
    'Architecture: amd64',
    'Maintainer: noderoll maintainers <noderoll@localhost>',
    `Installed-Size: ${installedSizeKiB}`,
    `Depends: ${DEB_DEPENDS}`,
    'Section: admin',
    'Priority: optional',
    'Description: noderoll node agent: node-update runbook operations over gRPC',
    ' The node-local half of noderoll, which patches and reboots on-prem Kubernetes nodes one at a',
    ' time. Self-contained (a Node.js single executable application): needs no Node.js on the node.',
    ' Starts only once /etc/noderoll/agent.yaml and the TLS files in /etc/noderoll/tls/ are valid.',
    '',
  ].join('\n');
}

async function treeSizeKiB(dir: string): Promise<number> {
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) bytes += (await stat(join(e.parentPath, e.name))).size;
  }
  return Math.ceil(bytes / 1024);
}

/** Adds DEBIAN/ to the staged root and builds the .deb into outFile. */
export async function buildDeb(o: { projectRoot: string; stageRoot: string; version: string; outFile: string }): Promise<void> {
  const sizeKiB = await treeSizeKiB(o.stageRoot);
  const control = join(o.stageRoot, 'DEBIAN');
  await mkdir(control, { mode: 0o755 });
  await writeFile(join(control, 'control'), debControl(o.version, sizeKiB));
  for (const [name, script] of [
    ['postinst', 'deb-postinst'],
    ['prerm', 'deb-prerm'],
    ['postrm', 'deb-postrm'],
  ] as const) {
    await writeFile(join(control, name), await shellScript(o.projectRoot, script));
    await chmod(join(control, name), 0o755);
  }
  await runCommand({ file: 'dpkg-deb', args: ['--root-owner-group', '-Zxz', '--build', o.stageRoot, o.outFile], timeoutMs: 600_000 });
}
