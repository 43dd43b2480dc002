import type { GateName } from '../gates/gate.js';
import type { StepName } from '../plan/runbook.js';
import type { NodeRole } from '../ports/cluster.js';

/** A unit whose state the post checks changed (§4.1): enabled, started, or both. */
export interface UnitChange {
  unit: string;
  /** What was done: `enable`, `enable --now`. */
  action: string;
  /** The unit's state before, as `load/active/sub, unit-file state`. */
  before: string;
}

/** What a step found on its node, for the operator beside the step's note (also kept in the node's facts). */
export type NodeFinding =
  | {
      type: 'failed-units';
      /** before-update: the baseline; after-reboot: the post check. */
      when: 'before-update' | 'after-reboot';
      /** Every failed unit seen. */
      failed: string[];
      /** Failed before the update too (in the baseline): reported, not fatal. */
      known: string[];
      /** Matching postChecks.failedUnits.ignore: reported, not fatal. */
      ignored: string[];
      /** Failed now, not before, not ignored: these halt the update. */
      new: string[];
    }
  | { type: 'units-changed'; changes: UnitChange[] };

/** What the engine reports as it goes: rendered as a progress view on a TTY, as NDJSON with `-o json`. */
export type OperationEvent =
  | { type: 'operation-started'; operationId: string; targetVersion: string; nodes: string[]; resumed: boolean }
  | { type: 'node-started'; node: string; role: NodeRole; resumed: boolean }
  | { type: 'step-started'; node: string; step: StepName; title: string; attempt: number }
  | { type: 'step-progress'; node: string; step: StepName; message: string }
  | { type: 'step-output'; node: string; step: StepName; line: string }
  | { type: 'step-completed'; node: string; step: StepName; durationMs: number; note?: string; alreadyDone: boolean }
  | { type: 'step-failed'; node: string; step: StepName; durationMs: number; reason: string; details: string[] }
  | {
      type: 'gate-report';
      node?: string;
      purpose: string;
      passed: boolean;
      consecutivePasses?: number;
      results: { gate: GateName; passed: boolean; summary: string; problems: string[] }[];
    }
  | (NodeFinding & { node: string; step: StepName })
  | { type: 'node-completed'; node: string; durationMs: number }
  /** onFailure rollback / `noderoll rollback` (coordinator/recovery). */
  | { type: 'node-rollback-started'; node: string; trigger: 'automatic' | 'manual'; reason: string; fromVersion?: string; toVersion: string }
  | { type: 'node-rollback-completed'; node: string; toVersion: string; durationMs: number }
  | { type: 'node-rollback-failed'; node: string; toVersion: string; reason: string; details: string[] }
  /** An admission rule holds the node back (again whenever its reason changes); asked again at recheckAt. */
  | { type: 'node-waiting'; node: string; rule: string; reason: string; recheckAt: string }
  /** An admission rule left the node out of the operation. */
  | { type: 'node-skipped'; node: string; rule: string; reason: string }
  | { type: 'warning'; node?: string; message: string }
  /** The canary node(s) of a scope (a pool, or the operation) finished and the gates passed over the canary soak. */
  | { type: 'canary-soaked'; scope: string; nodes: string[]; passes: number }
  | { type: 'canary-confirmed'; scope: string; nodes: string[] }
  /** Stopped after the canary until `noderoll resume --confirm`; every node in service. */
  | { type: 'operation-waiting-for-confirmation'; operationId: string; scope: string; nodes: string[]; reason: string; resumeCommand: string }
  | { type: 'stop-requested'; mode: 'graceful' | 'now'; reason: string }
  | { type: 'operation-halted'; operationId: string; node?: string; step?: StepName; reason: string; details: string[]; resumeCommand: string }
  /** Stopped before `node` until a maintenance window (--until-window-end); resumable. */
  | { type: 'operation-waiting'; operationId: string; node: string; reason: string; details: string[]; resumeAt?: string; resumeCommand: string }
  | { type: 'operation-interrupted'; operationId: string; node?: string; step?: StepName; reason: string; resumeCommand: string }
  | {
      type: 'operation-completed';
      operationId: string;
      durationMs: number;
      /** Time spent waiting on kubectl, agents, gates, the backup, reboots and poll intervals. */
      waitingMs: number;
      /** The rest: the coordinator's own work (state writes, decisions, output). */
      overheadMs: number;
      nodes: number;
    };

export type TimedEvent = OperationEvent & { time: string };

export type EventSink = (event: TimedEvent) => void;
