import { FieldError, showValue } from './field-error.js';

/**
 * `host:port` addresses: a DNS name or IPv4 address, or an IPv6 address in brackets, and a port.
 * One grammar for the agent's listen addresses, the coordinator's agent addresses and
 * --metrics-address; only listening may ask for port 0 (any free port).
 */

export interface HostPort {
  /** Without brackets: `127.0.0.1`, `::1`, `node-1.example`. */
  host: string;
  port: number;
  /** As written: `127.0.0.1:7443`, `[::1]:7443`. */
  text: string;
}

export interface HostPortOptions {
  /** A listen address: port 0 asks the kernel for any free port. */
  allowPortZero?: boolean;
}

const SHAPE = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/;
const DNS_NAME = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;

/** The address, or why `text` is not one. */
export function parseHostPort(text: string, options: HostPortOptions = {}): HostPort | string {
  const m = SHAPE.exec(text);
  if (!m) return `${showValue(text)} must be host:port (e.g. 0.0.0.0:7443 or [::1]:7443)`;
  const port = Number(m[3]);
  const minPort = options.allowPortZero ? 0 : 1;
  if (port < minPort || port > 65535) return `port ${port} is out of range ${minPort}..65535`;
  const host = m[1] ?? m[2] ?? '';
  if (m[2] !== undefined && (host.length > 253 || !DNS_NAME.test(host))) return `${showValue(text)} has no valid host (a DNS name, an IPv4 address or an [IPv6] address)`;
  return { host, port, text };
}

export function hostPortProblem(text: string, options: HostPortOptions = {}): string | undefined {
  const r = parseHostPort(text, options);
  return typeof r === 'string' ? r : undefined;
}

/** An address to listen on (port 0: any free port). */
export function listenAddressProblem(text: string): string | undefined {
  return hostPortProblem(text, { allowPortZero: true });
}

export function validateHostPort(field: string, text: string, options: HostPortOptions = {}): HostPort {
  const r = parseHostPort(text, options);
  if (typeof r === 'string') throw new FieldError(field, r);
  return r;
}
