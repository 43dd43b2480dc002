import { Server, ServerCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeAgentService } from '../shared/agent-api/proto.js';
import { projectRoot } from '../shared/agent-api/codegen.js';
import { runCommand, type CommandRunner } from '../shared/exec/command-runner.js';
import type { Logger } from '../shared/log/logger.js';
import { describeConfig, type AgentConfig } from './config/agent-config.js';
import { createAgentService } from './grpc/agent-service.js';
import { AgentMetrics } from './http/agent-metrics.js';
import { AgentHttpServer } from './http/http-server.js';
import { toNodeInfo, toOperation } from './grpc/proto-mapping.js';
import { nodeHostname, readBootIdentity, readMachineId, type BootIdentity } from './node/node-identity.js';
import { NodeOperations } from './node/node-operations.js';
import { OperationLedger } from './operations/operation-ledger.js';
import { OperationStore } from './operations/operation-store.js';
import { Systemctl } from './systemd/systemctl.js';

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
}

export interface RunningAgent {
  grpcPort: number;
  httpPort: number | undefined;
  ops: NodeOperations;
  metrics: AgentMetrics;
  /** SIGTERM path: finish or record the running operation, then close both servers. */
  stop(): Promise<void>;
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
  });
  const ops = new NodeOperations({ config, systemctl, ledger, boot, machineId, agentVersion: version, logger: log, runner, observer: metrics, startedUnixMs: started });
  opsRef = ops;

  const server = new Server({
    'grpc.max_receive_message_length': config.grpc.maxReceiveMessageBytes,
    'grpc.max_send_message_length': config.grpc.maxSendMessageBytes,
    'grpc.max_concurrent_streams': 64,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.max_connection_idle_ms': 10 * 60_000,
  });
  server.addService(nodeAgentService(), createAgentService({ ops, config, metrics, logger: log }));
  // Plaintext until mutual TLS lands (issue 5); the listen address decides who can reach it.
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(config.grpc.listen.text, ServerCredentials.createInsecure(), (err, port) => (err ? reject(new Error(`grpc.listen ${config.grpc.listen.text}: ${err.message}`)) : resolve(port))),
  );

  let http: AgentHttpServer | undefined;
  let httpPort: number | undefined;
  if (config.http.listen) {
    http = new AgentHttpServer({
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
          config: { grpcListen: config.grpc.listen.text, units: describeConfig(config).units, stateDir: config.stateDir },
        };
      },
    });
    try {
      httpPort = (await http.listen(config.http.listen)).port;
    } catch (err) {
      server.forceShutdown();
      throw new Error(`http.listen ${config.http.listen.text}: ${(err as Error).message}`);
    }
  }

  log.info(
    { grpc: `${config.grpc.listen.host}:${grpcPort}`, http: httpPort !== undefined ? `${config.http.listen?.host}:${httpPort}` : 'off', bootId: boot.bootId, version, stateDir: config.stateDir, startupMs: Date.now() - started },
    'noderoll-agent is serving (gRPC plaintext: mutual TLS arrives with issue 5)',
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log.info({}, 'shutting down');
      const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await ops.shutdown(config.operations.shutdownGraceMs);
      await Promise.race([drained, new Promise((r) => setTimeout(r, 2000).unref())]);
      server.forceShutdown();
      await http?.close();
      log.info({}, 'stopped');
    })());

  return { grpcPort, httpPort, ops, metrics, stop };
}
