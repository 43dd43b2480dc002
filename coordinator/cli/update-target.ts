import { UsageError } from '../../shared/cli/flag-parser.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import { installTargetLabel } from '../state/operation-record.js';

/**
 * What the operation installs: mode command, the --to version (required); the other modes take no
 * version (the config's install section says what), and `targetVersion` holds a label of it.
 */
export function updateTarget(install: CoordinatorConfig['install'], to: string | undefined): string {
  if (install.mode === 'command') {
    if (!to) throw new UsageError('--to', 'is required: the package version to update the nodes to (install.mode is command)');
    return to;
  }
  if (to) throw new UsageError('--to', `is only for install.mode command; install.mode is ${install.mode}, which installs what the config's install section says`);
  return installTargetLabel(install);
}
