import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCaCertificate, generatePrivateKey, issueLeafCertificate, type LeafExtensions } from '../../../shared/pki/openssl.js';
import type { NodeFile } from '../node-rootfs.js';

/**
 * The etcd PKI of a kubeadm cluster, made as `kubeadm init phase certs` makes it: one etcd CA
 * (shared by every control-plane node, its key there too), and per control-plane node the etcd
 * server and peer certificates (serverAuth+clientAuth, SANs: host name, localhost, the node's
 * addresses, 127.0.0.1), the healthcheck client (CN kube-etcd-healthcheck-client) and the API
 * server's etcd client (CN kube-apiserver-etcd-client), at kubeadm's paths. EC P-256 keys
 * (kubeadm's default is RSA 2048; etcd takes either).
 */

export const KUBEADM_PKI_DIR = '/etc/kubernetes/pki';
export const KUBEADM_ETCD_PKI_DIR = `${KUBEADM_PKI_DIR}/etcd`;

export interface EtcdClientFiles {
  cacert: string;
  cert: string;
  key: string;
}

const YEAR_MS = 365 * 86_400_000;

export interface KubeadmEtcdNode {
  name: string;
  nodeAddress: string;
  bridgeAddress: string;
}

export class KubeadmEtcdPki {
  private constructor(
    readonly dir: string,
    private readonly ca: { certFile: string; keyFile: string },
    /** A healthcheck client certificate for the lab host (the lab's own health waits, tests). */
    readonly hostClient: EtcdClientFiles,
  ) {}

  static async create(dir: string): Promise<KubeadmEtcdPki> {
    await mkdir(join(dir, 'host'), { recursive: true });
    const ca = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
    await generatePrivateKey(ca.keyFile);
    await createCaCertificate({ ...ca, commonName: 'etcd-ca', ...validity() });
    const pki = new KubeadmEtcdPki(dir, ca, { cacert: ca.certFile, cert: join(dir, 'host', 'healthcheck-client.crt'), key: join(dir, 'host', 'healthcheck-client.key') });
    await pki.issue(pki.hostClient.key, pki.hostClient.cert, 'kube-etcd-healthcheck-client', { extendedKeyUsage: 'clientAuth', dns: ['kube-etcd-healthcheck-client'], ips: [], uris: [] });
    return pki;
  }

  private async issue(keyFile: string, certFile: string, commonName: string, extensions: LeafExtensions): Promise<void> {
    await generatePrivateKey(keyFile);
    await issueLeafCertificate({ ca: this.ca, keyFile, certFile, commonName, extensions, ...validity() });
  }

  /** The files kubeadm puts on a control-plane node, path in the node → content. */
  async controlPlaneFiles(n: KubeadmEtcdNode): Promise<Record<string, NodeFile>> {
    const out = join(this.dir, n.name);
    await mkdir(out, { recursive: true });
    const names = { dns: [n.name, 'localhost'], ips: [n.nodeAddress, n.bridgeAddress, '127.0.0.1'], uris: [] };
    const leaves: [string, string, LeafExtensions][] = [
      ['etcd/server', n.name, { extendedKeyUsage: 'serverAuth, clientAuth', ...names }],
      ['etcd/peer', n.name, { extendedKeyUsage: 'serverAuth, clientAuth', ...names }],
      ['etcd/healthcheck-client', 'kube-etcd-healthcheck-client', { extendedKeyUsage: 'clientAuth', dns: ['kube-etcd-healthcheck-client'], ips: [], uris: [] }],
      ['apiserver-etcd-client', 'kube-apiserver-etcd-client', { extendedKeyUsage: 'clientAuth', dns: ['kube-apiserver-etcd-client'], ips: [], uris: [] }],
    ];
    await mkdir(join(out, 'etcd'), { recursive: true });
    await Promise.all(leaves.map(([base, cn, ext]) => this.issue(join(out, `${base}.key`), join(out, `${base}.crt`), cn, ext)));
    const files: Record<string, NodeFile> = {
      [`${KUBEADM_ETCD_PKI_DIR}/ca.crt`]: { content: await readFile(this.ca.certFile, 'utf8'), mode: 0o644 },
      [`${KUBEADM_ETCD_PKI_DIR}/ca.key`]: { content: await readFile(this.ca.keyFile, 'utf8'), mode: 0o600 },
    };
    for (const [base] of leaves) {
      files[`${KUBEADM_PKI_DIR}/${base}.crt`] = { content: await readFile(join(out, `${base}.crt`), 'utf8'), mode: 0o644 };
      files[`${KUBEADM_PKI_DIR}/${base}.key`] = { content: await readFile(join(out, `${base}.key`), 'utf8'), mode: 0o600 };
    }
    return files;
  }
}

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + YEAR_MS) };
}
