import type { OperationRecord, OperationStatus } from '../state/operation-record.js';

/** One line about an operation: what `noderoll status` lists of the earlier ones (text and `-o json`). */
export interface OperationSummary {
  id: string;
  targetVersion: string;
  status: OperationStatus;
  startedAt: string;
  /** Absent while it has not finished (running, halted, interrupted). */
  finishedAt?: string;
  /** Nodes with nothing left to do: updated, or skipped (already at the target). */
  nodesDone: number;
  nodesTotal: number;
}

export function summarizeOperation(record: OperationRecord): OperationSummary {
  return {
    id: record.id,
    targetVersion: record.targetVersion,
    status: record.status,
    startedAt: record.createdAt,
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    nodesDone: record.nodes.filter((n) => n.status === 'completed' || n.status === 'skipped').length,
    nodesTotal: record.nodes.length,
  };
}
