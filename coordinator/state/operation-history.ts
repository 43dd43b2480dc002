import { checkOperationRecord, StateFormatError, type OperationRecord } from './operation-record.js';

/**
 * The earlier operations every StateStore keeps next to the current one (newest first), whatever
 * holds them: the file store's `<file>.history.json`, the ConfigMap's `history` key.
 */

/** Default of config state.history. */
export const DEFAULT_HISTORY_LIMIT = 5;

/**
 * The history after `record` is saved over `replaced` (the record stored until now): a record of another
 * operation goes to the front, the operation being saved is never in it, at most `limit` are kept.
 */
export function rotateHistory(history: readonly OperationRecord[], replaced: OperationRecord | undefined, record: OperationRecord, limit: number): OperationRecord[] {
  const next = replaced && replaced.id !== record.id ? [replaced, ...history.filter((h) => h.id !== replaced.id)] : [...history];
  return next.filter((h) => h.id !== record.id).slice(0, limit);
}

/** A stored history checked record by record; `what` names where it was read ("data key \"history\""). */
export function checkHistoryList(value: unknown, location: string, what: string): OperationRecord[] {
  if (!Array.isArray(value)) throw new StateFormatError(location, `${what} is not a list`);
  return value.map((r, i) => checkOperationRecord(r, `${location}, ${what}[${i}]`));
}
