import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createCaCertificate, generatePrivateKey, issueLeafCertificate, type LeafExtensions } from '../../shared/pki/openssl.js';
import type { NodeFile } from './node-rootfs.js';

/**
 * The etcd PKI of a lab cluster whose etcd requires TLS client certificates (kubeadm, k3s), made as
 * the distribution makes it, by a layout: its CAs (shared by every control-plane node, their keys
 * there too) and per control-plane node the leaf certificates at the distribution's paths (server
 * and peer: serverAuth+clientAuth, SANs host name, localhost, the node's addresses, 127.0.0.1;
 * clients: clientAuth). EC P-256 keys (kubeadm's default is RSA 2048; etcd takes either).
 * The lab host gets a client certificate of its own (<dir>/host/{ca.crt,client.crt,client.key}).
 */

export interface EtcdClientFiles {
  cacert: string;
  cert: string;
  key: string;
}

export interface EtcdPkiLayout {
  /** CA id → its files in a node (path without .crt/.key) and common name. */
  cas: Record<string, { path: string; commonName: string }>;
  /** Leaves in a node: path without .crt/.key; `node`: a member certificate named after the node (CN and SANs). */
  leaves: { path: string; ca: string; kind: 'member' | 'client'; commonName?: string }[];
  /** The host's client certificate: its CA and common name. */
  hostClient: { ca: string; commonName: string };
}

export interface EtcdPkiNode {
  name: string;
  nodeAddress: string;
  bridgeAddress: string;
}

const YEAR_MS = 365 * 86_400_000;

/** The host's client files of a lab's etcd PKI made in `dir`. */
export function etcdHostClientFiles(dir: string): EtcdClientFiles {
  return { cacert: join(dir, 'host', 'ca.crt'), cert: join(dir, 'host', 'client.crt'), key: join(dir, 'host', 'client.key') };
}

export class EtcdPki {
  private constructor(
    readonly dir: string,
    private readonly layout: EtcdPkiLayout,
    /** A client certificate for the lab host (the lab's own health waits, tests). */
    readonly hostClient: EtcdClientFiles,
  ) {}

  static async create(dir: string, layout: EtcdPkiLayout): Promise<EtcdPki> {
    await mkdir(join(dir, 'host'), { recursive: true });
    for (const [id, ca] of Object.entries(layout.cas)) {
      await generatePrivateKey(join(dir, `${id}.key`));
      await createCaCertificate({ certFile: join(dir, `${id}.crt`), keyFile: join(dir, `${id}.key`), commonName: ca.commonName, ...validity() });
    }
    const pki = new EtcdPki(dir, layout, etcdHostClientFiles(dir));
    await copyFile(join(dir, `${layout.hostClient.ca}.crt`), pki.hostClient.cacert);
    await pki.issue(layout.hostClient.ca, pki.hostClient.key, pki.hostClient.cert, layout.hostClient.commonName, clientExtensions(layout.hostClient.commonName));
    return pki;
  }

  private async issue(ca: string, keyFile: string, certFile: string, commonName: string, extensions: LeafExtensions): Promise<void> {
    await mkdir(dirname(keyFile), { recursive: true });
    await generatePrivateKey(keyFile);
    await issueLeafCertificate({ ca: { certFile: join(this.dir, `${ca}.crt`), keyFile: join(this.dir, `${ca}.key`) }, keyFile, certFile, commonName, extensions, ...validity() });
  }

  /** The files the distribution puts on a control-plane node, path in the node → content. */
  async controlPlaneFiles(n: EtcdPkiNode): Promise<Record<string, NodeFile>> {
    const out = join(this.dir, n.name);
    const names = { dns: [n.name, 'localhost'], ips: [n.nodeAddress, n.bridgeAddress, '127.0.0.1'], uris: [] };
    await Promise.all(
      this.layout.leaves.map((l) => {
        const cn = l.commonName ?? n.name;
        const ext: LeafExtensions = l.kind === 'member' ? { extendedKeyUsage: 'serverAuth, clientAuth', ...names } : clientExtensions(cn);
        return this.issue(l.ca, join(out, `${l.path}.key`), join(out, `${l.path}.crt`), cn, ext);
      }),
    );
    const files: Record<string, NodeFile> = {};
    for (const [id, ca] of Object.entries(this.layout.cas)) {
      files[`${ca.path}.crt`] = { content: await readFile(join(this.dir, `${id}.crt`), 'utf8'), mode: 0o644 };
      files[`${ca.path}.key`] = { content: await readFile(join(this.dir, `${id}.key`), 'utf8'), mode: 0o600 };
    }
    for (const l of this.layout.leaves) {
      files[`${l.path}.crt`] = { content: await readFile(join(out, `${l.path}.crt`), 'utf8'), mode: 0o644 };
      files[`${l.path}.key`] = { content: await readFile(join(out, `${l.path}.key`), 'utf8'), mode: 0o600 };
    }
    return files;
  }
}

function clientExtensions(commonName: string): LeafExtensions {
  return { extendedKeyUsage: 'clientAuth', dns: [commonName], ips: [], uris: [] };
}

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + YEAR_MS) };
}
