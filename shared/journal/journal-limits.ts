/**
 * The one rule both sides of a journal scan follow: a scan returns at most this many entries. The
 * agent's configured `journal.maxEntries` may be lower, never higher (it is the agent's default and
 * cap); the coordinator's `journal.maxEntries` may not ask for more. Larger journals are read from
 * the newest entry backwards (the baseline) or continued by cursor.
 */
export const JOURNAL_SCAN_MAX_ENTRIES = 10_000;
