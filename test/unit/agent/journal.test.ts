import { expect } from 'chai';
import type { CommandResult, CommandSpec } from '../../../shared/exec/command-runner.js';
import { FieldError } from '../../../shared/validation/field-error.js';
import { decodeJournalValue, parseJournalLine, truncateUtf8 } from '../../../agent/journal/journal-entry.js';
import { JournalFields, readJournalFields } from '../../../agent/journal/journal-json-fields.js';
import { compileScanPattern, journalctlArgs, messageSelected, validateJournalRequest, type JournalRequestFields } from '../../../agent/journal/journal-query.js';
import { scanJournal } from '../../../agent/journal/journal-reader.js';
import { fakeJournalctl } from './fake-journalctl.js';
import { fixture } from './fixture.js';

const LIMITS = { defaultMaxEntries: 100, maxEntries: 1000, defaultTimeoutMs: 5000, maxTimeoutMs: 60_000, maxPatterns: 4, maxPatternLength: 64 };

function request(over: Partial<JournalRequestFields> = {}): JournalRequestFields {
  return { boot: '', bootId: '', sinceUnixMs: 0, afterCursor: '', priority: '', units: [], includePatterns: [], excludePatterns: [], maxEntries: 0, timeoutMs: 0, newest: false, ...over };
}

function lines(name: string): string[] {
  return fixture(name).split('\n').filter((l) => l.trim() !== '');
}

describe('agent journal', () => {
  describe('JSON line parser', () => {
    it('parses real journalctl -o json lines of systemd 252: string, byte array, multi-valued field and null', () => {
      const [err, binary, multi, joined, omitted] = lines('journal-252-fixture.jsonl').map((l) => parseJournalLine(l, 4096));
      expect(err).to.include({ priority: 3, identifier: 'noderoll-fixture', message: 'fixture error: planet did not start', messageBinary: false, messageTruncated: false, bootId: '35d3799e1a2e4758884e476294e5c257', pid: 92 });
      expect(err?.realtimeUsec).to.equal(1795744667485589);
      expect(err?.cursor).to.match(/^s=0feda8e0.*;i=59;/);
      expect(binary).to.include({ priority: 4, messageBinary: true, messageTruncated: false, message: 'binary \ufffd\ufffd message' });
      expect(multi).to.include({ message: 'multi valued fields', priority: 4 });
      expect(joined?.message).to.equal('first\nsecond');
      expect(omitted).to.include({ message: '', messageTruncated: true, priority: 3 });
    });

    it('parses hand-made shapes: MESSAGE mixing string and bytes, kernel line, missing PRIORITY; refuses a broken line', () => {
      const ls = lines('journal-handmade.jsonl');
      const mixed = parseJournalLine(ls[0]!);
      expect(mixed).to.include({ message: 'etcd: member unreachable\n(\ufffd)', messageBinary: true, unit: 'gravity__gravitational.io__planet__7.0.67-11709.service', priority: 3 });
      const kernel = parseJournalLine(ls[1]!);
      expect(kernel).to.include({ unit: '', identifier: 'kernel', priority: 2, pid: 0 });
      const noPrio = parseJournalLine(ls[2]!);
      expect(noPrio).to.include({ priority: 6, identifier: 'planet-agent' });
      expect(() => parseJournalLine(ls[3]!)).to.throw();
      expect(() => parseJournalLine('[1,2]')).to.throw(/not a JSON object/);
      expect(() => parseJournalLine('{"MESSAGE":"x"}')).to.throw(/no __CURSOR/);
    });

    it("reads journalctl's line shape without JSON.parse, with the values and errors JSON.parse gives", () => {
      const viaJson = (line: string): unknown => {
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'throws';
          return JSON.parse(JSON.stringify(JournalFields.of(o)));
        } catch {
          return 'throws';
        }
      };
      const fast = (line: string): unknown => {
        try {
          const f = readJournalFields(line);
          return f === undefined ? 'not taken' : JSON.parse(JSON.stringify(f));
        } catch {
          return 'throws';
        }
      };
      const taken = [
        '{"__CURSOR":"s=1","MESSAGE":"plain","PRIORITY":"3","_PID":"12"}',
        // escapes (a quote, backslashes before a closing quote), also in fields not read
        '{"MESSAGE":"say \\"hi\\" \\\\","__CURSOR":"s=2","X":"a\\\\","_COMM":"c\\u00e9"}',
        // arrays of bytes, of strings holding brackets and quotes, nested; null; a key twice (the last counts)
        '{"__CURSOR":"s=3","MESSAGE":[104,105],"_SYSTEMD_UNIT":["a]\\"b",[1,2]],"SYSLOG_IDENTIFIER":null,"_PID":"1","_PID":"2"}',
        // keys that only start like one that is read
        '{"__CURSOR":"s=4","MESSAGES":"no","MESSAG":"no","PRIORITZ":"1"}',
      ];
      for (const line of taken) {
        expect(fast(line), line).to.not.equal('not taken');
        expect(fast(line), line).to.deep.equal(viaJson(line));
      }
      // other JSON is left to JSON.parse
      for (const line of ['{ "__CURSOR": "s=1" }', '{"__CURSOR":"s=1","_PID":12}', '{"__CUR\\u0053OR":"s=1"}', '{}', '[1]', '{"a":true}']) {
        expect(fast(line), line).to.equal('not taken');
      }
      // invalid lines: no object, or JSON.parse throws as it would on the whole line
      for (const line of ['{"__CURSOR":"s=1","MESSAGE":"cut', '{"__CURSOR":"s=1","X":"bad \\x escape"}', '{"__CURSOR":"s=1","X":"raw\ttab"}', '{"__CURSOR":"s=1","X":[1,}', '{"__CURSOR":"s=1",}']) {
        expect(viaJson(line), line).to.equal('throws');
        expect(fast(line), line).to.be.oneOf(['throws', 'not taken']);
        expect(() => parseJournalLine(line), line).to.throw();
      }
    });

    it('decodes values: string, byte array, empty byte array, null, nested arrays', () => {
      expect(decodeJournalValue('a')).to.deep.equal({ values: ['a'], binary: false, omitted: false });
      expect(decodeJournalValue([104, 105])).to.deep.equal({ values: ['hi'], binary: true, omitted: false });
      expect(decodeJournalValue([])).to.deep.equal({ values: [''], binary: true, omitted: false });
      expect(decodeJournalValue(null)).to.deep.equal({ values: [], binary: false, omitted: true });
      expect(decodeJournalValue(['a', [98], null])).to.deep.equal({ values: ['a', 'b'], binary: true, omitted: true });
    });

    it('caps messages at a byte budget without splitting a UTF-8 character', () => {
      expect(truncateUtf8('ééé', 5)).to.deep.equal({ text: 'éé', truncated: true });
      expect(truncateUtf8('abc', 3)).to.deep.equal({ text: 'abc', truncated: false });
      const line = JSON.stringify({ __CURSOR: 'c', MESSAGE: 'x'.repeat(300) });
      expect(parseJournalLine(line, 100)).to.include({ messageTruncated: true, message: 'x'.repeat(100) });
    });

    it('digests the whole of a cut or binary message, so that two that share their start stay apart', () => {
      const entry = (message: unknown): string => JSON.stringify({ __CURSOR: 'c', MESSAGE: message });
      const head = 'E1201 kubelet: failed to sync pod: '.padEnd(200, '=');
      const first = parseJournalLine(entry(`${head} volume pvc-1 is not attached`), 100);
      const second = parseJournalLine(entry(`${head} image pull back-off for registry.local/app`), 100);
      expect(first.message).to.equal(second.message);
      expect(first.messageDigest).to.match(/^sha256:[0-9a-f]{16}$/);
      expect(first.messageDigest).not.to.equal(second.messageDigest);
      // the same error again, with other numbers: the same digest (numbers are masked as in the signature)
      expect(parseJournalLine(entry(`${head} volume pvc-7 is not attached`), 100).messageDigest).to.equal(first.messageDigest);
      const binaryA = parseJournalLine(entry([0xff, 0x01, 0x41]), 100);
      const binaryB = parseJournalLine(entry([0xfe, 0x01, 0x41]), 100);
      expect(binaryA.message).to.equal(binaryB.message);
      expect(binaryA.messageDigest).not.to.equal(binaryB.messageDigest);
      expect(parseJournalLine(entry('short and plain'), 100).messageDigest).to.equal('');
    });
  });

  describe('request validation and journalctl arguments', () => {
    it('builds journalctl arguments: current boot by default, priority, units, cursor, since', () => {
      const q = validateJournalRequest(request({ priority: 'err', units: ['gravity__gravitational.io__planet__7.0.67-11709.service'], afterCursor: 's=1;i=2', sinceUnixMs: 1795744667485 }), LIMITS);
      expect(journalctlArgs(q)).to.deep.equal([
        '--no-pager',
        '--output=json',
        '--output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,SYSLOG_IDENTIFIER,_COMM,_PID',
        '--all',
        '--boot',
        '--since=@1795744667',
        '--after-cursor=s=1;i=2',
        '--priority=3',
        '--unit=gravity__gravitational.io__planet__7.0.67-11709.service',
      ]);
      expect(q.maxEntries).to.equal(100);
      expect(q.timeoutMs).to.equal(5000);
    });

    it('selects previous, all, or a given boot (UUID form accepted) and the newest N', () => {
      expect(journalctlArgs(validateJournalRequest(request({ boot: 'BOOT_SELECTOR_PREVIOUS' }), LIMITS))).to.include('--boot=-1');
      expect(journalctlArgs(validateJournalRequest(request({ boot: 'BOOT_SELECTOR_ALL' }), LIMITS)).some((a) => a.startsWith('--boot'))).to.equal(false);
      const byId = validateJournalRequest(request({ bootId: '2ce7f393-017e-4bd2-bf3b-ebefb5a66682', boot: 'BOOT_SELECTOR_PREVIOUS' }), LIMITS);
      expect(journalctlArgs(byId)).to.include('--boot=2ce7f393017e4bd2bf3bebefb5a66682');
      expect(journalctlArgs(validateJournalRequest(request({ newest: true, maxEntries: 20 }), LIMITS))).to.include('--lines=20');
    });

    it('reads the newest entries from the tail, newest first, so a cut scan keeps the most recent ones', () => {
      const args = journalctlArgs(validateJournalRequest(request({ newest: true, maxEntries: 20 }), LIMITS));
      expect(args).to.include('--reverse');
      expect(args.indexOf('--reverse')).to.be.below(args.indexOf('--lines=20'));
      expect(journalctlArgs(validateJournalRequest(request({ maxEntries: 20 }), LIMITS))).not.to.include('--reverse');
    });

    it('asks journalctl for every field in full (--all): without it a MESSAGE over 4096 bytes is null', () => {
      expect(journalctlArgs(validateJournalRequest(request(), LIMITS))).to.include('--all');
    });

    const refusals: [string, Partial<JournalRequestFields>, RegExp][] = [
      ['boot_id', { bootId: '../../etc' }, /^boot_id: /],
      ['boot', { boot: 'BOOT_SELECTOR_NEXT' }, /^boot: /],
      ['since_unix_ms', { sinceUnixMs: -1 }, /^since_unix_ms: /],
      ['after_cursor', { afterCursor: 's=1;$(reboot)' }, /^after_cursor: /],
      ['priority', { priority: 'loud' }, /^priority: /],
      ['units', { units: ['ok.service', 'bad;rm.service'] }, /^units\[1\]: /],
      ['include_patterns', { includePatterns: ['(a+)+$'] }, /^include_patterns\[0\]: .*catastrophic/],
      ['exclude_patterns', { excludePatterns: ['['] }, /^exclude_patterns\[0\]: .*not a valid regular expression/],
      ['include_patterns (count)', { includePatterns: ['a', 'b', 'c', 'd', 'e'] }, /^include_patterns: has 5 patterns/],
      ['include_patterns (length)', { includePatterns: ['x'.repeat(65)] }, /^include_patterns\[0\]: is 65 characters/],
      ['max_entries', { maxEntries: 1001 }, /^max_entries: 1001 exceeds/],
      ['timeout_ms', { timeoutMs: 60_001 }, /^timeout_ms: 60001 exceeds/],
    ];
    for (const [name, over, message] of refusals) {
      it(`refuses a bad ${name} with an error naming the field`, () => {
        expect(() => validateJournalRequest(request(over), LIMITS))
          .to.throw(FieldError)
          .with.property('message')
          .that.matches(message);
      });
    }

    it('keeps an entry when an include matches and no exclude does', () => {
      const inc = [compileScanPattern('i', 'etcd|planet', 64)];
      const exc = [compileScanPattern('e', 'heartbeat', 64)];
      expect(messageSelected('etcd: member unreachable', inc, exc)).to.equal(true);
      expect(messageSelected('planet heartbeat ok', inc, exc)).to.equal(false);
      expect(messageSelected('docker restarted', inc, exc)).to.equal(false);
      expect(messageSelected('anything', [], [])).to.equal(true);
      expect(() => compileScanPattern('p', '(x|xx)*y', 64)).to.throw(/catastrophic/);
      expect(() => compileScanPattern('p', '(a)\\1', 64)).to.throw(/back-references/);
    });
  });

  describe('streamed reader', () => {

    it('streams matching entries, counts errors, and reports the last cursor read', async () => {
      const { runner, calls } = fakeJournalctl([...lines('journal-252-fixture.jsonl'), 'not json']);
      const got: string[] = [];
      const q = validateJournalRequest(request({ includePatterns: ['fixture|multi|first'] }), LIMITS);
      const s = await scanJournal(q, (e) => got.push(e.message), { runner, maxMessageBytes: 4096 });
      expect(got).to.deep.equal(['fixture error: planet did not start', 'multi valued fields', 'first\nsecond']);
      expect(s).to.include({ entriesRead: 5, entriesMatched: 3, entriesSent: 3, errorsMatched: 1, parseErrors: 1, truncatedByCount: false, truncatedByTime: false });
      expect(s.lastCursor).to.match(/;i=5d;/);
      expect(calls[0]?.maxOutputBytes, 'the runner keeps only a small capture').to.be.at.most(64 * 1024);
      expect(s.command).to.equal('journalctl --no-pager --output=json --output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,SYSLOG_IDENTIFIER,_COMM,_PID --all --boot');
    });

    it('counts a line cut by the runner\'s line cap as a parse error and goes on', async () => {
      const [good] = lines('journal-252-fixture.jsonl');
      const runner = async (spec: CommandSpec): Promise<CommandResult> => {
        spec.onStdoutLine?.('{"__CURSOR":"s=1","MESSAGE":"' + 'x'.repeat(100), { truncated: true });
        spec.onStdoutLine?.(good!, { truncated: false });
        return { command: 'journalctl', exitCode: 0, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 0 };
      };
      const got: string[] = [];
      const s = await scanJournal(validateJournalRequest(request(), LIMITS), (e) => got.push(e.message), { runner, maxMessageBytes: 4096 });
      expect(got).to.deep.equal(['fixture error: planet did not start']);
      expect(s).to.include({ parseErrors: 1, entriesRead: 1 });
    });

    it('stops at max_entries with the cursor of the last entry sent, so after_cursor continues there', async () => {
      const { runner } = fakeJournalctl(lines('journal-252-fixture.jsonl'));
      const q = validateJournalRequest(request({ maxEntries: 2 }), LIMITS);
      const got: string[] = [];
      const s = await scanJournal(q, (e) => got.push(e.cursor), { runner, maxMessageBytes: 4096 });
      expect(s).to.include({ entriesSent: 2, truncatedByCount: true, truncatedByTime: false });
      expect(s.lastCursor).to.equal(got[1]);
    });

    it('stops when its time is up and says so', async () => {
      const many = Array.from({ length: 200 }, (_, i) => JSON.stringify({ __CURSOR: `s=x;i=${i}`, MESSAGE: `m${i}`, PRIORITY: '6' }));
      const { runner } = fakeJournalctl(many, { delayMs: 5 });
      const q = validateJournalRequest(request({ timeoutMs: 120 }), LIMITS);
      const s = await scanJournal(q, () => undefined, { runner, maxMessageBytes: 4096 });
      // stopped early: reading all 200 entries takes 1 s (how soon after its time is up: bench/deadlines)
      expect(s.truncatedByTime).to.equal(true);
      expect(s.entriesRead).to.be.above(0).and.below(200);
    });

    it('drops entries older than since_unix_ms exactly (journalctl only gets whole seconds)', async () => {
      const { runner } = fakeJournalctl(lines('journal-252-fixture.jsonl'));
      const q = validateJournalRequest(request({ sinceUnixMs: 1795744667510 }), LIMITS);
      const got: number[] = [];
      await scanJournal(q, (e) => got.push(e.realtimeUsec), { runner, maxMessageBytes: 4096 });
      expect(got).to.deep.equal([1795744667517442, 1795744667527646]);
    });

    it('reports a missing boot distinctly from other failures', async () => {
      const { runner } = fakeJournalctl([], { exitCode: 1, stderr: 'Data from the specified boot (-1) is not available: No such boot ID in journal' });
      const q = validateJournalRequest(request({ boot: 'BOOT_SELECTOR_PREVIOUS' }), LIMITS);
      try {
        await scanJournal(q, () => undefined, { runner, maxMessageBytes: 4096 });
        expect.fail('should have thrown');
      } catch (err) {
        expect(err).to.have.property('kind', 'no-such-boot');
      }
    });
  });
});
