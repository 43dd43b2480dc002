import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { showValue } from './field-error.js';

/**
 * Address ranges in CIDR notation (`10.1.0.0/16`, `fd00::/64`, or a bare address for one host),
 * IPv4 and IPv6, and the set of addresses a list of them covers. An IPv4 peer seen through an
 * IPv6 socket (`::ffff:10.1.2.3`) is judged as the IPv4 address it is.
 */

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
  text: string;
}

const SHAPE = /^([0-9A-Fa-f:.]+)(?:\/([0-9]{1,3}))?$/;

/** The range, or why `text` is not one. */
export function parseCidr(text: string): Cidr | string {
  const m = SHAPE.exec(text);
  const address = m?.[1] ?? '';
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!m || !family) return `${showValue(text)} must be an IPv4 or IPv6 address range in CIDR notation (e.g. 10.1.0.0/16, fd00::/64) or a single address`;
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) return `${showValue(text)} has prefix length ${prefix}; an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} prefix is at most ${max}`;
  return { address, prefix, family, text };
}

export function cidrProblem(text: string): string | undefined {
  const r = parseCidr(text);
  return typeof r === 'string' ? r : undefined;
}

/** `::ffff:10.1.2.3` → `10.1.2.3`; other addresses unchanged. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** The addresses a list of ranges covers. */
export class AddressRanges {
  private readonly list = new BlockList();

  constructor(readonly ranges: readonly Cidr[]) {
    for (const r of ranges) this.list.addSubnet(r.address, r.prefix, r.family);
  }

  includes(address: string): boolean {
    const plain = plainAddress(address);
    if (isIPv4(plain)) return this.list.check(plain, 'ipv4');
    return isIPv6(plain) && this.list.check(plain, 'ipv6');
  }

  /** Builds the ranges from texts already validated by cidrProblem. */
  static of(texts: readonly string[]): AddressRanges {
    return new AddressRanges(texts.map((t) => parseCidr(t)).filter((c): c is Cidr => typeof c !== 'string'));
  }
}
