import { FieldError, refuseIf, showValue } from './field-error.js';
import { globMatches } from './glob.js';

/**
 * systemd's unit-name grammar (src/basic/unit-name.c, unit_name_is_valid): `prefix[@instance].type`,
 * at most 255 characters, characters from [A-Za-z0-9:_.\-] plus `\` (only as a `\xHH` escape, the
 * way systemd-escape writes it) and one `@` before the instance; the type is a known unit type.
 * Names are also passed after `--` on every systemctl/journalctl command line, so a name that
 * starts with `-` (like the valid `-.mount`) can never be taken for an option.
 */

export const UNIT_TYPES = ['service', 'socket', 'device', 'mount', 'automount', 'swap', 'target', 'path', 'timer', 'slice', 'scope'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

/** UNIT_NAME_MAX is 256 including the terminating NUL. */
export const UNIT_NAME_MAX = 255;

const NAME_CHARS = /^(?:[A-Za-z0-9:_.-]|\\x[0-9a-fA-F]{2})+$/;
const GLOB_CHARS = /^(?:[A-Za-z0-9:_.@*?[\]!^-]|\\x[0-9a-fA-F]{2})+$/;

export interface UnitName {
  name: string;
  prefix: string;
  /** Instance of a template unit (`foo@bar.service` → `bar`); undefined when not an instance. */
  instance: string | undefined;
  type: UnitType;
}

/** Why `name` is not a valid unit name, or undefined when it is one. */
export function unitNameProblem(name: unknown, options: { allowTemplate?: boolean } = {}): string | undefined {
  if (typeof name !== 'string') return `must be a string, got ${typeof name}`;
  if (name.length === 0) return 'must not be empty';
  if (name.length > UNIT_NAME_MAX) return `is ${name.length} characters long; systemd allows at most ${UNIT_NAME_MAX}`;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return `${showValue(name)} has no unit type suffix (like .service)`;
  const type = name.slice(dot + 1);
  if (!(UNIT_TYPES as readonly string[]).includes(type)) return `${showValue(name)} has unknown unit type ".${type}" (known: ${UNIT_TYPES.join(', ')})`;
  const stem = name.slice(0, dot);
  const at = stem.indexOf('@');
  const prefix = at >= 0 ? stem.slice(0, at) : stem;
  const instance = at >= 0 ? stem.slice(at + 1) : undefined;
  if (prefix.length === 0) return `${showValue(name)} has an empty name before "@" or the type`;
  if (!NAME_CHARS.test(prefix)) return `${showValue(name)} contains characters systemd does not allow in unit names (allowed: letters, digits, ":", "_", ".", "-", "\\xHH" escapes)`;
  if (instance !== undefined) {
    if (instance.length === 0) {
      if (!options.allowTemplate) return `${showValue(name)} is a template; name an instance (foo@instance.service)`;
    } else if (!NAME_CHARS.test(instance)) {
      return `${showValue(name)} has characters systemd does not allow in the instance after "@"`;
    }
  }
  return undefined;
}

export function parseUnitName(name: string): UnitName {
  const dot = name.lastIndexOf('.');
  const stem = name.slice(0, dot);
  const at = stem.indexOf('@');
  return {
    name,
    prefix: at >= 0 ? stem.slice(0, at) : stem,
    instance: at >= 0 ? stem.slice(at + 1) : undefined,
    type: name.slice(dot + 1) as UnitType,
  };
}

/** Returns the name when it is a valid unit name, throws a FieldError naming `field` otherwise. */
export function validateUnitName(field: string, name: unknown, options: { allowTemplate?: boolean } = {}): string {
  refuseIf(field, unitNameProblem(name, options));
  return name as string;
}

/** Why `pattern` is not an acceptable unit glob (systemd fnmatch: *, ?, [...]), or undefined. */
export function unitGlobProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return `must be a string, got ${typeof pattern}`;
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > UNIT_NAME_MAX) return `is ${pattern.length} characters long; at most ${UNIT_NAME_MAX}`;
  if (!GLOB_CHARS.test(pattern)) return `${showValue(pattern)} contains characters that cannot appear in a unit name or a glob, so it is not a unit-name pattern (allowed: letters, digits, ":", "_", ".", "-", "@", "*", "?", "[...]")`;
  let depth = 0;
  for (const c of pattern) {
    if (c === '[') depth += 1;
    else if (c === ']') depth -= 1;
    if (depth < 0 || depth > 1) return `${showValue(pattern)} has unbalanced or nested brackets`;
  }
  if (depth !== 0) return `${showValue(pattern)} has an unclosed "["`;
  return undefined;
}

export function validateUnitGlob(field: string, pattern: unknown): string {
  refuseIf(field, unitGlobProblem(pattern));
  return pattern as string;
}

/** True when `unit` matches one of the allow-list globs. */
export function unitAllowed(unit: string, allowList: readonly string[]): boolean {
  return allowList.some((glob) => globMatches(glob, unit));
}

/**
 * Validates a unit a caller wants to change: the grammar first, then the allow-list. Throws a
 * FieldError (grammar) or UnitNotAllowedError (allow-list) naming the field.
 */
export function validateManagedUnit(field: string, name: unknown, allowList: readonly string[]): string {
  const unit = validateUnitName(field, name);
  if (!unitAllowed(unit, allowList)) throw new UnitNotAllowedError(field, unit, allowList);
  return unit;
}

export class UnitNotAllowedError extends FieldError {
  constructor(field: string, unit: string, allowList: readonly string[]) {
    super(field, `${showValue(unit)} is not in the agent's allow-list of units (${allowList.map((g) => showValue(g)).join(', ') || 'empty'})`);
    this.name = 'UnitNotAllowedError';
  }
}
