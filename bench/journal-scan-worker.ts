import { runCommand, type CommandRunner } from '../shared/exec/command-runner.js';
import type { JournalQuery } from '../agent/journal/journal-query.js';
import { scanJournal } from '../agent/journal/journal-reader.js';

/**
 * Runs the agent's journal scan (agent/journal/journal-reader.ts, unchanged) in a process of its
 * own so that its peak RSS is its own: `node journal-scan-worker.js DIR all|err`. The journal
 * directory goes in through the reader's command-runner seam (`--directory=DIR` appended to the
 * argv the agent builds). Prints one JSON line.
 */

const [dir, mode] = process.argv.slice(2);
if (!dir || (mode !== 'all' && mode !== 'err')) {
  process.stderr.write('usage: journal-scan-worker DIR all|err\n');
  process.exit(2);
}

const inDirectory: CommandRunner = (spec) => runCommand({ ...spec, args: [...spec.args, `--directory=${dir}`] });
const query: JournalQuery = {
  boot: { kind: 'all' },
  sinceUnixMs: 0,
  afterCursor: '',
  maxPriority: mode === 'err' ? 3 : undefined,
  units: [],
  include: [],
  exclude: [],
  maxEntries: 100_000_000,
  timeoutMs: 300_000,
  newest: false,
};
const baseRssKib = process.resourceUsage().maxRSS;
let bytes = 0;
const summary = await scanJournal(query, (e) => (bytes += e.message.length), { runner: inDirectory, maxMessageBytes: 4096 });
process.stdout.write(
  JSON.stringify({
    entriesRead: summary.entriesRead,
    errorsMatched: summary.errorsMatched,
    parseErrors: summary.parseErrors,
    durationMs: summary.durationMs,
    truncated: summary.truncatedByCount || summary.truncatedByTime,
    baseRssKib,
    maxRssKib: process.resourceUsage().maxRSS,
    messageChars: bytes,
  }) + '\n',
);
