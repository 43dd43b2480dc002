import { globMatches } from '../../shared/validation/glob.js';
import { FieldError, showValue } from '../../shared/validation/field-error.js';
import { validatePackagePin } from '../../shared/validation/package-pin.js';
import { AgentError } from '../agent-error.js';
import type { AgentConfig } from '../config/agent-config.js';
import type { OperationArgs } from '../operations/operation-record.js';
import { INSTALL_MODES } from '../config/install-mode-config.js';
import { packagesInstallSteps, upgradeAllSteps, type InstallMode, type InstallStep, type PackagePin } from './install-commands.js';

/**
 * An Install request checked against the agent's install configuration, before anything runs:
 * the mode the caller expects must be the configured one; mode packages names allowed packages
 * at exact versions; the result is the steps to run and the arguments that identify the operation.
 */

export interface InstallRequestFields {
  version: string;
  mode?: string;
  packages?: readonly PackagePin[];
}

export const MAX_REQUESTED_PACKAGES = 64;

/** The mode the request asks for ("" = command, as from callers before install modes). */
export function requestedMode(mode: string | undefined): InstallMode {
  const m = mode ?? '';
  if (m === '') return 'command';
  if (!(INSTALL_MODES as readonly string[]).includes(m)) throw new FieldError('mode', `${showValue(m)} is not an install mode (one of ${INSTALL_MODES.join(', ')})`);
  return m as InstallMode;
}

/** FAILED_PRECONDITION when the caller expects another mode than the agent is configured for. */
export function checkModeMatches(req: InstallRequestFields, configured: InstallMode): InstallMode {
  const mode = requestedMode(req.mode);
  if (mode !== configured) {
    throw new AgentError('FAILED_PRECONDITION', `mode: the request is for install mode ${mode} but this agent's install.mode is ${configured}; configure the same mode on both sides`);
  }
  return mode;
}

export interface PackageInstallPlan {
  mode: Exclude<InstallMode, 'command'>;
  steps: InstallStep[];
  args: OperationArgs;
  packagesRequested: PackagePin[];
}

function checkPins(pins: readonly PackagePin[], allowed: readonly string[]): PackagePin[] {
  if (pins.length === 0) throw new FieldError('packages', 'name at least one package and its exact version for install mode packages');
  if (pins.length > MAX_REQUESTED_PACKAGES) throw new FieldError('packages', `has ${pins.length} packages; at most ${MAX_REQUESTED_PACKAGES}`);
  const seen = new Set<string>();
  return pins.map((p, i) => {
    const pin = validatePackagePin(`packages[${i}]`, { name: p.name, version: p.version });
    if (seen.has(pin.name)) throw new FieldError(`packages[${i}].name`, `${showValue(pin.name)} is named twice`);
    seen.add(pin.name);
    if (!allowed.some((g) => globMatches(g, pin.name))) {
      throw new AgentError('PERMISSION_DENIED', `packages[${i}].name: ${showValue(pin.name)} is not allowed by this agent's install.packages (${allowed.join(', ')})`);
    }
    return pin;
  });
}

/** Modes packages and upgrade-all: validated request → steps and operation arguments. */
export function planPackageInstall(req: InstallRequestFields, mode: Exclude<InstallMode, 'command'>, cfg: Pick<AgentConfig, 'install' | 'packages'>): PackageInstallPlan {
  if (req.version !== '') throw new FieldError('version', `${showValue(req.version)}: install mode ${mode} takes no version (it is for mode command)`);
  if (mode === 'upgrade-all') {
    if ((req.packages ?? []).length > 0) throw new FieldError('packages', 'install mode upgrade-all takes no packages (it upgrades every package with a pending upgrade)');
    return { mode, steps: upgradeAllSteps(cfg.packages.manager, cfg.install.upgradeAll.policy, cfg.install.lockWaitMs), args: { mode }, packagesRequested: [] };
  }
  const pins = checkPins(req.packages ?? [], cfg.install.packages);
  return { mode, steps: packagesInstallSteps(cfg.packages.manager, pins, cfg.install.lockWaitMs), args: { mode, packages: pins.map((p) => `${p.name}=${p.version}`) }, packagesRequested: pins };
}
