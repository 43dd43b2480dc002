import type { NodeRecord, OperationRecord } from '../state/operation-record.js';

/**
 * How long the next node is expected to take: the longest node completed so far in this operation,
 * never less than the configured floor.
 *
 * The longest, not the median: the window only protects if a node that starts also finishes inside it,
 * so an underestimate is the costly error (a node still draining after the window closed) and an
 * overestimate only moves a node to the next window. With the handful of nodes of one operation a
 * median would also follow a single fast node down. Masters go first and are the slowest, so the
 * estimate for workers leans safe.
 */
export interface ExpectedDuration {
  ms: number;
  /** floor: no completed node took longer than the floor (or none completed yet); learned: the longest node. */
  source: 'floor' | 'learned';
  /** The node the learned value comes from. */
  node?: string;
}

/**
 * What a completed node took: the sum of its steps' own spans. Not finishedAt - startedAt, which
 * would include the hours a node stood halted or interrupted between two runs.
 */
export function nodeWorkMs(node: NodeRecord): number | undefined {
  if (node.status !== 'completed') return undefined;
  let total = 0;
  for (const s of node.steps) {
    if (!s.startedAt || !s.finishedAt) continue;
    const ms = Date.parse(s.finishedAt) - Date.parse(s.startedAt);
    if (Number.isFinite(ms) && ms > 0) total += ms;
  }
  return total > 0 ? total : undefined;
}

export function expectedNodeDuration(record: OperationRecord | undefined, floorMs: number): ExpectedDuration {
  let longest: { ms: number; node: string } | undefined;
  for (const n of record?.nodes ?? []) {
    const ms = nodeWorkMs(n);
    if (ms !== undefined && (!longest || ms > longest.ms)) longest = { ms, node: n.name };
  }
  if (!longest || longest.ms <= floorMs) return { ms: floorMs, source: 'floor' };
  return { ms: longest.ms, source: 'learned', node: longest.node };
}
