import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand, type CommandRunner } from '../exec/command-runner.js';
import { FieldError } from '../validation/field-error.js';

/**
 * Certificates made by the system's openssl (no crypto of our own): EC P-256 keys, a self-signed
 * CA and leaf certificates, both signed with `openssl ca` (the CA with `-selfsign`), which (unlike
 * `openssl req -x509` and `openssl x509 -req` in OpenSSL 3.0) takes an explicit validity window —
 * needed for the clock-skew margin and for tests that need an expired certificate. Every value that reaches an openssl config file is checked
 * against a conservative alphabet first, so no name can inject config syntax (`$var`, `#`, new
 * sections); paths go on the command line as argv, never into config text.
 */

export interface OpensslOptions {
  runner?: CommandRunner;
  /** The openssl program (default `openssl`, looked up in PATH). */
  openssl?: string;
}

export interface LeafExtensions {
  /** `serverAuth` (agents) or `clientAuth` (coordinator, reader); both for etcd's server and peer certificates. */
  extendedKeyUsage: 'serverAuth' | 'clientAuth' | 'serverAuth, clientAuth';
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

/** The request config: no prompts, the subject comes from -subj (extensions are the signer's). */
const REQ_CONFIG = `[ req ]
distinguished_name = dn
prompt = no
utf8 = yes
[ dn ]
`;

function subject(commonName: string): string {
  return `/O=noderoll/CN=${checkCommonName('commonName', commonName)}`;
}

/** A new EC P-256 private key in PKCS#8 PEM, mode 0600. */
export async function generatePrivateKey(keyFile: string, o: OpensslOptions = {}): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], o);
  await chmod(keyFile, 0o600);
}

/** The CA certificate's extensions (basicConstraints, keyUsage, subject key identifier). */
const CA_EXTENSIONS = `[ ca_ext ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

export interface ValidityWindow {
  notBefore: Date;
  notAfter: Date;
}

function checkWindow(w: ValidityWindow): void {
  if (!(w.notAfter > w.notBefore)) throw new FieldError('notAfter', `${w.notAfter.toISOString()} must be after notBefore ${w.notBefore.toISOString()}`);
}

/** A random positive 128-bit serial in hex (RFC 5280 allows up to 20 octets). */
function randomSerial(): string {
  return ((randomBytes(1)[0]! & 0x3f) | 0x40).toString(16) + randomBytes(15).toString('hex');
}

/**
 * Makes a request for `keyFile` and signs it with `openssl ca` for exactly `window`: with the CA's
 * key and certificate, or with its own key (`selfSign`, the CA certificate itself).
 */
async function signRequest(
  a: { keyFile: string; certFile: string; commonName: string; extensions: { section: string; text: string }; window: ValidityWindow; signer: { selfSign: true } | { certFile: string; keyFile: string } },
  o: OpensslOptions,
): Promise<string> {
  checkWindow(a.window);
  const serial = randomSerial();
  const signer = 'selfSign' in a.signer ? ['-selfsign', '-keyfile', resolve(a.keyFile)] : ['-cert', resolve(a.signer.certFile), '-keyfile', resolve(a.signer.keyFile)];
  await withWorkDir(async (dir) => {
    await Promise.all([writeFile(join(dir, 'ca.cnf'), caConfig(a.extensions.text)), writeFile(join(dir, 'req.cnf'), REQ_CONFIG), writeFile(join(dir, 'index.txt'), ''), writeFile(join(dir, 'serial'), `${serial}\n`)]);
    await openssl(['req', '-new', '-config', 'req.cnf', '-key', resolve(a.keyFile), '-subj', subject(a.commonName), '-out', 'request.csr'], o, dir);
    await openssl(
      ['ca', '-batch', '-config', 'ca.cnf', '-extensions', a.extensions.section, '-notext', ...signer, '-startdate', opensslTime(a.window.notBefore), '-enddate', opensslTime(a.window.notAfter), '-in', 'request.csr', '-out', resolve(a.certFile)],
      o,
      dir,
    );
  });
  await chmod(a.certFile, 0o644);
  return serial.toLowerCase();
}

/** A self-signed CA certificate for `keyFile`, valid for exactly `notBefore`..`notAfter`. */
export async function createCaCertificate(a: { keyFile: string; certFile: string; commonName: string } & ValidityWindow, o: OpensslOptions = {}): Promise<void> {
  await signRequest({ keyFile: a.keyFile, certFile: a.certFile, commonName: a.commonName, extensions: { section: 'ca_ext', text: CA_EXTENSIONS }, window: a, signer: { selfSign: true } }, o);
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

export interface LeafRequest extends ValidityWindow {
  ca: { certFile: string; keyFile: string };
  /** The new certificate's key (generated beforehand with generatePrivateKey). */
  keyFile: string;
  certFile: string;
  commonName: string;
  extensions: LeafExtensions;
}

/** Signs a leaf certificate for `keyFile` with the CA; returns its serial (lowercase hex). */
export async function issueLeafCertificate(a: LeafRequest, o: OpensslOptions = {}): Promise<string> {
  const extensions = { section: 'leaf_ext', text: leafExtensionSection(a.extensions) };
  return signRequest({ keyFile: a.keyFile, certFile: a.certFile, commonName: a.commonName, extensions, window: a, signer: a.ca }, o);
}
