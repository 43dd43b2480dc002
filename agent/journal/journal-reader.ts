import { CommandError, formatCommand, runCommand, type CommandRunner, type LineInfo } from '../../shared/exec/command-runner.js';
import { parseJournalLine, type ParsedJournalEntry } from './journal-entry.js';
import { journalctlArgs, messageSelected, type JournalQuery } from './journal-query.js';

/**
 * Streams `journalctl -o json` line by line: each line is parsed, filtered and handed to the
 * caller as it arrives; nothing but the current line is kept (the runner's capture is capped
 * small). The scan stops — journalctl is terminated — when enough entries were sent, when its
 * time is up, or when the caller aborts (e.g. the gRPC client went away).
 */

export interface JournalScanSummary {
  entriesRead: number;
  entriesMatched: number;
  entriesSent: number;
  errorsMatched: number;
  truncatedByCount: boolean;
  truncatedByTime: boolean;
  lastCursor: string;
  parseErrors: number;
  durationMs: number;
  command: string;
}

/** Longest journalctl line the reader takes (characters). */
export const JOURNAL_LINE_MAX = 8 * 1024 * 1024;

export class JournalScanError extends Error {
  constructor(
    message: string,
    readonly kind: 'no-such-boot' | 'failed',
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'JournalScanError';
  }
}

export interface JournalScanOptions {
  runner?: CommandRunner;
  binary?: string;
  maxMessageBytes: number;
  signal?: AbortSignal;
}

export async function scanJournal(q: JournalQuery, onEntry: (e: ParsedJournalEntry) => void, options: JournalScanOptions): Promise<JournalScanSummary> {
  const run = options.runner ?? runCommand;
  const binary = options.binary ?? 'journalctl';
  const args = journalctlArgs(q);
  const started = Date.now();
  const s: JournalScanSummary = {
    entriesRead: 0,
    entriesMatched: 0,
    entriesSent: 0,
    errorsMatched: 0,
    truncatedByCount: false,
    truncatedByTime: false,
    lastCursor: '',
    parseErrors: 0,
    durationMs: 0,
    command: formatCommand(binary, args),
  };
  const stop = new AbortController();
  let stoppedByUs = false;
  const halt = (): void => {
    stoppedByUs = true;
    stop.abort();
  };
  const onOuterAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => {
    s.truncatedByTime = true;
    halt();
  }, q.timeoutMs);
  const sinceUsec = q.sinceUnixMs * 1000;

  const onLine = (line: string, info?: LineInfo): void => {
    if (stoppedByUs || line.trim() === '') return;
    if (info?.truncated) {
      s.parseErrors += 1;
      return;
    }
    let e: ParsedJournalEntry;
    try {
      e = parseJournalLine(line, options.maxMessageBytes);
    } catch {
      s.parseErrors += 1;
      return;
    }
    s.entriesRead += 1;
    s.lastCursor = e.cursor;
    if (sinceUsec > 0 && e.realtimeUsec < sinceUsec) return;
    if (!messageSelected(e.message, q.include, q.exclude)) return;
    s.entriesMatched += 1;
    if (e.priority <= 3) s.errorsMatched += 1;
    onEntry(e);
    s.entriesSent += 1;
    if (s.entriesSent >= q.maxEntries) {
      s.truncatedByCount = true;
      halt();
    }
  };

  try {
    await run({
      file: binary,
      args,
      // The time bound is enforced by `timer` (a clean stop); this is only the last resort.
      timeoutMs: q.timeoutMs + 5000,
      maxOutputBytes: 64 * 1024,
      // One entry is one line; with --all a huge or binary MESSAGE makes a long one (a byte array
      // is up to 4 characters a byte). A line cut at this cap is no longer JSON: a parse error.
      maxLineLength: JOURNAL_LINE_MAX,
      onStdoutLine: onLine,
      signal: stop.signal,
    });
  } catch (err) {
    const aborted = err instanceof CommandError && err.kind === 'aborted';
    if (!(aborted && stoppedByUs)) {
      if (aborted) throw new JournalScanError(`journal scan cancelled: ${s.command}`, 'failed', err);
      const stderr = err instanceof CommandError ? err.result.stderr : '';
      if (/boot/i.test(stderr) && q.boot.kind !== 'current' && q.boot.kind !== 'all') {
        throw new JournalScanError(`no such boot in the journal: ${(err as Error).message}`, 'no-such-boot', err);
      }
      throw new JournalScanError((err as Error).message, 'failed', err);
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  // A count-truncated scan's cursor is that of the last entry sent, so `after_cursor` continues
  // exactly there; lines read after it (before journalctl stopped) are not skipped.
  s.durationMs = Date.now() - started;
  return s;
}
