import type { PeerCertificate, TLSSocket } from 'node:tls';
import { describeCertificate, type CertificateInfo } from '../../shared/pki/certificate-info.js';
import { peerCertificateInfo } from './peer-certificate-cache.js';
import type { ClientRole } from '../../shared/pki/noderoll-identity.js';
import { formatDuration } from '../../shared/validation/duration.js';

/**
 * Who is on the other end of a TLS connection, and whether they may talk to the agent at all:
 * a client certificate that chains to the cluster's CA (verified by OpenSSL during the
 * handshake), is currently valid, may authenticate clients, and carries exactly one noderoll
 * role. A refused peer gets the reason in words, so an operator can tell an expired certificate
 * from one of another cluster.
 */

export interface CallerIdentity {
  role: ClientRole;
  /** The certificate's CN, e.g. "ops-laptop" or "prometheus". */
  name: string;
  serial: string;
  sha256: string;
  /** `coordinator CN=ops (serial …, sha256 …)`: how audit lines name the caller. */
  text: string;
}

/** The identity of every caller when the agent runs with tls.mode: insecure-plaintext. */
export const PLAINTEXT_CALLER: CallerIdentity = {
  role: 'coordinator',
  name: 'UNAUTHENTICATED',
  serial: '',
  sha256: '',
  text: 'UNAUTHENTICATED (tls.mode insecure-plaintext: anyone who can connect)',
};

/** Why a peer was refused, as a metric label. */
export type RefusalKind = 'no-certificate' | 'expired' | 'not-yet-valid' | 'unknown-ca' | 'not-client-certificate' | 'no-role' | 'other';

export type Admission = { admitted: true; caller: CallerIdentity } | { admitted: false; kind: RefusalKind; reason: string; certificate: string };

const NOT_FROM_OUR_CA = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
]);

/** The caller a verified client certificate speaks for, or why it speaks for no one. */
export function callerFromCertificate(raw: Buffer): { caller: CallerIdentity; problem?: undefined } | { caller?: undefined; problem: string } {
  let info: CertificateInfo;
  try {
    info = peerCertificateInfo(raw);
  } catch (err) {
    return { problem: `the client certificate cannot be read: ${(err as Error).message}` };
  }
  const desc = describeCertificate(info);
  if (!info.identity) return { problem: `the client certificate ${desc} ${info.identityProblem}` };
  if (info.identity.kind !== 'role') return { problem: `the certificate ${desc} is an agent certificate (node ${info.identity.node}), not a client certificate` };
  return { caller: { role: info.identity.role, name: info.commonName, serial: info.serial, sha256: info.fingerprint256, text: `${info.identity.role} ${desc}` } };
}

function describePeer(peer: PeerCertificate): { info: CertificateInfo | undefined; text: string } {
  if (!peer.raw) return { info: undefined, text: 'none' };
  try {
    const info = peerCertificateInfo(peer.raw);
    return { info, text: describeCertificate(info) };
  } catch {
    return { info: undefined, text: 'unreadable' };
  }
}

/*
 * A certificate refused for its time was judged by this node's clock: when the certificate is
 * fresh (or still in its lifetime), the clock is the likely culprit, so the reason shows both
 * times and says so. (The chain's CA may be the one out of its window: then its dates are not
 * the peer certificate's, and only the agent's time is shown.)
 */
function notYetValidReason(text: string, info: CertificateInfo | undefined, now: Date): string {
  const when = info && info.notBefore > now ? `valid from ${info.notBefore.toISOString()}, agent time ${now.toISOString()} is ${formatDuration(info.notBefore.getTime() - now.getTime())} earlier` : `its CA is not valid yet at agent time ${now.toISOString()}`;
  return `the client certificate ${text} is not yet valid (${when}); the node's clock may be behind: check NTP on the node (or the certificate was made on a machine whose clock is ahead)`;
}

function expiredReason(text: string, info: CertificateInfo | undefined, now: Date): string {
  const when = info && info.notAfter < now ? `valid until ${info.notAfter.toISOString()}, agent time ${now.toISOString()} is ${formatDuration(now.getTime() - info.notAfter.getTime())} later` : `its CA has expired at agent time ${now.toISOString()}`;
  return `the client certificate ${text} has expired (${when}); issue a new one, or, if it should still be valid, the node's clock may be ahead: check NTP on the node`;
}

/** Judges a TLS connection whose handshake completed (requestCert on, rejectUnauthorized off). */
export function admitPeer(socket: TLSSocket, cas: readonly CertificateInfo[], now = new Date()): Admission {
  const peer = socket.getPeerCertificate();
  const { info, text } = describePeer(peer);
  const caNames = cas.map((c) => `"${c.commonName}"`).join(', ');
  if (!peer.raw) {
    return { admitted: false, kind: 'no-certificate', certificate: 'none', reason: `no client certificate was presented; this agent requires one issued by the cluster's noderoll CA ${caNames} (noderoll certs issue --role coordinator|reader)` };
  }
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'UNKNOWN');
    const refuse = (kind: RefusalKind, reason: string): Admission => ({ admitted: false, kind, certificate: text, reason });
    if (code === 'CERT_HAS_EXPIRED') return refuse('expired', expiredReason(text, info, now));
    if (code === 'CERT_NOT_YET_VALID') return refuse('not-yet-valid', notYetValidReason(text, info, now));
    if (NOT_FROM_OUR_CA.has(code)) return refuse('unknown-ca', `the client certificate ${text} was not issued by this cluster's noderoll CA ${caNames} (its issuer: "${info?.issuerCommonName ?? '?'}")`);
    if (code === 'INVALID_PURPOSE') return refuse('not-client-certificate', `the certificate ${text} is not a client certificate (its extended key usage lacks clientAuth)`);
    return refuse('other', `the client certificate ${text} was refused: ${code}`);
  }
  const who = callerFromCertificate(peer.raw);
  if (who.problem !== undefined) return { admitted: false, kind: 'no-role', certificate: text, reason: who.problem };
  return { admitted: true, caller: who.caller };
}
