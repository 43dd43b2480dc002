import { Server, ServerCredentials } from '@grpc/grpc-js';
import { nodeAgentService } from '../shared/agent-api/proto.js';
import { agentBuild } from './build-info.js';
import { runCommand, type CommandRunner } from '../shared/exec/command-runner.js';
import type { Logger } from '../shared/log/logger.js';
import { describeConfig, needsTlsMaterial, type AgentConfig, type ListenAddress } from './config/agent-config.js';
import { createAgentService } from './grpc/agent-service.js';
import { AgentMetrics } from './http/agent-metrics.js';
import { AgentHttpServer, type HttpListenOptions, type HttpSources } from './http/http-server.js';
import { toNodeInfo, toOperation } from './grpc/proto-mapping.js';
import { nodeHostname, readBootIdentity, readMachineId, type BootIdentity } from './node/node-identity.js';
import { PackageVersionCache, packageDatabaseFiles } from './node/package-version-cache.js';
import type { PackageVersionRecord } from './operations/operation-record.js';
import type { RebootAdviceRecord } from './node/reboot-advice.js';
import { NodeOperations } from './node/node-operations.js';
import { OperationLedger } from './operations/operation-ledger.js';
import { OperationStore } from './operations/operation-store.js';
import { UpdatePhaseStore } from './operations/update-phase-store.js';
import { Systemctl } from './systemd/systemctl.js';
import { mutualTlsAccess, plaintextAccess } from './tls/call-access.js';
import { RefusalAudit } from './grpc/refusal-audit.js';
import { refusalAuditInterceptor } from './grpc/refusal-interceptor.js';
import { GrpcTlsGate } from './tls/grpc-tls-gate.js';
import { loadTlsMaterial, type TlsMaterial } from './tls/tls-material.js';

/** On stop, how long open gRPC calls may finish after the running operation settled. */
export const GRPC_DRAIN_MS = 2000;

/**
 * Assembles the agent from its configuration: the operation ledger (settling what the last run
 * left, e.g. completing a reboot), systemd access, node operations, the gRPC service and the HTTP
 * side. main.ts runs it as the daemon; tests run it in-process with a fake command runner.
 */

export interface AgentOptions {
  logger: Logger;
  runner?: CommandRunner;
  /** Defaults to the running kernel's boot. */
  boot?: BootIdentity;
  machineId?: string;
  /** Already loaded and checked TLS files (main.ts loads them first); loaded here when absent and needed. */
  tlsMaterial?: TlsMaterial;
  /** Where the configuration came from, for error messages about its files. */
  configSource?: string;
  /** Audit lines of refused calls per minute (default REFUSAL_LINES_PER_MINUTE); tests that refuse many calls on purpose raise it. */
  refusalLinesPerMinute?: number;
  /** Reads the reboot advice (default: this host's, agent/node/reboot-advice.ts); tests give a fixed one. */
  rebootAdvice?: () => Promise<RebootAdviceRecord>;
}

export interface RunningAgent {
  grpcPort: number;
  httpPort: number | undefined;
  /** The separate /metrics and /status listener, when configured. */
  metricsPort: number | undefined;
  ops: NodeOperations;
  metrics: AgentMetrics;
  /** SIGHUP path: re-read the TLS files; new connections use them. Throws (keeping the old ones) when they are invalid. */
  reloadTls(): Promise<TlsMaterial | undefined>;
  /** SIGTERM path: finish or record the running operation, then close both servers. */
  stop(): Promise<void>;
}

function hostPort(addr: ListenAddress, port: number | undefined): string {
  return port === undefined ? 'off' : `${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${port}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export async function startAgent(config: AgentConfig, o: AgentOptions): Promise<RunningAgent> {
  const started = Date.now();
  const log = o.logger;
  const runner = o.runner ?? runCommand;
  const boot = o.boot ?? (await readBootIdentity());
  const version = agentBuild().version;
  const { ledger, updatePhase } = await openState(config, boot, log);
  const machineId = o.machineId ?? (await readMachineId().catch(() => ''));
  const { systemctl, metrics, ops } = assembleOperations(config, { log, runner, hostRunner: o.runner === undefined, boot, version, machineId, ledger, updatePhase, started, rebootAdvice: o.rebootAdvice });

  const source = o.configSource ?? 'the configuration';
  let material = o.tlsMaterial ?? (needsTlsMaterial(config) ? await loadTlsMaterial(config.tls, source) : undefined);
  if (material) announceTlsMaterial(material, metrics, log);

  const grpc = await startGrpc(config, { ops, metrics, log, updatePhase, material, refusalLinesPerMinute: o.refusalLinesPerMinute });
  const http = await startHttp(config, httpSources(config, { log, metrics, systemctl, runner, ops, ledger }), { log, material, onFailure: grpc.close });
  logServing(config, { log, grpc, http, material, boot, version, started });

  const reloadTls = async (): Promise<TlsMaterial | undefined> => {
    if (!material) return undefined;
    const next = await loadTlsMaterial(config.tls, source);
    grpc.gate?.reload(next);
    http.metricsHttp?.reload(next);
    material = next;
    announceTlsMaterial(next, metrics, log);
    return next;
  };
  const stop = stopOnce(async () => {
    log.info({}, 'shutting down');
    const drained = new Promise<void>((resolve) => grpc.server.tryShutdown(() => resolve()));
    await ops.shutdown(config.operations.shutdownGraceMs);
    await Promise.race([drained, new Promise((r) => setTimeout(r, GRPC_DRAIN_MS).unref())]);
    await grpc.close();
    await http.close();
    log.info({}, 'stopped');
  });
  return { grpcPort: grpc.port, httpPort: http.httpPort, metricsPort: http.metricsPort, ops, metrics, reloadTls, stop };
}

/** The operation ledger (settling what the last run left running) and the coordinator's update phase. */
async function openState(config: AgentConfig, boot: BootIdentity, log: Logger): Promise<{ ledger: OperationLedger; updatePhase: UpdatePhaseStore }> {
  const ledger = new OperationLedger(new OperationStore(config.stateDir, config.operations.keep), boot);
  const { settled, problem } = await ledger.open();
  if (problem) log.error({ problem }, 'operation state was unreadable; starting with none');
  for (const op of settled) {
    log.warn({ audit: true, operationId: op.id, kind: op.kind, state: op.state, reboot: op.reboot, error: op.error?.message }, 'settled an operation left running by the previous agent run');
  }
  const updatePhase = new UpdatePhaseStore(config.stateDir);
  const phaseLoad = await updatePhase.load();
  if (phaseLoad.problem) log.error({ problem: phaseLoad.problem }, 'update phase was unreadable; starting as idle');
  return { ledger, updatePhase };
}

interface OperationsParts {
  log: Logger;
  runner: CommandRunner;
  /** The runner is this host's (not a stand-in): host files then describe what it queries. */
  hostRunner: boolean;
  boot: BootIdentity;
  version: string;
  machineId: string;
  ledger: OperationLedger;
  updatePhase: UpdatePhaseStore;
  started: number;
  rebootAdvice: (() => Promise<RebootAdviceRecord>) | undefined;
}

/** systemd access, the node operations and the metrics that sample them. */
function assembleOperations(config: AgentConfig, p: OperationsParts): { systemctl: Systemctl; metrics: AgentMetrics; ops: NodeOperations } {
  const systemctl = new Systemctl({ runner: p.runner });
  // Set just below; metrics sample through the operations object.
  let opsRef: NodeOperations | undefined;
  const queryWatched = async (): Promise<PackageVersionRecord[]> => (opsRef ? opsRef.watchedPackages() : []);
  // The database's files describe this host's packages: with a runner standing in for the host
  // (tests, the fleet simulator) the query is not this host's, so it runs every time.
  const packageVersions = !p.hostRunner ? { versions: queryWatched } : new PackageVersionCache(queryWatched, packageDatabaseFiles(config.packages.manager));
  const metrics = new AgentMetrics({
    agentVersion: p.version,
    node: nodeHostname(),
    machineId: p.machineId,
    bootId: p.boot.bootId,
    bootTimeUnixMs: p.boot.bootTimeUnixMs,
    watchedUnits: async () => (config.units.watch.length > 0 && opsRef ? (await opsRef.listUnits(config.units.watch, true)).units : []),
    failedUnits: async () => (opsRef ? opsRef.failedUnits() : []),
    watchedPackages: () => packageVersions.versions(),
    currentOperation: () => p.ledger.current(),
    updatePhase: () => p.updatePhase.phase,
  });
  const ops = new NodeOperations({
    config,
    systemctl,
    ledger: p.ledger,
    boot: p.boot,
    machineId: p.machineId,
    agentVersion: p.version,
    logger: p.log,
    runner: p.runner,
    observer: metrics,
    ...(p.rebootAdvice ? { rebootAdvice: p.rebootAdvice } : {}),
    startedUnixMs: p.started,
  });
  opsRef = ops;
  return { systemctl, metrics, ops };
}

function announceTlsMaterial(m: TlsMaterial, metrics: AgentMetrics, log: Logger): void {
  metrics.certificateLoaded(m.agent.notAfter);
  log.info({ node: m.node, certificate: m.agent.fingerprint256, notAfter: m.agent.notAfter.toISOString(), cas: m.cas.map((c) => c.commonName) }, 'TLS certificate loaded');
  for (const w of m.warnings) log.error({ tls: true }, w);
}

interface GrpcSide {
  server: Server;
  /** The TLS gate in front of the server (mutual TLS only). */
  gate: GrpcTlsGate | undefined;
  port: number;
  close(): Promise<void>;
}

interface GrpcParts {
  ops: NodeOperations;
  metrics: AgentMetrics;
  log: Logger;
  updatePhase: UpdatePhaseStore;
  material: TlsMaterial | undefined;
  refusalLinesPerMinute: number | undefined;
}

async function startGrpc(config: AgentConfig, p: GrpcParts): Promise<GrpcSide> {
  const mutual = config.tls.mode === 'mutual';
  const access = mutual ? mutualTlsAccess : plaintextAccess;
  const refusals = new RefusalAudit(p.log, { insecure: access.insecure, perMinute: p.refusalLinesPerMinute }).start();
  const server = new Server({
    interceptors: [refusalAuditInterceptor(refusals, access)],
    'grpc.max_receive_message_length': config.grpc.maxReceiveMessageBytes,
    'grpc.max_send_message_length': config.grpc.maxSendMessageBytes,
    'grpc.max_concurrent_streams': 64,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.max_connection_idle_ms': 10 * 60_000,
  });
  server.addService(nodeAgentService(), createAgentService({ ops: p.ops, config, metrics: p.metrics, logger: p.log, access, updatePhase: p.updatePhase }));
  try {
    return withRefusalAudit(mutual && p.material ? await listenBehindTlsGate(config, server, p, p.material) : await listenPlaintext(config, server, p), refusals);
  } catch (err) {
    refusals.close();
    throw err;
  }
}

async function listenPlaintext(config: AgentConfig, server: Server, p: GrpcParts): Promise<GrpcSide> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(config.grpc.listen.text, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(new Error(`grpc.listen ${config.grpc.listen.text}: ${err.message}`)) : resolve(bound))),
  );
  p.log.warn(
    { insecure: true, grpc: config.grpc.listen.text },
    `INSECURE: tls.mode is insecure-plaintext: gRPC on ${config.grpc.listen.text} is unauthenticated and unencrypted; anyone who can reach it can stop units, install packages and reboot this node`,
  );
  return { server, gate: undefined, port, close: async () => void server.forceShutdown() };
}

/** Closing the gRPC side also reports the refusal lines the rate limit dropped. */
function withRefusalAudit(side: GrpcSide, refusals: RefusalAudit): GrpcSide {
  return {
    ...side,
    close: async () => {
      await side.close();
      refusals.close();
    },
  };
}

/** TLS is terminated by the gate, which hands only authenticated connections to the server. */
async function listenBehindTlsGate(config: AgentConfig, server: Server, p: GrpcParts, material: TlsMaterial): Promise<GrpcSide> {
  const gate = new GrpcTlsGate({ tls: config.tls, limits: config.grpc, material, injector: server.createConnectionInjector(ServerCredentials.createInsecure()), logger: p.log, onRefused: (kind) => p.metrics.connectionRefused(kind) });
  try {
    const port = (await gate.listen(config.grpc.listen)).port;
    return {
      server,
      gate,
      port,
      close: async () => {
        server.forceShutdown();
        await gate.close();
      },
    };
  } catch (err) {
    server.forceShutdown();
    throw new Error(`grpc.listen ${config.grpc.listen.text}: ${(err as Error).message}`);
  }
}

interface HttpSourceParts {
  log: Logger;
  metrics: AgentMetrics;
  systemctl: Systemctl;
  runner: CommandRunner;
  ops: NodeOperations;
  ledger: OperationLedger;
}

/** What the HTTP listeners serve: readiness probes, /metrics and /status. */
function httpSources(config: AgentConfig, p: HttpSourceParts): HttpSources {
  return {
    logger: p.log,
    metrics: p.metrics,
    readiness: [
      { name: 'systemd', check: () => p.systemctl.ping(3000) },
      {
        name: 'journal',
        check: async () => void (await p.runner({ file: 'journalctl', args: ['--no-pager', '--quiet', '--lines=1', '--output=cat'], timeoutMs: 3000, maxOutputBytes: 64 * 1024 })),
      },
    ],
    status: async () => {
      const { currentOperation, ...node } = toNodeInfo(await p.ops.nodeInfo());
      return {
        node,
        currentOperation: currentOperation ?? null,
        recentOperations: p.ledger.list(10).map(toOperation),
        config: { grpcListen: config.grpc.listen.text, tls: config.tls.mode, units: describeConfig(config).units, stateDir: config.stateDir },
      };
    },
  };
}

interface HttpSide {
  httpPort: number | undefined;
  metricsHttp: AgentHttpServer | undefined;
  metricsPort: number | undefined;
  close(): Promise<void>;
}

interface HttpParts {
  log: Logger;
  material: TlsMaterial | undefined;
  /** Called before a listener's failure is thrown, to close what already listens. */
  onFailure(): Promise<void>;
}

/** http.listen (health, plus /metrics and /status unless they have their own listener) and http.metrics.listen. */
async function startHttp(config: AgentConfig, sources: HttpSources, p: HttpParts): Promise<HttpSide> {
  const servers: AgentHttpServer[] = [];
  const close = async (): Promise<void> => void (await Promise.all(servers.map((s) => s.close())));
  const listen = async (field: string, address: ListenAddress, options: HttpListenOptions): Promise<{ server: AgentHttpServer; port: number }> => {
    const server = new AgentHttpServer(sources);
    servers.push(server);
    try {
      return { server, port: (await server.listen(address, options)).port };
    } catch (err) {
      await p.onFailure();
      await close();
      throw new Error(`${field} ${address.text}: ${(err as Error).message}`);
    }
  };
  const metricsListen = config.http.metrics.listen;
  let httpPort: number | undefined;
  if (config.http.listen) {
    httpPort = (await listen('http.listen', config.http.listen, { routes: metricsListen ? 'health' : 'all' })).port;
    if (!metricsListen && !isLoopback(config.http.listen.host)) {
      p.log.warn({ http: config.http.listen.text }, 'http.listen is not a loopback address and serves /status and /metrics without TLS; give them http.metrics.listen (with tls: mutual) instead');
    }
  }
  if (!metricsListen) return { httpPort, metricsHttp: undefined, metricsPort: undefined, close };
  const tlsMode = config.http.metrics.tls;
  const tls = tlsMode !== 'plaintext' && p.material ? { tls: { material: p.material, minVersion: config.tls.minVersion, mutual: tlsMode === 'mutual' } } : {};
  const metrics = await listen('http.metrics.listen', metricsListen, { routes: 'all', ...tls });
  if (tlsMode !== 'mutual' && !isLoopback(metricsListen.host)) {
    p.log.warn({ metrics: metricsListen.text, tls: tlsMode }, `http.metrics.listen serves /status and /metrics to anyone who can reach it (http.metrics.tls: ${tlsMode})`);
  }
  return { httpPort, metricsHttp: metrics.server, metricsPort: metrics.port, close };
}

interface ServingFacts {
  log: Logger;
  grpc: GrpcSide;
  http: HttpSide;
  material: TlsMaterial | undefined;
  boot: BootIdentity;
  version: string;
  started: number;
}

function logServing(config: AgentConfig, f: ServingFacts): void {
  const metricsListen = config.http.metrics.listen;
  f.log.info(
    {
      grpc: hostPort(config.grpc.listen, f.grpc.port),
      tls: config.tls.mode === 'mutual' ? `mutual (at least ${config.tls.minVersion})` : 'INSECURE PLAINTEXT',
      node: f.material?.node,
      http: config.http.listen ? hostPort(config.http.listen, f.http.httpPort) : 'off',
      metrics: metricsListen ? `${hostPort(metricsListen, f.http.metricsPort)} (${config.http.metrics.tls})` : 'on http.listen',
      bootId: f.boot.bootId,
      version: f.version,
      stateDir: config.stateDir,
      startupMs: Date.now() - f.started,
    },
    'noderoll-agent is serving',
  );
}

/** A stop that runs once; later calls share its promise. */
function stopOnce(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stop());
}
