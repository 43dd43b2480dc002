import { refuseIf, showValue } from './field-error.js';
import { versionProblem } from './version.js';

/**
 * Package names and exact package versions as they go into `apt-get install name=version` or
 * `dnf install name-version`. A name is Debian/RPM package alphabet with a letter or digit first
 * (never an option); a version is the fixed safe version alphabet of version.ts, optionally with
 * a Debian/RPM epoch (`1:2.3-4`).
 */

const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,127}$/;
/** install.packages entries: a package name with fnmatch wildcards (`nginx*`, `noderoll-lab-?ool`). */
const PACKAGE_GLOB = /^[A-Za-z0-9*?[\]][A-Za-z0-9.+_*?[\]!-]{0,127}$/;

export function packageNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `must be a string, got ${typeof name}`;
  if (!PACKAGE_NAME.test(name)) return `${showValue(name)} is not a package name (letters, digits, ".", "+", "_", "-", a letter or digit first, at most 128)`;
  return undefined;
}

export function packageGlobProblem(glob: unknown): string | undefined {
  if (typeof glob !== 'string') return `must be a string, got ${typeof glob}`;
  if (!PACKAGE_GLOB.test(glob)) return `${showValue(glob)} is not a package name or glob (package characters plus "*", "?", "[...]")`;
  return undefined;
}

export function exactPackageVersionProblem(version: unknown): string | undefined {
  if (typeof version !== 'string') return `must be a string, got ${typeof version}`;
  const epoch = /^([0-9]{1,9}):(.*)$/.exec(version);
  return versionProblem(epoch ? epoch[2] : version);
}

export interface PackagePinInput {
  name: string;
  version: string;
}

/** Checks one requested package (`packages[i].name`, `packages[i].version`); returns it unchanged. */
export function validatePackagePin(field: string, pin: PackagePinInput): PackagePinInput {
  refuseIf(`${field}.name`, packageNameProblem(pin.name));
  refuseIf(`${field}.version`, exactPackageVersionProblem(pin.version));
  return pin;
}
