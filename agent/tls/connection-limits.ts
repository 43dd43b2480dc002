import { AddressRanges, plainAddress } from '../../shared/validation/cidr.js';

/**
 * Which TCP connections to the gRPC port are accepted at all, judged at accept, before a byte of
 * TLS: the source must be in `grpc.allowFrom` (when set), and hold fewer than
 * `grpc.maxConnectionsPerPeer` open connections (authenticated or not), so that one source cannot
 * take every one of the `tls.maxConnections` slots and keep the coordinator out.
 */

export type AcceptRefusalKind = 'not-allowed' | 'peer-limit';

export interface ConnectionLimitsConfig {
  maxConnectionsPerPeer: number;
  /** CIDR texts (validated); empty: every source. */
  allowFrom: readonly string[];
}

export type AcceptVerdict = { accepted: true; release: () => void } | { accepted: false; kind: AcceptRefusalKind; reason: string };

export class ConnectionLimits {
  private readonly allowed: AddressRanges | undefined;
  private readonly open = new Map<string, number>();

  constructor(private readonly c: ConnectionLimitsConfig) {
    this.allowed = c.allowFrom.length > 0 ? AddressRanges.of(c.allowFrom) : undefined;
  }

  /** Takes a slot for the peer; `release` gives it back (call once, when the connection closes). */
  accept(remoteAddress: string | undefined): AcceptVerdict {
    const peer = plainAddress(remoteAddress ?? '');
    if (this.allowed && !this.allowed.includes(peer)) {
      return { accepted: false, kind: 'not-allowed', reason: `${peer || 'an unknown address'} is not in grpc.allowFrom (${this.c.allowFrom.join(', ')})` };
    }
    const held = this.open.get(peer) ?? 0;
    if (held >= this.c.maxConnectionsPerPeer) {
      return { accepted: false, kind: 'peer-limit', reason: `${peer} already holds ${held} connections (grpc.maxConnectionsPerPeer ${this.c.maxConnectionsPerPeer})` };
    }
    this.open.set(peer, held + 1);
    let released = false;
    return {
      accepted: true,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.open.get(peer) ?? 1) - 1;
        if (left > 0) this.open.set(peer, left);
        else this.open.delete(peer);
      },
    };
  }

  /** Open connections of one source (for tests and /status). */
  heldBy(address: string): number {
    return this.open.get(plainAddress(address)) ?? 0;
  }
}
