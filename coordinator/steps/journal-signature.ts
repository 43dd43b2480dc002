import type { JournalEntry } from '../ports/node-agent.js';

/**
 * Journal errors are compared across boots by signature: the unit (or syslog identifier) and the
 * message with the parts that change every time (numbers, hex IDs, addresses) masked.
 */
export function journalSignature(entry: JournalEntry): string {
  const source = entry.unit ?? entry.identifier ?? 'kernel';
  const message = entry.message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<ip>')
    .replace(/\b[0-9a-f]{12,}\b/gi, '<hex>')
    .replace(/\d+/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
  return `${source}: ${message}`;
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

export function describeJournalEntry(e: JournalEntry): string {
  return `${new Date(e.timeMs).toISOString()} ${e.unit ?? e.identifier ?? 'kernel'}: ${e.message.slice(0, 300)}`;
}
