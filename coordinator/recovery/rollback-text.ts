import type { NodeRecord } from '../state/operation-record.js';

/** One line per rollback of the node, for the report (and anything else that lists them). */
export function rollbackLines(node: NodeRecord): { label: string; text: string }[] {
  return (node.rollbacks ?? []).map((r, i) => ({
    label: `rollback ${i + 1} (${r.trigger})`,
    text:
      `${r.fromVersion ?? '?'} → ${r.toVersion}: ${r.status}${r.error ? ` — ${r.error}` : ''}; started ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}; ` +
      `because ${r.reason}${r.notes.length > 0 ? `; ${r.notes.join('; ')}` : ''}`,
  }));
}
