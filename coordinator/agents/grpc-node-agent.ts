import { status } from '@grpc/grpc-js';
import { describeBuild } from '../../shared/agent-api/agent-build.js';
import { AgentCallError, AgentClient, type AgentClientOptions, type JournalEntry as AgentJournalEntry, type NodeInfo, type Operation, type Unit } from '../../shared/agent-api/agent-client.js';
import {
  AgentUnreachableError,
  INSTALL_MODES,
  type InstallMode,
  type PackageChange,
  type RebootAdvice,
  type EtcdHealthReport,
  type EtcdSnapshotRequest,
  type EtcdSnapshotOutcome,
  type AgentEndpoint,
  type AgentIdentity,
  type AgentOperationState,
  type AgentOperationStatus,
  type CallOptions,
  type InstallOutcome,
  type InstallOutputLine,
  type InstallRequest,
  type JournalEntry,
  type JournalScan,
  type JournalScanRequest,
  type NodeAgent,
  type PlanetCheck,
  type RebootAck,
  type RebootRequest,
  type UnitChangeRequest,
  type UnitState,
  type UpdatePhaseRequest,
} from '../ports/node-agent.js';

/**
 * The coordinator's NodeAgent port over the agent's gRPC API (shared/agent-api). The one place
 * where proto messages become the coordinator's types, and where "the agent cannot be reached"
 * (connection refused, deadline, TLS) is told apart from "the agent answered with an error".
 */

const UNREACHABLE_CODES = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED]);
const OPERATION_STATES: Record<string, AgentOperationState> = {
  OPERATION_STATE_RUNNING: 'running',
  OPERATION_STATE_SUCCEEDED: 'succeeded',
  OPERATION_STATE_FAILED: 'failed',
  OPERATION_STATE_INTERRUPTED: 'interrupted',
};
const OPERATION_KINDS: Record<string, string> = {
  OPERATION_KIND_STOP_UNIT: 'stop-unit',
  OPERATION_KIND_START_UNIT: 'start-unit',
  OPERATION_KIND_ENABLE_UNIT: 'enable-unit',
  OPERATION_KIND_INSTALL: 'install',
  OPERATION_KIND_REBOOT: 'reboot',
  OPERATION_KIND_RESTART_UNIT: 'restart-unit',
  OPERATION_KIND_ETCD_SNAPSHOT: 'etcd-snapshot',
};

export function toUnitState(u: Unit): UnitState {
  return {
    name: u.name,
    loadState: u.loadState,
    activeState: u.activeState,
    subState: u.subState,
    ...(u.unitFileState ? { unitFileState: u.unitFileState } : {}),
    ...(u.description ? { description: u.description } : {}),
  };
}

export function toJournalEntry(e: AgentJournalEntry): JournalEntry {
  return {
    timeMs: Math.floor(e.realtimeUsec / 1000),
    priority: e.priority,
    message: e.message,
    ...(e.unit ? { unit: e.unit } : {}),
    ...(e.identifier ? { identifier: e.identifier } : {}),
    ...(e.bootId ? { bootId: e.bootId } : {}),
    ...(e.cursor ? { cursor: e.cursor } : {}),
    ...(e.messageBinary ? { messageBinary: true } : {}),
    ...(e.messageTruncated ? { messageTruncated: true } : {}),
    ...(e.messageDigest ? { messageDigest: e.messageDigest } : {}),
  };
}

/** "Debian GNU/Linux 12 (bookworm), kernel 6.1.0-28-amd64" from what the agent reports ("" when nothing). */
export function describeNodeOs(info: Pick<NodeInfo, 'osPrettyName' | 'osName' | 'osVersion' | 'kernel'>): string {
  const os = info.osPrettyName || [info.osName, info.osVersion].filter(Boolean).join(' ');
  return [os, info.kernel && `kernel ${info.kernel}`].filter(Boolean).join(', ');
}

export function toAgentIdentity(node: string, info: NodeInfo): AgentIdentity {
  const packages: Record<string, string> = {};
  for (const p of info.packages) if (p.installed) packages[p.name] = p.version;
  const build = describeBuild({ commit: info.agentCommit, builtAt: info.agentBuiltAt, runtime: info.agentRuntime });
  const os = describeNodeOs(info);
  return {
    nodeName: node,
    hostname: info.hostname,
    bootId: info.bootId,
    agentVersion: info.agentVersion,
    ...(build ? { agentBuild: build } : {}),
    ...(os ? { os } : {}),
    apiVersion: info.apiVersion,
    updatePackage: info.updatePackage,
    installMode: toInstallMode(info.installMode),
    profile: info.profile || 'gravity',
    etcdConfigured: info.etcdConfigured,
    datastore: info.datastore,
    packages,
    installCommandAvailable: info.installConfigured,
    disk: info.filesystems.map((f) => ({ path: f.mount, availableBytes: Math.max(0, f.sizeBytes - f.usedBytes) })),
    ...(info.filesystemsProblem ? { diskProblem: info.filesystemsProblem } : {}),
    ...(info.installVersionPattern ? { installVersionPattern: info.installVersionPattern } : {}),
    ...(info.nowUnixMs > 0 ? { nodeTimeMs: info.nowUnixMs } : {}),
  };
}

/** An agent older than install modes runs its command. */
export function toInstallMode(mode: string): InstallMode {
  return (INSTALL_MODES as readonly string[]).includes(mode) ? (mode as InstallMode) : 'command';
}

export function toRebootAdvice(a: { required: boolean; reasons: string[]; servicesToRestart: string[]; problem: string }): RebootAdvice {
  return { required: a.required || a.problem !== '', reasons: a.reasons, servicesToRestart: a.servicesToRestart, ...(a.problem ? { problem: a.problem } : {}) };
}

export function toPackageChange(c: { name: string; versionBefore: string; versionAfter: string }): PackageChange {
  return { name: c.name, before: c.versionBefore, after: c.versionAfter };
}

export function toOperationStatus(op: Operation): AgentOperationStatus {
  const detail = op.errorMessage || undefined;
  return {
    operationId: op.id,
    state: OPERATION_STATES[op.state] ?? 'unknown',
    ...(OPERATION_KINDS[op.kind] ? { kind: OPERATION_KINDS[op.kind] } : {}),
    ...(detail ? { detail } : {}),
    ...(op.bootId ? { bootId: op.bootId } : {}),
  };
}

export class GrpcNodeAgent implements NodeAgent {
  private readonly client: AgentClient;
  private updatePackage = '';

  constructor(
    private readonly endpoint: AgentEndpoint,
    options: AgentClientOptions & { callTimeoutMs: number },
  ) {
    this.client = new AgentClient(endpoint.address, { ...options, defaultDeadlineMs: options.callTimeoutMs });
  }

  /** Runs one call, turning "cannot reach the agent" into AgentUnreachableError. */
  private async call<T>(what: () => Promise<T>): Promise<T> {
    try {
      return await what();
    } catch (err) {
      if (err instanceof AgentCallError && UNREACHABLE_CODES.has(err.code)) {
        throw new AgentUnreachableError(this.endpoint.node, this.endpoint.address, `${err.codeName}: ${err.details}`);
      }
      throw err;
    }
  }

  async identity(options?: CallOptions): Promise<AgentIdentity> {
    const info = await this.call(() => this.client.getNodeInfo(options?.timeoutMs));
    this.updatePackage = info.updatePackage;
    return toAgentIdentity(this.endpoint.node, info);
  }

  async listUnits(pattern: string, options?: CallOptions): Promise<UnitState[]> {
    const r = await this.call(() => this.client.listUnits([pattern], { loadedOnly: false, ...(options?.timeoutMs ? { deadlineMs: options.timeoutMs } : {}) }));
    return r.units.map(toUnitState);
  }

  async stopUnit(unit: string, request: UnitChangeRequest, options?: CallOptions): Promise<UnitState> {
    const r = await this.call(() => this.client.stopUnit({ operationId: request.operationId, unit, timeoutMs: request.timeoutMs }, options?.timeoutMs));
    if (!r.unit) throw new Error(`StopUnit ${unit}: the agent returned no unit state`);
    return toUnitState(r.unit);
  }

  async enableUnitNow(unit: string, request: UnitChangeRequest, options?: CallOptions): Promise<UnitState> {
    return this.enable(unit, true, request, options);
  }

  async enableUnit(unit: string, request: UnitChangeRequest, options?: CallOptions): Promise<UnitState> {
    return this.enable(unit, false, request, options);
  }

  async restartUnit(unit: string, request: UnitChangeRequest, options?: CallOptions): Promise<UnitState> {
    const r = await this.call(() => this.client.restartUnit({ operationId: request.operationId, unit, timeoutMs: request.timeoutMs }, options?.timeoutMs));
    if (!r.unit) throw new Error(`RestartUnit ${unit}: the agent returned no unit state`);
    return toUnitState(r.unit);
  }

  async rebootAdvice(options?: CallOptions): Promise<RebootAdvice> {
    return toRebootAdvice(await this.call(() => this.client.getRebootAdvice(options?.timeoutMs)));
  }

  async etcdHealth(options?: CallOptions): Promise<EtcdHealthReport> {
    const r = await this.call(() => this.client.checkEtcdHealth(0, options?.timeoutMs));
    return {
      members: r.members.map((m) => ({ endpoint: m.endpoint, healthy: m.healthy, ...(m.error ? { error: m.error } : {}) })),
      allHealthy: r.allHealthy,
      command: r.command,
      ...(r.problem ? { problem: r.problem } : {}),
    };
  }

  /** Streams the snapshot into `destination`; the client checks size and SHA-256 before the file appears. */
  async saveEtcdSnapshot(request: EtcdSnapshotRequest, destination: string, options?: CallOptions): Promise<EtcdSnapshotOutcome> {
    const r = await this.call(() => this.client.saveEtcdSnapshot(request.operationId, destination, options?.timeoutMs ? { deadlineMs: options.timeoutMs } : {}));
    return {
      operationId: request.operationId,
      sizeBytes: r.sizeBytes,
      sha256: r.sha256,
      datastore: r.finished.datastore === 'sqlite' ? 'sqlite' : 'etcd',
      revision: r.finished.revision,
      totalKeys: r.finished.totalKeys,
      etcdHash: r.finished.etcdHash,
      replayed: r.started?.replayed ?? false,
      ...(r.started?.command.length ? { command: r.started.command } : {}),
    };
  }

  private async enable(unit: string, now: boolean, request: UnitChangeRequest, options?: CallOptions): Promise<UnitState> {
    const r = await this.call(() => this.client.enableUnit({ operationId: request.operationId, unit, now, timeoutMs: request.timeoutMs }, options?.timeoutMs));
    if (!r.unit) throw new Error(`EnableUnit ${unit}: the agent returned no unit state`);
    return toUnitState(r.unit);
  }

  async failedUnits(options?: CallOptions): Promise<UnitState[]> {
    const r = await this.call(() => this.client.listFailedUnits(options?.timeoutMs));
    return r.units.map(toUnitState);
  }

  async scanJournal(request: JournalScanRequest, options?: CallOptions): Promise<JournalScan> {
    const start = request.start.kind === 'boot' ? { bootId: request.start.bootId } : { afterCursor: request.start.cursor };
    const r = await this.call(() =>
      this.client.scanJournal(
        { ...start, priority: String(request.maxPriority), maxEntries: request.maxEntries, newest: request.newest ?? false },
        options?.timeoutMs ? { deadlineMs: options.timeoutMs } : {},
      ),
    );
    return {
      entries: r.entries.map(toJournalEntry),
      ...(r.summary.lastCursor ? { cursor: r.summary.lastCursor } : {}),
      truncated: r.summary.truncatedByCount || r.summary.truncatedByTime,
    };
  }

  async install(request: InstallRequest, onOutput: (line: InstallOutputLine) => void, options?: CallOptions): Promise<InstallOutcome> {
    const r = await this.call(() =>
      this.client.install(request.operationId, request.version, {
        ...(request.mode ? { mode: request.mode } : {}),
        ...(request.packages ? { packages: request.packages } : {}),
        onEvent: (ev) => {
          if (ev.stdout) onOutput({ stream: 'stdout', line: ev.stdout.text });
          else if (ev.stderr) onOutput({ stream: 'stderr', line: ev.stderr.text });
        },
        ...(options?.timeoutMs ? { deadlineMs: options.timeoutMs } : {}),
      }),
    );
    // A stream cut by the network is "unreachable", not a failed install: the caller re-attaches by operation ID.
    if (r.error && UNREACHABLE_CODES.has(r.error.code) && !r.finished) {
      throw new AgentUnreachableError(this.endpoint.node, this.endpoint.address, `${r.error.codeName}: ${r.error.details}`);
    }
    const op = r.finished?.operation ?? undefined;
    const after = op?.install?.packagesAfter ?? [];
    const updated = after.find((p) => p.name === this.updatePackage) ?? after[0];
    const succeeded = !r.error && op?.state === 'OPERATION_STATE_SUCCEEDED';
    const detail = r.error?.message ?? (succeeded ? undefined : op?.errorMessage || r.stderr.slice(-5).join('\n') || undefined);
    const changes = r.finished?.packageChanges.length ? r.finished.packageChanges : (op?.install?.packageChanges ?? []);
    const advice = r.finished?.rebootAdvice ?? op?.install?.rebootAdvice ?? undefined;
    return {
      operationId: request.operationId,
      succeeded,
      ...(r.finished && r.finished.exitCode >= 0 ? { exitCode: r.finished.exitCode } : {}),
      ...(updated?.installed ? { installedVersion: updated.version } : {}),
      replayed: r.started?.replayed ?? false,
      ...(detail ? { detail } : {}),
      // agents before install modes, and mode command, report neither
      ...(changes.length > 0 || advice ? { packageChanges: changes.map(toPackageChange) } : {}),
      ...(advice ? { rebootAdvice: toRebootAdvice(advice) } : {}),
    };
  }

  async planetChecks(options?: CallOptions): Promise<PlanetCheck[]> {
    const r = await this.call(() => this.client.runPlanetChecks([], options?.timeoutMs));
    return r.checks.map((c) => ({ name: c.name, passed: c.ok, detail: c.ok ? c.stdoutTail.trim() : c.problem || c.stderrTail || c.stdoutTail }));
  }

  async reboot(request: RebootRequest, options?: CallOptions): Promise<RebootAck> {
    const r = await this.call(() => this.client.reboot(request.operationId, 'noderoll rolling update', options?.timeoutMs));
    const op = r.operation;
    return { operationId: request.operationId, bootId: op?.reboot?.bootIdBefore || op?.bootId || '', replayed: r.replayed };
  }

  async setUpdatePhase(request: UpdatePhaseRequest, options?: CallOptions): Promise<void> {
    await this.call(() => this.client.setUpdatePhase(request, options?.timeoutMs));
  }

  async operationStatus(operationId: string, options?: CallOptions): Promise<AgentOperationStatus> {
    try {
      return toOperationStatus(await this.call(() => this.client.getOperation(operationId, options?.timeoutMs)));
    } catch (err) {
      if (err instanceof AgentCallError && err.code === status.NOT_FOUND) return { operationId, state: 'unknown' };
      throw err;
    }
  }

  close(): void {
    this.client.close();
  }
}
