import type { FieldReader } from '../../shared/config/field-reader.js';
import { packageGlobProblem } from '../../shared/validation/package-pin.js';

/**
 * The install-mode keys of the agent configuration's `install` section:
 *   mode: command | packages | upgrade-all     (default command: today's install.command)
 *   packages: [globs]                          (mode packages: the names the coordinator may ask for; required)
 *   upgradeAll: { policy: upgrade | dist-upgrade }   (apt-get's verb; dnf always runs `dnf upgrade`)
 */

// Here rather than in agent/install/: the coordinator's package ships agent/config/ (it reads agent configs) and nothing else of the agent.
export type InstallMode = 'command' | 'packages' | 'upgrade-all';
export const INSTALL_MODES: readonly InstallMode[] = ['command', 'packages', 'upgrade-all'];
export type UpgradePolicy = 'upgrade' | 'dist-upgrade';
export const UPGRADE_POLICIES: readonly UpgradePolicy[] = ['upgrade', 'dist-upgrade'];

export interface InstallModeSettings {
  mode: InstallMode;
  packages: string[];
  upgradeAll: { policy: UpgradePolicy };
}

export function readInstallMode(r: FieldReader, defaults: InstallModeSettings): InstallModeSettings {
  const mode = r.oneOf<InstallMode>('mode', defaults.mode, INSTALL_MODES);
  const packages = r.list('packages', defaults.packages, packageGlobProblem, { max: 256 });
  if (mode === 'packages' && packages.length === 0 && !r.problems.some((p) => p.field.startsWith(r.at('packages')))) {
    r.fail('packages', 'must name the packages (globs) the coordinator may install when install.mode is packages, e.g. [nginx, "libssl*"]');
  }
  const upgradeAll = r.section('upgradeAll', ['policy']);
  return { mode, packages, upgradeAll: { policy: upgradeAll.oneOf<UpgradePolicy>('policy', defaults.upgradeAll.policy, UPGRADE_POLICIES) } };
}
