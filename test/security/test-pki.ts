import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority, type CertificateProfile, type IssuedCertificate, type IssueOptions } from '../../coordinator/certs/certificate-authority.js';
import type { AgentClientTls } from '../../shared/agent-api/agent-client.js';
import { certificateInfo } from '../../shared/pki/certificate-info.js';
import type { ClientRole } from '../../shared/pki/noderoll-identity.js';
import { generatePrivateKey, issueLeafCertificate, type LeafExtensions } from '../../shared/pki/openssl.js';
import type { NodeFile } from '../lab/node-rootfs.js';

/**
 * A throwaway noderoll CA for tests, made with the same code as `noderoll certs` (real openssl):
 * agent and client certificates on demand, and the files they make as PEM text for clients.
 */

export interface IssuedPem extends IssuedCertificate {
  pem: { ca: string; cert: string; key: string };
}

export class TestPki {
  private count = 0;

  private constructor(
    readonly dir: string,
    readonly ca: CertificateAuthority,
  ) {}

  static async create(cluster = 'test'): Promise<TestPki> {
    const dir = await mkdtemp(join(tmpdir(), 'noderoll-test-pki-'));
    return new TestPki(dir, await CertificateAuthority.init(join(dir, 'ca'), { cluster }));
  }

  async issue(profile: CertificateProfile, options: Omit<IssueOptions, 'outDir'> = {}): Promise<IssuedPem> {
    this.count += 1;
    const label = profile.kind === 'agent' ? `agent-${profile.node}` : `${profile.role}-${profile.name}`;
    const issued = await this.ca.issue(profile, { ...options, outDir: join(this.dir, `${this.count}-${label}`) });
    const [ca, cert, key] = await Promise.all([readFile(issued.caFile, 'utf8'), readFile(issued.certFile, 'utf8'), readFile(issued.keyFile, 'utf8')]);
    return { ...issued, pem: { ca, cert, key } };
  }

  agent(node: string, o: { ips?: string[]; dns?: string[] } & Omit<IssueOptions, 'outDir'> = {}): Promise<IssuedPem> {
    const { ips, dns, ...options } = o;
    return this.issue({ kind: 'agent', node, ips: ips ?? [], dns: dns ?? [] }, options);
  }

  client(role: ClientRole, name: string = role, options: Omit<IssueOptions, 'outDir'> = {}): Promise<IssuedPem> {
    return this.issue({ kind: 'client', role, name }, options);
  }

  /**
   * A certificate `noderoll certs` would never issue (e.g. a client certificate without a role),
   * signed by this CA with openssl directly.
   */
  async custom(name: string, extensions: LeafExtensions): Promise<IssuedPem> {
    this.count += 1;
    const out = join(this.dir, `${this.count}-custom-${name}`);
    await mkdir(out, { recursive: true });
    const keyFile = join(out, 'custom.key');
    const certFile = join(out, 'custom.crt');
    await generatePrivateKey(keyFile);
    await issueLeafCertificate({ ca: { certFile: this.ca.certFile, keyFile: this.ca.keyFile }, keyFile, certFile, commonName: name, extensions, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) });
    const [ca, cert, key] = await Promise.all([readFile(this.ca.certFile, 'utf8'), readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { certFile, keyFile, caFile: this.ca.certFile, info: certificateInfo(cert), pem: { ca, cert, key } };
  }

  /** The files a lab node's agent needs (in the default paths): its certificate names the node and its address. */
  async agentNodeFiles(node: { name: string; nodeAddress: string }): Promise<Record<string, NodeFile>> {
    const issued = await this.agent(node.name, { ips: [node.nodeAddress] });
    return {
      '/etc/noderoll/tls/ca.crt': { content: issued.pem.ca, mode: 0o644 },
      '/etc/noderoll/tls/agent.crt': { content: issued.pem.cert, mode: 0o644 },
      '/etc/noderoll/tls/agent.key': { content: issued.pem.key, mode: 0o600 },
    };
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Client TLS options from an issued client certificate, towards the agent of `expectedNode`. */
export function clientTls(client: IssuedPem, expectedNode: string, ca = client.pem.ca): AgentClientTls {
  return { ca, cert: client.pem.cert, key: client.pem.key, expectedNode };
}

/** The agent config's tls: section for files issued for an agent. */
export function agentTlsYaml(agent: IssuedCertificate): string {
  return `tls:\n  mode: mutual\n  caFile: ${agent.caFile}\n  certFile: ${agent.certFile}\n  keyFile: ${agent.keyFile}\n`;
}

/** The certificates an in-process agent test needs; filled in by the `before` hook useAgentTestPki registers. */
export interface AgentTestPki {
  pki: TestPki;
  /** The agent's certificate for `test-node` at 127.0.0.1. */
  agentCert: IssuedPem;
  /** A coordinator-role client certificate. */
  coordinatorCert: IssuedPem;
}

/** Mocha: a test PKI for the enclosing describe block, created before its tests and removed after them. */
export function useAgentTestPki(node = 'test-node'): AgentTestPki {
  const certs = {} as AgentTestPki;
  before(async () => {
    certs.pki = await TestPki.create();
    certs.agentCert = await certs.pki.agent(node, { ips: ['127.0.0.1'] });
    certs.coordinatorCert = await certs.pki.client('coordinator');
  });
  after(async () => certs.pki?.cleanup());
  return certs;
}
