import { Server, ServerCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeAgentService } from '../shared/agent-api/proto.js';
import { projectRoot } from '../shared/agent-api/codegen.js';
import { runCommand, type CommandRunner } from '../shared/exec/command-runner.js';
import type { Logger } from '../shared/log/logger.js';
import { describeConfig, needsTlsMaterial, type AgentConfig, type ListenAddress } from './config/agent-config.js';
import { createAgentService } from './grpc/agent-service.js';
import { AgentMetrics } from './http/agent-metrics.js';
import { AgentHttpServer } from './http/http-server.js';
import { toNodeInfo, toOperation } from './grpc/proto-mapping.js';
import { nodeHostname, readBootIdentity, readMachineId, type BootIdentity } from './node/node-identity.js';
import { NodeOperations } from './node/node-operations.js';
import { OperationLedger } from './operations/operation-ledger.js';
import { OperationStore } from './operations/operation-store.js';
import { UpdatePhaseStore } from './operations/update-phase-store.js';
import { Systemctl } from './systemd/systemctl.js';
import { mutualTlsAccess, plaintextAccess } from './tls/call-access.js';
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

export function agentVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function startAgent(config: AgentConfig, o: AgentOptions): Promise<RunningAgent> {
  const started = Date.now();
  const log = o.logger;
  const runner = o.runner ?? runCommand;
  const boot = o.boot ?? (await readBootIdentity());
  const version = agentVersion();

  const ledger = new OperationLedger(new OperationStore(config.stateDir, config.operations.keep), boot);
  const { settled, problem } = await ledger.open();
  if (problem) log.error({ problem }, 'operation state was unreadable; starting with none');
  for (const op of settled) {
    log.warn({ audit: true, operationId: op.id, kind: op.kind, state: op.state, reboot: op.reboot, error: op.error?.message }, 'settled an operation left running by the previous agent run');
  }

  const updatePhase = new UpdatePhaseStore(config.stateDir);
  const phaseLoad = await updatePhase.load();
  if (phaseLoad.problem) log.error({ problem: phaseLoad.problem }, 'update phase was unreadable; starting as idle');

  const systemctl = new Systemctl({ runner });
  const machineId = o.machineId ?? (await readMachineId().catch(() => ''));
  // Filled in below; metrics sample through the operations object.
  let opsRef: NodeOperations | undefined;
  const metrics = new AgentMetrics({
    agentVersion: version,
    node: nodeHostname(),
    machineId,
    bootId: boot.bootId,
    bootTimeUnixMs: boot.bootTimeUnixMs,
    watchedUnits: async () => (config.units.watch.length > 0 && opsRef ? (await opsRef.listUnits(config.units.watch, true)).units : []),
    failedUnits: async () => (opsRef ? opsRef.failedUnits() : []),
    watchedPackages: async () => (opsRef ? opsRef.watchedPackages() : []),
    currentOperation: () => ledger.current(),
    updatePhase: () => updatePhase.phase,
  });
  const ops = new NodeOperations({ config, systemctl, ledger, boot, machineId, agentVersion: version, logger: log, runner, observer: metrics, startedUnixMs: started });
  opsRef = ops;

  const source = o.configSource ?? 'the configuration';
  let material = o.tlsMaterial ?? (needsTlsMaterial(config) ? await loadTlsMaterial(config.tls, source) : undefined);
  const announceMaterial = (m: TlsMaterial): void => {
    metrics.certificateLoaded(m.agent.notAfter);
    log.info({ node: m.node, certificate: m.agent.fingerprint256, notAfter: m.agent.notAfter.toISOString(), cas: m.cas.map((c) => c.commonName) }, 'TLS certificate loaded');
    for (const w of m.warnings) log.error({ tls: true }, w);
  };
  if (material) announceMaterial(material);
  const mutual = config.tls.mode === 'mutual';

  const server = new Server({
    'grpc.max_receive_message_length': config.grpc.maxReceiveMessageBytes,
    'grpc.max_send_message_length': config.grpc.maxSendMessageBytes,
    'grpc.max_concurrent_streams': 64,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.max_connection_idle_ms': 10 * 60_000,
  });
  server.addService(nodeAgentService(), createAgentService({ ops, config, metrics, logger: log, access: mutual ? mutualTlsAccess : plaintextAccess, updatePhase }));
  let gate: GrpcTlsGate | undefined;
  let grpcPort: number;
  if (mutual && material) {
    // TLS is terminated by the gate, which hands only authenticated connections to the server.
    gate = new GrpcTlsGate({ tls: config.tls, material, injector: server.createConnectionInjector(ServerCredentials.createInsecure()), logger: log, onRefused: (kind) => metrics.connectionRefused(kind) });
    try {
      grpcPort = (await gate.listen(config.grpc.listen)).port;
    } catch (err) {
      server.forceShutdown();
      throw new Error(`grpc.listen ${config.grpc.listen.text}: ${(err as Error).message}`);
    }
  } else {
    grpcPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(config.grpc.listen.text, ServerCredentials.createInsecure(), (err, port) => (err ? reject(new Error(`grpc.listen ${config.grpc.listen.text}: ${err.message}`)) : resolve(port))),
    );
    log.warn(
      { insecure: true, grpc: config.grpc.listen.text },
      `INSECURE: tls.mode is insecure-plaintext: gRPC on ${config.grpc.listen.text} is unauthenticated and unencrypted; anyone who can reach it can stop units, install packages and reboot this node`,
    );
  }

  const httpSources = {
    logger: log,
    metrics,
    readiness: [
      { name: 'systemd', check: () => systemctl.ping(3000) },
      {
        name: 'journal',
        check: async () => void (await runner({ file: 'journalctl', args: ['--no-pager', '--quiet', '--lines=1', '--output=cat'], timeoutMs: 3000, maxOutputBytes: 64 * 1024 })),
      },
    ],
    status: async () => {
      const { currentOperation, ...node } = toNodeInfo(await ops.nodeInfo());
      return {
        node,
        currentOperation: currentOperation ?? null,
        recentOperations: ledger.list(10).map(toOperation),
        config: { grpcListen: config.grpc.listen.text, tls: config.tls.mode, units: describeConfig(config).units, stateDir: config.stateDir },
      };
    },
  };
  const closeAll = async (): Promise<void> => {
    server.forceShutdown();
    await gate?.close();
    await Promise.all([http?.close(), metricsHttp?.close()]);
  };
  let http: AgentHttpServer | undefined;
  let httpPort: number | undefined;
  let metricsHttp: AgentHttpServer | undefined;
  let metricsPort: number | undefined;
  const metricsListen = config.http.metrics.listen;
  if (config.http.listen) {
    http = new AgentHttpServer(httpSources);
    try {
      httpPort = (await http.listen(config.http.listen, { routes: metricsListen ? 'health' : 'all' })).port;
    } catch (err) {
      await closeAll();
      throw new Error(`http.listen ${config.http.listen.text}: ${(err as Error).message}`);
    }
    if (!metricsListen && !isLoopback(config.http.listen.host)) {
      log.warn({ http: config.http.listen.text }, 'http.listen is not a loopback address and serves /status and /metrics without TLS; give them http.metrics.listen (with tls: mutual) instead');
    }
  }
  if (metricsListen) {
    const tlsMode = config.http.metrics.tls;
    metricsHttp = new AgentHttpServer(httpSources);
    try {
      metricsPort = (
        await metricsHttp.listen(metricsListen, { routes: 'all', ...(tlsMode !== 'plaintext' && material ? { tls: { material, minVersion: config.tls.minVersion, mutual: tlsMode === 'mutual' } } : {}) })
      ).port;
    } catch (err) {
      await closeAll();
      throw new Error(`http.metrics.listen ${metricsListen.text}: ${(err as Error).message}`);
    }
    if (tlsMode !== 'mutual' && !isLoopback(metricsListen.host)) {
      log.warn({ metrics: metricsListen.text, tls: tlsMode }, `http.metrics.listen serves /status and /metrics to anyone who can reach it (http.metrics.tls: ${tlsMode})`);
    }
  }

  log.info(
    {
      grpc: hostPort(config.grpc.listen, grpcPort),
      tls: mutual ? `mutual (at least ${config.tls.minVersion})` : 'INSECURE PLAINTEXT',
      node: material?.node,
      http: config.http.listen ? hostPort(config.http.listen, httpPort) : 'off',
      metrics: metricsListen ? `${hostPort(metricsListen, metricsPort)} (${config.http.metrics.tls})` : 'on http.listen',
      bootId: boot.bootId,
      version,
      stateDir: config.stateDir,
      startupMs: Date.now() - started,
    },
    'noderoll-agent is serving',
  );

  const reloadTls = async (): Promise<TlsMaterial | undefined> => {
    if (!material) return undefined;
    const next = await loadTlsMaterial(config.tls, source);
    gate?.reload(next);
    metricsHttp?.reload(next);
    material = next;
    announceMaterial(next);
    return next;
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info({}, 'shutting down');
      const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await ops.shutdown(config.operations.shutdownGraceMs);
      await Promise.race([drained, new Promise((r) => setTimeout(r, GRPC_DRAIN_MS).unref())]);
      await closeAll();
      log.info({}, 'stopped');
    })());

  return { grpcPort, httpPort, metricsPort, ops, metrics, reloadTls, stop };
}
