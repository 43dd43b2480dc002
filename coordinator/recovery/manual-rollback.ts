import type { Logger } from '../../shared/log/logger.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import { fenceByLock } from '../engine/lock-fence.js';
import type { OperationEvent } from '../engine/events.js';
import { StepFailure } from '../engine/step-failure.js';
import type { Gate } from '../gates/gate.js';
import type { Clock } from '../ports/clock.js';
import type { BackupTaker, KubernetesCluster } from '../ports/cluster.js';
import type { NodeAgent } from '../ports/node-agent.js';
import type { NodeRecord, OperationRecord, RollbackRecord } from '../state/operation-record.js';
import type { StateLock, StateStore } from '../state/state-store.js';
import { assertOnlyNodeOutOfService } from '../steps/out-of-service.js';
import type { StepContext } from '../steps/step-context.js';
import { continueRollback, interruptedRollback, rollBackNode, rollbackTarget } from './rollback-node.js';

export interface ManualRollbackDeps {
  store: StateStore;
  lock: StateLock;
  cluster: KubernetesCluster;
  agent: NodeAgent;
  gates: readonly Gate[];
  backup: BackupTaker | undefined;
  config: CoordinatorConfig;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  events: (e: OperationEvent) => void;
  /** A line about what the rollback is doing. */
  progress: (message: string) => void;
  resumeCommand: string;
}

/** Why `noderoll rollback NODE` cannot roll this node back, or undefined when it can. */
export function manualRollbackProblem(record: OperationRecord, node: string): string | undefined {
  if (record.status !== 'halted' && record.status !== 'interrupted') {
    return `operation ${record.id} is ${record.status}: only a node of a halted or interrupted operation is rolled back by hand`;
  }
  // The rollback sequence is the gravity runbook's (planet steps); the other profiles record no rollback point.
  if ((record.profile ?? 'gravity') !== 'gravity') return `operation ${record.id} runs profile ${record.profile}: rollback by hand is built for profile gravity only so far`;
  const rec = record.nodes.find((n) => n.name === node);
  if (!rec) return `node ${node} is not part of operation ${record.id} (its nodes: ${record.nodes.map((n) => n.name).join(', ')})`;
  const target = rollbackTarget({ node: rec, operation: record });
  return 'problem' in target ? target.problem : undefined;
}

/**
 * `noderoll rollback NODE`: the automatic rollback's sequence (rollback-node.ts) by hand, for a node of
 * the current halted or interrupted operation, under the operation's lock. The operation stays stopped
 * with the outcome recorded: after a rollback the node starts over on resume; a failed one halts with
 * the node cordoned.
 */
export async function rollBackByHand(record: OperationRecord, nodeName: string, deps: ManualRollbackDeps): Promise<RollbackRecord> {
  const node = record.nodes.find((n) => n.name === nodeName)!;
  const persist = async (): Promise<void> => {
    deps.lock.ensureHeld();
    record.updatedAt = new Date(deps.clock.now()).toISOString();
    await deps.store.save(record, deps.lock);
  };
  const cluster = fenceByLock(deps.cluster, deps.lock);
  const ctx = contextFor(record, node, { ...deps, cluster, agent: fenceByLock(deps.agent, deps.lock) }, persist);
  const reason = `noderoll rollback ${nodeName}`;
  let outcome: RollbackRecord;
  try {
    await assertOnlyNodeOutOfService(cluster, nodeName, `roll back node ${nodeName}`, deps.signal);
    // A rollback of this node that a coordinator left running is finished, not begun again.
    outcome = interruptedRollback(node) ? await continueRollback(ctx, deps.events) : await rollBackNode(ctx, 'manual', reason, deps.events);
  } catch (err) {
    if (!(err instanceof StepFailure)) throw err;
    outcome = { trigger: 'manual', reason, toVersion: node.facts.rollbackPoint?.version ?? '', startedAt: new Date(deps.clock.now()).toISOString(), status: 'failed', notes: [], error: err.reason, details: [...err.details] };
  }
  const pkg = node.facts.rollbackPoint?.package ?? 'the package';
  const back = outcome.status === 'completed';
  // Back: the node is in service and starts over on resume (stopped on request). Not back: halted, cordoned.
  node.status = back ? 'pending' : 'failed';
  record.status = back ? 'interrupted' : 'halted';
  record.halt = {
    at: new Date(deps.clock.now()).toISOString(),
    kind: back ? 'interrupted' : 'failure',
    node: nodeName,
    reason: back
      ? `node ${nodeName} was rolled back by hand to ${pkg} ${outcome.toVersion} (healthy and uncordoned)`
      : `rollback of node ${nodeName} to ${pkg} ${outcome.toVersion} by hand failed: ${outcome.error ?? 'unknown'}`,
    details: back ? [`rollback: ${outcome.notes.join('; ')}`, `resume updates node ${nodeName} from the start (install of ${record.targetVersion} again)`] : (outcome.details ?? []),
    resumeCommand: deps.resumeCommand,
  };
  await persist();
  return outcome;
}

function contextFor(record: OperationRecord, node: NodeRecord, deps: ManualRollbackDeps, persist: () => Promise<void>): StepContext {
  const log = deps.log.child({ node: node.name, rollback: true });
  return {
    operation: record,
    node,
    agent: deps.agent,
    cluster: deps.cluster,
    gates: deps.gates,
    backup: deps.backup,
    config: deps.config,
    clock: deps.clock,
    signal: deps.signal,
    log,
    progress: (message) => deps.progress(`[${node.name}] ${message}`),
    output: (line) => log.info({ line }, 'output'),
    gateReport: (report, purpose) => log.info({ purpose, passed: report.passed }, 'gate report'),
    finding: (finding) => log.info({ finding }, 'finding'),
    checkpoint: persist,
    recordBackup: () => undefined,
    // a rollback by hand runs only when no other node is out of service (asserted before it starts)
    otherNodesInFlight: () => [],
  };
}
