import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { certificateInfo, describeCertificate, EKU_SERVER_AUTH, issuedBy, splitPemCertificates, validityAt, type CertificateInfo } from '../../shared/pki/certificate-info.js';
import { FieldError, showValue } from '../../shared/validation/field-error.js';
import { ConfigError } from '../../shared/config/config-error.js';
import type { AgentTlsConfig } from '../config/agent-config.js';

/**
 * The agent's TLS files, read and checked before anything listens: the CA bundle holds CA
 * certificates, the agent certificate was issued by one of them, names the node it serves
 * (SAN URI spiffe://noderoll/node/<node>) and may serve TLS, and the key belongs to it and is
 * readable by root only. Every problem names its field (`tls.keyFile: …`).
 */

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  cas: CertificateInfo[];
  agent: CertificateInfo;
  /** The node the certificate names. */
  node: string;
  /** Not fatal, but worth a loud log line: expired, not yet valid, expiring soon. */
  warnings: string[];
}

export const EXPIRY_WARNING_DAYS = 30;

async function readField(field: string, path: string, problems: FieldError[]): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    problems.push(new FieldError(field, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (issue the agent's files with: noderoll certs issue --role agent --node <node> --out DIR)`));
    return undefined;
  }
}

export async function loadTlsMaterial(t: AgentTlsConfig, source: string, now = new Date()): Promise<TlsMaterial> {
  const problems: FieldError[] = [];
  const warnings: string[] = [];
  const [ca, cert, key] = await Promise.all([readField('tls.caFile', t.caFile, problems), readField('tls.certFile', t.certFile, problems), readField('tls.keyFile', t.keyFile, problems)]);

  const cas: CertificateInfo[] = [];
  const caPems: string[] = [];
  if (ca) {
    const pems = splitPemCertificates(ca.toString('utf8'));
    if (pems.length === 0) problems.push(new FieldError('tls.caFile', `${t.caFile} holds no PEM certificate`));
    for (const pem of pems) {
      try {
        const info = certificateInfo(pem);
        if (!info.isCa) problems.push(new FieldError('tls.caFile', `${describeCertificate(info)} in ${t.caFile} is not a CA certificate`));
        else {
          cas.push(info);
          caPems.push(pem);
        }
      } catch (err) {
        problems.push(new FieldError('tls.caFile', `${t.caFile}: ${(err as Error).message}`));
      }
    }
  }

  let agent: CertificateInfo | undefined;
  let x509: X509Certificate | undefined;
  if (cert) {
    try {
      x509 = new X509Certificate(cert);
      agent = certificateInfo(x509);
    } catch (err) {
      problems.push(new FieldError('tls.certFile', `${t.certFile} is not a PEM certificate: ${(err as Error).message}`));
    }
  }
  let node = '';
  if (agent && x509) {
    const id = agent.identity;
    if (!id) problems.push(new FieldError('tls.certFile', `${describeCertificate(agent)} ${agent.identityProblem}`));
    else if (id.kind !== 'node') problems.push(new FieldError('tls.certFile', `${describeCertificate(agent)} is a client certificate (role ${id.role}), not an agent certificate`));
    else node = id.node;
    if (agent.extendedKeyUsage.length > 0 && !agent.extendedKeyUsage.includes(EKU_SERVER_AUTH)) {
      problems.push(new FieldError('tls.certFile', `${describeCertificate(agent)} may not serve TLS (extended key usage lacks serverAuth)`));
    }
    if (caPems.length > 0 && !caPems.some((pem) => issuedBy(x509!, pem))) {
      problems.push(new FieldError('tls.certFile', `${describeCertificate(agent)} (issuer ${showValue(agent.issuer)}) was not issued by the CA in tls.caFile (${cas.map((c) => showValue(c.commonName)).join(', ')})`));
    }
    const validity = validityAt(agent, now);
    if (validity === 'expired') warnings.push(`tls.certFile: ${describeCertificate(agent)} EXPIRED at ${agent.notAfter.toISOString()}; clients will refuse this agent until it is rotated (docs/security.md)`);
    else if (validity === 'not-yet-valid') warnings.push(`tls.certFile: ${describeCertificate(agent)} is not valid before ${agent.notBefore.toISOString()} (node time ${now.toISOString()}): the node's clock may be behind: check NTP`);
    else if (agent.notAfter.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * 86_400_000) {
      warnings.push(`tls.certFile: ${describeCertificate(agent)} expires at ${agent.notAfter.toISOString()}; rotate it soon (docs/security.md)`);
    }
    for (const c of cas) if (validityAt(c, now) === 'expired') warnings.push(`tls.caFile: CA ${showValue(c.commonName)} EXPIRED at ${c.notAfter.toISOString()}`);
  }

  if (key) {
    try {
      const mode = (await stat(t.keyFile)).mode & 0o777;
      if ((mode & 0o077) !== 0) problems.push(new FieldError('tls.keyFile', `${t.keyFile} is readable by others (mode ${mode.toString(8)}); chmod 600 it`));
      const privateKey = createPrivateKey(key);
      if (x509 && !x509.checkPrivateKey(privateKey)) problems.push(new FieldError('tls.keyFile', `${t.keyFile} does not belong to the certificate in tls.certFile`));
    } catch (err) {
      problems.push(new FieldError('tls.keyFile', `${t.keyFile} is not a PEM private key: ${(err as Error).message}`));
    }
  }

  if (problems.length > 0 || !ca || !cert || !key || !agent) throw new ConfigError(source, problems);
  return { ca, cert, key, cas, agent, node, warnings };
}
