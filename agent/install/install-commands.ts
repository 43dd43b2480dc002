import type { PackageManager } from '../config/agent-config.js';
import type { InstallMode, UpgradePolicy } from '../config/install-mode-config.js';

export type { InstallMode, UpgradePolicy };

/**
 * The commands of the package-manager install modes, as argv (never a shell line). Pure: names (a letter or digit first, so never an option)
 * and versions are validated by the caller (shared/validation/package-pin.ts) before they get here.
 *
 * apt-get keeps the node's changed configuration files (`--force-confold`) and takes the
 * maintainer's default where there is one (`--force-confdef`), so no upgrade stops at a prompt;
 * DEBIAN_FRONTEND=noninteractive (install.env) does the same for debconf.
 */


export interface PackagePin {
  name: string;
  version: string;
}

/** One step of an install: the argv run, in order; the install fails at the first step that fails. */
export type InstallStep = [string, ...string[]];

const APT_NONINTERACTIVE = ['-y', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];

/** apt-get waits this long for a dpkg lock another apt run holds, instead of failing at once (install.lockWaitMs). */
function aptLockWait(lockWaitMs: number): string[] {
  return ['-o', `DPkg::Lock::Timeout=${Math.ceil(lockWaitMs / 1000)}`];
}

/** apt-get's package lists are refreshed first: the versions asked for (or pending) must be known. */
function aptUpdate(lockWaitMs: number): InstallStep {
  return ['apt-get', ...aptLockWait(lockWaitMs), 'update'];
}

/** mode packages: each package at its exact version. */
export function packagesInstallSteps(manager: PackageManager, pins: readonly PackagePin[], lockWaitMs: number): InstallStep[] {
  if (manager === 'rpm') return [['dnf', 'install', '-y', ...pins.map((p) => `${p.name}-${p.version}`)]];
  return [aptUpdate(lockWaitMs), ['apt-get', 'install', ...APT_NONINTERACTIVE, ...aptLockWait(lockWaitMs), ...pins.map((p) => `${p.name}=${p.version}`)]];
}

/** mode upgrade-all: every pending upgrade (apt: `upgrade` keeps installed packages only, `dist-upgrade` may add or remove some). */
export function upgradeAllSteps(manager: PackageManager, policy: UpgradePolicy, lockWaitMs: number): InstallStep[] {
  if (manager === 'rpm') return [['dnf', 'upgrade', '-y']];
  return [aptUpdate(lockWaitMs), ['apt-get', policy, ...APT_NONINTERACTIVE, ...aptLockWait(lockWaitMs)]];
}

/** The program the package-manager modes run (what NodeInfo.install_configured looks for). */
export function packageManagerProgram(manager: PackageManager): string {
  return manager === 'rpm' ? 'dnf' : 'apt-get';
}
