import { CommandError, formatCommand, runCommand, type CommandRunner, type LineInfo, type StreamFlow } from '../../shared/exec/command-runner.js';
import { showValue } from '../../shared/validation/field-error.js';
import { parseJournalLine, type ParsedJournalEntry } from './journal-entry.js';
import { journalctlArgs, type JournalQuery } from './journal-query.js';
import { PatternMatcher, type MatchingInProgress } from './pattern-matcher.js';

/**
 * Streams `journalctl -o json` line by line: each line is parsed, filtered and handed to the
 * caller as it arrives; the runner's capture is capped small. Include/exclude patterns run in a
 * worker thread (pattern-matcher.ts), a batch at a time; entries wait for it in a bounded queue,
 * and journalctl's output is paused while the queue is full, so the journal is never buffered.
 * The scan stops — journalctl and the matcher are terminated — when enough entries were sent, when
 * its time is up (timeout_ms bounds the matching too), or when the caller aborts.
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
    readonly kind: 'no-such-boot' | 'pattern-timeout' | 'failed',
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

/** Entries handed to the matcher at once, and the queue size at which journalctl's output is paused. */
const BATCH_ENTRIES = 256;
const BATCH_CHARS = 1024 * 1024;
const QUEUE_ENTRIES = 4 * BATCH_ENTRIES;
const QUEUE_CHARS = 4 * BATCH_CHARS;

interface Queued {
  entry: ParsedJournalEntry;
  /** Passed the filters applied before the patterns (since_unix_ms). */
  candidate: boolean;
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
  const matcher = q.include.length + q.exclude.length > 0 ? new PatternMatcher(q.include, q.exclude) : undefined;
  const stop = new AbortController();
  let flow: StreamFlow | undefined;
  let paused = false;
  let stoppedByUs = false;
  let stalled: MatchingInProgress | undefined;
  const release = (): void => {
    // a paused pipe never reaches its end: let the rest drain (and be ignored) once stopping
    if (paused) flow?.resume();
    paused = false;
  };
  const halt = (): void => {
    stoppedByUs = true;
    release();
    stop.abort();
  };
  const onOuterAbort = (): void => {
    release();
    stop.abort();
    void matcher?.close();
  };
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(() => {
    s.truncatedByTime = true;
    const busy = matcher?.inProgress();
    // A batch holds at most BATCH_ENTRIES messages: one still matching after half the scan's time
    // (or a second) is a pattern backtracking on them, not a large journal.
    if (busy && busy.batchMs >= Math.min(1000, q.timeoutMs / 2)) stalled = busy;
    halt();
    void matcher?.close();
  }, q.timeoutMs);
  const sinceUsec = q.sinceUnixMs * 1000;

  /** An entry whose fate is known, in journal order. */
  const decide = (e: ParsedJournalEntry, selected: boolean): void => {
    s.lastCursor = e.cursor;
    if (!selected) return;
    s.entriesMatched += 1;
    if (e.priority <= 3) s.errorsMatched += 1;
    onEntry(e);
    s.entriesSent += 1;
    if (s.entriesSent >= q.maxEntries) {
      s.truncatedByCount = true;
      halt();
    }
  };

  const queue: Queued[] = [];
  let queuedChars = 0;
  let pumping = false;
  let pumped: Promise<void> = Promise.resolve();
  let matchError: Error | undefined;
  /** Hands queued entries to the matcher a batch at a time and decides them in order. */
  const pump = async (m: PatternMatcher): Promise<void> => {
    try {
      while (!stoppedByUs && queue.length > 0) {
        let chars = 0;
        let n = 0;
        while (n < queue.length && n < BATCH_ENTRIES && (n === 0 || chars < BATCH_CHARS)) chars += queue[n++]!.entry.message.length;
        const batch = queue.splice(0, n);
        queuedChars -= chars;
        const messages = batch.filter((b) => b.candidate).map((b) => b.entry.message);
        const verdicts = messages.length > 0 ? await m.select(messages) : new Uint8Array(0);
        let k = 0;
        for (const b of batch) {
          if (stoppedByUs) return;
          decide(b.entry, b.candidate && verdicts[k++] === 1);
        }
        if (paused && queue.length < QUEUE_ENTRIES / 2 && queuedChars < QUEUE_CHARS / 2) release();
      }
    } catch (err) {
      if (!stop.signal.aborted) {
        matchError = err as Error;
        halt();
      }
    } finally {
      pumping = false;
    }
  };

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
    const candidate = sinceUsec === 0 || e.realtimeUsec >= sinceUsec;
    if (!matcher) {
      decide(e, candidate);
      return;
    }
    queue.push({ entry: e, candidate });
    queuedChars += e.message.length;
    if (!paused && flow && (queue.length >= QUEUE_ENTRIES || queuedChars >= QUEUE_CHARS)) {
      paused = true;
      flow.pause();
    }
    if (!pumping) {
      pumping = true;
      pumped = pump(matcher);
    }
  };

  let runError: unknown;
  try {
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
        onStdoutFlow: (f) => (flow = f),
        signal: stop.signal,
      });
    } catch (err) {
      runError = err;
      if (!stoppedByUs) void matcher?.close();
    }
    // what journalctl printed is still being matched (until done, or the timer stops the matcher)
    while (pumping) await pumped;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
    await matcher?.close();
  }
  if (stalled) throw patternTimeout(stalled, q, s);
  if (matchError) throw new JournalScanError(matchError.message, 'failed', matchError);
  // journalctl may have finished before the caller left, while its output was still being matched
  if (options.signal?.aborted && !stoppedByUs && runError === undefined) throw new JournalScanError(`journal scan cancelled: ${s.command}`, 'failed');
  if (runError !== undefined) {
    const err = runError;
    const aborted = err instanceof CommandError && err.kind === 'aborted';
    if (!(aborted && stoppedByUs)) {
      if (aborted) throw new JournalScanError(`journal scan cancelled: ${s.command}`, 'failed', err);
      const stderr = err instanceof CommandError ? err.result.stderr : '';
      if (/boot/i.test(stderr) && q.boot.kind !== 'current' && q.boot.kind !== 'all') {
        throw new JournalScanError(`no such boot in the journal: ${(err as Error).message}`, 'no-such-boot', err);
      }
      throw new JournalScanError((err as Error).message, 'failed', err);
    }
  }
  // A count-truncated scan's cursor is that of the last entry sent, so `after_cursor` continues
  // exactly there; entries after it (read before journalctl stopped) are not skipped. Entries read
  // but not yet matched when time ran out are not skipped either: the cursor is the last decided.
  s.durationMs = Date.now() - started;
  return s;
}

function patternTimeout(busy: MatchingInProgress, q: JournalQuery, s: JournalScanSummary): JournalScanError {
  return new JournalScanError(
    `${busy.field} ${showValue(busy.pattern)} was still matching a ${busy.messageChars}-character message when timeout_ms (${q.timeoutMs} ms) ran out ` +
      `(${busy.batchMs} ms on one batch of entries), and was stopped: it backtracks catastrophically on such messages; simplify it ` +
      `(${s.entriesSent} entries sent before; last cursor ${s.lastCursor || 'none'})`,
    'pattern-timeout',
  );
}
