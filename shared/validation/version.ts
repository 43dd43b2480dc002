import { FieldError, refuseIf, showValue } from './field-error.js';

/**
 * Target versions the coordinator may pass to an agent's install command. Whatever pattern the
 * agent is configured with, a version is also held to a fixed safe alphabet (Debian/RPM version
 * characters, a digit first, at most 64 characters), so it can never become an option or carry
 * shell or path syntax even under a careless pattern.
 */

export const VERSION_MAX_LENGTH = 64;
const SAFE_CHARACTERS = /^[0-9A-Za-z.+~_-]*$/;
/** Default: 1.2.3, 7.0.67, 7.0.67-11709, 1.2.3-rc.1 */
export const DEFAULT_VERSION_PATTERN = '^[0-9]+(\\.[0-9]+){1,3}(-[0-9A-Za-z]+(\\.[0-9A-Za-z]+)*)?$';

/** Compiles a configured version pattern; it must be anchored at both ends. */
export function compileVersionPattern(field: string, pattern: unknown): RegExp {
  if (typeof pattern !== 'string' || pattern.length === 0) throw new FieldError(field, 'must be a non-empty regular expression string');
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) throw new FieldError(field, `${showValue(pattern)} must be anchored: start with "^" and end with "$"`);
  try {
    return new RegExp(pattern, 'u');
  } catch (err) {
    throw new FieldError(field, `${showValue(pattern)} is not a valid regular expression: ${(err as Error).message}`);
  }
}

/**
 * Why `version` cannot be a package version anywhere in noderoll (the coordinator's --to and the
 * agent's Install alike), or undefined. The agent's configured pattern is checked on top of this.
 */
export function versionProblem(version: unknown): string | undefined {
  if (typeof version !== 'string') return `must be a string, got ${typeof version}`;
  if (version.length === 0) return 'must not be empty';
  if (version.length > VERSION_MAX_LENGTH) return `is ${version.length} characters long; at most ${VERSION_MAX_LENGTH}`;
  if (!SAFE_CHARACTERS.test(version)) return `${showValue(version)} is not a package version: it has characters a package version cannot have (allowed: letters, digits, ".", "+", "~", "_", "-")`;
  // Debian policy and Gravity: a version starts with a digit (which also keeps it from being an option).
  if (!/^[0-9]/.test(version)) return `${showValue(version)} is not a package version: it must start with a digit (not first "-" or a letter)`;
  return undefined;
}

export function validateVersion(field: string, version: unknown, pattern: RegExp): string {
  refuseIf(field, versionProblem(version));
  if (!pattern.test(version as string)) throw new FieldError(field, `${showValue(version)} does not match the agent's version pattern ${pattern.source}`);
  return version as string;
}
