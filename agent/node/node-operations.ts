import { accessSync, constants } from 'node:fs';
import { AGENT_API_VERSION } from '../../shared/agent-api/proto.js';
import { formatCommand, tail, runCommand, type CommandRunner } from '../../shared/exec/command-runner.js';
import type { Logger } from '../../shared/log/logger.js';
import { FieldError, showValue } from '../../shared/validation/field-error.js';
import { validateOperationId } from '../../shared/validation/operation-id.js';
import { validateManagedUnit, validateUnitGlob } from '../../shared/validation/unit-name.js';
import { validateVersion } from '../../shared/validation/version.js';
import { AgentError, commandFailure } from '../agent-error.js';
import { installArgv, type AgentConfig } from '../config/agent-config.js';
import { JournalScanError, scanJournal, type JournalScanSummary } from '../journal/journal-reader.js';
import type { ParsedJournalEntry } from '../journal/journal-entry.js';
import type { JournalQuery } from '../journal/journal-query.js';
import type { OperationLedger } from '../operations/operation-ledger.js';
import type { InstallRecord, OperationArgs, OperationKind, OperationRecord, PackageVersionRecord } from '../operations/operation-record.js';
import { packageManagerProgram, type InstallStep } from '../install/install-commands.js';
import { checkModeMatches, planPackageInstall, type InstallRequestFields } from '../install/install-request.js';
import { diffPackages, readPackageDatabase, type PackageSet } from '../install/package-database.js';
import { readRebootAdvice, type RebootAdviceRecord } from './reboot-advice.js';
import type { UnitState } from '../systemd/show-parser.js';
import type { Systemctl } from '../systemd/systemctl.js';
import { nodeHostname, readOsFacts, type BootIdentity } from './node-identity.js';
import { readFilesystems, type FilesystemFacts } from './filesystems.js';
import { agentBuild, type AgentBuild } from '../build-info.js';
import { queryPackages } from './packages.js';
import { runPlanetChecks, type PlanetCheckOutcome } from './planet-checks.js';
import { UnitActions } from './unit-actions.js';
import { EtcdOperations } from '../etcd/etcd-operations.js';

/**
 * The node-local half of the runbook, as the gRPC service offers it: every request validated
 * field by field before anything runs, mutating requests recorded in the operation ledger (one
 * at a time, idempotent per operation ID), and the host executors (systemctl, journalctl, the
 * configured install and reboot commands) doing the work.
 */

export interface InstallOutput {
  stream: 'stdout' | 'stderr';
  text: string;
  unixMs: number;
}

export interface NodeInfoFacts {
  hostname: string;
  machineId: string;
  boot: BootIdentity;
  osName: string;
  osVersion: string;
  osPrettyName: string;
  kernel: string;
  agentVersion: string;
  agentCommit: string;
  agentBuiltAt: string;
  agentRuntime: string;
  systemdVersion: number;
  systemdVersionText: string;
  packages: PackageVersionRecord[];
  planetUnits: string[];
  filesystems: FilesystemFacts[];
  currentOperation: OperationRecord | undefined;
  agentStartedUnixMs: number;
  nowUnixMs: number;
  installConfigured: boolean;
  updatePackage: string;
  apiVersion: string;
  /** install.versionPattern: what Install accepts (preflight checks the target against it). */
  installVersionPattern: string;
  /** Why the filesystems could not be read ("" when they were). */
  filesystemsProblem: string;
  /** install.mode: command, packages or upgrade-all. */
  installMode: string;
  profile: string;
  etcdConfigured: boolean;
  datastore: string;
}

export interface UnitOperationResult {
  op: OperationRecord;
  unit: UnitState | undefined;
  replayed: boolean;
}

/** What the metrics want to know about (implemented by AgentMetrics). */
export interface OperationObserver {
  operationFinished(op: OperationRecord): void;
  journalScanned(summary: JournalScanSummary): void;
}

export interface NodeOperationsDeps {
  config: AgentConfig;
  systemctl: Systemctl;
  ledger: OperationLedger;
  boot: BootIdentity;
  machineId: string;
  agentVersion: string;
  /** How this agent was built (default: agentBuild() of build-info.ts). */
  agentBuild?: AgentBuild;
  logger: Logger;
  runner?: CommandRunner;
  observer?: OperationObserver;
  clock?: () => number;
  startedUnixMs?: number;
  /** Reads the reboot advice (default: readRebootAdvice of reboot-advice.ts on this host). */
  rebootAdvice?: () => Promise<RebootAdviceRecord>;
}

const OUTPUT_TAIL_CHARS = 16 * 1024;

function buildFacts(b: AgentBuild): Pick<NodeInfoFacts, 'agentCommit' | 'agentBuiltAt' | 'agentRuntime'> {
  return { agentCommit: b.commit, agentBuiltAt: b.builtAt, agentRuntime: b.runtime };
}
/** After the shutdown grace, how long an aborted install may take to exit before it is recorded interrupted. */
export const INSTALL_ABORT_SETTLE_MS = 5000;

export class NodeOperations {
  private readonly cfg: AgentConfig;
  private readonly run: CommandRunner;
  private readonly units: UnitActions;
  private readonly clock: () => number;
  readonly startedUnixMs: number;
  /** Aborts the running install (shutdown after the grace period). */
  private installAbort: AbortController | undefined;
  private rebootTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  /** etcd health and snapshots (the etcd: section). */
  readonly etcd: EtcdOperations;

  constructor(private readonly d: NodeOperationsDeps) {
    this.cfg = d.config;
    this.run = d.runner ?? runCommand;
    this.clock = d.clock ?? Date.now;
    this.units = new UnitActions(d.systemctl, this.clock);
    this.startedUnixMs = d.startedUnixMs ?? this.clock();
    this.etcd = new EtcdOperations({
      config: d.config.etcd,
      ledger: d.ledger,
      run: this.run,
      logger: d.logger,
      clock: this.clock,
      refuseWhenStopping: () => this.refuseWhenStopping(),
      finished: (op) => this.finished(op),
    });
  }

  get boot(): BootIdentity {
    return this.d.boot;
  }

  get ledger(): OperationLedger {
    return this.d.ledger;
  }

  private refuseWhenStopping(): void {
    if (this.shuttingDown) throw new AgentError('UNAVAILABLE', 'the agent is shutting down; retry with the same operation ID after it is back');
  }

  // ------------------------------------------------------------------------------------------
  // Read-only

  async nodeInfo(): Promise<NodeInfoFacts> {
    const [os, version, packages, planetUnits, filesystems] = await Promise.all([
      readOsFacts(),
      this.d.systemctl.version(),
      queryPackages(this.cfg.packages.manager, this.cfg.packages.watch, this.run),
      this.cfg.units.planet.length > 0 ? this.unitNames(this.cfg.units.planet, false) : Promise.resolve([]),
      readFilesystems(this.run).then(
        (list) => ({ list, problem: list.length === 0 ? 'no filesystem at /, /var* or /opt* was found' : '' }),
        (err: Error) => {
          this.d.logger.warn({ err: err.message }, 'could not read filesystems');
          return { list: [], problem: `could not read the filesystems: ${err.message}` };
        },
      ),
    ]);
    return {
      hostname: nodeHostname(),
      machineId: this.d.machineId,
      boot: this.d.boot,
      ...os,
      agentVersion: this.d.agentVersion,
      ...buildFacts(this.d.agentBuild ?? agentBuild()),
      systemdVersion: version.version,
      systemdVersionText: version.text,
      packages,
      planetUnits,
      filesystems: filesystems.list,
      filesystemsProblem: filesystems.problem,
      currentOperation: this.d.ledger.current(),
      agentStartedUnixMs: this.startedUnixMs,
      nowUnixMs: this.clock(),
      installConfigured: installProgramPresent(this.cfg.install.mode === 'command' ? this.cfg.install.command : [packageManagerProgram(this.cfg.packages.manager)]),
      updatePackage: this.cfg.packages.watch[0] ?? '',
      apiVersion: AGENT_API_VERSION,
      installVersionPattern: this.cfg.install.versionPattern.source,
      installMode: this.cfg.install.mode,
      profile: this.cfg.profile,
      etcdConfigured: this.etcd.configured,
      datastore: this.etcd.datastore,
    };
  }

  watchedPackages(): Promise<PackageVersionRecord[]> {
    return queryPackages(this.cfg.packages.manager, this.cfg.packages.watch, this.run);
  }

  /** Names of units matching the globs: loaded ones, plus unit files systemd has not loaded. */
  private async unitNames(patterns: readonly string[], loadedOnly: boolean): Promise<string[]> {
    const [listed, files] = await Promise.all([
      this.d.systemctl.listUnits(patterns, { all: true }),
      loadedOnly ? Promise.resolve([]) : this.d.systemctl.listUnitFiles(patterns),
    ]);
    const names = new Set<string>(listed.map((u) => u.unit));
    // Template unit files (foo@.service) are not units; their instances are listed when loaded.
    for (const f of files) if (!f.unit.includes('@.')) names.add(f.unit);
    return [...names].sort();
  }

  async listUnits(patterns: readonly string[], loadedOnly: boolean): Promise<{ units: UnitState[]; truncated: boolean }> {
    if (patterns.length === 0) throw new FieldError('patterns', 'name at least one glob, e.g. gravity__gravitational*');
    if (patterns.length > 32) throw new FieldError('patterns', `has ${patterns.length} globs; at most 32`);
    patterns.forEach((p, i) => validateUnitGlob(`patterns[${i}]`, p));
    try {
      const names = await this.unitNames(patterns, loadedOnly);
      const truncated = names.length > this.cfg.units.maxListed;
      return { units: await this.showMany(names.slice(0, this.cfg.units.maxListed)), truncated };
    } catch (err) {
      throw commandFailure('list units', err);
    }
  }

  private async showMany(names: readonly string[]): Promise<UnitState[]> {
    const out: UnitState[] = [];
    for (let i = 0; i < names.length; i += 100) out.push(...(await this.d.systemctl.show(names.slice(i, i + 100))));
    return out;
  }

  async failedUnits(): Promise<UnitState[]> {
    try {
      const listed = await this.d.systemctl.listFailed();
      return await this.showMany(listed.map((u) => u.unit).slice(0, this.cfg.units.maxListed));
    } catch (err) {
      throw commandFailure('list failed units', err);
    }
  }

  async scanJournal(q: JournalQuery, onEntry: (e: ParsedJournalEntry) => void, signal?: AbortSignal): Promise<JournalScanSummary> {
    try {
      const summary = await scanJournal(q, onEntry, { runner: this.run, maxMessageBytes: this.cfg.journal.maxMessageBytes, ...(signal ? { signal } : {}) });
      this.d.observer?.journalScanned(summary);
      return summary;
    } catch (err) {
      if (err instanceof JournalScanError) throw new AgentError(err.kind === 'no-such-boot' ? 'NOT_FOUND' : err.kind === 'pattern-timeout' ? 'DEADLINE_EXCEEDED' : signal?.aborted ? 'CANCELLED' : 'INTERNAL', `journal scan: ${err.message}`);
      throw err;
    }
  }

  async planetChecks(names: readonly string[]): Promise<PlanetCheckOutcome[]> {
    const known = this.cfg.planetChecks.checks;
    names.forEach((n, i) => {
      if (!known.some((c) => c.name === n)) throw new FieldError(`names[${i}]`, `${showValue(n)} is not a configured check (configured: ${known.map((c) => c.name).join(', ') || 'none'})`);
    });
    const chosen = names.length > 0 ? known.filter((c) => names.includes(c.name)) : known;
    return runPlanetChecks(chosen, this.cfg.planetChecks.timeoutMs, this.run);
  }

  getOperation(id: string): OperationRecord {
    validateOperationId('operation_id', id);
    const op = this.d.ledger.get(id);
    if (!op) throw new AgentError('NOT_FOUND', `operation_id: no operation "${id}" on this node (it may have been pruned; the agent keeps the last ${this.cfg.operations.keep})`);
    return op;
  }

  listOperations(limit: number): OperationRecord[] {
    if (!Number.isInteger(limit) || limit < 0 || limit > 500) throw new FieldError('limit', `${limit} must be 0..500`);
    return this.d.ledger.list(limit === 0 ? 50 : limit);
  }

  // ------------------------------------------------------------------------------------------
  // Unit operations

  private unitDeadline(timeoutMs: number, callDeadline: number | undefined): number {
    const u = this.cfg.units;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) throw new FieldError('timeout_ms', `${timeoutMs} must be a non-negative integer`);
    if (timeoutMs > u.maxTimeoutMs) throw new FieldError('timeout_ms', `${timeoutMs} exceeds the agent's limit of ${u.maxTimeoutMs} ms`);
    const own = this.clock() + (timeoutMs === 0 ? u.defaultTimeoutMs : timeoutMs);
    return callDeadline !== undefined ? Math.min(own, callDeadline) : own;
  }

  async stopUnit(req: { operationId: string; unit: string; timeoutMs: number }, callDeadline?: number): Promise<UnitOperationResult> {
    return this.unitOperation('stop-unit', req, false, callDeadline, (unit, deadline) => this.units.stopUnit(unit, deadline));
  }

  async startUnit(req: { operationId: string; unit: string; timeoutMs: number }, callDeadline?: number): Promise<UnitOperationResult> {
    return this.unitOperation('start-unit', req, false, callDeadline, (unit, deadline) => this.units.startUnit(unit, deadline));
  }

  async restartUnit(req: { operationId: string; unit: string; timeoutMs: number }, callDeadline?: number): Promise<UnitOperationResult> {
    return this.unitOperation('restart-unit', req, false, callDeadline, (unit, deadline) => this.units.restartUnit(unit, deadline));
  }

  async enableUnit(req: { operationId: string; unit: string; now: boolean; timeoutMs: number }, callDeadline?: number): Promise<UnitOperationResult> {
    return this.unitOperation('enable-unit', req, req.now, callDeadline, (unit, deadline) => this.units.enableUnit(unit, req.now, deadline));
  }

  private async unitOperation(
    kind: OperationKind,
    req: { operationId: string; unit: string; timeoutMs: number },
    now: boolean,
    callDeadline: number | undefined,
    act: (unit: string, deadline: number) => Promise<UnitState>,
  ): Promise<UnitOperationResult> {
    const id = validateOperationId('operation_id', req.operationId);
    const unit = validateManagedUnit('unit', req.unit, this.cfg.units.allow);
    const deadline = this.unitDeadline(req.timeoutMs, callDeadline);
    this.refuseWhenStopping();
    const args = kind === 'enable-unit' ? { unit, now } : { unit };
    const begun = await this.d.ledger.begin(kind, id, args);
    if (!begun.fresh) {
      const op = begun.live ? await begun.live.done : begun.op;
      return this.unitResult(op, true);
    }
    this.d.logger.info({ audit: true, operationId: id, kind, unit, now }, 'operation started');
    let op: OperationRecord;
    try {
      const state = await act(unit, deadline);
      op = await this.d.ledger.finish(id, 'succeeded', (o) => (o.unitAfter = state));
    } catch (err) {
      const e = err instanceof AgentError ? err : commandFailure(`${kind} ${unit}`, err);
      const after = await this.d.systemctl.showOne(unit).catch(() => undefined);
      op = await this.d.ledger.finish(id, 'failed', (o) => {
        o.error = { code: e.code, message: e.message };
        if (after) o.unitAfter = after;
      });
    }
    this.finished(op);
    return this.unitResult(op, false);
  }

  /** A finished unit operation as the caller gets it: its record, or its recorded error. */
  private unitResult(op: OperationRecord, replayed: boolean): UnitOperationResult {
    if (op.state !== 'succeeded') throw operationError(op);
    return { op, unit: op.unitAfter, replayed };
  }

  private finished(op: OperationRecord): void {
    this.d.observer?.operationFinished(op);
    this.d.logger.info({ audit: true, operationId: op.id, kind: op.kind, state: op.state, error: op.error?.message }, 'operation finished');
  }

  // ------------------------------------------------------------------------------------------
  // Install

  /**
   * Runs the configured install command for `version`, or follows/replays the operation the ID
   * names. Output goes to `onStarted`/`onOutput` as it happens; resolves with the finished record.
   * The command runs independently of the caller: a caller that goes away does not stop it (call
   * again with the same ID to follow it).
   */
  async install(
    req: { operationId: string; version: string } & Omit<InstallRequestFields, 'version'>,
    onStarted: (s: { command: string[]; packagesBefore: PackageVersionRecord[]; replayed: boolean; attached: boolean }) => void,
    onOutput: (o: InstallOutput) => void,
  ): Promise<OperationRecord> {
    const id = validateOperationId('operation_id', req.operationId);
    const mode = checkModeMatches(req, this.cfg.install.mode);
    let steps: InstallStep[];
    let args: OperationArgs;
    let extras: Partial<InstallRecord> = {};
    if (mode === 'command') {
      const version = validateVersion('version', req.version, this.cfg.install.versionPattern);
      if (this.cfg.install.command.length === 0) throw new AgentError('FAILED_PRECONDITION', 'install.command is not configured on this agent; installs are off');
      steps = [installArgv(this.cfg.install.command, version) as InstallStep];
      args = { version };
    } else {
      const plan = planPackageInstall(req, mode, this.cfg);
      steps = plan.steps;
      args = plan.args;
      extras = { mode, steps: plan.steps, ...(mode === 'packages' ? { packagesRequested: plan.packagesRequested } : {}) };
    }
    this.refuseWhenStopping();
    const command = steps.at(-1)!;
    const begun = await this.d.ledger.begin<InstallOutput>('install', id, args, {
      install: { command, exitCode: -1, stdoutTail: '', stderrTail: '', packagesBefore: [], packagesAfter: [], durationMs: 0, ...extras },
    });
    if (!begun.fresh) {
      const rec = begun.op.install;
      onStarted({ command: rec?.command ?? command, packagesBefore: rec?.packagesBefore ?? [], replayed: !begun.live, attached: Boolean(begun.live) });
      if (!begun.live) return begun.op;
      const unsubscribe = begun.live.subscribe(onOutput, true);
      try {
        return await begun.live.done;
      } finally {
        unsubscribe();
      }
    }
    const live = begun.live;
    const unsubscribe = live.subscribe(onOutput);
    try {
      const packagesBefore = await this.watchedPackages().catch(() => []);
      // the whole database, kept in memory only: the record keeps the difference
      const databaseBefore = mode === 'command' ? undefined : { set: await this.packageDatabase() };
      await this.d.ledger.update(id, (o) => (o.install!.packagesBefore = packagesBefore));
      this.d.logger.info({ audit: true, operationId: id, kind: 'install', mode, ...args, command }, 'operation started');
      onStarted({ command, packagesBefore, replayed: false, attached: false });
      this.runInstall(id, steps, live, databaseBefore).catch((err: Error) => this.d.logger.error({ operationId: id, err: err.message }, 'could not record the outcome of the install'));
      return await live.done;
    } finally {
      unsubscribe();
    }
  }

  /** The whole package database; unreadable = undefined (the install runs, its changes are unknown). */
  private async packageDatabase(): Promise<PackageSet | undefined> {
    return readPackageDatabase(this.cfg.packages.manager, this.run).catch((err: Error) => {
      this.d.logger.warn({ err: err.message }, 'could not read the package database');
      return undefined;
    });
  }

  /** Whether the node needs a reboot now, and which services a restart (GetRebootAdvice). */
  rebootAdvice(): Promise<RebootAdviceRecord> {
    return (this.d.rebootAdvice ?? (() => readRebootAdvice({ manager: this.cfg.packages.manager, runner: this.run })))();
  }

  /** `databaseBefore`: modes packages/upgrade-all (the package database before, undefined when unreadable); absent in mode command. */
  private async runInstall(id: string, steps: InstallStep[], live: { emit(e: InstallOutput): void }, databaseBefore?: { set: PackageSet | undefined }): Promise<void> {
    const abort = new AbortController();
    this.installAbort = abort;
    const emit = (stream: 'stdout' | 'stderr') => (text: string) => live.emit({ stream, text, unixMs: this.clock() });
    const started = this.clock();
    let exitCode = -1;
    let stdout = '';
    let stderr = '';
    let error: AgentError | undefined;
    try {
      for (const [i, [file, ...args]] of steps.entries()) {
        if (steps.length > 1) emit('stdout')(`$ ${formatCommand(file, args)}`);
        const r = await this.run({
          file,
          args,
          env: { ...process.env, ...this.cfg.install.env },
          // install.timeoutMs bounds all steps together
          timeoutMs: i === 0 ? this.cfg.install.timeoutMs : Math.max(1000, this.cfg.install.timeoutMs - (this.clock() - started)),
          maxOutputBytes: 1024 * 1024,
          onStdoutLine: emit('stdout'),
          onStderrLine: emit('stderr'),
          signal: abort.signal,
        });
        exitCode = r.exitCode ?? -1;
        stdout = r.stdout;
        stderr = r.stderr;
      }
    } catch (err) {
      const result = (err as { result?: { exitCode: number | null; stdout: string; stderr: string } }).result;
      exitCode = result?.exitCode ?? -1;
      stdout = result?.stdout ?? '';
      stderr = result?.stderr ?? (err as Error).message;
      error = abort.signal.aborted
        ? new AgentError('ABORTED', `install was stopped because the agent shut down: ${(err as Error).message}`)
        : commandFailure('install', err);
    } finally {
      this.installAbort = undefined;
    }
    const packagesAfter = await this.watchedPackages().catch(() => []);
    const outcome = databaseBefore ? await this.packageOutcome(databaseBefore.set) : {};
    const state = error ? (abort.signal.aborted ? 'interrupted' : 'failed') : 'succeeded';
    const op = await this.d.ledger.finish(id, state, (o) => {
      o.install = { ...o.install!, exitCode, stdoutTail: tail(stdout, OUTPUT_TAIL_CHARS), stderrTail: tail(stderr, OUTPUT_TAIL_CHARS), packagesAfter, durationMs: this.clock() - started, ...outcome };
      if (error) o.error = { code: error.code, message: error.message };
    });
    this.finished(op);
  }

  /** Modes packages/upgrade-all: what changed, and the reboot advice read right after. */
  private async packageOutcome(before: PackageSet | undefined): Promise<Pick<InstallRecord, 'packageChanges' | 'rebootAdvice'>> {
    const after = await this.packageDatabase();
    const rebootAdvice = await this.rebootAdvice().catch((err: Error) => ({ required: false, reasons: [], servicesToRestart: [], problem: `reboot advice: ${err.message}` }));
    if (!before || !after) rebootAdvice.problem = [rebootAdvice.problem, 'the package database could not be read before and after the install; the changes are unknown'].filter((p) => p).join('; ');
    return { packageChanges: before && after ? diffPackages(before, after) : [], rebootAdvice };
  }

  // ------------------------------------------------------------------------------------------
  // Reboot

  /**
   * Records the reboot (with the boot ID before it) durably, returns, and after reboot.delayMs
   * runs the configured reboot command. The agent of the next boot completes the operation.
   */
  async reboot(req: { operationId: string; reason: string }): Promise<{ op: OperationRecord; replayed: boolean }> {
    const id = validateOperationId('operation_id', req.operationId);
    if (req.reason.length > 200 || /[\0-\x1f\x7f]/.test(req.reason)) throw new FieldError('reason', `${showValue(req.reason)} must be at most 200 printable characters`);
    this.refuseWhenStopping();
    const command = [...this.cfg.reboot.command];
    const begun = await this.d.ledger.begin('reboot', id, {}, {
      reboot: { bootIdBefore: this.d.boot.bootId, bootIdAfter: '', command, commandIssuedUnixMs: 0, bootTimeUnixMs: 0, completedUnixMs: 0 },
    });
    if (!begun.fresh) return { op: begun.op, replayed: true };
    this.d.logger.warn({ audit: true, operationId: id, kind: 'reboot', reason: req.reason, command, bootId: this.d.boot.bootId }, 'reboot recorded; rebooting after the reply');
    this.rebootTimer = setTimeout(() => void this.issueReboot(id, command), this.cfg.reboot.delayMs);
    return { op: begun.op, replayed: false };
  }

  private async issueReboot(id: string, command: string[]): Promise<void> {
    this.rebootTimer = undefined;
    try {
      await this.d.ledger.update(id, (o) => (o.reboot!.commandIssuedUnixMs = this.clock()));
      const [file, ...args] = command as [string, ...string[]];
      await this.run({ file, args, timeoutMs: 60_000 });
      this.d.logger.warn({ operationId: id }, 'reboot command accepted; waiting to be stopped');
    } catch (err) {
      const e = commandFailure('reboot', err);
      const op = await this.d.ledger.finish(id, 'failed', (o) => (o.error = { code: e.code, message: e.message }));
      this.finished(op);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Shutdown

  /**
   * SIGTERM: refuse new operations, let a running one finish within the grace period, then stop
   * it and record it as interrupted. A pending reboot stays recorded: the next boot completes it.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    const current = this.d.ledger.current();
    if (!current || current.kind === 'reboot') return;
    const live = this.d.ledger.liveOf(current.id);
    if (live) {
      this.d.logger.warn({ operationId: current.id, kind: current.kind, graceMs }, 'shutting down: waiting for the running operation');
      const finished = await Promise.race([live.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref())]);
      if (!finished) {
        this.installAbort?.abort();
        await Promise.race([live.done, new Promise((r) => setTimeout(r, INSTALL_ABORT_SETTLE_MS).unref())]);
      }
    }
    const hit = await this.d.ledger.interruptRunning('the agent shut down while the operation was running; its outcome is unknown');
    for (const op of hit) this.finished(op);
  }

  /** For tests and shutdown: a scheduled but not yet issued reboot. */
  get rebootPending(): boolean {
    return this.rebootTimer !== undefined;
  }
}

/** The error a failed (or interrupted) operation reports, now and on every replay. */
export function operationError(op: OperationRecord): AgentError {
  const code = (op.error?.code as AgentError['code'] | undefined) ?? 'INTERNAL';
  return new AgentError(code, op.error?.message ?? `operation ${op.id} ${op.state}`);
}

/** The configured install program exists: an absolute path that is there, or a name found in PATH. */
function installProgramPresent(command: readonly string[]): boolean {
  const program = command[0];
  if (!program) return false;
  const candidates = program.startsWith('/') ? [program] : (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').map((d) => `${d}/${program}`);
  return candidates.some((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
