import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, chmod, copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { certificateInfo, issuedBy, type CertificateInfo } from '../../shared/pki/certificate-info.js';
import { nodeUri, roleUri, type ClientRole } from '../../shared/pki/noderoll-identity.js';
import { checkCommonName, checkDnsName, checkIpAddress, createCaCertificate, generatePrivateKey, issueLeafCertificate, type OpensslOptions, type ValidityWindow } from '../../shared/pki/openssl.js';
import { FieldError } from '../../shared/validation/field-error.js';
import { validateNodeName } from '../../shared/validation/node-name.js';

/**
 * A cluster's noderoll certificate authority: one directory on the coordinator's host holding
 *
 *   ca.crt         the CA certificate (public: copy it to every node and client)
 *   ca.key         its private key (0600, never leaves this directory)
 *   issued.jsonl   one line per certificate issued (serial, identity, validity, fingerprint)
 *
 * and the three kinds of certificate it issues, each written as a ready-to-copy directory
 * (`ca.crt` + `<kind>.crt` + `<kind>.key`):
 *
 *   agent        serverAuth; SAN URI spiffe://noderoll/node/<node>, DNS <node> (or IP when the
 *                node is named by its IP), plus any extra DNS names and IPs the agent is reached at
 *   coordinator  clientAuth; SAN URI spiffe://noderoll/role/coordinator (every RPC)
 *   reader       clientAuth; SAN URI spiffe://noderoll/role/reader (read RPCs, /metrics, /status)
 */

export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';
export const ISSUED_LOG_FILE = 'issued.jsonl';
export const DEFAULT_CA_DAYS = 3650;
export const DEFAULT_LEAF_DAYS = 365;
/**
 * The CA and every certificate it issues start this much before "now", so a machine whose clock is
 * behind the issuing host's (by up to this much) accepts them right after `certs init/issue`.
 * An earlier notBefore costs nothing (the key did not exist before, nothing can be signed with it
 * "back then"); docs/security.md says why one hour.
 */
export const CLOCK_SKEW_MARGIN_MS = 60 * 60_000;

export type CertificateProfile =
  | { kind: 'agent'; node: string; dns?: readonly string[]; ips?: readonly string[] }
  | { kind: 'client'; role: ClientRole; name: string };

export interface IssueOptions {
  /** Where `ca.crt`, `<kind>.crt` and `<kind>.key` go (created 0700 when missing). */
  outDir: string;
  days?: number;
  /** An explicit validity window (tests: expired or future certificates). Overrides days. */
  notBefore?: Date;
  notAfter?: Date;
  /** Replace existing files in outDir (rotation). */
  overwrite?: boolean;
  /** The certificate's path once moved into place, for issued.jsonl (when outDir is a staging directory). */
  recordAs?: string;
}

export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
  caFile: string;
  info: CertificateInfo;
}

/** The file stem of a profile's certificate and key in its output directory. */
export function profileFileStem(p: CertificateProfile): string {
  return p.kind === 'agent' ? 'agent' : p.role;
}

export class CertificateAuthorityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateAuthorityError';
  }
}

export class CertificateAuthority {
  private constructor(
    readonly dir: string,
    readonly info: CertificateInfo,
    private readonly openssl: OpensslOptions,
  ) {}

  get certFile(): string {
    return join(this.dir, CA_CERT_FILE);
  }

  get keyFile(): string {
    return join(this.dir, CA_KEY_FILE);
  }

  /** Creates a new CA in `dir`, valid from CLOCK_SKEW_MARGIN_MS before `now`; refuses when one is already there. */
  static async init(dir: string, o: { cluster: string; days?: number }, openssl: OpensslOptions = {}, now = new Date()): Promise<CertificateAuthority> {
    const cluster = checkCommonName('--cluster', o.cluster);
    const window = skewTolerantWindow(now, o.days ?? DEFAULT_CA_DAYS, 36_500);
    const certFile = join(dir, CA_CERT_FILE);
    const keyFile = join(dir, CA_KEY_FILE);
    for (const f of [certFile, keyFile]) {
      if (existsSync(f)) throw new CertificateAuthorityError(`${f} already exists: a CA is already set up in ${dir} (rotate by creating a new one elsewhere; see docs/security.md)`);
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Both files appear only when both were made: a failure leaves no half CA behind.
    const tmpKey = `${keyFile}.new`;
    const tmpCert = `${certFile}.new`;
    try {
      await generatePrivateKey(tmpKey, openssl);
      await createCaCertificate({ keyFile: tmpKey, certFile: tmpCert, commonName: `noderoll CA ${cluster}`, ...window }, openssl);
      await rename(tmpKey, keyFile);
      await rename(tmpCert, certFile);
    } finally {
      await rm(tmpKey, { force: true });
      await rm(tmpCert, { force: true });
    }
    return CertificateAuthority.open(dir, openssl);
  }

  /** Opens an existing CA: the certificate is a CA, the key is private and belongs to it. */
  static async open(dir: string, openssl: OpensslOptions = {}): Promise<CertificateAuthority> {
    const certFile = join(dir, CA_CERT_FILE);
    const keyFile = join(dir, CA_KEY_FILE);
    let certPem: string;
    let keyPem: string;
    try {
      [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    } catch (err) {
      throw new CertificateAuthorityError(`no CA in ${dir}: ${(err as Error).message} (create one with: noderoll certs init --dir ${dir})`);
    }
    const mode = (await stat(keyFile)).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new CertificateAuthorityError(`${keyFile} is readable by others (mode ${mode.toString(8)}); chmod 600 it first`);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certPem);
    } catch (err) {
      throw new CertificateAuthorityError(`${certFile} is not a PEM certificate: ${(err as Error).message}`);
    }
    if (!cert.ca) throw new CertificateAuthorityError(`${certFile} is not a CA certificate (basicConstraints CA:TRUE missing)`);
    let matches = false;
    try {
      matches = cert.checkPrivateKey(createPrivateKey(keyPem));
    } catch (err) {
      throw new CertificateAuthorityError(`${keyFile} is not a PEM private key: ${(err as Error).message}`);
    }
    if (!matches) throw new CertificateAuthorityError(`${keyFile} does not belong to ${certFile}`);
    return new CertificateAuthority(dir, certificateInfo(cert), openssl);
  }

  /** Issues a certificate and its key into `o.outDir`, with a copy of ca.crt; logs it in issued.jsonl. */
  async issue(profile: CertificateProfile, o: IssueOptions, now = new Date()): Promise<IssuedCertificate> {
    const extensions = profileExtensions(profile);
    const commonName = profile.kind === 'agent' ? checkCommonName('--node', profile.node) : checkCommonName('--name', profile.name);
    const { notBefore, notAfter } = validityWindow(o, now);
    if (notAfter > this.info.notAfter) {
      throw new FieldError('--days', `the certificate would outlive the CA (CA valid until ${this.info.notAfter.toISOString()}); issue a shorter one or rotate the CA`);
    }
    const stem = profileFileStem(profile);
    const certFile = join(o.outDir, `${stem}.crt`);
    const keyFile = join(o.outDir, `${stem}.key`);
    const caFile = join(o.outDir, CA_CERT_FILE);
    if (!o.overwrite) {
      for (const f of [certFile, keyFile]) if (existsSync(f)) throw new CertificateAuthorityError(`${f} already exists (pass --force to replace it)`);
    }
    await mkdir(o.outDir, { recursive: true, mode: 0o700 });
    const tmpKey = `${keyFile}.new`;
    const tmpCert = `${certFile}.new`;
    try {
      await generatePrivateKey(tmpKey, this.openssl);
      await issueLeafCertificate({ ca: { certFile: this.certFile, keyFile: this.keyFile }, keyFile: tmpKey, certFile: tmpCert, commonName, extensions, notBefore, notAfter }, this.openssl);
      const pem = await readFile(tmpCert, 'utf8');
      if (!issuedBy(pem, await readFile(this.certFile))) throw new CertificateAuthorityError(`openssl produced ${tmpCert}, but it does not verify against ${this.certFile}`);
      await rename(tmpKey, keyFile);
      await rename(tmpCert, certFile);
      if (caFile !== this.certFile) {
        await copyFile(this.certFile, caFile);
        await chmod(caFile, 0o644);
      }
    } finally {
      await rm(tmpKey, { force: true });
      await rm(tmpCert, { force: true });
    }
    const info = certificateInfo(await readFile(certFile));
    await appendFile(
      join(this.dir, ISSUED_LOG_FILE),
      JSON.stringify({
        issuedAt: now.toISOString(),
        serial: info.serial,
        kind: profile.kind,
        ...(profile.kind === 'agent' ? { node: profile.node } : { role: profile.role }),
        commonName: info.commonName,
        notBefore: info.notBefore.toISOString(),
        notAfter: info.notAfter.toISOString(),
        sha256: info.fingerprint256,
        certFile: o.recordAs ?? certFile,
      }) + '\n',
      { mode: 0o600 },
    );
    return { certFile, keyFile, caFile, info };
  }
}

function validityWindow(o: IssueOptions, now: Date): ValidityWindow {
  if (o.notBefore || o.notAfter) {
    if (!o.notBefore || !o.notAfter) throw new FieldError('validity', 'give both notBefore and notAfter, or neither');
    return { notBefore: o.notBefore, notAfter: o.notAfter };
  }
  return skewTolerantWindow(now, o.days ?? DEFAULT_LEAF_DAYS, 3650);
}

/** From CLOCK_SKEW_MARGIN_MS before `now` until `days` after it. */
function skewTolerantWindow(now: Date, days: number, maxDays: number): ValidityWindow {
  if (!Number.isInteger(days) || days < 1 || days > maxDays) throw new FieldError('--days', `${days} must be 1..${maxDays}`);
  return { notBefore: new Date(now.getTime() - CLOCK_SKEW_MARGIN_MS), notAfter: new Date(now.getTime() + days * 86_400_000) };
}

function profileExtensions(p: CertificateProfile): { extendedKeyUsage: 'serverAuth' | 'clientAuth'; dns: string[]; ips: string[]; uris: string[] } {
  if (p.kind === 'client') return { extendedKeyUsage: 'clientAuth', dns: [], ips: [], uris: [roleUri(p.role)] };
  const node = validateNodeName('--node', p.node);
  const dns = (p.dns ?? []).map((d, i) => checkDnsName(`--dns[${i}]`, d));
  const ips = (p.ips ?? []).map((ip, i) => checkIpAddress(`--ip[${i}]`, ip));
  // The node's own name is always a name of its certificate: as an IP SAN when Gravity named the node by its IP.
  if (isIP(node) !== 0) {
    if (!ips.includes(node)) ips.unshift(node);
  } else if (!dns.includes(node)) dns.unshift(node);
  return { extendedKeyUsage: 'serverAuth', dns, ips, uris: [nodeUri(node)] };
}
