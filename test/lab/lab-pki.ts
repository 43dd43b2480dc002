import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateAuthority, type IssuedCertificate } from '../../coordinator/certs/certificate-authority.js';
import type { NodeFile } from './node-rootfs.js';

/**
 * The lab's noderoll PKI, made with the same code and defaults as `noderoll certs`, freshly, as
 * right after `noderoll certs init/issue` on a real cluster: a CA per lab, an agent certificate per
 * node naming the node and its address, a coordinator and a reader certificate. The lab runs with
 * mutual TLS on, as users would; nodes whose clock is off (clockOffsetMs) accept these certificates
 * only because of the product's own clock-skew margin (CLOCK_SKEW_MARGIN_MS).
 */

/** Where the agent looks for its TLS files by default (agent config `tls:`). */
export const NODE_TLS_DIR = '/etc/noderoll/tls';

export interface ClientFiles {
  ca: string;
  cert: string;
  key: string;
}

function clientFiles(issued: IssuedCertificate): ClientFiles {
  return { ca: issued.caFile, cert: issued.certFile, key: issued.keyFile };
}

export class LabPki {
  private constructor(
    readonly dir: string,
    private readonly ca: CertificateAuthority,
    readonly coordinator: ClientFiles,
    readonly reader: ClientFiles,
  ) {}

  static async create(dir: string, cluster: string): Promise<LabPki> {
    const ca = await CertificateAuthority.init(join(dir, 'ca'), { cluster });
    const coordinator = await ca.issue({ kind: 'client', role: 'coordinator', name: 'noderoll' }, { outDir: join(dir, 'coordinator') });
    const reader = await ca.issue({ kind: 'client', role: 'reader', name: 'prometheus' }, { outDir: join(dir, 'reader') });
    return new LabPki(dir, ca, clientFiles(coordinator), clientFiles(reader));
  }

  /** The agent's files for one node, at the agent's default paths. */
  async agentNodeFiles(node: { name: string; nodeAddress: string }): Promise<Record<string, NodeFile>> {
    const issued = await this.ca.issue({ kind: 'agent', node: node.name, ips: [node.nodeAddress] }, { outDir: join(this.dir, 'agents', node.name) });
    const [ca, cert, key] = await Promise.all([readFile(issued.caFile, 'utf8'), readFile(issued.certFile, 'utf8'), readFile(issued.keyFile, 'utf8')]);
    return {
      [`${NODE_TLS_DIR}/ca.crt`]: { content: ca, mode: 0o644 },
      [`${NODE_TLS_DIR}/agent.crt`]: { content: cert, mode: 0o644 },
      [`${NODE_TLS_DIR}/agent.key`]: { content: key, mode: 0o600 },
    };
  }
}
