import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { certificateInfo, describeCertificate, EKU_CLIENT_AUTH, EKU_SERVER_AUTH, issuedBy, splitPemCertificates, validityAt, type CertificateInfo } from '../../shared/pki/certificate-info.js';
import { CLIENT_ROLES, isClientRole } from '../../shared/pki/noderoll-identity.js';
import { FieldError, showValue } from '../../shared/validation/field-error.js';
import { nodeNameProblem } from '../../shared/validation/node-name.js';
import { CertificateAuthority, CertificateAuthorityError, DEFAULT_CA_DAYS, DEFAULT_LEAF_DAYS, type CertificateProfile } from './certificate-authority.js';
import { flagBoolean, flagList, flagNumber, flagsHelp, flagString, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from '../../shared/cli/flag-parser.js';

/**
 * `noderoll certs init|issue|show`: the cluster's CA and its agent, coordinator and reader
 * certificates (see certificate-authority.ts for the layout, docs/security.md for rotation).
 * Exit codes: 0 done; 1 refused or failed (CA exists, file exists, certificate invalid); 2 bad
 * command line (the message names the flag; nothing was written).
 */

export interface CertsIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const CERTS_EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export const DEFAULT_CA_DIR = '/etc/noderoll/ca';

const ROLES = ['agent', ...CLIENT_ROLES];

const HELP_FLAG: FlagSpec = { name: 'help', kind: 'boolean', help: 'this text' };

const INIT_FLAGS: FlagSpec[] = [
  { name: 'dir', kind: 'string', value: 'DIR', help: `where the CA lives (default ${DEFAULT_CA_DIR}); created 0700` },
  { name: 'cluster', kind: 'string', value: 'NAME', help: 'cluster name in the CA certificate (required)' },
  { name: 'days', kind: 'integer', value: 'N', min: 1, max: 36_500, help: `validity of the CA (default ${DEFAULT_CA_DAYS})` },
  HELP_FLAG,
];

const ISSUE_FLAGS: FlagSpec[] = [
  { name: 'dir', kind: 'string', value: 'DIR', help: `the CA directory (default ${DEFAULT_CA_DIR})` },
  { name: 'role', kind: 'string', value: 'ROLE', choices: ROLES, help: 'agent | coordinator | reader (required)' },
  { name: 'node', kind: 'string', value: 'NAME', check: nodeNameProblem, help: 'agent: the Kubernetes node name the agent serves (required for agent)' },
  { name: 'dns', kind: 'list', maxItems: 32, value: 'NAME', help: 'agent: an extra DNS name it is reached at (repeatable)' },
  { name: 'ip', kind: 'list', maxItems: 32, value: 'ADDR', help: 'agent: an IP address it is reached at (repeatable)' },
  { name: 'name', kind: 'string', value: 'NAME', help: 'coordinator/reader: who holds it, e.g. ops-laptop or prometheus (required)' },
  { name: 'days', kind: 'integer', value: 'N', min: 1, max: 3650, help: `validity (default ${DEFAULT_LEAF_DAYS}; at most the CA's remaining lifetime)` },
  { name: 'out', kind: 'string', value: 'DIR', help: 'output directory: ca.crt, <role>.crt, <role>.key (required)' },
  { name: 'force', kind: 'boolean', help: 'replace existing files in --out (rotation)' },
  HELP_FLAG,
];

const SHOW_FLAGS: FlagSpec[] = [{ name: 'ca', kind: 'string', value: 'FILE', help: 'also check that the certificate was issued by this CA (a bundle: any of them)' }, HELP_FLAG];

export const CERTS_SUMMARY = "create the cluster's noderoll CA and issue agent, coordinator and reader certificates (noderoll certs --help)";

/** The subcommands and their flags, for `noderoll --help` and shell completion (the dispatch is runCertsCommand's). */
export const CERTS_SUBCOMMANDS = [
  { name: 'init', summary: "create the cluster's CA", flags: INIT_FLAGS },
  { name: 'issue', summary: 'issue an agent, coordinator or reader certificate', flags: ISSUE_FLAGS },
  { name: 'show', summary: 'show a certificate; exit 1 when it is not valid now or not issued by --ca', flags: SHOW_FLAGS, argument: { value: 'FILE' } },
];

export const CERTS_HELP = `usage: noderoll certs <init|issue|show> [flags]

Creates the cluster's noderoll CA and the certificates of agents (mutual TLS server side),
the coordinator (may call every agent RPC) and readers (read-only RPCs, /metrics, /status).

  noderoll certs init  --cluster NAME [--dir DIR] [--days N]
  noderoll certs issue --role agent --node NAME [--ip ADDR]... [--dns NAME]... --out DIR [--dir DIR] [--days N] [--force]
  noderoll certs issue --role coordinator|reader --name NAME --out DIR [--dir DIR] [--days N] [--force]
  noderoll certs show FILE [--ca FILE]

init:
${flagsHelp(INIT_FLAGS)}

issue:
${flagsHelp(ISSUE_FLAGS)}

show (exit 1 when the certificate is expired, not yet valid, or not issued by --ca):
${flagsHelp(SHOW_FLAGS)}

Exit codes: 0 done, 1 refused or failed, 2 invalid command line (nothing was written).
Roles and rotation: docs/security.md.
`;

export async function runCertsCommand(argv: string[], io: CertsIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case undefined:
        io.stderr.write(CERTS_HELP);
        return CERTS_EXIT.usage;
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(CERTS_HELP);
        return CERTS_EXIT.ok;
      case 'init':
        return await initCommand(rest, io);
      case 'issue':
        return await issueCommand(rest, io);
      case 'show':
        return await showCommand(rest, io);
      default:
        throw new UsageError('command', `unknown certs command ${showValue(sub, 40)} (init, issue, show)`);
    }
  } catch (err) {
    if (err instanceof FieldError) {
      io.stderr.write(`noderoll certs${sub && /^[a-z]+$/.test(sub) ? ` ${sub}` : ''}: ${err.message}\n`);
      return CERTS_EXIT.usage;
    }
    if (err instanceof CertificateAuthorityError) {
      io.stderr.write(`noderoll certs ${sub}: ${err.message}\n`);
      return CERTS_EXIT.failed;
    }
    io.stderr.write(`noderoll certs ${sub}: failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return CERTS_EXIT.failed;
  }
}

function parseCertsFlags(argv: readonly string[], specs: readonly FlagSpec[], sub: string, maxPositional = 0): ParsedFlags {
  return parseFlags(argv, specs, { program: `noderoll certs ${sub}`, maxPositional });
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(flag, 'is required');
  return value;
}

async function initCommand(argv: string[], io: CertsIo): Promise<number> {
  const f = parseCertsFlags(argv, INIT_FLAGS, 'init');
  if (flagBoolean(f, 'help')) {
    io.stdout.write(CERTS_HELP);
    return CERTS_EXIT.ok;
  }
  const dir = resolve(flagString(f, 'dir') ?? DEFAULT_CA_DIR);
  const cluster = required(flagString(f, 'cluster'), '--cluster');
  const days = flagNumber(f, 'days') ?? DEFAULT_CA_DAYS;
  const ca = await CertificateAuthority.init(dir, { cluster, days });
  io.stdout.write(`created the noderoll CA "${ca.info.commonName}" in ${dir}\n  ${ca.certFile}  (copy to every node and client)\n  ${ca.keyFile}  (secret: keep it here)\nvalid until ${ca.info.notAfter.toISOString()}\n`);
  return CERTS_EXIT.ok;
}

async function issueCommand(argv: string[], io: CertsIo): Promise<number> {
  const f = parseCertsFlags(argv, ISSUE_FLAGS, 'issue');
  if (flagBoolean(f, 'help')) {
    io.stdout.write(CERTS_HELP);
    return CERTS_EXIT.ok;
  }
  const role = required(flagString(f, 'role'), '--role');
  const out = resolve(required(flagString(f, 'out'), '--out'));
  const days = flagNumber(f, 'days') ?? DEFAULT_LEAF_DAYS;
  let profile: CertificateProfile;
  if (role === 'agent') {
    if (flagString(f, 'name') !== undefined) throw new UsageError('--name', 'is for coordinator and reader certificates; an agent is named by --node');
    profile = { kind: 'agent', node: required(flagString(f, 'node'), '--node'), dns: flagList(f, 'dns') ?? [], ips: flagList(f, 'ip') ?? [] };
  } else if (isClientRole(role)) {
    for (const flag of ['node', 'dns', 'ip']) {
      if (f.values.has(flag)) throw new UsageError(`--${flag}`, `is for agent certificates; a ${role} certificate is named by --name`);
    }
    profile = { kind: 'client', role, name: required(flagString(f, 'name'), '--name') };
  } else {
    // Not reached: the flag's rule refuses other roles at parse time.
    throw new UsageError('--role', `${showValue(role)} must be one of ${ROLES.join(', ')}`);
  }
  const ca = await CertificateAuthority.open(resolve(flagString(f, 'dir') ?? DEFAULT_CA_DIR));
  const issued = await ca.issue(profile, { outDir: out, days, overwrite: flagBoolean(f, 'force') });
  io.stdout.write(`issued ${describeIdentity(issued.info)} certificate ${describeCertificate(issued.info)}\n  ${issued.certFile}\n  ${issued.keyFile}  (secret, 0600)\n  ${issued.caFile}\nnames: ${[...issued.info.dns, ...issued.info.ips, ...issued.info.uris].join(', ')}\nvalid until ${issued.info.notAfter.toISOString()}\n`);
  return CERTS_EXIT.ok;
}

function describeIdentity(info: CertificateInfo): string {
  if (!info.identity) return 'a certificate without noderoll identity';
  return info.identity.kind === 'node' ? `the agent of node ${info.identity.node}:` : `a ${info.identity.role}`;
}

function keyUsageNames(info: CertificateInfo): string {
  const names = info.extendedKeyUsage.map((oid) => (oid === EKU_SERVER_AUTH ? 'serverAuth' : oid === EKU_CLIENT_AUTH ? 'clientAuth' : oid));
  return names.length > 0 ? names.join(', ') : '(any)';
}

async function showCommand(argv: string[], io: CertsIo): Promise<number> {
  const f = parseCertsFlags(argv, SHOW_FLAGS, 'show', 1);
  if (flagBoolean(f, 'help')) {
    io.stdout.write(CERTS_HELP);
    return CERTS_EXIT.ok;
  }
  const file = f.positional[0];
  if (file === undefined) throw new UsageError('FILE', 'name the certificate to show');
  let info: CertificateInfo;
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
    info = certificateInfo(pem);
  } catch (err) {
    throw new CertificateAuthorityError(`${file}: ${(err as Error).message}`);
  }
  const now = new Date();
  const validity = validityAt(info, now);
  const daysLeft = Math.floor((info.notAfter.getTime() - now.getTime()) / 86_400_000);
  const identity = info.identity
    ? info.identity.kind === 'node'
      ? `agent of node ${info.identity.node}`
      : `client, role ${info.identity.role}`
    : info.isCa
      ? 'certificate authority'
      : `none: ${info.identityProblem}`;
  const lines = [
    `file:        ${file}`,
    `subject:     ${info.subject}`,
    `identity:    ${identity}`,
    `issuer:      ${info.issuer}`,
    `serial:      ${info.serial}`,
    `valid:       ${info.notBefore.toISOString()} .. ${info.notAfter.toISOString()} (${validity === 'valid' ? `${daysLeft} days left` : validity.toUpperCase()})`,
    `key usage:   ${keyUsageNames(info)}`,
    `dns:         ${info.dns.join(', ') || '-'}`,
    `ip:          ${info.ips.join(', ') || '-'}`,
    `uri:         ${info.uris.join(', ') || '-'}`,
    `sha256:      ${info.fingerprint256}`,
  ];
  let ok = validity === 'valid';
  const caFile = flagString(f, 'ca');
  if (caFile !== undefined) {
    let cas: string[];
    try {
      cas = splitPemCertificates(await readFile(caFile, 'utf8'));
    } catch (err) {
      throw new CertificateAuthorityError(`--ca ${caFile}: ${(err as Error).message}`);
    }
    const signed = cas.some((ca) => issuedBy(pem, ca));
    lines.push(`issued by:   ${caFile}: ${signed ? 'yes' : 'NO'}`);
    ok &&= signed;
  }
  io.stdout.write(lines.join('\n') + '\n');
  return ok ? CERTS_EXIT.ok : CERTS_EXIT.failed;
}
