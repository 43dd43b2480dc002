import { X509Certificate } from 'node:crypto';
import { noderollIdentity, parseSubjectAltNames, type NoderollIdentity } from './noderoll-identity.js';

/**
 * What a certificate says, read with Node's X509Certificate (no hand-rolled parsing of DER):
 * names, validity, key usages and the noderoll identity; and whether a CA issued it.
 */

export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export interface CertificateInfo {
  subject: string;
  commonName: string;
  issuer: string;
  issuerCommonName: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, hex without colons. */
  fingerprint256: string;
  isCa: boolean;
  dns: string[];
  ips: string[];
  uris: string[];
  /** Extended key usage OIDs; empty when the extension is absent. */
  extendedKeyUsage: string[];
  identity: NoderollIdentity | undefined;
  /** Why there is no identity (none, ambiguous, unparsable). */
  identityProblem: string | undefined;
}

function field(dn: string, key: string): string {
  for (const line of dn.split('\n')) if (line.startsWith(`${key}=`)) return line.slice(key.length + 1);
  return '';
}

export function toX509(pem: string | Buffer | X509Certificate): X509Certificate {
  return pem instanceof X509Certificate ? pem : new X509Certificate(pem);
}

/** The first certificate of a PEM text (a bundle holds several; X509Certificate reads the first). */
export function certificateInfo(pem: string | Buffer | X509Certificate): CertificateInfo {
  const c = toX509(pem);
  const sans = parseSubjectAltNames(c.subjectAltName);
  const id = noderollIdentity(sans.uri);
  return {
    subject: c.subject.replace(/\n/g, ', '),
    commonName: field(c.subject, 'CN'),
    issuer: c.issuer.replace(/\n/g, ', '),
    issuerCommonName: field(c.issuer, 'CN'),
    serial: c.serialNumber.toLowerCase(),
    notBefore: new Date(c.validFrom),
    notAfter: new Date(c.validTo),
    fingerprint256: c.fingerprint256.replace(/:/g, '').toLowerCase(),
    isCa: c.ca,
    dns: sans.dns,
    ips: sans.ip,
    uris: sans.uri,
    extendedKeyUsage: c.keyUsage ?? [],
    identity: id.identity,
    identityProblem: id.problem,
  };
}

/** True when `ca` issued `cert`: names chain and the signature verifies with the CA's key. */
export function issuedBy(cert: string | Buffer | X509Certificate, ca: string | Buffer | X509Certificate): boolean {
  const c = toX509(cert);
  const authority = toX509(ca);
  return authority.ca && c.checkIssued(authority) && c.verify(authority.publicKey);
}

export type Validity = 'valid' | 'expired' | 'not-yet-valid';

export function validityAt(info: Pick<CertificateInfo, 'notBefore' | 'notAfter'>, now: Date): Validity {
  if (now < info.notBefore) return 'not-yet-valid';
  if (now > info.notAfter) return 'expired';
  return 'valid';
}

/** Every certificate in a PEM bundle (a CA file during rotation holds the old and the new CA). */
export function splitPemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** "CN=coordinator, serial 1a2b…, sha256 ab12…" — how logs and errors name a certificate. */
export function describeCertificate(info: CertificateInfo): string {
  return `CN=${info.commonName || '(none)'} (serial ${info.serial.slice(0, 16)}, sha256 ${info.fingerprint256.slice(0, 16)})`;
}
