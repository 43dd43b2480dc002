import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { flagList, flagString, UsageError } from '../../../shared/cli/flag-parser.js';
import { CertificateAuthorityError } from '../../certs/certificate-authority.js';
import type { NodeOutcome, OnboardResult } from '../../onboarding/onboard-cluster.js';
import { ClusterReadError, readCluster } from '../../onboarding/read-cluster.js';
import { type CommandContext, CommandExit } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';

/** Agent settings are a few lines; anything near this is not. */
const MAX_AGENT_SETTINGS_BYTES = 256 * 1024;
const KUBECTL_TIMEOUT_MS = 60_000;

/**
 * `noderoll init --out DIR`: reads the cluster (kubectl, gravity status when present) and writes
 * the coordinator config, the CA and certificates, and one agent bundle per node
 * (coordinator/onboarding/onboard-cluster.ts), then prints how to install each bundle.
 * Exit 0 done; 2 bad flag, unreadable settings, unusable DIR or CA (nothing written); 3 the
 * cluster's data is refused (nothing written).
 */
export async function initCommand(ctx: CommandContext): Promise<number> {
  const out = flagString(ctx.flags, 'out');
  if (out === undefined) throw new UsageError('--out', 'is required: the directory to write the config, certificates and node bundles to');
  const settingsFile = flagString(ctx.flags, 'agent-settings');
  const agentSettings = settingsFile === undefined ? { text: '', source: '(none)' } : { text: await readAgentSettings(settingsFile), source: resolve(settingsFile) };
  const kubeconfig = flagString(ctx.flags, 'kubeconfig');
  const context = flagString(ctx.flags, 'context');
  const caDir = flagString(ctx.flags, 'ca-dir');
  const cluster = flagString(ctx.flags, 'cluster');
  const etcdEndpoints = flagList(ctx.flags, 'etcd-endpoints');
  if (kubeconfig !== undefined) await readable('--kubeconfig', kubeconfig);
  // Loaded here: it uses the agent's config reader (dist/agent/config), which no other command needs.
  const { onboardCluster, OnboardRefused } = await import('../../onboarding/onboard-cluster.js');
  let result: OnboardResult;
  try {
    const reading = await readCluster({
      kubectl: 'kubectl',
      ...(kubeconfig ? { kubeconfig: resolve(kubeconfig) } : {}),
      ...(context ? { context } : {}),
      env: ctx.env.env,
      timeoutMs: KUBECTL_TIMEOUT_MS,
      ...(ctx.env.runner ? { runner: ctx.env.runner } : {}),
    });
    result = await onboardCluster({
      outDir: resolve(out),
      ...(cluster !== undefined ? { cluster } : {}),
      ...(caDir !== undefined ? { caDir: resolve(caDir) } : {}),
      ...(etcdEndpoints ? { etcdEndpoints } : {}),
      agentSettings,
      ...(kubeconfig ? { kubeconfig: resolve(kubeconfig) } : {}),
      ...(context ? { context } : {}),
      reading,
    });
  } catch (err) {
    if (err instanceof ClusterReadError) throw new CommandExit(ExitCode.notHealthy, `${err.message} (nothing was written)`);
    if (err instanceof OnboardRefused) throw new CommandExit(ExitCode.notHealthy, err.message);
    if (err instanceof CertificateAuthorityError) throw new CommandExit(ExitCode.usage, `${err.message} (nothing was written)`, caDir !== undefined ? '--ca-dir' : '--out');
    throw err;
  }
  ctx.reporter.result('init', { ...result }, () => renderInitText(result));
  return ExitCode.ok;
}

async function readable(flag: string, path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(flag, `${path} does not exist or is not a file`);
}

async function readAgentSettings(path: string): Promise<string> {
  await readable('--agent-settings', path);
  if ((await stat(path)).size > MAX_AGENT_SETTINGS_BYTES) throw new UsageError('--agent-settings', `${path} is larger than ${MAX_AGENT_SETTINGS_BYTES} bytes; agent settings are a few lines of YAML`);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError('--agent-settings', `cannot read ${path}: ${(err as Error).message}`);
  }
}

function describeNode(n: NodeOutcome): string {
  return `${n.name}  ${n.role} (${n.roleSource})  InternalIP ${n.internalIp}  kubelet ${n.kubeletVersion}`;
}

export function renderInitText(r: OnboardResult): string {
  const added = r.nodes.filter((n) => n.status === 'added');
  const lines = [
    `Cluster ${r.ca.cluster}: Kubernetes ${r.kubernetesVersion}, ${r.nodes.length} node${r.nodes.length === 1 ? '' : 's'}${r.gravity ? ' (kubectl and gravity status)' : ' (kubectl; no gravity on PATH)'}`,
    ...r.nodes.map((n) => `  ${n.status === 'added' ? '+' : '='} ${describeNode(n)}${n.status === 'existing' ? '  (bundle from an earlier run, unchanged)' : ''}`),
    '',
    `config:  ${r.configFile} (${r.config})`,
    `CA:      ${r.ca.dir} (${r.ca.created ? 'created' : 'existing'}); coordinator and reader certificates in ${r.dir}/pki/{coordinator,reader}/`,
    `         ${r.ca.created ? 'pki/ca.key is the CA\'s secret: keep this directory on this host; ' : ''}only nodes/NODE/ goes to a node`,
  ];
  for (const name of r.disappeared) lines.push(`gone:    node ${name} is in config.yaml or has a bundle but is no longer in the cluster; nothing was removed (delete its entry and bundle if it left for good)`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (added.length > 0) {
    lines.push('', 'Install each new bundle: from the directory that holds the agent package (npm run package writes dist/packages/), as root over ssh:');
    for (const n of added) lines.push('', `# ${n.name} (${n.role}, ${n.internalIp})`, ...n.commands);
  } else {
    lines.push('', 'No new node: nothing to install.');
  }
  lines.push('', 'Then check every agent from here:', `  ${r.next}`);
  return lines.join('\n');
}
