import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCaCertificate, generatePrivateKey, issueLeafCertificate } from '../../../shared/pki/openssl.js';

export interface ServingCertificate {
  /** PEM of the self-signed CA that kubeconfigs trust (certificate-authority-data). */
  caCertificate: string;
  certificate: string;
  key: string;
}

/** A fresh CA and a serving certificate for one 127.x address, valid for a day, made by openssl. */
export async function makeServingCertificate(host: string): Promise<ServingCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'noderoll-kubeapi-tls-'));
  try {
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(Date.now() + 24 * 3600_000);
    const ca = { keyFile: join(dir, 'ca.key'), certFile: join(dir, 'ca.crt') };
    const leaf = { keyFile: join(dir, 'apiserver.key'), certFile: join(dir, 'apiserver.crt') };
    await generatePrivateKey(ca.keyFile);
    await createCaCertificate({ ...ca, commonName: 'noderoll-test-kube-ca', notBefore, notAfter });
    await generatePrivateKey(leaf.keyFile);
    await issueLeafCertificate({ ca, ...leaf, commonName: 'kube-apiserver', notBefore, notAfter, extensions: { extendedKeyUsage: 'serverAuth', dns: ['localhost'], ips: [host], uris: [] } });
    const [caCertificate, certificate, key] = await Promise.all([readFile(ca.certFile, 'utf8'), readFile(leaf.certFile, 'utf8'), readFile(leaf.keyFile, 'utf8')]);
    return { caCertificate, certificate, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
