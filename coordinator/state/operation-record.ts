import type { UnitChange } from '../engine/events.js';
import type { BackupRecord, NodeRole } from '../ports/cluster.js';
import { runbookFor, type StepName } from '../plan/runbook.js';
import { PROFILE_NAMES, type ProfileName, type RebootPolicy } from '../plan/profiles.js';
import type { InstallMode, PackageChange, PackagePin, RebootAdvice } from '../ports/node-agent.js';
import type { PlannedNode } from '../plan/node-order.js';

/**
 * The persisted operation: what was planned, where each node and step stands, the facts that make
 * resume safe (boot ID before the reboot, when the reboot was asked for), and why it halted.
 */

export const STATE_SCHEMA_VERSION = 1;

/**
 * running: a coordinator is working on it; halted: a step failed; interrupted: stopped on request at a safe point;
 * waiting-for-window: stopped at a safe point because the next node does not fit in a maintenance window (--until-window-end).
 */
export type OperationStatus = 'running' | 'halted' | 'interrupted' | 'waiting-for-window' | 'waiting-for-confirmation' | 'completed' | 'abandoned';
export const OPERATION_STATUSES: readonly OperationStatus[] = ['running', 'halted', 'interrupted', 'waiting-for-window', 'waiting-for-confirmation', 'completed', 'abandoned'];
/** Statuses of an operation that `resume` continues and that keeps a new `update` from starting. */
export const UNFINISHED_STATUSES: readonly OperationStatus[] = ['running', 'halted', 'interrupted', 'waiting-for-window', 'waiting-for-confirmation'];

/** Stopped, nobody working on it, a resume command to show. */
export function awaitsResume(status: OperationStatus): boolean {
  return status === 'halted' || status === 'interrupted' || status === 'waiting-for-window' || status === 'waiting-for-confirmation';
}
export type NodeStatus = 'pending' | 'in-progress' | 'completed' | 'failed' | 'skipped';
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'interrupted';

export interface StepRecord {
  name: StepName;
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  /** Why the step was found already done, or other remarks. */
  note?: string;
  error?: string;
  details?: string[];
}

/** One try of the install on a node: each gets its own agent operation ID (the agent runs an ID once). */
export interface InstallAttemptRecord {
  /** 1, 2, … up to install.maxAttempts. */
  attempt: number;
  agentOperationId: string;
  startedAt: string;
  /** As the agent recorded it; absent while unknown (running, or the agent could not be asked). */
  outcome?: 'succeeded' | 'failed' | 'interrupted';
  detail?: string;
}

/** The watched packages' versions on the node right before this operation's first install: what a rollback reinstalls. */
export interface RollbackPoint {
  /** The package the agent's install command installs. */
  package: string;
  /** Its version then; absent when it was not installed (nothing to roll back to). */
  version?: string;
  /** Every watched package the agent reported, by name. */
  packages: Record<string, string>;
  recordedAt: string;
}

/** One rollback of the node to its rollback point (coordinator/recovery), automatic or `noderoll rollback`. */
export interface RollbackRecord {
  trigger: 'automatic' | 'manual';
  /** Why: the failure that started it (step and reason), or the operator's command. */
  reason: string;
  fromVersion?: string;
  toVersion: string;
  startedAt: string;
  finishedAt?: string;
  status: 'running' | 'completed' | 'failed';
  /** What the rollback did, one line per completed phase, in order: a resume continues after the last. */
  notes: string[];
  error?: string;
  details?: string[];
  /**
   * What the rollback's own steps learned (its reboot's boot IDs, its post checks), started from the
   * update's facts without the update's reboot: the update's record of its own reboot stays as it was,
   * and a resume after a crash in the rollback compares with the rollback's boot ID, not the update's.
   */
  facts?: NodeFacts;
}

/** One run of the configured power-cycle command for a node that did not come back (coordinator/power). */
export interface PowerCycleAttemptRecord {
  at: string;
  /** As run, placeholders filled. */
  command: string;
  outcome: 'succeeded' | 'failed';
  exitCode?: number;
  detail: string;
  /** The last few hundred characters of its output. */
  outputTail: string;
}

/** Whether the node rebooted after the install, and why (profiles with a decideReboot step). */
export interface RebootDecisionRecord {
  decision: 'reboot' | 'skip';
  /** One sentence: the policy and the agent's advice. */
  reason: string;
  /** Services the agent named and restarted instead of a reboot. */
  servicesRestarted: string[];
  /** Units stopped before the install and started again instead of a reboot. */
  unitsStarted: string[];
  /** What the operator should know: a required reboot not done (reboot: never), a service the agent may not restart. */
  warnings: string[];
}

/** What the steps learned about the node that later steps (and a resume) rely on. */
export interface NodeFacts {
  /** Every package whose version the install changed (from the agent's install record). */
  packageChanges?: PackageChange[];
  /** The agent's reboot advice right after the install (or asked again on resume). */
  rebootAdvice?: RebootAdvice;
  rebootDecision?: RebootDecisionRecord;
  /** The profile's units stopped before the install (stopUnits). */
  stoppedUnits?: string[];
  /** Recorded by installUpdate before anything is installed (onFailure: rollback). */
  rollbackPoint?: RollbackPoint;
  /** Set when a rollback restarted the node's steps: the how-manieth run of the update this is (agent operation IDs differ). */
  rerunAfterRollback?: number;
  planetUnit?: string;
  /** Boot ID read right before the reboot was requested. */
  bootIdBeforeReboot?: string;
  /** When the reboot was requested (coordinator clock, ms since the epoch). */
  rebootRequestedAtMs?: number;
  bootIdAfterReboot?: string;
  versionBefore?: string;
  versionAfter?: string;
  /** Every install attempt of this operation on the node, oldest first. */
  installAttempts?: InstallAttemptRecord[];
  /** Signatures of the journal errors of the boot before the update. */
  journalBaseline?: string[];
  journalBaselineTruncated?: boolean;
  /** Units already failed before the update (names), recorded before the drain. */
  failedUnitsBaseline?: string[];
  /** The failed units after the reboot, by kind (the post check's verdict). */
  failedUnitsAfterReboot?: { known: string[]; ignored: string[]; new: string[] };
  /** Gravity units the post checks enabled or started (§4.1). */
  unitsChanged?: UnitChange[];
  /** Power cycles tried while waiting for the node to come back from its reboot, oldest first. */
  powerCycles?: PowerCycleAttemptRecord[];
}

export interface NodeRecord {
  name: string;
  role: NodeRole;
  agent: string;
  /** Its pool (coordinator/schedule/pools.ts); absent in records written before pools: by role. */
  pool?: string;
  status: NodeStatus;
  startedAt?: string;
  finishedAt?: string;
  skipReason?: string;
  steps: StepRecord[];
  facts: NodeFacts;
  /** Rollbacks of this node in this operation, oldest first (they survive the restart of the node's steps). */
  rollbacks?: RollbackRecord[];
}

export interface HaltRecord {
  at: string;
  /** failure: a step failed; interrupted: Ctrl-C, `noderoll abort`, or a declined confirmation; waiting: for a maintenance window. */
  kind: 'failure' | 'interrupted' | 'waiting';
  node?: string;
  step?: StepName;
  reason: string;
  details: string[];
  resumeCommand: string;
  /** kind waiting: when the next window that fits opens. */
  resumeAt?: string;
}

/** How status and the report title a halt record. */
export function haltTitle(kind: HaltRecord['kind']): string {
  return kind === 'failure' ? 'Halted' : kind === 'waiting' ? 'Waiting for a maintenance window' : 'Stopped';
}

/** How the operation was started, so that `resume` continues it the same way. */
export interface Invocation {
  configPath: string;
  kubeconfig?: string;
  context?: string;
  confirmEachNode: boolean;
  pauseBetweenMs: number;
  nodes?: string[];
  exclude?: string[];
  /**
   * Outside a maintenance window: wait inside the run (--wait-for-window) or stop at the safe point
   * (--until-window-end). Absent: until-end.
   */
  windowMode?: WindowMode;
}

export type WindowMode = 'wait' | 'until-end';

export interface OperationRecord {
  schemaVersion: typeof STATE_SCHEMA_VERSION;
  id: string;
  targetVersion: string;
  createdAt: string;
  updatedAt: string;
  status: OperationStatus;
  invocation: Invocation;
  backup?: BackupRecord;
  nodes: NodeRecord[];
  halt?: HaltRecord;
  finishedAt?: string;
  /** While the run waits for an admission rule (a maintenance window, a hold) before a pending node. */
  waiting?: { node: string; rule: string; reason: string; recheckAt: string; since: string };
  /** Canary progress by scope (a pool name, or the operation): soaked, and confirmed when confirm is set. */
  canary?: { soaked: string[]; confirmed: string[] };
  /** The last run's totals when it completed, so that `noderoll watch` can report them as `update` does. */
  lastRun?: { durationMs: number; waitingMs: number };
  /** The profile whose runbook the nodes follow; absent in records written before profiles: gravity. */
  profile?: ProfileName;
  /** What the operation installs; absent: the agents' install command at targetVersion (mode command). */
  install?: OperationInstallSpec;
  /** The reboot policy the operation runs with; absent: always (gravity). */
  reboot?: RebootPolicy;
}

/** The install the operation asks every agent for. */
export interface OperationInstallSpec {
  mode: InstallMode;
  /** mode packages: each at its exact version. */
  packages: PackagePin[];
}

/** The operation's install mode (command for records written before install modes). */
export function installModeOf(record: Pick<OperationRecord, 'install'>): InstallMode {
  return record.install?.mode ?? 'command';
}

/** What `targetVersion` holds for the modes without one: a label of what is installed. */
export function installTargetLabel(spec: OperationInstallSpec, version?: string): string {
  if (spec.mode === 'command') return version ?? '';
  if (spec.mode === 'upgrade-all') return 'upgrade-all';
  return `packages ${spec.packages.map((p) => `${p.name}=${p.version}`).join(',')}`;
}

/** "profile kubeadm, install upgrade-all, reboot auto"; undefined for a gravity record (nothing to say beyond the target). */
export function describeProfile(record: Pick<OperationRecord, 'profile' | 'install' | 'reboot'>): string | undefined {
  if (record.profile === undefined && record.install === undefined && record.reboot === undefined) return undefined;
  return `profile ${record.profile ?? 'gravity'}, install ${installModeOf(record)}, reboot ${record.reboot ?? 'always'}`;
}

export function newStepRecords(profile?: ProfileName): StepRecord[] {
  return runbookFor(profile).map((s) => ({ name: s.name, status: 'pending', attempts: 0 }));
}

export function newOperationRecord(args: {
  id: string;
  targetVersion: string;
  nodes: readonly PlannedNode[];
  skipped?: ReadonlyMap<string, string>;
  invocation: Invocation;
  now: string;
  /** Absent: gravity, mode command, always reboot (what records without them mean). */
  profile?: ProfileName;
  install?: OperationInstallSpec;
  reboot?: RebootPolicy;
}): OperationRecord {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    id: args.id,
    targetVersion: args.targetVersion,
    createdAt: args.now,
    updatedAt: args.now,
    status: 'running',
    invocation: args.invocation,
    ...(args.profile && args.profile !== 'gravity' ? { profile: args.profile } : {}),
    ...(args.install && args.install.mode !== 'command' ? { install: args.install } : {}),
    ...(args.reboot && args.reboot !== 'always' ? { reboot: args.reboot } : {}),
    nodes: args.nodes.map((n) => {
      const skipReason = args.skipped?.get(n.name);
      return {
        name: n.name,
        role: n.role,
        agent: n.agent,
        ...(n.pool ? { pool: n.pool } : {}),
        status: skipReason ? 'skipped' : 'pending',
        ...(skipReason ? { skipReason } : {}),
        steps: newStepRecords(args.profile),
        facts: {},
      };
    }),
  };
}

export function stepRecord(node: NodeRecord, name: StepName): StepRecord {
  const step = node.steps.find((s) => s.name === name);
  if (!step) throw new Error(`state of node ${node.name} has no step ${name}`);
  return step;
}

/** Operation IDs: sortable by time, unique enough for one cluster, safe in file names and agent requests. */
export function newOperationId(nowMs: number, random: string): string {
  const t = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('T', '-');
  return `nr-${t}-${random}`;
}

export const OPERATION_ID_PATTERN = /^nr-\d{8}-\d{6}-[a-z0-9]{4,12}$/;

export class StateFormatError extends Error {
  constructor(location: string, problem: string) {
    super(`state ${location}: ${problem}`);
    this.name = 'StateFormatError';
  }
}

/** Checks a loaded record's shape enough to trust the engine with it. */
export function checkOperationRecord(value: unknown, location: string): OperationRecord {
  const fail = (p: string): never => {
    throw new StateFormatError(location, p);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const r = value as Record<string, unknown>;
  if (r.schemaVersion !== STATE_SCHEMA_VERSION) fail(`schemaVersion is ${String(r.schemaVersion)}, this noderoll reads ${STATE_SCHEMA_VERSION}`);
  if (typeof r.id !== 'string' || !OPERATION_ID_PATTERN.test(r.id)) fail('id is missing or malformed');
  if (typeof r.targetVersion !== 'string') fail('targetVersion is missing');
  if (!(OPERATION_STATUSES as readonly unknown[]).includes(r.status)) fail(`status "${String(r.status)}" is unknown`);
  if (!Array.isArray(r.nodes)) fail('nodes is not a list');
  if (r.profile !== undefined && !(PROFILE_NAMES as readonly unknown[]).includes(r.profile)) fail(`profile "${String(r.profile)}" is unknown (this noderoll knows ${PROFILE_NAMES.join(', ')})`);
  const stepNames = runbookFor(r.profile as ProfileName | undefined).map((s) => s.name);
  for (const [i, n] of (r.nodes as unknown[]).entries()) {
    if (typeof n !== 'object' || n === null) fail(`nodes[${i}] is not an object`);
    const node = n as Record<string, unknown>;
    if (typeof node.name !== 'string') fail(`nodes[${i}].name is missing`);
    if (!Array.isArray(node.steps)) fail(`nodes[${i}].steps is not a list`);
    const names = (node.steps as { name?: unknown }[]).map((s) => s?.name);
    if (names.length !== stepNames.length || names.some((nm, j) => nm !== stepNames[j])) {
      fail(`nodes[${i}].steps do not match this noderoll's runbook of profile ${String(r.profile ?? 'gravity')} (${stepNames.join(', ')})`);
    }
  }
  return value as OperationRecord;
}
