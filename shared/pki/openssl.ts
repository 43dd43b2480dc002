import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand, type CommandRunner } from '../exec/command-runner.js';
import { FieldError } from '../validation/field-error.js';

/**
 * Certificates made by the system's openssl (no crypto of our own): EC P-256 keys, a self-signed
 * CA, and leaf certificates signed with `openssl ca`, which (unlike `openssl x509 -req` in
 * OpenSSL 3.0) takes an explicit validity window — needed for clock-skew margins and for tests
 * that need an expired certificate. Every value that reaches an openssl config file is checked
 * against a conservative alphabet first, so no name can inject config syntax (`$var`, `#`, new
 * sections); paths go on the command line as argv, never into config text.
 */

export interface OpensslOptions {
  runner?: CommandRunner;
  /** The openssl program (default `openssl`, looked up in PATH). */
  openssl?: string;
}

export interface LeafExtensions {
  /** `serverAuth` (agents) or `clientAuth` (coordinator, reader). */
  extendedKeyUsage: 'serverAuth' | 'clientAuth';
  dns: readonly string[];
  ips: readonly string[];
  uris: readonly string[];
}

const OPENSSL_TIMEOUT_MS = 30_000;
const COMMON_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const URI = /^spiffe:\/\/[a-z0-9.-]+(\/[A-Za-z0-9._-]+)+$/;

export function checkCommonName(field: string, cn: string): string {
  if (!COMMON_NAME.test(cn)) throw new FieldError(field, `${JSON.stringify(cn)} must be 1-64 letters, digits, spaces, ".", "_", "@" or "-", starting with a letter or digit`);
  return cn;
}

export function checkDnsName(field: string, name: string): string {
  if (!DNS_NAME.test(name) || isIP(name) !== 0) throw new FieldError(field, `${JSON.stringify(name)} is not a DNS name`);
  return name;
}

export function checkIpAddress(field: string, ip: string): string {
  if (isIP(ip) === 0) throw new FieldError(field, `${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
  return ip;
}

function checkUri(field: string, uri: string): string {
  if (!URI.test(uri)) throw new FieldError(field, `${JSON.stringify(uri)} is not a spiffe:// URI of letters, digits, ".", "_" and "-"`);
  return uri;
}

/** YYYYMMDDHHMMSSZ, the GeneralizedTime form `openssl ca -startdate/-enddate` accept. */
export function opensslTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

async function openssl(args: string[], o: OpensslOptions, cwd?: string): Promise<string> {
  const r = await (o.runner ?? runCommand)({ file: o.openssl ?? 'openssl', args, timeoutMs: OPENSSL_TIMEOUT_MS, maxOutputBytes: 256 * 1024, ...(cwd ? { cwd } : {}) });
  return r.stdout;
}

async function withWorkDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'noderoll-pki-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The request config: no prompts, the subject comes from -subj. */
const REQ_CONFIG = `[ req ]
distinguished_name = dn
prompt = no
utf8 = yes
[ dn ]
[ ca_ext ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

function subject(commonName: string): string {
  return `/O=noderoll/CN=${checkCommonName('commonName', commonName)}`;
}

/** A new EC P-256 private key in PKCS#8 PEM, mode 0600. */
export async function generatePrivateKey(keyFile: string, o: OpensslOptions = {}): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], o);
  await chmod(keyFile, 0o600);
}

/** A self-signed CA certificate for `keyFile`, valid from now for `days`. */
export async function createCaCertificate(a: { keyFile: string; certFile: string; commonName: string; days: number }, o: OpensslOptions = {}): Promise<void> {
  if (!Number.isInteger(a.days) || a.days < 1 || a.days > 36_500) throw new FieldError('days', `${a.days} must be 1..36500`);
  await withWorkDir(async (dir) => {
    await writeFile(join(dir, 'req.cnf'), REQ_CONFIG);
    await openssl(['req', '-x509', '-new', '-config', 'req.cnf', '-extensions', 'ca_ext', '-key', resolve(a.keyFile), '-subj', subject(a.commonName), '-sha256', '-days', String(a.days), '-out', resolve(a.certFile)], o, dir);
  });
  await chmod(a.certFile, 0o644);
}

function leafExtensionSection(e: LeafExtensions): string {
  const san = [
    ...e.dns.map((d, i) => `DNS:${checkDnsName(`dns[${i}]`, d)}`),
    ...e.ips.map((ip, i) => `IP:${checkIpAddress(`ips[${i}]`, ip)}`),
    ...e.uris.map((u, i) => `URI:${checkUri(`uris[${i}]`, u)}`),
  ];
  if (san.length === 0) throw new FieldError('subjectAltName', 'a certificate needs at least one name');
  return [
    '[ leaf_ext ]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    `extendedKeyUsage = ${e.extendedKeyUsage}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    `subjectAltName = ${san.join(', ')}`,
    '',
  ].join('\n');
}

function caConfig(extensions: string): string {
  return `[ ca ]
default_ca = signer
[ signer ]
database = ./index.txt
serial = ./serial
new_certs_dir = .
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes
[ policy_any ]
organizationName = optional
commonName = supplied
${extensions}`;
}

export interface LeafRequest {
  ca: { certFile: string; keyFile: string };
  /** The new certificate's key (generated beforehand with generatePrivateKey). */
  keyFile: string;
  certFile: string;
  commonName: string;
  extensions: LeafExtensions;
  notBefore: Date;
  notAfter: Date;
}

/** Signs a leaf certificate for `keyFile` with the CA; returns its serial (lowercase hex). */
export async function issueLeafCertificate(a: LeafRequest, o: OpensslOptions = {}): Promise<string> {
  if (!(a.notAfter > a.notBefore)) throw new FieldError('notAfter', `${a.notAfter.toISOString()} must be after notBefore ${a.notBefore.toISOString()}`);
  const ext = leafExtensionSection(a.extensions);
  // A random positive 128-bit serial (RFC 5280 allows up to 20 octets).
  const serial = ((randomBytes(1)[0]! & 0x3f) | 0x40).toString(16) + randomBytes(15).toString('hex');
  await withWorkDir(async (dir) => {
    await Promise.all([writeFile(join(dir, 'ca.cnf'), caConfig(ext)), writeFile(join(dir, 'req.cnf'), REQ_CONFIG), writeFile(join(dir, 'index.txt'), ''), writeFile(join(dir, 'serial'), `${serial}\n`)]);
    await openssl(['req', '-new', '-config', 'req.cnf', '-key', resolve(a.keyFile), '-subj', subject(a.commonName), '-out', 'leaf.csr'], o, dir);
    await openssl(
      ['ca', '-batch', '-config', 'ca.cnf', '-extensions', 'leaf_ext', '-notext', '-cert', resolve(a.ca.certFile), '-keyfile', resolve(a.ca.keyFile), '-startdate', opensslTime(a.notBefore), '-enddate', opensslTime(a.notAfter), '-in', 'leaf.csr', '-out', resolve(a.certFile)],
      o,
      dir,
    );
  });
  await chmod(a.certFile, 0o644);
  return serial.toLowerCase();
}

