import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateAuthority, type IssuedCertificate, type IssueOptions } from '../../coordinator/certs/certificate-authority.js';
import { runCommand, type CommandRunner } from '../../shared/exec/command-runner.js';
import type { NodeFile } from './node-rootfs.js';

/**
 * The lab's noderoll PKI, made with the same code as `noderoll certs`: a CA per lab, an agent
 * certificate per node naming the node and its address, a coordinator and a reader certificate.
 * The lab runs with mutual TLS on, as users would.
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

/** The host's libfaketime (Debian package libfaketime, installed by scripts/dev). */
const HOST_LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';
/**
 * A real cluster's PKI was made long before an update; the lab's is made as if this long ago, so a
 * node whose clock is behind (clockOffsetMs) still accepts it, as it would on a real cluster.
 */
const PKI_AGE_MS = 60 * 60_000;

/** Runs openssl with its clock PKI_AGE_MS in the past (the CA certificate has no explicit start date). */
const opensslInThePast: CommandRunner = (spec) =>
  runCommand({ ...spec, env: { ...(spec.env ?? process.env), LD_PRELOAD: HOST_LIBFAKETIME, FAKETIME: `-${PKI_AGE_MS / 1000}`, FAKETIME_DONT_FAKE_MONOTONIC: '1' } });

function issuedBefore(outDir: string): IssueOptions {
  const now = Date.now();
  return { outDir, notBefore: new Date(now - PKI_AGE_MS), notAfter: new Date(now + 365 * 86_400_000) };
}

export class LabPki {
  private constructor(
    readonly dir: string,
    private readonly ca: CertificateAuthority,
    readonly coordinator: ClientFiles,
    readonly reader: ClientFiles,
  ) {}

  static async create(dir: string, cluster: string): Promise<LabPki> {
    const ca = await CertificateAuthority.init(join(dir, 'ca'), { cluster }, { runner: opensslInThePast });
    const coordinator = await ca.issue({ kind: 'client', role: 'coordinator', name: 'noderoll' }, issuedBefore(join(dir, 'coordinator')));
    const reader = await ca.issue({ kind: 'client', role: 'reader', name: 'prometheus' }, issuedBefore(join(dir, 'reader')));
    return new LabPki(dir, ca, clientFiles(coordinator), clientFiles(reader));
  }

  /** The agent's files for one node, at the agent's default paths. */
  async agentNodeFiles(node: { name: string; nodeAddress: string }): Promise<Record<string, NodeFile>> {
    const issued = await this.ca.issue({ kind: 'agent', node: node.name, ips: [node.nodeAddress] }, issuedBefore(join(this.dir, 'agents', node.name)));
    const [ca, cert, key] = await Promise.all([readFile(issued.caFile, 'utf8'), readFile(issued.certFile, 'utf8'), readFile(issued.keyFile, 'utf8')]);
    return {
      [`${NODE_TLS_DIR}/ca.crt`]: { content: ca, mode: 0o644 },
      [`${NODE_TLS_DIR}/agent.crt`]: { content: cert, mode: 0o644 },
      [`${NODE_TLS_DIR}/agent.key`]: { content: key, mode: 0o600 },
    };
  }
}
