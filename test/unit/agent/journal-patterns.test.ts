import { expect } from 'chai';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FieldError } from '../../../shared/validation/field-error.js';
import { validateJournalRequest, type JournalRequestFields } from '../../../agent/journal/journal-query.js';
import { JournalScanError, scanJournal } from '../../../agent/journal/journal-reader.js';
import { fakeJournalctl } from './fake-journalctl.js';

/**
 * Regular-expression denial of service (issue 17, item 1): a caller's include/exclude pattern must
 * never keep the agent's event loop busy. Known catastrophic shapes are refused up front naming the
 * field; whatever passes runs in a worker thread that the scan's timeout_ms stops mid-match.
 */

const LIMITS = { defaultMaxEntries: 100, maxEntries: 1000, defaultTimeoutMs: 5000, maxTimeoutMs: 60_000, maxPatterns: 16, maxPatternLength: 256 };

function request(over: Partial<JournalRequestFields> = {}): JournalRequestFields {
  return { boot: '', bootId: '', sinceUnixMs: 0, afterCursor: '', priority: '', units: [], includePatterns: [], excludePatterns: [], maxEntries: 0, timeoutMs: 0, newest: false, ...over };
}

function entry(i: number, message: string): string {
  return JSON.stringify({ __CURSOR: `s=f;i=${i.toString(16)}`, __REALTIME_TIMESTAMP: String(1_795_744_667_000_000 + i), PRIORITY: '6', MESSAGE: message });
}

/** A journal whose messages make the given pattern backtrack (none contains its final `Z`). */
function adversarialJournal(text: string, count = 4): string[] {
  return [entry(0, 'ordinary line before'), ...Array.from({ length: count }, (_, i) => entry(i + 1, text))];
}

/**
 * Patterns that backtrack catastrophically yet pass the shape check (adjacent repeats separated by
 * something optional or by one character). Each takes seconds on V8 for the text given.
 */
const SLIPPING_THROUGH: [string, string][] = [
  ['.*a.*a.*a.*a.*Z', 'a'.repeat(120)],
  ['[a-z]*-?[a-z]*-?[a-z]*-?[a-z]*-?[a-z]*Z', 'a'.repeat(400)],
];

describe('agent journal patterns: no regular expression can stall the agent', function () {
  this.timeout(60_000);

  describe('shapes refused before anything runs, naming the field', () => {
    const refused: [string, RegExp][] = [
      // the five of issue 17
      ['((a+))+Z', /repeats a group that itself repeats or alternates \(\(\(a\+\)\)\+\)/],
      ['((.+))+Z', /repeats a group that itself repeats/],
      ['(?:(?:\\w+))+Z', /repeats a group that itself repeats/],
      ['a*a*a*a*a*Z', /two unbounded repeats in a row that match the same characters \(a\*a\*\)/],
      ['[^Z]*[^Z]*[^Z]*[^Z]*Z', /two unbounded repeats in a row .*\(\[\^Z\]\*\[\^Z\]\*\)/],
      // more of the same families
      ['(a|a)*Z', /repeats a group that itself repeats or alternates/],
      ['(a|aa)+Z', /repeats a group that itself repeats or alternates/],
      ['(?:x+y?){2,}Z', /repeats a group/],
      ['^(?<word>\\w+\\s?)*$', /repeats a group/],
      ['(?:(?:(?:ab|a)))*Z', /repeats a group/],
      ['.*.*=.*', /two unbounded repeats in a row/],
      ['\\d+\\w*Z', /two unbounded repeats in a row .*\(\\d\+\\w\*\)/],
      ['\\s*[ \\t]+$', /two unbounded repeats in a row/],
      ['(?:x(?:[^Z]+.+))Z', /two unbounded repeats in a row/],
      ['x{2,}x+Z', /two unbounded repeats in a row/],
    ];
    for (const [pattern, why] of refused) {
      for (const field of ['include_patterns', 'exclude_patterns'] as const) {
        it(`${field}: ${pattern}`, () => {
          const over = field === 'include_patterns' ? { includePatterns: ['etcd', pattern] } : { excludePatterns: ['etcd', pattern] };
          let error: unknown;
          try {
            validateJournalRequest(request(over), LIMITS);
          } catch (err) {
            error = err;
          }
          expect(error).to.be.instanceOf(FieldError);
          const message = (error as FieldError).message;
          expect(message).to.match(new RegExp(`^${field}\\[1\\]: `));
          expect(message).to.match(why);
          expect(message).to.match(/catastrophic backtracking; simplify it$/);
        });
      }
    }

    it('refuses back-references (numbered and named)', () => {
      for (const p of ['(a)\\1', '(?<x>a)\\k<x>Z']) {
        expect(() => validateJournalRequest(request({ includePatterns: [p] }), LIMITS)).to.throw(FieldError, /^include_patterns\[0\]: .*back-references/);
      }
    });

    it('still accepts the everyday shapes', () => {
      const everyday = ['etcd|planet', '\\d+\\s+\\w+', '.*foo.*bar', '(?:ab)+c', '^E\\d{4} ', '[a-z]+-[0-9]+', 'member [0-9a-f]+ is unreachable', '(?:timeout|refused)', 'a{2,3}b+', '[(]x*[)]y*', '\\p{L}+\\d+', 'x\\*y*'];
      const q = validateJournalRequest(request({ includePatterns: everyday.slice(0, 8), excludePatterns: everyday.slice(8) }), LIMITS);
      expect(q.include.map((r) => r.source)).to.deep.equal(everyday.slice(0, 8).map((p) => new RegExp(p, 'u').source));
      expect(q.exclude).to.have.length(4);
    });
  });

  describe('what passes the shape check is matched off the event loop, within timeout_ms', () => {
    for (const [pattern, text] of SLIPPING_THROUGH) {
      for (const list of ['include', 'exclude'] as const) {
        it(`${list} ${pattern}: the scan ends at timeout_ms with an error naming the pattern, and the event loop stays free`, async () => {
          const over = list === 'include' ? { includePatterns: ['ordinary', pattern] } : { excludePatterns: ['nothing here', pattern] };
          const q = validateJournalRequest(request({ ...over, timeoutMs: 1500 }), LIMITS);
          const { runner } = fakeJournalctl(adversarialJournal(text));
          const sent: string[] = [];
          const loop = monitorEventLoopDelay({ resolution: 10 });
          loop.enable();
          let error: unknown;
          try {
            await scanJournal(q, (e) => sent.push(e.message), { runner, maxMessageBytes: 4096 });
          } catch (err) {
            error = err;
          } finally {
            loop.disable();
          }
          expect(error, 'the scan was stopped').to.be.instanceOf(JournalScanError);
          expect(error).to.have.property('kind', 'pattern-timeout');
          const field = list === 'include' ? 'include_patterns\\[1\\]' : 'exclude_patterns\\[1\\]';
          expect((error as Error).message).to.match(new RegExp(`^${field} ".*" was still matching a ${text.length}-character message when timeout_ms \\(1500 ms\\) ran out`));
          expect((error as Error).message).to.match(/backtracks catastrophically on such messages; simplify it/);
          if (list === 'exclude') expect(sent).to.deep.equal(['ordinary line before']);
          // unprotected, this one call blocks the loop for many seconds; a generous bound for a busy machine
          expect(loop.max / 1e6, 'longest event-loop delay (ms) during the scan').to.be.below(250);
        });
      }
    }

    it('a probe timer keeps firing while the worst scans run, two at once', async () => {
      const scans = SLIPPING_THROUGH.map(([pattern, text]) => {
        const q = validateJournalRequest(request({ includePatterns: [pattern], timeoutMs: 2000 }), LIMITS);
        return scanJournal(q, () => undefined, { runner: fakeJournalctl(adversarialJournal(text)).runner, maxMessageBytes: 4096 }).then(
          () => 'finished',
          (err: unknown) => (err instanceof JournalScanError ? err.kind : String(err)),
        );
      });
      let last = Date.now();
      let worstGap = 0;
      let ticks = 0;
      const probe = setInterval(() => {
        const now = Date.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
        ticks += 1;
      }, 20);
      try {
        expect(await Promise.all(scans)).to.deep.equal(['pattern-timeout', 'pattern-timeout']);
      } finally {
        clearInterval(probe);
      }
      expect(ticks, 'probe ticks during 2 s of scanning').to.be.above(20);
      expect(worstGap, 'longest gap between probe ticks (ms)').to.be.below(250);
    });

    it('a caller going away stops the matcher at once, not at timeout_ms', async () => {
      const [pattern, text] = SLIPPING_THROUGH[0]!;
      const q = validateJournalRequest(request({ includePatterns: [pattern], timeoutMs: 60_000 }), LIMITS);
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 300);
      const started = Date.now();
      let error: unknown;
      try {
        await scanJournal(q, () => undefined, { runner: fakeJournalctl(adversarialJournal(text)).runner, maxMessageBytes: 4096, signal: abort.signal });
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(JournalScanError);
      expect((error as Error).message).to.match(/^journal scan cancelled/);
      // not a timing claim: the test only shows the scan did not run on to its 60 s timeout_ms
      expect(Date.now() - started).to.be.below(30_000);
    });
  });

  describe('matching in the worker keeps the scan a stream', () => {
    it('pauses journalctl while matching lags, so only a bounded queue of entries is ever held', async () => {
      const many = Array.from({ length: 6000 }, (_, i) => entry(i, `line ${i} ${'x'.repeat(200)}`));
      const fake = fakeJournalctl(many);
      const q = validateJournalRequest(request({ includePatterns: ['line \\d+'], excludePatterns: ['^line 7 '] }), { ...LIMITS, defaultMaxEntries: 10_000, maxEntries: 10_000 });
      const got: string[] = [];
      const s = await scanJournal(
        q,
        (e) => {
          got.push(e.cursor);
          fake.stats.consumed = Number.parseInt(e.cursor.split('i=')[1]!, 16) + 1;
        },
        { runner: fake.runner, maxMessageBytes: 4096 },
      );
      expect(s).to.include({ entriesRead: 6000, entriesMatched: 5999, entriesSent: 5999, truncatedByTime: false });
      expect(got[7]).to.equal('s=f;i=8'); // in journal order, the excluded one left out
      expect(s.lastCursor).to.equal('s=f;i=176f');
      expect(fake.stats.pauses, 'journalctl was paused').to.be.above(0);
      // the reader's queue (1024 entries) plus what one chunk of the pipe brings
      expect(fake.stats.maxAhead, 'lines printed but not yet decided').to.be.below(1024 + 2 * 256 + 64);
    });

    it('stops at max_entries in the middle of a batch with the cursor of the last entry sent', async () => {
      const many = Array.from({ length: 600 }, (_, i) => entry(i, `line ${i}`));
      const q = validateJournalRequest(request({ includePatterns: ['line'], maxEntries: 300 }), LIMITS);
      const got: string[] = [];
      const s = await scanJournal(q, (e) => got.push(e.cursor), { runner: fakeJournalctl(many).runner, maxMessageBytes: 4096 });
      expect(s).to.include({ entriesSent: 300, truncatedByCount: true });
      expect(s.lastCursor).to.equal(got[299]);
    });
  });
});
