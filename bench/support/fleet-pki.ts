import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateAuthority } from '../../coordinator/certs/certificate-authority.js';

/**
 * The fleet's noderoll PKI, issued with the product's own code and defaults (`noderoll certs
 * init/issue`: CertificateAuthority, openssl, EC P-256, one key per certificate): a CA, the
 * coordinator's client certificate, and one agent certificate per node naming that node (the
 * coordinator accepts an agent only when its certificate names the node it meant to reach).
 *
 * Issuing costs a few openssl runs per certificate (~0.1 s), so the PKI is kept in the bench cache
 * directory and reused: a node whose agent.crt is there is not issued again (issue renames the key,
 * then the certificate, into place), and the whole PKI is made anew once it is older than
 * REISSUE_AFTER_DAYS (its certificates are valid for the product's default 365 days).
 */

const LAYOUT = 'v1';
const REISSUE_AFTER_DAYS = 300;
/** Certificates issued at once: openssl is CPU-bound and the machine has 2 cores. */
const ISSUE_CONCURRENCY = 2;

export interface ClientTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface FleetPki {
  /** DIR such that DIR/<node>/{ca.crt,agent.crt,agent.key} are each agent's files (fleet-simulator --tls-dir). */
  agentsDir: string;
  coordinator: ClientTlsFiles;
  /** Agent certificates issued this time (the others came from the cache), and how long that took. */
  issued: number;
  issueSeconds: number;
}

interface Manifest {
  layout: string;
  createdAtMs: number;
}

export async function ensureFleetPki(cacheDir: string, nodes: readonly string[], log: (m: string) => void): Promise<FleetPki> {
  const dir = join(cacheDir, `fan-out-pki-${LAYOUT}`);
  const manifestFile = join(dir, 'manifest.json');
  const manifest = await readFile(manifestFile, 'utf8').then((t) => JSON.parse(t) as Manifest, () => undefined);
  const fresh = manifest?.layout === LAYOUT && Date.now() - manifest.createdAtMs < REISSUE_AFTER_DAYS * 86_400_000 && existsSync(join(dir, 'ca', 'ca.key'));
  if (!fresh) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await CertificateAuthority.init(join(dir, 'ca'), { cluster: 'noderoll-bench-fan-out' });
    await writeFile(manifestFile, JSON.stringify({ layout: LAYOUT, createdAtMs: Date.now() } satisfies Manifest));
  }
  const ca = await CertificateAuthority.open(join(dir, 'ca'));
  const coordinatorDir = join(dir, 'coordinator');
  if (!existsSync(join(coordinatorDir, 'coordinator.crt'))) await ca.issue({ kind: 'client', role: 'coordinator', name: 'noderoll-bench' }, { outDir: coordinatorDir, overwrite: true });
  const agentsDir = join(dir, 'agents');
  const missing = nodes.filter((node) => !existsSync(join(agentsDir, node, 'agent.crt')));
  const started = Date.now();
  if (missing.length > 0) log(`fan-out: issuing ${missing.length} agent certificate(s) into ${agentsDir} (cached for later runs)`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < missing.length) {
      const node = missing[next++]!;
      await ca.issue({ kind: 'agent', node }, { outDir: join(agentsDir, node), overwrite: true });
    }
  };
  await Promise.all(Array.from({ length: ISSUE_CONCURRENCY }, worker));
  return {
    agentsDir,
    coordinator: { ca: join(coordinatorDir, 'ca.crt'), cert: join(coordinatorDir, 'coordinator.crt'), key: join(coordinatorDir, 'coordinator.key') },
    issued: missing.length,
    issueSeconds: (Date.now() - started) / 1000,
  };
}
