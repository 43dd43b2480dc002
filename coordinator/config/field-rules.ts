import { versionProblem } from '../../shared/validation/version.js';

/**
 * Rules for single values that come from users (config fields and flags alike). Each returns an
 * error message, or undefined when the value is acceptable; callers prefix the field's name.
 */

/**
 * Target package version: the agents' own fixed rule (shared/validation/version.ts), so `--to` and
 * Install never disagree; each agent's install.versionPattern is checked by preflight.
 */
export function checkVersion(value: string): string | undefined {
  return versionProblem(value);
}

/** DNS-1123 subdomain (which also covers IPv4 node names as Gravity uses them). */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function checkNodeName(value: string): string | undefined {
  if (value === '') return 'must not be empty';
  if (value.length > 253 || !NODE_NAME.test(value)) return `"${printable(value)}" is not a Kubernetes node name (lowercase letters, digits, - and .)`;
  return undefined;
}

const HOST_NAME = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;
const IPV6_IN_BRACKETS = /^\[[0-9A-Fa-f:.]+\]$/;

/** host:port with a DNS name, IPv4 or [IPv6] host and a port 1-65535. */
export function checkHostPort(value: string): string | undefined {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return `"${printable(value)}" is not host:port`;
  const host = value.slice(0, colon);
  const port = value.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return `"${printable(value)}" has no valid port (1-65535)`;
  if (host.length > 253 || !(HOST_NAME.test(host) || IPV6_IN_BRACKETS.test(host))) return `"${printable(value)}" has no valid host`;
  return undefined;
}

/** A systemd unit-name glob such as `gravity__gravitational*`. */
const UNIT_GLOB = /^[A-Za-z0-9:_.@\-*?[\]\\]{1,256}$/;

export function checkUnitGlob(value: string): string | undefined {
  if (!UNIT_GLOB.test(value)) return `"${printable(value)}" is not a unit-name pattern (letters, digits, : _ . @ - and glob characters * ? [ ])`;
  return undefined;
}

/** Kubernetes namespace: DNS-1123 label. */
export function checkNamespace(value: string): string | undefined {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) return `"${printable(value)}" is not a namespace name`;
  return undefined;
}

/** Paths and argv elements: no NUL, no line breaks, bounded. */
export function checkPlainText(value: string, max = 4096): string | undefined {
  if (value.length > max) return `is longer than ${max} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains control characters (NUL, newline, escape…)';
  return undefined;
}

/** A kubeconfig context name. */
export function checkContextName(value: string): string | undefined {
  if (value === '') return 'must not be empty';
  return checkPlainText(value, 253);
}

/** Quotes a value for an error message without echoing control characters or megabytes. */
export function printable(value: string, max = 60): string {
  // eslint-disable-next-line no-control-regex
  const safe = value.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return safe.length > max ? `${safe.slice(0, max)}…(${value.length} characters)` : safe;
}
