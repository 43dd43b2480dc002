import type { FieldReader } from '../../shared/config/field-reader.js';
import { showValue } from '../../shared/validation/field-error.js';
import { unitNameProblem } from '../../shared/validation/unit-name.js';
import { PROFILE_NAMES, PROFILES, REBOOT_POLICIES, type ProfileName, type ProfileUnits, type RebootPolicy } from '../plan/profiles.js';
import { INSTALL_MODES, type InstallMode, type PackagePin } from '../ports/node-agent.js';

/** `install`: how the agents install (their install.mode must be the same), which packages at which versions, how often to try. */
export interface InstallConfig {
  mode: InstallMode;
  /** mode packages: each package at its exact version; empty otherwise. */
  packages: PackagePin[];
  maxAttempts: number;
}

/** etcd: kubeadm's stacked etcd, k3s's embedded etcd. sqlite: a single k3s server on SQLite (k3s's default). */
export const DATASTORES = ['etcd', 'sqlite'] as const;
export type Datastore = (typeof DATASTORES)[number];

export interface ProfileConfig {
  profile: ProfileName;
  datastore: Datastore;
  reboot: RebootPolicy;
  install: InstallConfig;
  /** The profile's units by role, after the config's `units` (which applies to every role). */
  units: { master: ProfileUnits; node: ProfileUnits };
}

const MAX_PACKAGES = 200;

/** Debian and RPM package names: letters, digits, + . _ - (no leading punctuation, no glob). */
export function packageNameProblem(name: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}$/.test(name) ? undefined : `${showValue(name)} is not a package name (letters, digits, + . _ -; at most 128)`;
}

/** An exact package version as apt and dnf write it: [epoch:]upstream[-revision], with ~ and + allowed. */
export function packageVersionProblem(version: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9.+~:_-]{0,127}$/.test(version) ? undefined : `${showValue(version)} is not an exact package version (e.g. 1.24.0-1~bookworm or 2:9.0.1)`;
}

/** `profile`, `reboot`, `install`, `units`: read together because the profile chooses their defaults and what is allowed. */
export function readProfileConfig(root: FieldReader): ProfileConfig {
  const profile = root.oneOf<ProfileName>('profile', 'gravity', PROFILE_NAMES);
  const data = PROFILES[profile];
  const reboot = root.oneOf<RebootPolicy>('reboot', data.reboot, REBOOT_POLICIES);
  if (profile === 'gravity' && reboot !== 'always') {
    root.fail('reboot', `must be always with profile gravity (the planet update takes effect at the reboot), got ${reboot}`);
  }
  const datastore = root.oneOf<Datastore>('datastore', 'etcd', DATASTORES);
  if (datastore === 'sqlite' && profile !== 'k3s') root.fail('datastore', `sqlite is the datastore of a single k3s server: only with profile k3s (profile is ${profile})`);
  const install = readInstall(root.section('install', ['maxAttempts', 'mode', 'packages']));
  if (profile === 'gravity' && install.mode !== 'command') root.fail('install.mode', `must be command with profile gravity (the planet package is installed by the agent's install command), got ${install.mode}`);
  return { profile, datastore, reboot, install, units: readUnits(root, profile) };
}

function readInstall(r: FieldReader): InstallConfig {
  const mode = r.oneOf<InstallMode>('mode', 'command', INSTALL_MODES);
  const packages: PackagePin[] = [];
  const seen = new Set<string>();
  for (const p of r.sections('packages', ['name', 'version'], { max: MAX_PACKAGES })) {
    const name = p.requiredString('name', packageNameProblem);
    const version = p.requiredString('version', packageVersionProblem);
    if (name && seen.has(name)) p.fail('name', `package ${showValue(name)} is listed twice`);
    seen.add(name);
    if (name && version) packages.push({ name, version });
  }
  if (mode === 'packages' && packages.length === 0 && !r.has('packages')) r.fail('packages', 'is required with mode packages: list each package with its exact version ([{ name: nginx, version: 1.24.0-1 }])');
  else if (mode === 'packages' && Array.isArray(r.raw('packages')) && (r.raw('packages') as unknown[]).length === 0) r.fail('packages', 'must list at least one package with mode packages');
  if (mode !== 'packages' && r.has('packages')) r.fail('packages', `is only for mode packages (mode is ${mode})`);
  return { mode, packages: packages.sort((a, b) => a.name.localeCompare(b.name)), maxAttempts: r.integer('maxAttempts', 3, 1, 20) };
}

function readUnits(root: FieldReader, profile: ProfileName): ProfileConfig['units'] {
  const defaults = PROFILES[profile].units;
  if (!root.has('units')) return defaults;
  if (profile === 'gravity') {
    root.fail('units', 'is for profiles kubeadm and k3s; profile gravity stops and checks the planet units (planet.unitPattern)');
    return defaults;
  }
  const r = root.section('units', ['stop', 'check']);
  const unit = (v: string): string | undefined => unitNameProblem(v);
  const stop = r.has('stop') ? r.list('stop', [], unit, { max: 20 }) : undefined;
  const check = r.has('check') ? r.list('check', [], unit, { max: 50 }) : undefined;
  const withOverrides = (u: ProfileUnits): ProfileUnits => ({ stop: stop ?? u.stop, check: check ?? u.check });
  return { master: withOverrides(defaults.master), node: withOverrides(defaults.node) };
}
