import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JournalScanSummary } from '../journal/journal-reader.js';
import type { OperationObserver } from '../node/node-operations.js';
import type { OperationKind, OperationRecord, PackageVersionRecord } from '../operations/operation-record.js';
import type { UnitState } from '../systemd/show-parser.js';
import type { UpdatePhaseRecord } from '../operations/update-phase-store.js';
import { UPDATE_PHASE_IDLE, UPDATE_PHASES } from '../../shared/update/update-phase.js';

/**
 * The agent's Prometheus metrics (prom-client): who it is, the node's boot, the state of the
 * watched units, failed units, journal errors seen by scans, operations, RPC latency, and where the
 * rolling update stands on this node (the phase the coordinator last set, one-hot, with its start
 * and deadline), so a dashboard can follow an update from the agents alone.
 * Names follow Prometheus conventions: noderoll_agent_ prefix, base units (seconds, bytes),
 * counters end in _total, timestamps in _timestamp_seconds (boot time keeps node_exporter's name).
 * Host state is sampled on scrape (cached briefly, so a scrape storm cannot turn into a
 * systemctl storm).
 */

export const ACTIVE_STATES = ['active', 'reloading', 'inactive', 'failed', 'activating', 'deactivating'] as const;
const OPERATION_KINDS: OperationKind[] = ['stop-unit', 'start-unit', 'enable-unit', 'restart-unit', 'install', 'reboot'];

export interface MetricsSources {
  agentVersion: string;
  node: string;
  machineId: string;
  bootId: string;
  bootTimeUnixMs: number;
  watchedUnits: () => Promise<UnitState[]>;
  failedUnits: () => Promise<UnitState[]>;
  watchedPackages: () => Promise<PackageVersionRecord[]>;
  currentOperation: () => OperationRecord | undefined;
  /** The update phase last set by the coordinator; undefined = idle. */
  updatePhase: () => UpdatePhaseRecord | undefined;
}

export class AgentMetrics implements OperationObserver {
  readonly registry = new Registry();
  private readonly unitState: Gauge<'unit' | 'state'>;
  private readonly failedUnits: Gauge;
  private readonly systemdUp: Gauge;
  private readonly packageInfo: Gauge<'package' | 'version'>;
  private readonly operationRunning: Gauge<'kind'>;
  private readonly operations: Counter<'kind' | 'state'>;
  private readonly journalErrors: Counter;
  private readonly journalEntries: Counter;
  readonly rpcDuration: Histogram<'method' | 'code'>;
  private readonly connectionsRefused: Counter<'reason'>;
  private readonly certificateExpiry: Gauge;
  private readonly updatePhase: Gauge<'phase'>;
  private readonly updatePhaseStarted: Gauge;
  private readonly updatePhaseDeadline: Gauge;
  private readonly updateOperation: Gauge<'operation_id'>;
  private sampledAt = 0;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly src: MetricsSources,
    private readonly sampleTtlMs = 5000,
  ) {
    const registers = [this.registry];
    // Event-loop lag sampled once a second instead of prom-client's every 10 ms: each sample wakes the
    // process, and an idle agent should sleep (bench/RESULTS.md, "Agent footprint on a node").
    collectDefaultMetrics({ register: this.registry, prefix: 'noderoll_agent_', eventLoopMonitoringPrecision: 1000 });
    // prom-client names these gauges *_total, which `promtool check metrics` rejects for non-counters;
    // the same numbers are kept without the suffix (…_active_handles etc.).
    for (const kind of ['handles', 'requests', 'resources']) this.registry.removeSingleMetric(`noderoll_agent_nodejs_active_${kind}_total`);
    new Gauge({ name: 'noderoll_agent_info', help: 'The agent and the node it runs on (always 1).', labelNames: ['version', 'node', 'machine_id', 'boot_id'], registers }).set(
      { version: src.agentVersion, node: src.node, machine_id: src.machineId, boot_id: src.bootId },
      1,
    );
    new Gauge({ name: 'noderoll_agent_node_boot_time_seconds', help: 'When the node booted (init started), seconds since the epoch.', registers }).set(src.bootTimeUnixMs / 1000);
    this.unitState = new Gauge({ name: 'noderoll_agent_unit_state', help: 'ActiveState of each watched unit: 1 for its current state, 0 for the others.', labelNames: ['unit', 'state'], registers });
    this.failedUnits = new Gauge({ name: 'noderoll_agent_failed_units', help: 'Units in the failed state (systemctl --failed).', registers });
    this.systemdUp = new Gauge({ name: 'noderoll_agent_systemd_up', help: '1 when the last sample of systemd succeeded.', registers });
    this.packageInfo = new Gauge({ name: 'noderoll_agent_watched_package_info', help: 'Installed version of each watched package (1; version "" when not installed).', labelNames: ['package', 'version'], registers });
    this.operationRunning = new Gauge({ name: 'noderoll_agent_operation_running', help: '1 while a mutating operation of this kind runs.', labelNames: ['kind'], registers });
    this.operations = new Counter({ name: 'noderoll_agent_operations_total', help: 'Mutating operations finished by this agent process, by outcome.', labelNames: ['kind', 'state'], registers });
    this.journalErrors = new Counter({ name: 'noderoll_agent_journal_errors_seen_total', help: 'Journal entries of priority err or more severe returned by journal scans.', registers });
    this.journalEntries = new Counter({ name: 'noderoll_agent_journal_entries_scanned_total', help: 'Journal entries read by journal scans.', registers });
    this.rpcDuration = new Histogram({
      name: 'noderoll_agent_rpc_duration_seconds',
      help: 'gRPC call latency by method and status code.',
      labelNames: ['method', 'code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.connectionsRefused = new Counter({
      name: 'noderoll_agent_grpc_connections_refused_total',
      help: 'Connections to the gRPC port refused before any call: TLS handshake failures and client certificates the agent does not accept, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.certificateExpiry = new Gauge({ name: 'noderoll_agent_tls_certificate_expiry_timestamp_seconds', help: "When the agent's TLS certificate expires, seconds since the epoch (absent in insecure-plaintext mode).", registers });
    this.updatePhase = new Gauge({
      name: 'noderoll_agent_update_phase',
      help: 'Where the rolling update stands on this node: 1 for the current phase (a runbook step, or idle, done, halted), 0 for the others.',
      labelNames: ['phase'],
      registers,
    });
    this.updatePhaseStarted = new Gauge({ name: 'noderoll_agent_update_phase_started_timestamp_seconds', help: 'When the node entered its current update phase, seconds since the epoch (0 while idle).', registers });
    this.updatePhaseDeadline = new Gauge({ name: 'noderoll_agent_update_phase_deadline_seconds', help: 'How long the current update phase may take before it counts as stuck (0: no deadline).', registers });
    this.updateOperation = new Gauge({ name: 'noderoll_agent_update_operation_info', help: 'The coordinator operation that last set the update phase (always 1; absent while idle).', labelNames: ['operation_id'], registers });
    this.showUpdatePhase();
  }

  /** Refreshes the update-phase metrics from the source (on every scrape, and after SetUpdatePhase). */
  showUpdatePhase(): void {
    const p = this.src.updatePhase();
    const current = p?.phase ?? UPDATE_PHASE_IDLE;
    for (const phase of UPDATE_PHASES) this.updatePhase.set({ phase }, phase === current ? 1 : 0);
    this.updatePhaseStarted.set(p ? p.startedUnixMs / 1000 : 0);
    this.updatePhaseDeadline.set(p ? p.deadlineMs / 1000 : 0);
    this.updateOperation.reset();
    if (p) this.updateOperation.set({ operation_id: p.operationId }, 1);
  }

  connectionRefused(reason: string): void {
    this.connectionsRefused.inc({ reason });
  }

  certificateLoaded(notAfter: Date): void {
    this.certificateExpiry.set(notAfter.getTime() / 1000);
  }

  operationFinished(op: OperationRecord): void {
    this.operations.inc({ kind: op.kind, state: op.state });
  }

  journalScanned(s: JournalScanSummary): void {
    this.journalErrors.inc(s.errorsMatched);
    this.journalEntries.inc(s.entriesRead);
  }

  observeRpc(method: string, code: string, seconds: number): void {
    this.rpcDuration.observe({ method, code }, seconds);
  }

  private async sample(): Promise<void> {
    const current = this.src.currentOperation();
    for (const kind of OPERATION_KINDS) this.operationRunning.set({ kind }, current?.kind === kind ? 1 : 0);
    try {
      const [units, failed, packages] = await Promise.all([this.src.watchedUnits(), this.src.failedUnits(), this.src.watchedPackages()]);
      this.unitState.reset();
      for (const u of units) for (const state of ACTIVE_STATES) this.unitState.set({ unit: u.name, state }, u.activeState === state ? 1 : 0);
      this.failedUnits.set(failed.length);
      this.packageInfo.reset();
      for (const p of packages) this.packageInfo.set({ package: p.name, version: p.version }, 1);
      this.systemdUp.set(1);
    } catch {
      this.systemdUp.set(0);
    }
  }

  /**
   * The exposition text. Host state (units, failed units, packages) comes from the last finished sample;
   * once it is older than sampleTtlMs a new sample starts in the background. Only the very first scrape
   * waits for one: a scrape never waits on systemctl or dpkg-query, which on a busy node can take longer
   * than Prometheus's scrape timeout and would read as the agent being down.
   */
  async text(): Promise<string> {
    this.showUpdatePhase();
    if (Date.now() - this.sampledAt > this.sampleTtlMs) {
      this.sampling ??= this.sample().finally(() => {
        this.sampledAt = Date.now();
        this.sampling = undefined;
      });
      if (!this.sampledOnce) await this.sampling;
    }
    return this.registry.metrics();
  }

  private get sampledOnce(): boolean {
    return this.sampledAt > 0;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
