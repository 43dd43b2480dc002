import { runCommand } from '../shared/exec/command-runner.js';
import { scanJournal } from '../agent/journal/journal-reader.js';
import { readGnuTime, peakMeasuringRunner } from './support/gnu-time.js';
import { benchScanQuery, isScanMode } from './journal-scan-query.js';

/**
 * Runs the agent's journal scan (agent/journal/journal-reader.ts, unchanged) in a process of its
 * own: `node journal-scan-worker.js DIR all|err CHILD_PEAK_FILE`. Through the reader's
 * command-runner seam the journalctl it spawns gets `--directory=DIR` appended and runs under GNU
 * time, which writes journalctl's peak RSS to CHILD_PEAK_FILE. Prints one JSON line.
 */

const [dir, mode, childPeakFile] = process.argv.slice(2);
if (!dir || !isScanMode(mode) || !childPeakFile) {
  process.stderr.write('usage: journal-scan-worker DIR all|err CHILD_PEAK_FILE\n');
  process.exit(2);
}

const runner = peakMeasuringRunner(runCommand, childPeakFile, (spec) => ({ ...spec, args: [...spec.args, `--directory=${dir}`] }));
const baseRssKib = process.resourceUsage().maxRSS;
let chars = 0;
const summary = await scanJournal(benchScanQuery(mode), (e) => (chars += e.message.length), { runner, maxMessageBytes: 4096 });
process.stdout.write(
  JSON.stringify({
    entriesRead: summary.entriesRead,
    errorsMatched: summary.errorsMatched,
    parseErrors: summary.parseErrors,
    scanMs: summary.durationMs,
    truncated: summary.truncatedByCount || summary.truncatedByTime,
    command: summary.command,
    baseRssKib,
    // RUSAGE_SELF: this process only; journalctl's peak is in CHILD_PEAK_FILE
    workerPeakKib: process.resourceUsage().maxRSS,
    childPeakKib: (await readGnuTime(childPeakFile))[0],
    messageChars: chars,
  }) + '\n',
);
