import { access, constants } from 'node:fs/promises';
import { pino } from 'pino';
import type { CommandRunner } from '../../shared/exec/command-runner.js';
import { silentLogger, type Logger } from '../../shared/log/logger.js';
import { AgentSnapshotBackupTaker } from '../cluster/agent-snapshot-backup.js';
import { KubectlReadyzReader } from '../cluster/api-server-readiness.js';
import { CommandBackupTaker } from '../cluster/backup.js';
import { controlPlaneAgents } from '../cluster/control-plane-agents.js';
import { AgentEtcdHealthGate } from '../gates/agent-etcd-gate.js';
import { ApiServerReadyGate } from '../gates/api-server-gate.js';
import { EtcdHealthCommandReader } from '../cluster/etcd-health.js';
import { GravityStatusCommandReader } from '../cluster/gravity-status.js';
import { KubectlClient } from '../cluster/kubectl.js';
import type { AlertsGateConfig, CoordinatorConfig } from '../config/config-types.js';
import { PrometheusAlertsGate } from '../gates/alerts-gate.js';
import { BlockingPodsGate } from '../gates/blocking-pods-gate.js';
import { AgentsReachableGate, EtcdHealthGate, GravityStatusGate, NodesReadyGate, PodsRunningGate } from '../gates/cluster-gates.js';
import type { Gate } from '../gates/gate.js';
import type { Clock } from '../ports/clock.js';
import type { BackupTaker, KubernetesCluster } from '../ports/cluster.js';
import type { NodeAgent, NodeAgentConnector } from '../ports/node-agent.js';
import { FileStateStore } from '../state/file-state-store.js';
import { KubernetesStateStore } from '../state/kubernetes-state-store.js';
import type { StateStore } from '../state/state-store.js';
import { UsageError } from '../../shared/cli/flag-parser.js';
import type { OutputStream } from './reporter.js';
import type { DetachedLauncher } from './detach/launcher.js';

/** What the CLI needs from the process; tests substitute every part. */
export interface CliEnvironment {
  stdout: OutputStream;
  stderr: OutputStream;
  stdinIsTTY: boolean;
  /** Asks a question on the terminal; undefined when stdin closed. */
  readLine(prompt: string): Promise<string | undefined>;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  pid: number;
  host: string;
  /** Random lowercase alphanumerics for operation IDs. */
  randomId(): string;
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe function. */
  onSignal(handler: (signal: 'SIGINT' | 'SIGTERM') => void): () => void;
  /** Builds the services from a validated config (the composition root; tests pass fakes). */
  makeServices(config: CoordinatorConfig, log: Logger): Services;
  /** Opens the pino log file; tests pass a silent one. */
  openLog(file: string, level: string): Logger;
  /** How often `noderoll abort` requests are polled during a run (ms; 0 = between steps only). */
  abortPollMs: number;
  /** Ends the process now (third Ctrl-C). */
  exitNow(code: number): void;
  /** Runs the commands of `noderoll init` (kubectl, gravity); default: the real runner. Tests pass fakes. */
  runner?: CommandRunner;
  /** How often `noderoll watch` reads the record (ms; default 1000). */
  watchPollMs?: number;
  /** How --detach starts the coordinator (default: systemd-run, else a detached process). */
  launchDetached?: DetachedLauncher;
  /** This program's own command line for a detached child (default: [node, main.js]). */
  selfCommand?: readonly string[];
}

/** The coordinator's side-effecting parts, chosen in one place at start-up (kured's shape). */
export interface Services {
  cluster: KubernetesCluster;
  gates: Gate[];
  backup: BackupTaker | undefined;
  store: StateStore;
  /** The agent client of a node (cached per node). */
  agent(node: string, address: string): NodeAgent;
  close(): void;
}

export interface RealServiceOptions {
  clock: Clock;
  /** The adapter from the agent's gRPC client to the NodeAgent port. */
  connectAgent: ((config: CoordinatorConfig, log: Logger) => NodeAgentConnector) | undefined;
  runner?: CommandRunner;
  env?: NodeJS.ProcessEnv;
}

/** The real services: kubectl, gravity status, etcdctl, the backup command, the state file, the agents. */
export function makeRealServices(config: CoordinatorConfig, log: Logger, options: RealServiceOptions): Services {
  const run = options.runner ? { runner: options.runner } : {};
  const cluster = new KubectlClient({
    kubectl: config.kubernetes.kubectl,
    ...(config.kubernetes.kubeconfig ? { kubeconfig: config.kubernetes.kubeconfig } : {}),
    ...(config.kubernetes.context ? { context: config.kubernetes.context } : {}),
    ...(options.env ? { env: options.env } : {}),
    callTimeoutMs: config.kubernetes.callTimeoutMs,
    log: log.child({ component: 'kubectl' }),
    // Node and pod reads and the phase annotations straight to the API server when the kubeconfig allows (the
    // gates poll them all the time); not with a runner a test put in to see every command.
    directRequests: options.runner === undefined,
    ...run,
  });
  const connector = options.connectAgent?.(config, log.child({ component: 'agent' }));
  const agents = new Map<string, NodeAgent>();
  const agent = (node: string, address: string): NodeAgent => {
    let a = agents.get(node);
    if (!a) {
      if (!connector) throw new Error('this noderoll build has no agent client wired in (coordinator/main.ts: connectAgent)');
      a = connector({ node, address });
      agents.set(node, a);
    }
    return a;
  };
  const withEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ ...(options.env ?? process.env), ...extra });
  const gates: Gate[] = [];
  const controlPlane = controlPlaneAgents(config.nodes, (n) => lazyAgent(() => agent(n.name, n.agent)));
  if (config.gates.apiServer.enabled) gates.push(new ApiServerReadyGate(new KubectlReadyzReader(cluster)));
  if (config.gates.gravity.enabled) {
    gates.push(new GravityStatusGate(new GravityStatusCommandReader({ argv: config.gates.gravity.argv, timeoutMs: config.gates.gravity.timeoutMs, ...(options.env ? { env: options.env } : {}), ...run })));
  }
  if (config.gates.etcd.enabled && config.gates.etcd.source === 'agent') gates.push(new AgentEtcdHealthGate(controlPlane, config.gates.etcd.timeoutMs));
  else if (config.gates.etcd.enabled) {
    gates.push(
      new EtcdHealthGate(
        new EtcdHealthCommandReader({ argv: config.gates.etcd.argv, format: config.gates.etcd.format, timeoutMs: config.gates.etcd.timeoutMs, env: withEnv(config.gates.etcd.env), ...run }),
      ),
    );
  }
  if (config.gates.pods.enabled) gates.push(new PodsRunningGate(cluster, config.gates.pods.ignoreNamespaces));
  if (config.gates.nodes.enabled) gates.push(new NodesReadyGate(cluster, config.nodes.map((n) => n.name)));
  if (config.gates.agents.enabled) {
    gates.push(new AgentsReachableGate(config.nodes.map((n) => ({ endpoint: { node: n.name, address: n.agent }, agent: lazyAgent(() => agent(n.name, n.agent)) })), config.agents.callTimeoutMs, options.clock));
  }
  if (config.gates.alerts) gates.push(alertsGate(config.gates.alerts));
  if (config.gates.blockingPods.length > 0) gates.push(new BlockingPodsGate(cluster, config.gates.blockingPods));
  const backup = !config.backup.enabled
    ? undefined
    : config.backup.source === 'agent-snapshot'
      ? new AgentSnapshotBackupTaker({ agents: controlPlane, artifact: config.backup.artifact, timeoutMs: config.backup.timeoutMs, clock: options.clock, datastore: config.datastore })
      : new CommandBackupTaker({
        argv: config.backup.argv,
        artifact: config.backup.artifact,
        ...(config.backup.verifyArgv ? { verifyArgv: config.backup.verifyArgv } : {}),
        allowUnverified: config.backup.allowUnverified,
        timeoutMs: config.backup.timeoutMs,
        env: withEnv(config.backup.env),
        clock: options.clock,
        ...run,
      });
  return {
    cluster,
    gates,
    backup,
    store: makeStateStore(config, cluster, options.clock, log),
    agent,
    close: () => {
      for (const a of agents.values()) a.close();
      agents.clear();
    },
  };
}

function alertsGate(c: AlertsGateConfig): PrometheusAlertsGate {
  return new PrometheusAlertsGate({ url: c.url, ...(c.filter ? { filter: new RegExp(c.filter) } : {}), ignore: c.ignore.map((r) => new RegExp(r)), firingOnly: c.firingOnly, timeoutMs: c.timeoutMs });
}

/** The store config.state.backend names; the kubernetes one talks through the coordinator's own kubectl and kubeconfig. */
export function makeStateStore(config: CoordinatorConfig, kubectl: KubectlClient, clock: Clock, log: Logger = silentLogger): StateStore {
  if (config.state.backend === 'file') return new FileStateStore({ file: config.state.file, historyLimit: config.state.history, onWarning: (message) => log.warn({ component: 'state' }, message), now: () => clock.now() });
  const k = config.state.kubernetes;
  return new KubernetesStateStore({
    kubectl,
    namespace: k.namespace,
    leaseName: k.leaseName,
    configMapName: k.configMapName,
    leaseDurationSeconds: k.leaseDurationMs / 1000,
    historyLimit: config.state.history,
    onAccessChosen: (how) => log.debug({ component: 'state' }, `the Kubernetes state store talks ${how}`),
  });
}

/** Defers creating an agent client until it is first used. */
function lazyAgent(get: () => NodeAgent): NodeAgent {
  return new Proxy({} as NodeAgent, {
    get: (_t, prop) => {
      const a = get();
      const v = (a as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(a) : v;
    },
  });
}

/** A pino logger writing JSON to a file (created with its directory). */
export function openFileLog(file: string, level: string): Logger {
  return pino({ name: 'noderoll', level, base: { pid: process.pid } }, pino.destination({ dest: file, mkdir: true, sync: true }));
}

export { silentLogger };

/** Files the config names must exist before anything runs; errors name the field. */
export async function checkConfigFiles(config: CoordinatorConfig, fieldNames: { kubeconfig: string }): Promise<void> {
  const checks: [string, string | undefined][] = [[fieldNames.kubeconfig, config.kubernetes.kubeconfig]];
  if (config.agents.tls && !config.agents.insecurePlaintext) {
    checks.push(['agents.tls.ca', config.agents.tls.ca], ['agents.tls.cert', config.agents.tls.cert], ['agents.tls.key', config.agents.tls.key]);
  }
  for (const [field, path] of checks) {
    if (!path) continue;
    try {
      await access(path, constants.R_OK);
    } catch {
      throw new UsageError(field, `${path} does not exist or is not readable`);
    }
  }
}
