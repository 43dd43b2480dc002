import { maskVariableParts } from '../../shared/journal/message-mask.js';
import { escapeControlCharacters } from '../../shared/text/control-characters.js';
import type { JournalEntry } from '../ports/node-agent.js';

/**
 * Journal errors are compared across boots by signature: the unit (or syslog identifier) and the
 * message with the parts that change every time (numbers, hex IDs, addresses) masked. A message the
 * agent could not send whole (binary, or cut: its start may be all two errors have in common, or
 * nothing when journalctl omitted it) is told apart by the agent's digest of the whole message.
 */
export function journalSignature(entry: JournalEntry): string {
  const source = entry.unit ?? entry.identifier ?? 'kernel';
  const message = maskVariableParts(entry.message).slice(0, 300);
  if (!entry.messageBinary && !entry.messageTruncated) return `${source}: ${message}`;
  const kind = [entry.messageBinary ? 'binary' : '', entry.messageTruncated ? 'truncated' : ''].filter(Boolean).join(',');
  // Without the agent's digest, a cut message cannot be matched reliably: never "known".
  const digest = entry.messageDigest ?? `no-digest:${entry.cursor ?? entry.timeMs}`;
  return `${source}: [${kind} ${digest}] ${message}`;
}

export interface NewJournalErrors {
  /** Entries whose signature is not in the baseline and that no ignore pattern matches. */
  entries: JournalEntry[];
  ignored: number;
  known: number;
}

export function findNewJournalErrors(entries: readonly JournalEntry[], baseline: ReadonlySet<string>, ignore: readonly RegExp[]): NewJournalErrors {
  const fresh: JournalEntry[] = [];
  let ignored = 0;
  let known = 0;
  for (const e of entries) {
    const source = e.unit ?? e.identifier ?? 'kernel';
    if (ignore.some((re) => re.test(e.message) || re.test(`${source}: ${e.message}`))) {
      ignored++;
      continue;
    }
    if (baseline.has(journalSignature(e))) {
      known++;
      continue;
    }
    fresh.push(e);
  }
  return { entries: fresh, ignored, known };
}

/** One entry for people: control characters escaped, and what the text is when it is not the whole message. */
export function describeJournalEntry(e: JournalEntry): string {
  const marks = [
    e.messageBinary ? 'binary message' : '',
    e.messageTruncated ? (e.message === '' ? 'message omitted by journalctl (too large)' : 'message truncated') : '',
    e.messageDigest ?? '',
  ].filter(Boolean);
  const text = escapeControlCharacters(e.message.slice(0, 300));
  return `${new Date(e.timeMs).toISOString()} ${escapeControlCharacters(e.unit ?? e.identifier ?? 'kernel')}: ${text}${marks.length ? ` [${marks.join(', ')}]` : ''}`;
}
