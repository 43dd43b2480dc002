import { createHash } from 'node:crypto';
import type { TimedEvent } from '../../coordinator/engine/events.js';
import { nodeOutOfService } from '../../coordinator/engine/node-runner.js';
import type { CanaryConfig } from '../../coordinator/config/config-types.js';
import { withConfirm } from '../../coordinator/engine/engine.js';
import { OPERATION_SCOPE } from '../../coordinator/schedule/node-scheduler.js';
import type { ResolvedPool } from '../../coordinator/schedule/pools.js';
import type { OperationRecord } from '../../coordinator/state/operation-record.js';
import { stepRecord } from '../../coordinator/state/operation-record.js';
import type { FakeNode, FakeWorld } from '../unit/coordinator/fakes/fake-world.js';

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

/**
 * The run's trace (what happened, in simulated time) and the invariants checked after every
 * simulated event. The first violation ends the run; the trace's hash is what a replay must match.
 */
export class Monitor {
  readonly trace: string[] = [];
  violation: string | undefined;
  private readonly hash = createHash('sha256');
  /** Most nodes seen out of service at once. */
  maxOutOfService = 0;

  constructor(
    private readonly now: () => number,
    private readonly startMs: number,
  ) {}

  log(line: string): void {
    const entry = `+${((this.now() - this.startMs) / 1000).toFixed(1)}s ${line}`;
    this.trace.push(entry);
    this.hash.update(entry + '\n');
  }

  fail(message: string): never {
    if (this.violation === undefined) {
      this.violation = message;
      this.log(`VIOLATION: ${message}`);
    }
    throw new InvariantViolation(message);
  }

  traceHash(): string {
    return this.hash.copy().digest('hex').slice(0, 16);
  }

  /**
   * Never more nodes out of service (cordoned or not Ready) than their pool allows; a master only ever
   * out alone. `pools` are the budgets the configuration gives, whatever the engine was told.
   */
  checkOutOfService(world: FakeWorld, pools: readonly ResolvedPool[], where: string): void {
    // After every event: count without allocating; name the nodes only for a report.
    let count = 0;
    let master = false;
    for (const n of world.nodes.values()) {
      if (!n.cordoned && world.kubeletReady(n)) continue;
      count++;
      if (n.role === 'master') master = true;
    }
    if (count > this.maxOutOfService) this.maxOutOfService = count;
    if (count === 0) return;
    const out = (): FakeNode[] => [...world.nodes.values()].filter((n) => n.cordoned || !world.kubeletReady(n));
    const names = (nodes: readonly FakeNode[]): string => nodes.map((n) => n.name).join(', ');
    if (master && count > 1) this.fail(`a master out of service together with another node (${names(out())}) after ${where}`);
    let widest = -Infinity;
    for (const pool of pools) if (pool.maxUnavailable > widest) widest = pool.maxUnavailable;
    if (count > widest) this.fail(`${count} nodes out of service (${names(out())}), more than any pool allows (${widest}) after ${where}`);
    for (const pool of pools) {
      if (count <= pool.maxUnavailable) continue;
      const inPool = out().filter((n) => pool.nodes.includes(n.name));
      if (inPool.length > pool.maxUnavailable) this.fail(`pool ${pool.name}: ${inPool.length} nodes out of service (${names(inPool)}), its budget is ${pool.maxUnavailable}, after ${where}`);
    }
  }

  /** Engine events that go into the trace (not progress or output lines). */
  traceEvent(e: TimedEvent, process: number): void {
    const node = 'node' in e && e.node ? ` ${e.node}` : '';
    const step = 'step' in e && e.step ? ` ${e.step}` : '';
    switch (e.type) {
      case 'step-progress':
      case 'step-output':
      case 'failed-units':
      case 'units-changed':
        return;
      case 'gate-report':
        if (!e.passed) this.log(`[c${process}] gates failing${node} (${e.purpose}): ${e.results.filter((r) => !r.passed).map((r) => r.gate).join(', ')}`);
        return;
      case 'step-completed':
        this.log(`[c${process}] step-completed${node}${step}${e.alreadyDone ? ' (already done)' : ''}`);
        return;
      case 'step-failed':
        this.log(`[c${process}] step-failed${node}${step}: ${e.reason}`);
        return;
      case 'operation-halted':
      case 'operation-interrupted':
        this.log(`[c${process}] ${e.type}${node}${step}: ${e.reason} -> ${e.resumeCommand}`);
        return;
      default:
        this.log(`[c${process}] ${e.type}${node}${step}`);
    }
  }
}

/**
 * A node the operation starts (not one it resumes), under `canary:`: if its scope's canary is not cleared
 * on disk (soaked, and confirmed when asked), it is one of the scope's first canary.nodes nodes (skipped
 * ones aside, in operation order), and it starts with no other node out of service.
 */
export function checkCanaryStart(m: Monitor, canary: CanaryConfig, record: OperationRecord | undefined, pools: readonly ResolvedPool[], node: string, world: FakeWorld): void {
  if (!record) return;
  const scopeOf = (name: string): string => (canary.scope === 'operation' ? 'operation' : (pools.find((p) => p.nodes.includes(name))?.name ?? '?'));
  const scope = scopeOf(node);
  const engineScope = canary.scope === 'operation' ? OPERATION_SCOPE : scope;
  const soaked = record.canary?.soaked.includes(engineScope) ?? false;
  const confirmed = !canary.confirm || (record.canary?.confirmed.includes(engineScope) ?? false);
  if (soaked && confirmed) return;
  const members = record.nodes.filter((n) => n.status !== 'skipped' && scopeOf(n.name) === scope).slice(0, canary.nodes).map((n) => n.name);
  if (!members.includes(node)) m.fail(`node ${node} started before the canary of ${scope} (${members.join(', ')}) was ${soaked ? 'confirmed' : 'soaked'}`);
  const out = [...world.nodes.values()].filter((n) => n.name !== node && (n.cordoned || !world.kubeletReady(n))).map((n) => n.name);
  if (out.length > 0) m.fail(`canary node ${node} started while ${out.join(', ')} ${out.length > 1 ? 'were' : 'was'} out of service`);
}

/** The record a halt, stop or wait leaves: its status and the command that continues it. */
export function checkEndRecord(m: Monitor, record: OperationRecord | undefined, outcome: string, resumeCommand: string): void {
  if (!record) return m.fail(`the run ended ${outcome} with no record in the store`);
  const expected: Record<string, string[]> = { completed: ['completed'], halted: ['halted'], interrupted: ['interrupted'], waiting: ['waiting-for-window', 'waiting-for-confirmation'] };
  if (!(expected[outcome] ?? []).includes(record.status)) m.fail(`the run ended ${outcome} but the record says ${record.status}`);
  // A rollback ends with the run that began it, or with the resume that finds it interrupted.
  for (const n of record.nodes) {
    if (n.rollbacks?.some((r) => r.status === 'running')) m.fail(`the run ended ${outcome} with a rollback of node ${n.name} still running in the record`);
  }
  if (outcome === 'completed') return;
  if (!record.halt) return m.fail(`the run ended ${outcome} and the record has no halt`);
  // A canary waiting for the operator's word is continued by the resume with --confirm.
  const expectedCommand = record.status === 'waiting-for-confirmation' ? withConfirm(resumeCommand) : resumeCommand;
  if (!record.halt.resumeCommand.startsWith(expectedCommand)) m.fail(`the ${outcome} record's resume command is "${record.halt.resumeCommand}", not "${expectedCommand}"`);
}

/**
 * The record's node statuses against the world once the run is over: completed nodes run the target and
 * are in service, pending ones were never touched, and a node out of service is one the record says so.
 */
export function checkRecordAgainstWorld(m: Monitor, record: OperationRecord, world: FakeWorld, target: string, fromVersion: string, completed: boolean, rebootsAccepted: ReadonlyMap<string, number>): void {
  for (const rec of record.nodes) {
    const n = world.node(rec.name);
    const ready = world.kubeletReady(n);
    const reboots = rebootsAccepted.get(rec.name) ?? 0;
    if (completed && rec.status !== 'completed' && rec.status !== 'skipped') m.fail(`the operation completed but node ${rec.name} is ${rec.status} in the record`);
    if (rec.status === 'completed') {
      if (n.version !== target) m.fail(`node ${rec.name} is completed in the record but runs ${n.version}, not ${target}`);
      if (n.cordoned || !ready) m.fail(`node ${rec.name} is completed in the record but out of service (cordoned ${n.cordoned}, Ready ${ready})`);
      // One reboot for the run that completed it, and at most one for each rollback and each run before it.
      const allowed = 1 + (rec.rollbacks?.length ?? 0) + (rec.facts.rerunAfterRollback ?? 0);
      if (reboots < 1 || reboots > allowed) m.fail(`node ${rec.name} is completed after ${reboots} reboots; its record explains 1 to ${allowed}`);
      const phase = n.annotations['noderoll.io/phase'];
      if (phase !== 'updated') m.fail(`node ${rec.name} is completed in the record but its phase annotation says ${phase ?? '(none)'}`);
    }
    // Pending after a rollback (its steps restarted, then stopped before the drain): back on the old
    // version and in service, with the update's reboot and the rollback's for each rollback.
    const rolledBack = rec.rollbacks?.filter((r) => r.status === 'completed').length ?? 0;
    if ((rec.status === 'pending' || rec.status === 'skipped') && (n.version !== fromVersion || n.cordoned || reboots > 2 * rolledBack)) {
      m.fail(`node ${rec.name} is ${rec.status} in the record but was touched (version ${n.version}, cordoned ${n.cordoned}, ${reboots} reboots, ${rolledBack} rollbacks)`);
    }
    if (n.cordoned && !((rec.status === 'in-progress' || rec.status === 'failed') && nodeOutOfService(rec))) {
      m.fail(`node ${rec.name} is cordoned but the record does not have it out of service (${rec.status}, drain ${stepRecord(rec, 'drainNode').status}, uncordon ${stepRecord(rec, 'uncordonNode').status})`);
    }
  }
}
