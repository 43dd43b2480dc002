import { refuseIf, showValue } from './field-error.js';

/**
 * Kubernetes node names (DNS-1123 subdomains: lowercase letters, digits, "-" and ".", at most 253
 * characters, starting and ending with a letter or digit). Gravity names nodes after their
 * advertise IP, which fits the same grammar.
 */

export const NODE_NAME_MAX_LENGTH = 253;
/** Dot-separated labels, each starting and ending with a letter or digit (so no "..", ".-", "-."). */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function nodeNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `must be a string, got ${typeof name}`;
  if (name.length === 0) return 'must not be empty';
  if (name.length > NODE_NAME_MAX_LENGTH) return `is ${name.length} characters long; at most ${NODE_NAME_MAX_LENGTH}`;
  if (!NODE_NAME.test(name)) return `${showValue(name)} is not a Kubernetes node name (lowercase letters, digits, "-" and ".")`;
  return undefined;
}

export function validateNodeName(field: string, name: unknown): string {
  refuseIf(field, nodeNameProblem(name));
  return name as string;
}
