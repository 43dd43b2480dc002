import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand } from '../../shared/exec/command-runner.js';

/**
 * The lab's local apt repository (LabOptions.aptRepository): real Debian packages in several
 * versions, indexed with dpkg-scanpackages into a flat repository on the host, bound read-only
 * into every node and named by the node's only apt source (`deb [trusted=yes] file:… ./`), so
 * `apt-get update && apt-get upgrade` inside a node is a real apt run with real pending upgrades:
 * - noderoll-lab-tool: a service (noderoll-lab-tool.service, enabled) whose executable the package
 *   ships; upgrading replaces the file the running process maps, so the service needs a restart;
 * - noderoll-lab-lib: a plain file payload;
 * - noderoll-lab-kernel: its postinst asks for a reboot as Debian's kernel packages do
 *   (/var/run/reboot-required, the package appended to /var/run/reboot-required.pkgs).
 * Version INITIAL of each is installed before a node's first boot; UPDATE is on offer.
 *
 * What a real kernel package does that this one does not: install /boot/vmlinuz-* and
 * /lib/modules/* (a lab node runs the host's kernel, so a newer "kernel" there would be a lie the
 * agent's kernel check would believe); the reboot marker is the only reboot reason here.
 */

export const LAB_APT_INITIAL = '1.0';
export const LAB_APT_UPDATE = '1.1';
export const LAB_TOOL_PACKAGE = 'noderoll-lab-tool';
export const LAB_LIB_PACKAGE = 'noderoll-lab-lib';
export const LAB_KERNEL_PACKAGE = 'noderoll-lab-kernel';
export const LAB_APT_PACKAGES = [LAB_KERNEL_PACKAGE, LAB_LIB_PACKAGE, LAB_TOOL_PACKAGE] as const;
export const LAB_TOOL_UNIT = 'noderoll-lab-tool.service';
/** Where the repository is inside every node (read-only bind mount). */
export const NODE_APT_REPOSITORY_DIR = '/var/lib/noderoll-lab/apt';
export const NODE_APT_SOURCE_FILE = '/etc/apt/sources.list.d/noderoll-lab.list';
const TOOL_DAEMON = '/usr/lib/noderoll-lab-tool/tool-daemon';

function control(name: string, version: string, description: string): string {
  return [`Package: ${name}`, `Version: ${version}`, 'Architecture: all', 'Maintainer: noderoll lab <lab@noderoll.invalid>', 'Section: admin', 'Priority: optional', `Description: ${description}`, ` noderoll lab package, version ${version}.`, ''].join('\n');
}

/** Written into every node whose root gets the repository: the kernel postinst acts only where it is. */
export const NODE_APT_LAB_MARKER = '/etc/noderoll-lab/apt-repository';

/**
 * The kernel package's postinst. Runs only inside a lab node of any profile (never when the lab
 * installs the initial version into a node's root from the host: dpkg --root sets DPKG_ROOT, and
 * the host has no NODE_APT_LAB_MARKER), so it can never mark the host itself.
 */
function kernelPostinst(): string {
  return [
    '#!/bin/sh',
    'set -e',
    `if [ "$1" = configure ] && [ -z "\${DPKG_ROOT:-}" ] && [ -e ${NODE_APT_LAB_MARKER} ]; then`,
    '  # as /usr/share/update-notifier/notify-reboot-required does for linux-image-* on Debian/Ubuntu',
    '  touch /var/run/reboot-required',
    `  echo ${LAB_KERNEL_PACKAGE} >> /var/run/reboot-required.pkgs`,
    'fi',
    '',
  ].join('\n');
}

function toolUnit(): string {
  return ['[Unit]', 'Description=noderoll lab tool (maps its packaged executable)', '', '[Service]', `ExecStart=${TOOL_DAEMON} infinity`, '', '[Install]', 'WantedBy=multi-user.target', ''].join('\n');
}

interface PackageSpec {
  name: string;
  version: string;
  description: string;
  files: Record<string, string | { copyFrom: string; mode: number }>;
  symlinks?: Record<string, string>;
  postinst?: string;
}

function specs(version: string, nodeImage: string): PackageSpec[] {
  return [
    {
      name: LAB_TOOL_PACKAGE,
      version,
      description: 'lab service payload',
      // the node's own sleep(1): an executable of the node's distribution the service maps
      files: { [TOOL_DAEMON]: { copyFrom: join(nodeImage, 'usr/bin/sleep'), mode: 0o755 }, '/usr/share/noderoll-lab-tool/VERSION': `${version}\n`, [`/lib/systemd/system/${LAB_TOOL_UNIT}`]: toolUnit() },
      symlinks: { [`/etc/systemd/system/multi-user.target.wants/${LAB_TOOL_UNIT}`]: `/lib/systemd/system/${LAB_TOOL_UNIT}` },
    },
    { name: LAB_LIB_PACKAGE, version, description: 'lab library payload', files: { '/usr/lib/noderoll-lab/libnoderoll-lab.txt': `noderoll lab library ${version}\n` } },
    { name: LAB_KERNEL_PACKAGE, version, description: 'lab kernel stand-in (asks for a reboot)', files: { '/usr/share/noderoll-lab-kernel/VERSION': `${version}\n` }, postinst: kernelPostinst() },
  ];
}

async function buildDeb(outDir: string, s: PackageSpec): Promise<string> {
  const tree = join(outDir, `.tree-${s.name}-${s.version}`);
  await rm(tree, { recursive: true, force: true });
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await writeFile(join(tree, 'DEBIAN/control'), control(s.name, s.version, s.description));
  if (s.postinst) await writeFile(join(tree, 'DEBIAN/postinst'), s.postinst, { mode: 0o755 });
  for (const [path, content] of Object.entries(s.files)) {
    const target = join(tree, path.slice(1));
    await mkdir(dirname(target), { recursive: true });
    if (typeof content === 'string') await writeFile(target, content);
    else {
      await copyFile(content.copyFrom, target);
      await runCommand({ file: 'chmod', args: [content.mode.toString(8), target], timeoutMs: 5000 });
    }
  }
  for (const [path, to] of Object.entries(s.symlinks ?? {})) {
    await mkdir(dirname(join(tree, path.slice(1))), { recursive: true });
    await symlink(to, join(tree, path.slice(1)));
  }
  const file = join(outDir, `${s.name}_${s.version}_all.deb`);
  await runCommand({ file: 'dpkg-deb', args: ['--root-owner-group', '--build', tree, file], timeoutMs: 60_000 });
  await rm(tree, { recursive: true, force: true });
  return file;
}

/** A Release file with the index's checksums, so apt treats the flat repository as complete. */
function releaseFile(packages: Buffer): string {
  const sum = (algo: string): string => createHash(algo).update(packages).digest('hex');
  return [
    'Origin: noderoll-lab',
    'Label: noderoll-lab',
    `Date: ${new Date().toUTCString()}`,
    'MD5Sum:',
    ` ${sum('md5')} ${packages.length} Packages`,
    'SHA256:',
    ` ${sum('sha256')} ${packages.length} Packages`,
    '',
  ].join('\n');
}

export interface LabAptRepository {
  /** Host directory holding the .debs, Packages and Release. */
  dir: string;
  /** Host paths of the INITIAL version of every package, by package (installed into each node before its first boot). */
  initialDebs: Record<(typeof LAB_APT_PACKAGES)[number], string>;
}

/** Builds every package in both versions into `dir` and indexes them. `nodeImage`: the node image's root (for the tool's executable). */
export async function buildLabAptRepository(dir: string, nodeImage: string): Promise<LabAptRepository> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const initial = specs(LAB_APT_INITIAL, nodeImage);
  const debs = await Promise.all(initial.map((s) => buildDeb(dir, s)));
  const initialDebs = Object.fromEntries(initial.map((s, i) => [s.name, debs[i]!])) as LabAptRepository['initialDebs'];
  await Promise.all(specs(LAB_APT_UPDATE, nodeImage).map((s) => buildDeb(dir, s)));
  const scan = await runCommand({ file: 'dpkg-scanpackages', args: ['--multiversion', '.', '/dev/null'], cwd: dir, timeoutMs: 60_000 });
  await writeFile(join(dir, 'Packages'), scan.stdout);
  await writeFile(join(dir, 'Release'), releaseFile(await readFile(join(dir, 'Packages'))));
  return { dir, initialDebs };
}

/**
 * In a node's root before its first boot: the repository as its only apt source (the image's
 * Debian mirror line goes: a lab node reaches nothing outside the lab), and INITIAL installed —
 * without the kernel package when `kernel` is false (its upgrade, the only reboot reason, is then
 * not pending there: `apt-get upgrade` installs no new package).
 */
export async function prepareNodeAptSource(rootfs: string, repo: LabAptRepository, options: { kernel: boolean } = { kernel: true }): Promise<void> {
  await mkdir(join(rootfs, dirname(NODE_APT_LAB_MARKER).slice(1)), { recursive: true });
  await writeFile(join(rootfs, NODE_APT_LAB_MARKER.slice(1)), 'noderoll lab: packages of the lab apt repository act here\n');
  const debs = Object.entries(repo.initialDebs).filter(([name]) => options.kernel || name !== LAB_KERNEL_PACKAGE).map(([, deb]) => deb);
  await writeFile(join(rootfs, 'etc/apt/sources.list'), '# noderoll lab: the only source is the lab repository (sources.list.d/noderoll-lab.list)\n');
  await writeFile(join(rootfs, NODE_APT_SOURCE_FILE.slice(1)), `deb [trusted=yes] file:${NODE_APT_REPOSITORY_DIR} ./\n`);
  await runCommand({ file: 'dpkg', args: [`--root=${rootfs}`, '--force-script-chrootless', '-i', ...debs], timeoutMs: 60_000 });
}
