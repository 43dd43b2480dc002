import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectDir, type Lab } from './lab.js';
import { NODE_PACKAGE_DIR, PLANET_PACKAGE } from './lab-packages.js';

/**
 * noderoll's configuration for a lab cluster: what a user would write for their own cluster,
 * with the lab's addresses, packages and the gravity/etcdctl commands that work against it.
 */

export const AGENT_GRPC_PORT = 7443;
export const AGENT_HTTP_PORT = 7444;
/** /metrics and /status, mutual TLS (a reader certificate, e.g. Prometheus's). */
export const AGENT_METRICS_PORT = 7445;

/**
 * The lab's site-wide agent settings: what every node of the site shares (the package to watch, the
 * install command, the checks inside planet), apart from the node's own listen addresses. An operator
 * keeps such a file for `noderoll init --agent-settings`; the lab writes this one for its clusters.
 */
export function labSiteAgentSettingsYaml(): string {
  return `packages:
  watch: [${PLANET_PACKAGE}]
install:
  command: ["dpkg", "-i", "${NODE_PACKAGE_DIR}/${PLANET_PACKAGE}_{version}_all.deb"]
planetChecks:
  checks:
    # Inside a real planet, systemctl sees planet's own systemd, never the host's units (a long-failed
    # kdump.service on the host is not there). The lab's planet shares the node's systemd, so the check
    # names the units that make up planet in the lab.
    - name: failed-units
      command: ["gravity", "exec", "--no-tty", "--no-interactive", "systemctl", "list-units", "--failed", "--plain", "--no-legend", "gravity__gravitational.io__planet*"]
      expect: no-failed-units
    - name: etcd-health
      command: ["gravity", "exec", "--no-tty", "--no-interactive", "etcdctl", "--endpoints=http://127.0.0.1:2379", "endpoint", "health", "--command-timeout=2s"]
      expect: exit-zero
`;
}

/** The agent's listen addresses on a lab node: gRPC, HTTP and metrics (mutual TLS) on the node's address. */
export function labAgentListenYaml(node: { nodeAddress: string }): string {
  return `grpc:
  listen: "${node.nodeAddress}:${AGENT_GRPC_PORT}"
http:
  listen: "${node.nodeAddress}:${AGENT_HTTP_PORT}"
  metrics:
    listen: "${node.nodeAddress}:${AGENT_METRICS_PORT}"
    tls: mutual
`;
}

/** The agent's config on a lab node; tls: the defaults (mutual, files in /etc/noderoll/tls). */
export function labAgentConfigYaml(node: { nodeAddress: string }, options: { extraYaml?: string } = {}): string {
  return `# noderoll-agent on a noderoll lab node
${labAgentListenYaml(node)}${labSiteAgentSettingsYaml()}${options.extraYaml ?? ''}`;
}

export interface CoordinatorConfigOptions {
  /** Directory for the state file, log and backups (default: <lab dir>/noderoll). */
  dir?: string;
  soakInterval?: string;
  soakPasses?: number;
  drainTimeout?: string;
  gatesBeforeNodeTimeout?: string;
  rebootTimeout?: string;
  journalIgnore?: string[];
  /** drain.onBlocked (default: the product's, wait). */
  drainOnBlocked?: 'wait' | 'halt';
  /**
   * Where the operation and the lock live: the state file in `dir` (default), or a Lease and a ConfigMap
   * in the lab's API server (leaseDuration: e.g. '15s'; default the product's 30s).
   */
  state?: { backend: 'file' } | { backend: 'kubernetes'; leaseDuration?: string };
  /** The coordinator's kubeconfig (default: the lab's admin kubeconfig on the plain port); e.g. a ServiceAccount's, Lab.coordinatorIdentity(). */
  kubeconfig?: string;
  /** Top-level YAML appended as it is (e.g. `windows:` and `schedule:`). */
  extraYaml?: string;
  /** The lab nodes the coordinator updates (default: every node of the lab). */
  nodes?: readonly string[];
}

export function labCoordinatorDir(lab: Lab, options: CoordinatorConfigOptions = {}): string {
  return options.dir ?? join(lab.dir, 'noderoll');
}

function agentsTls(lab: Lab): string {
  if (!lab.pki) return '  insecurePlaintext: true';
  const c = lab.pki.coordinator;
  return `  tls: { ca: ${c.ca}, cert: ${c.cert}, key: ${c.key} }`;
}

function stateYaml(dir: string, state: CoordinatorConfigOptions['state']): string {
  const lines = ['state:', `  file: ${dir}/state.json`];
  if (state?.backend === 'kubernetes') {
    lines.push('  backend: kubernetes');
    if (state.leaseDuration) lines.push('  kubernetes:', `    leaseDuration: ${state.leaseDuration}`);
  }
  return lines.join('\n');
}

/** The gravity lab's gates and backup: `gravity status`, etcdctl v2 health and an etcdctl v3 snapshot from the coordinator's host. */
function gravityGatesAndBackup(lab: Lab, dir: string): string {
  const endpoints = lab.etcdEndpoints().join(',');
  const first = lab.etcdEndpoints()[0] ?? '';
  return `gates:
  gravity: { enabled: true, command: [gravity, status, --output=json], timeout: 30s }
  etcd:
    enabled: true
    format: v2
    command: [etcdctl, "--endpoints=${endpoints}", cluster-health]
    env: { ETCDCTL_API: "2" }
    timeout: 20s
  pods: { enabled: true }
  nodes: { enabled: true }
  agents: { enabled: true }
backup:
  enabled: true
  command: [etcdctl, "--endpoints=${first}", snapshot, save, "{artifact}"]
  verifyCommand: [etcdctl, snapshot, status, "{artifact}", -w, json]
  env: { ETCDCTL_API: "3" }
  artifact: ${dir}/backups/{operation}.db
  timeout: 2m`;
}

export function labCoordinatorConfigYaml(lab: Lab, options: CoordinatorConfigOptions = {}): string {
  return coordinatorConfigYaml(lab, options, '', gravityGatesAndBackup(lab, labCoordinatorDir(lab, options)));
}

export interface KubeadmCoordinatorConfigOptions extends CoordinatorConfigOptions {
  /** install.mode (default upgrade-all: every pending upgrade of the lab's apt repository). */
  installMode?: 'upgrade-all' | 'packages' | 'command';
  /** install.packages for mode packages. */
  packages?: readonly { name: string; version: string }[];
  /** reboot (default auto: only nodes whose agent says a reboot is required). */
  reboot?: 'auto' | 'always' | 'never';
  /** units.stop (default the profile's: none; e.g. [kubelet.service] for a kubelet upgrade). */
  unitsStop?: readonly string[];
}

/**
 * The coordinator config for a kubeadm or k3s lab (\`profile: kubeadm|k3s\`): the API server's /readyz
 * and etcd's health through the agent of a control-plane node (the etcd client certificates stay on
 * it), the backup an etcd snapshot the agent streams into <dir>/backups (kubeadm: \`etcdctl snapshot
 * save\`; k3s: \`k3s etcd-snapshot save\`, chosen by the agent's profile), \`install.mode: upgrade-all\`
 * and \`reboot: auto\` by default; the units stopped around the install are the profile's unless
 * unitsStop says otherwise. The agents must be configured with the same profile and install mode.
 * A k3s lab on SQLite (lab.datastore) gets `datastore: sqlite`: no etcd gate, the backup is the
 * server agent's copy of the SQLite database.
 */
export function labUnitProfileCoordinatorConfigYaml(lab: Lab, profileName: 'kubeadm' | 'k3s', options: KubeadmCoordinatorConfigOptions = {}): string {
  const dir = labCoordinatorDir(lab, options);
  const mode = options.installMode ?? 'upgrade-all';
  const packages = mode === 'packages' ? `\n  packages:\n${(options.packages ?? []).map((p) => `    - { name: ${p.name}, version: ${JSON.stringify(p.version)} }`).join('\n')}` : '';
  const sqlite = lab.datastore === 'sqlite';
  const profile = `profile: ${profileName}
${sqlite ? 'datastore: sqlite\n' : ''}reboot: ${options.reboot ?? 'auto'}
install:
  mode: ${mode}${packages}
${options.unitsStop ? `units:\n  stop: [${options.unitsStop.join(', ')}]\n` : ''}`;
  const gatesAndBackup = `gates:
  apiServer: { enabled: true }
  etcd: { enabled: ${sqlite ? 'false' : 'true, timeout: 20s'} }
  pods: { enabled: true }
  nodes: { enabled: true }
  agents: { enabled: true }
backup:
  enabled: true
  artifact: ${dir}/backups/{operation}.db
  timeout: 2m`;
  return coordinatorConfigYaml(lab, options, profile, gatesAndBackup);
}

export function labKubeadmCoordinatorConfigYaml(lab: Lab, options: KubeadmCoordinatorConfigOptions = {}): string {
  return labUnitProfileCoordinatorConfigYaml(lab, 'kubeadm', options);
}

/** The k3s lab's: units.stop the profile's (k3s.service on servers, k3s-agent.service on agents). */
export function labK3sCoordinatorConfigYaml(lab: Lab, options: KubeadmCoordinatorConfigOptions = {}): string {
  return labUnitProfileCoordinatorConfigYaml(lab, 'k3s', options);
}

/** What every lab config shares around the profile's own lines and its gates and backup. */
function coordinatorConfigYaml(lab: Lab, options: CoordinatorConfigOptions, profileYaml: string, gatesAndBackup: string): string {
  const dir = labCoordinatorDir(lab, options);
  const nodes = lab.nodes.filter((n) => !options.nodes || options.nodes.includes(n.name)).map((n) => `  - { name: ${n.name}, agent: "${n.names.nodeAddress}:${AGENT_GRPC_PORT}", role: ${n.role} }`).join('\n');
  const ignore = (options.journalIgnore ?? []).map((p) => `    - ${JSON.stringify(p)}`).join('\n');
  return `# noderoll configuration for lab ${lab.id}
apiVersion: noderoll.io/v1alpha1
kind: CoordinatorConfig
${profileYaml}nodes:
${nodes}
order: roles
kubernetes:
  kubectl: kubectl
  kubeconfig: ${options.kubeconfig ?? lab.kubeconfig}
agents:
  callTimeout: 10s
${agentsTls(lab)}
${gatesAndBackup}
timeouts:
  gatesBeforeNode: ${options.gatesBeforeNodeTimeout ?? '2m'}
  drain: ${options.drainTimeout ?? '2m'}
  stopPlanet: 1m
  install: 5m
  reboot: ${options.rebootTimeout ?? '2m'}
  postChecks: 2m
  uncordon: 1m
${options.drainOnBlocked ? `drain:\n  onBlocked: ${options.drainOnBlocked}\n` : ''}soak:
  interval: ${options.soakInterval ?? '2s'}
  passes: ${options.soakPasses ?? 2}
  timeout: 2m
journal:
  ignore:
${ignore || '    []'}
${stateYaml(dir, options.state)}
log:
  file: ${dir}/noderoll.log
  level: info
${options.extraYaml ?? ''}`;
}

/**
 * Writes <dir>/config.yaml for the lab and returns its path. Also puts a `noderoll` program into the
 * lab's bin directory (on PATH after `eval "$(npm run -s lab -- env)"`): a real executable, not a
 * shell alias, so scripts, `xargs` and `command -v` find it too.
 */
export async function writeLabCoordinatorConfig(lab: Lab, options: CoordinatorConfigOptions = {}, yaml: string = labCoordinatorConfigYaml(lab, options)): Promise<string> {
  const dir = labCoordinatorDir(lab, options);
  await mkdir(join(dir, 'backups'), { recursive: true });
  const file = join(dir, 'config.yaml');
  await writeFile(file, yaml);
  await writeNoderollLauncher(lab.binDir);
  return file;
}

/** writeLabCoordinatorConfig with the kubeadm lab's config (labKubeadmCoordinatorConfigYaml). */
export function writeLabKubeadmCoordinatorConfig(lab: Lab, options: KubeadmCoordinatorConfigOptions = {}): Promise<string> {
  return writeLabCoordinatorConfig(lab, options, labKubeadmCoordinatorConfigYaml(lab, options));
}

/** writeLabCoordinatorConfig with the k3s lab's config (labK3sCoordinatorConfigYaml). */
export function writeLabK3sCoordinatorConfig(lab: Lab, options: KubeadmCoordinatorConfigOptions = {}): Promise<string> {
  return writeLabCoordinatorConfig(lab, options, labK3sCoordinatorConfigYaml(lab, options));
}

async function writeNoderollLauncher(binDir: string): Promise<void> {
  await mkdir(binDir, { recursive: true });
  const launcher = join(binDir, 'noderoll');
  await writeFile(launcher, `#!/bin/sh\n# noderoll of ${projectDir}, for this lab\nexec '${process.execPath}' '${join(projectDir, 'dist/coordinator/main.js')}' "$@"\n`);
  await chmod(launcher, 0o755);
}
