import { existsSync } from 'node:fs';
import { access, chmod, constants, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { certificateInfo, issuedBy } from '../../shared/pki/certificate-info.js';
import { checkCommonName } from '../../shared/pki/openssl.js';
import { UsageError } from '../../shared/cli/flag-parser.js';
import { CA_CERT_FILE, CA_KEY_FILE, CertificateAuthority, CertificateAuthorityError } from '../certs/certificate-authority.js';
import { parseConfigText } from '../config/load-config.js';
import { agentConfigYaml, AGENT_PORTS, checkAgentSettings, hostPort, type AgentSettings } from './agent-bundle-config.js';
import { takeInventory, type DetectedNode } from './cluster-inventory.js';
import { addNodesToConfigText, configuredNodeNames, newCoordinatorConfigText, readExampleConfig, type ConfigNodeEntry } from './coordinator-config-file.js';
import { nodeInstallCommands, planCommand } from './operator-commands.js';
import type { ClusterReading } from './read-cluster.js';

/**
 * `noderoll init`'s work on DIR, after the cluster was read: decide everything and validate every
 * file it would write (the inventory, the CA, the agent configs with the agent's own reader, the
 * coordinator config with the coordinator's), then make the new files in a staging directory
 * inside DIR and move them into place, config.yaml last. A failure before the moves leaves DIR as
 * it was (the staging directory is removed).
 *
 * DIR/config.yaml                         the coordinator's config (agents.tls -> pki/coordinator/)
 * DIR/pki/{ca.crt,ca.key,issued.jsonl}   the CA, unless --ca-dir names one elsewhere
 * DIR/pki/coordinator/                    ca.crt, coordinator.crt, coordinator.key (the config's agents.tls)
 * DIR/pki/reader/                         ca.crt, reader.crt, reader.key (Prometheus: agent /metrics)
 * DIR/nodes/NODE/agent.yaml               -> /etc/noderoll/agent.yaml on the node
 * DIR/nodes/NODE/tls/                     -> /etc/noderoll/tls/ (ca.crt, agent.crt, agent.key 0600)
 *
 * A later run adds what is missing for nodes that joined (bundle, certificate, config entry) and
 * leaves every existing file as it is; a node that left is reported, never removed.
 */

export const COORDINATOR_CERT_NAME = 'coordinator';
export const READER_CERT_NAME = 'prometheus';

export interface OnboardOptions {
  /** Absolute. */
  outDir: string;
  cluster?: string;
  /** Absolute; default DIR/pki. */
  caDir?: string;
  etcdEndpoints?: readonly string[];
  agentSettings: AgentSettings;
  kubeconfig?: string;
  context?: string;
  reading: ClusterReading;
}

export interface NodeOutcome extends DetectedNode {
  bundle: string;
  /** added: bundle and certificate made now; existing: from an earlier run, untouched. */
  status: 'added' | 'existing';
  /** Added to config.yaml now. */
  configEntryAdded: boolean;
  agent: string;
  commands: string[];
}

export interface OnboardResult {
  dir: string;
  configFile: string;
  config: 'created' | 'updated' | 'unchanged';
  ca: { dir: string; created: boolean; cluster: string };
  kubernetesVersion: string;
  gravity: boolean;
  nodes: NodeOutcome[];
  /** In config.yaml or with a bundle, but no longer in the cluster. */
  disappeared: string[];
  warnings: string[];
  next: string;
}

/** The cluster's data makes init refuse (exit 3); nothing was written. */
export class OnboardRefused extends Error {
  constructor(readonly reasons: readonly string[]) {
    super(`noderoll init refuses this cluster (nothing was written): ${reasons.join('; ')}`);
    this.name = 'OnboardRefused';
  }
}

const BUNDLE_FILES = ['agent.yaml', 'tls/ca.crt', 'tls/agent.crt', 'tls/agent.key'];

export async function onboardCluster(o: OnboardOptions): Promise<OnboardResult> {
  const inventory = takeInventory(o.reading.kubeNodes, o.reading.gravity);
  if (inventory.refusals.length > 0) throw new OnboardRefused(inventory.refusals);
  const warnings = [...inventory.warnings];
  const dir = o.outDir;
  const dirExists = await checkOutDir(dir);
  const configFile = join(dir, 'config.yaml');
  const existingConfig = existsSync(configFile) ? await readFile(configFile, 'utf8') : undefined;
  if (existingConfig !== undefined) parseConfigText(existingConfig, configFile); // an invalid config is reported before anything is added to it
  const configured = existingConfig !== undefined ? configuredNodeNames(existingConfig) : [];
  const bundled = existsSync(join(dir, 'nodes')) ? (await readdir(join(dir, 'nodes'), { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name) : [];
  const clusterNames = new Set(inventory.nodes.map((n) => n.name));
  const disappeared = [...new Set([...configured, ...bundled])].filter((n) => !clusterNames.has(n));

  const ca = await chooseCa(o, dir);
  const existingBundles = new Set<string>();
  for (const n of inventory.nodes) {
    if (!bundled.includes(n.name)) continue;
    await checkExistingBundle(join(dir, 'nodes', n.name), n, ca, warnings);
    existingBundles.add(n.name);
  }
  const coordinatorDir = join(dir, 'pki', 'coordinator');
  const readerDir = join(dir, 'pki', 'reader');
  for (const clientDir of [coordinatorDir, readerDir]) {
    if (existsSync(clientDir)) await checkSameCa(join(clientDir, CA_CERT_FILE), ca.certPem, ca.dir);
  }

  checkAgentSettings(o.agentSettings);
  const newNodes = inventory.nodes.filter((n) => !existingBundles.has(n.name));
  const agentConfigs = new Map(newNodes.map((n) => [n.name, agentConfigYaml(n, o.agentSettings, join(dir, 'nodes', n.name, 'agent.yaml'))]));
  for (const n of inventory.nodes) {
    if (existingBundles.has(n.name) && existingConfig !== undefined && !configured.includes(n.name)) {
      warnings.push(`node ${n.name} has a bundle from an earlier run but is not in config.yaml (removed by hand?): not added back`);
    }
  }
  const entry = (n: DetectedNode): ConfigNodeEntry => ({ name: n.name, agent: hostPort(n.internalIp, AGENT_PORTS.grpc), role: n.role });
  const addedToConfig = existingConfig === undefined ? inventory.nodes : newNodes.filter((n) => !configured.includes(n.name));
  const configText =
    existingConfig === undefined
      ? newCoordinatorConfigText(await readExampleConfig(), {
          cluster: ca.cluster,
          kubernetesVersion: o.reading.kubernetesVersion,
          nodes: inventory.nodes.map(entry),
          tls: { ca: `pki/coordinator/${CA_CERT_FILE}`, cert: 'pki/coordinator/coordinator.crt', key: 'pki/coordinator/coordinator.key' },
          ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
          ...(o.context ? { context: o.context } : {}),
          ...(o.etcdEndpoints ? { etcdEndpoints: o.etcdEndpoints } : {}),
          gravityFound: o.reading.gravity !== undefined,
        })
      : addNodes(existingConfig, addedToConfig.map(entry), warnings);
  parseConfigText(configText, configFile);
  warnings.push(...ignoredOptions(o, ca, existingConfig !== undefined, existingBundles.size > 0));
  if (o.reading.gravity === undefined) warnings.push('no gravity on PATH: roles come from the node labels, and the gravity gate is off in a new config.yaml');
  if ([...agentConfigs.values()].some((a) => a.config.install.command.length === 0)) {
    warnings.push('the agent settings give no install.command: the agents refuse installs until it is set (with packages.watch) in each agent.yaml; pass --agent-settings FILE');
  }

  // Everything is decided and valid: write.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(dir, '.noderoll-init-'));
  try {
    const stagedCa = ca.open ?? (await CertificateAuthority.init(join(staging, 'pki'), { cluster: ca.cluster }));
    const finalPath = (p: string): string => join(dir, relative(staging, p));
    const moves: string[] = [];
    if (!ca.open) moves.push('pki');
    for (const [role, clientDir, name] of [['coordinator', coordinatorDir, COORDINATOR_CERT_NAME], ['reader', readerDir, READER_CERT_NAME]] as const) {
      if (existsSync(clientDir)) continue;
      const out = join(staging, relative(dir, clientDir));
      await stagedCa.issue({ kind: 'client', role, name }, { outDir: out, recordAs: finalPath(join(out, `${role}.crt`)) });
      if (ca.open) moves.push(relative(dir, clientDir));
    }
    for (const n of newNodes) {
      const bundle = join(staging, 'nodes', n.name);
      const tls = join(bundle, 'tls');
      await stagedCa.issue({ kind: 'agent', node: n.name, ips: [n.internalIp] }, { outDir: tls, recordAs: finalPath(join(tls, 'agent.crt')) });
      await writeFile(join(bundle, 'agent.yaml'), agentConfigs.get(n.name)?.text ?? '', { mode: 0o644 });
      moves.push(join('nodes', n.name));
    }
    // A replaced config keeps the mode the operator gave it.
    const configMode = existingConfig !== undefined ? (await stat(configFile)).mode & 0o777 : 0o600;
    await writeFile(join(staging, 'config.yaml'), configText, { mode: configMode });
    await chmod(join(staging, 'config.yaml'), configMode);
    for (const m of moves) {
      await mkdir(dirname(join(dir, m)), { recursive: true, mode: 0o700 });
      await rename(join(staging, m), join(dir, m));
    }
    if (configText !== existingConfig) await rename(join(staging, 'config.yaml'), configFile);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (!dirExists) await rmdir(dir).catch(() => undefined);
    throw err;
  }
  await rm(staging, { recursive: true, force: true });

  const nodes: NodeOutcome[] = inventory.nodes.map((n) => {
    const bundle = join(dir, 'nodes', n.name);
    return {
      ...n,
      bundle,
      status: existingBundles.has(n.name) ? 'existing' : 'added',
      configEntryAdded: addedToConfig.includes(n),
      agent: hostPort(n.internalIp, AGENT_PORTS.grpc),
      commands: nodeInstallCommands(n, bundle),
    };
  });
  return {
    dir,
    configFile,
    config: existingConfig === undefined ? 'created' : configText === existingConfig ? 'unchanged' : 'updated',
    ca: { dir: ca.open ? ca.dir : join(dir, 'pki'), created: !ca.open, cluster: ca.cluster },
    kubernetesVersion: o.reading.kubernetesVersion,
    gravity: o.reading.gravity !== undefined,
    nodes,
    disappeared,
    warnings,
    next: planCommand(configFile),
  };
}

/** Options that only shape files made now: said when they cannot apply, so nothing is silently ignored. */
function ignoredOptions(o: OnboardOptions, ca: ChosenCa, configExists: boolean, bundlesExist: boolean): string[] {
  const out: string[] = [];
  if (o.cluster !== undefined && ca.open) out.push(`--cluster ${o.cluster} is not used: the CA in ${ca.dir} exists (cluster ${ca.cluster})`);
  const configFlags = [o.etcdEndpoints && '--etcd-endpoints', o.kubeconfig && '--kubeconfig', o.context && '--context'].filter(Boolean);
  if (configExists && configFlags.length > 0) out.push(`${configFlags.join(', ')} shape a new config.yaml only; the existing one is not rewritten: edit it (kubernetes, gates.etcd, backup.command)`);
  if (bundlesExist && o.agentSettings.text !== '') out.push('--agent-settings shape new bundles only; the agent.yaml of existing bundles is not rewritten');
  return out;
}

function addNodes(text: string, entries: readonly ConfigNodeEntry[], warnings: string[]): string {
  const added = addNodesToConfigText(text, entries);
  if (added.reformatted) warnings.push('config.yaml lists its nodes as a flow sequence (nodes: [...]) or not at all: it was rewritten through the YAML document to add nodes (comments kept, layout normalised)');
  return added.text;
}

/** DIR must be a writable directory, or not exist under a writable parent. Returns whether it exists. */
async function checkOutDir(dir: string): Promise<boolean> {
  const info = await stat(dir).catch(() => undefined);
  const target = info ? dir : dirname(dir);
  if (info && !info.isDirectory()) throw new UsageError('--out', `${dir} exists and is not a directory`);
  if (!info && !(await stat(target).catch(() => undefined))?.isDirectory()) throw new UsageError('--out', `${target} (the parent of ${dir}) does not exist`);
  try {
    await access(target, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError('--out', `${target} is not writable by this user`);
  }
  return info !== undefined;
}

interface ChosenCa {
  /** The CA when it already exists (DIR/pki or --ca-dir); undefined: init creates one in DIR/pki. */
  open: CertificateAuthority | undefined;
  dir: string;
  cluster: string;
  /** PEM of the CA certificate; undefined when it is yet to be made. */
  certPem: string | undefined;
}

async function chooseCa(o: OnboardOptions, dir: string): Promise<ChosenCa> {
  const caDir = o.caDir ?? join(dir, 'pki');
  if (o.caDir !== undefined || existsSync(join(caDir, CA_CERT_FILE)) || existsSync(join(caDir, CA_KEY_FILE))) {
    const ca = await CertificateAuthority.open(caDir);
    return { open: ca, dir: caDir, cluster: ca.info.commonName.replace(/^noderoll CA /, ''), certPem: await readFile(ca.certFile, 'utf8') };
  }
  const fromGravity = o.reading.gravity?.cluster.domain;
  const cluster = o.cluster ?? fromGravity;
  if (cluster === undefined) throw new UsageError('--cluster', 'is required to create the CA: no gravity status to take the cluster name from');
  checkCommonName(o.cluster !== undefined ? '--cluster' : 'gravity status cluster.domain', cluster);
  return { open: undefined, dir: caDir, cluster, certPem: undefined };
}

async function checkSameCa(caFile: string, caPem: string | undefined, caDir: string): Promise<void> {
  const pem = await readFile(caFile, 'utf8').catch(() => undefined);
  if (caPem === undefined || pem === undefined || pem.trim() !== caPem.trim()) {
    throw new CertificateAuthorityError(
      `${caFile} is not the certificate of the CA in ${caDir}${caPem === undefined ? ' (there is none yet)' : ''}: the files in this directory were issued by another CA; pass --ca-dir with that CA (or use a new --out)`,
    );
  }
}

async function checkExistingBundle(bundle: string, n: DetectedNode, ca: ChosenCa, warnings: string[]): Promise<void> {
  const missing = BUNDLE_FILES.filter((f) => !existsSync(join(bundle, f)));
  if (missing.length > 0) throw new CertificateAuthorityError(`${bundle} is incomplete (missing ${missing.join(', ')}): remove the directory to have init write the bundle of node ${n.name} again`);
  await checkSameCa(join(bundle, 'tls', CA_CERT_FILE), ca.certPem, ca.dir);
  const certPem = await readFile(join(bundle, 'tls', 'agent.crt'), 'utf8');
  if (ca.certPem !== undefined && !issuedBy(certPem, ca.certPem)) throw new CertificateAuthorityError(`${join(bundle, 'tls', 'agent.crt')} was not issued by the CA in ${ca.dir}`);
  const info = certificateInfo(certPem);
  if (!info.ips.includes(n.internalIp)) {
    warnings.push(
      `node ${n.name}: its certificate names ${info.ips.join(', ') || 'no IP'} but its InternalIP is now ${n.internalIp}: reissue it (noderoll certs issue --role agent --node ${n.name} --ip ${n.internalIp} --out ${join(bundle, 'tls')} --force) and fix the listen addresses in its agent.yaml`,
    );
  }
}
