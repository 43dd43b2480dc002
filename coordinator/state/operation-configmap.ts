import { checkHistoryList, rotateHistory } from './operation-history.js';
import { checkOperationRecord, StateFormatError, type OperationRecord } from './operation-record.js';
import type { AbortRequest } from './state-store.js';

/**
 * How the operation lives in a ConfigMap's data: the current record, the last N earlier operations
 * (newest first) and an abort request under its own key, so any host can ask for an abort without
 * touching the record. The whole must stay under the API server's 1 MiB ConfigMap limit.
 */

export const RECORD_KEY = 'operation';
export const HISTORY_KEY = 'history';
export const ABORT_KEY = 'abort';
/** A damaged history set aside (as the file store moves its file aside), kept while there is room. */
export const DAMAGED_HISTORY_KEY = 'history.damaged';
/** The API server's limit on a ConfigMap's data (keys and values, bytes). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

export class RecordTooLargeError extends Error {
  constructor(location: string, bytes: number, limit: number) {
    super(`the operation record alone is ${bytes} bytes in ${location}, over the ConfigMap limit of ${limit} bytes even with no history kept; refusing to write it`);
    this.name = 'RecordTooLargeError';
  }
}

export type ConfigMapData = Record<string, string>;

export function configMapDataBytes(data: Readonly<ConfigMapData>): number {
  let bytes = 0;
  for (const [k, v] of Object.entries(data)) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  return bytes;
}

function parseJson(text: string, location: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StateFormatError(location, `data key "${key}" is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

export function decodeRecord(data: Readonly<ConfigMapData> | undefined, location: string): OperationRecord | undefined {
  const text = data?.[RECORD_KEY];
  return text === undefined ? undefined : checkOperationRecord(parseJson(text, location, RECORD_KEY), location);
}

export function decodeHistory(data: Readonly<ConfigMapData> | undefined, location: string): OperationRecord[] {
  const text = data?.[HISTORY_KEY];
  if (text === undefined) return [];
  return checkHistoryList(parseJson(text, location, HISTORY_KEY), location, `data key "${HISTORY_KEY}"`);
}

export function decodeAbort(data: Readonly<ConfigMapData> | undefined): AbortRequest | undefined {
  const text = data?.[ABORT_KEY];
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as AbortRequest;
    return typeof value?.operationId === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The stored history, or a fresh one with the damaged text to set aside: a damaged history never stops a save. */
function storedHistory(previous: Readonly<ConfigMapData> | undefined, location: string): { history: OperationRecord[]; damaged?: string } {
  try {
    return { history: decodeHistory(previous, location) };
  } catch (err) {
    if (!(err instanceof StateFormatError)) throw err;
    return { history: [], damaged: previous?.[HISTORY_KEY] ?? '' };
  }
}

/**
 * The data after saving `record` over `previous`: a record of another operation moves into the history
 * (at most historyLimit kept); a damaged history is set aside under DAMAGED_HISTORY_KEY and a fresh one
 * starts. When the whole would exceed maxBytes, the set-aside damage goes first, then the oldest history.
 */
export function encodeRecord(previous: Readonly<ConfigMapData> | undefined, record: OperationRecord, options: { location: string; historyLimit: number; maxBytes: number }): ConfigMapData {
  const stored = storedHistory(previous, options.location);
  let history = rotateHistory(stored.history, decodeRecord(previous, options.location), record, options.historyLimit);
  let damaged = stored.damaged ?? previous?.[DAMAGED_HISTORY_KEY];
  const fixed: ConfigMapData = { [RECORD_KEY]: JSON.stringify(record) };
  if (previous?.[ABORT_KEY] !== undefined) fixed[ABORT_KEY] = previous[ABORT_KEY];
  const alone = configMapDataBytes(fixed) + Buffer.byteLength(HISTORY_KEY) + 2;
  if (alone > options.maxBytes) throw new RecordTooLargeError(options.location, alone, options.maxBytes);
  for (;;) {
    const data = { ...fixed, ...(damaged !== undefined ? { [DAMAGED_HISTORY_KEY]: damaged } : {}), [HISTORY_KEY]: JSON.stringify(history) };
    if (configMapDataBytes(data) <= options.maxBytes) return data;
    if (damaged !== undefined) damaged = undefined;
    else history = history.slice(0, -1);
  }
}
