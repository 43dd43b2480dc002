import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand } from '../../shared/exec/command-runner.js';
import { PLANET_UNIT } from './node-rootfs.js';

/**
 * Real Debian packages for the lab's "install the update" step: the planet stand-in reports the
 * installed version of this package, so an update is a real dpkg install that survives reboot.
 */

export const PLANET_PACKAGE = 'noderoll-lab-planet';
export const PLANET_VERSION_FILE = '/usr/share/noderoll-lab-planet/VERSION';
/** Where packages are visible inside every node (a read-only bind mount). */
export const NODE_PACKAGE_DIR = '/var/lib/noderoll-lab/packages';
/**
 * Lab knob: while this file exists on a node, the package's postinst waits (like a slow maintainer
 * script of a real planet package), so a test can interrupt an install deterministically. Bounded:
 * after INSTALL_HOLD_MAX_S the postinst fails, so a forgotten hold cannot pass silently.
 */
export const INSTALL_HOLD_FILE = '/etc/noderoll-lab/hold-install';
/** Written by the postinst while it is held: the install is in progress and waiting. */
export const INSTALL_HELD_MARKER = '/run/noderoll-lab-install-held';
export const INSTALL_HOLD_MAX_S = 120;

function postinstScript(): string {
  return [
    '#!/bin/sh',
    'set -e',
    `# noderoll lab: hold the install while ${INSTALL_HOLD_FILE} exists (at most ${INSTALL_HOLD_MAX_S} s)`,
    'if [ "$1" = configure ]; then',
    '  i=0',
    `  while [ -e ${INSTALL_HOLD_FILE} ]; do`,
    `    touch ${INSTALL_HELD_MARKER}`,
    `    if [ "$i" -ge ${INSTALL_HOLD_MAX_S * 10} ]; then echo "install held by ${INSTALL_HOLD_FILE} for ${INSTALL_HOLD_MAX_S} s" >&2; exit 1; fi`,
    '    sleep 0.1',
    '    i=$((i + 1))',
    '  done',
    `  rm -f ${INSTALL_HELD_MARKER}`,
    'fi',
    '',
  ].join('\n');
}

/**
 * A broken release (issue #14, rollback): the package ships a drop-in for the planet unit whose
 * ExecStartPre fails, as a release with a bad unit or a missing binary would — planet never starts
 * after the reboot, so the Node stays NotReady and etcd loses the member. Upgrading or downgrading
 * to a package without it removes the file (dpkg drops files the new version does not ship).
 */
export const BROKEN_PLANET_DROP_IN = `/usr/lib/systemd/system/${PLANET_UNIT}.d/noderoll-lab-broken-release.conf`;

function brokenDropIn(version: string): string {
  return ['[Service]', `ExecStartPre=/bin/sh -c 'echo "planet ${version}: this release is broken (noderoll lab)" >&2; exit 1'`, ''].join('\n');
}

export function planetPackageFile(version: string): string {
  return `${PLANET_PACKAGE}_${version}_all.deb`;
}

/**
 * Builds (or re-publishes: the vendor replaced the file of the same version) the planet package of
 * `version` in `outDir`, which every node sees as NODE_PACKAGE_DIR. broken: its planet fails to start.
 */
export async function buildPlanetPackage(outDir: string, version: string, options: { broken?: boolean } = {}): Promise<string> {
  if (!/^[0-9][0-9A-Za-z.+~-]*$/.test(version)) throw new Error(`package version: "${version}" is not a Debian version`);
  const tree = join(outDir, `.tree-${version}`);
  await rm(tree, { recursive: true, force: true });
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await mkdir(join(tree, 'usr/share/noderoll-lab-planet'), { recursive: true });
  await writeFile(
    join(tree, 'DEBIAN/control'),
    [
      `Package: ${PLANET_PACKAGE}`,
      `Version: ${version}`,
      'Architecture: all',
      'Maintainer: noderoll lab <lab@noderoll.invalid>',
      'Section: admin',
      'Priority: optional',
      `Description: planet stand-in payload ${version} for the noderoll lab`,
      ' The lab planet unit reports this version as its own.',
      '',
    ].join('\n'),
  );
  await writeFile(join(tree, PLANET_VERSION_FILE.slice(1)), `${version}\n`);
  if (options.broken) {
    await mkdir(join(tree, dirname(BROKEN_PLANET_DROP_IN).slice(1)), { recursive: true });
    await writeFile(join(tree, BROKEN_PLANET_DROP_IN.slice(1)), brokenDropIn(version));
  }
  await writeFile(join(tree, 'DEBIAN/postinst'), postinstScript(), { mode: 0o755 });
  const file = join(outDir, planetPackageFile(version));
  await runCommand({ file: 'dpkg-deb', args: ['--root-owner-group', '--build', tree, file], timeoutMs: 60_000 });
  await rm(tree, { recursive: true, force: true });
  return file;
}
