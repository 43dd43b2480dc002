import { expect } from 'chai';
import { CommandError, formatCommand, LineSplitter, runCommand } from '../../../shared/exec/command-runner.js';

describe('command runner', () => {
  it('runs argv without a shell and captures stdout and stderr', async () => {
    const r = await runCommand({ file: 'sh', args: ['-c', 'printf "%s" "$1"; printf err >&2', 'sh', '$(touch /nonexistent); `x`'], timeoutMs: 5000 });
    expect(r.stdout).to.equal('$(touch /nonexistent); `x`');
    expect(r.stderr).to.equal('err');
    expect(r.exitCode).to.equal(0);
  });

  it('reports the command, exit code and stderr tail on failure', async () => {
    try {
      await runCommand({ file: 'sh', args: ['-c', 'echo boom >&2; exit 7'], timeoutMs: 5000 });
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(CommandError);
      const e = err as CommandError;
      expect(e.kind).to.equal('exit');
      expect(e.result.exitCode).to.equal(7);
      expect(e.message).to.contain("sh -c 'echo boom >&2; exit 7'").and.contain('exited with code 7').and.contain('boom');
    }
  });

  it('accepts listed exit codes', async () => {
    const r = await runCommand({ file: 'sh', args: ['-c', 'exit 3'], timeoutMs: 5000, okExitCodes: [0, 3] });
    expect(r.exitCode).to.equal(3);
  });

  it('kills a program that overruns its deadline and says so', async () => {
    const err = (await runCommand({ file: 'sleep', args: ['10'], timeoutMs: 200 }).catch((e: unknown) => e)) as CommandError;
    expect(err.kind).to.equal('timeout');
    expect(err.message).to.contain('sleep 10').and.contain('timed out');
    // killed, not waited for: `sleep 10` run to its end exits 0 (how soon after the deadline: bench/deadlines)
    expect(err.result.signal).to.equal('SIGTERM');
    expect(err.result.exitCode).to.equal(null);
  });

  it('names a program that cannot be started', async () => {
    const err = (await runCommand({ file: '/nonexistent/prog', args: [], timeoutMs: 1000 }).catch((e: unknown) => e)) as CommandError;
    expect(err.kind).to.equal('spawn');
    expect(err.message).to.contain('/nonexistent/prog').and.contain('ENOENT');
  });

  it('caps captured output and marks it truncated', async () => {
    const r = await runCommand({ file: 'head', args: ['-c', '100000', '/dev/zero'], timeoutMs: 5000, maxOutputBytes: 1000 });
    expect(r.stdout.length).to.equal(1000);
    expect(r.truncated).to.equal(true);
  });

  it('streams complete lines while the program runs and passes stdin', async () => {
    const lines: string[] = [];
    await runCommand({ file: 'cat', args: [], timeoutMs: 5000, input: 'a\nbé\nc', onStdoutLine: (l) => lines.push(l) });
    expect(lines).to.deep.equal(['a', 'bé', 'c']);
  });

  it('cuts a huge line at maxLineLength, marks it truncated and goes on with the next line', async () => {
    const lines: { line: string; truncated: boolean }[] = [];
    await runCommand({
      file: 'sh',
      args: ['-c', "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo next"],
      timeoutMs: 20_000,
      maxOutputBytes: 1024,
      maxLineLength: 1000,
      onStdoutLine: (line, info) => lines.push({ line, truncated: info?.truncated ?? false }),
    });
    expect(lines.map((l) => ({ length: l.line.length, truncated: l.truncated }))).to.deep.equal([
      { length: 1000, truncated: true },
      { length: 4, truncated: false },
    ]);
    expect(lines[0]!.line).to.match(/^x+$/);
    expect(lines[1]!.line).to.equal('next');
  });

  it('keeps at most maxLineLength characters of an unfinished line, however it arrives', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line), 64);
    let maxBuffered = 0;
    for (let i = 0; i < 10_000; i++) {
      splitter.push(Buffer.from('abcdefgh'));
      maxBuffered = Math.max(maxBuffered, splitter.buffered);
    }
    splitter.push(Buffer.from('\nlast\npartial'));
    splitter.end();
    expect(maxBuffered).to.equal(64);
    expect(lines).to.deep.equal(['abcdefgh'.repeat(8), 'last', 'partial']);
  });

  it('splits many lines of one chunk and a multi-byte character split across chunks', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const euro = Buffer.from('€\n');
    splitter.push(Buffer.from(Array.from({ length: 1000 }, (_, i) => `l${i}`).join('\n') + '\n'));
    splitter.push(euro.subarray(0, 1));
    splitter.push(euro.subarray(1));
    splitter.end();
    expect(lines).to.have.length(1001);
    expect(lines[999]).to.equal('l999');
    expect(lines[1000]).to.equal('€');
  });

  it('decodes a line that spans chunks cut inside a multi-byte character, and only whole lines', () => {
    const split = (text: Buffer, cuts: number[], cap?: number): { line: string; truncated: boolean }[] => {
      const lines: { line: string; truncated: boolean }[] = [];
      const splitter = new LineSplitter((line, info) => lines.push({ line, truncated: info?.truncated ?? false }), cap);
      let at = 0;
      for (const c of [...cuts, text.length]) {
        splitter.push(text.subarray(at, c));
        at = c;
      }
      splitter.end();
      return lines;
    };
    const text = Buffer.from('a€b😀c\nnext€\n');
    // every way of cutting it in two or three pieces gives the same lines
    for (let i = 0; i <= text.length; i += 1) {
      for (let j = i; j <= text.length; j += 1) {
        expect(split(text, [i, j])).to.deep.equal([
          { line: 'a€b😀c', truncated: false },
          { line: 'next€', truncated: false },
        ]);
      }
    }
    // bad bytes become U+FFFD as a decoder over the whole stream makes them, an unfinished character at a line's end too
    expect(split(Buffer.from([0x61, 0xe2, 0x82, 0x0a, 0xff, 0x62]), [2]).map((l) => l.line)).to.deep.equal(['a\ufffd', '\ufffdb']);
    // a byte-order mark is dropped at the start of the stream only
    expect(split(Buffer.from('\ufeffa\n\ufeffb\n'), [1]).map((l) => l.line)).to.deep.equal(['a', '\ufeffb']);
  });

  it('cuts a line at maxLineLength characters, not bytes: exactly at the cap is whole, one more is cut', () => {
    const split = (text: string, cap: number, piece: number): { line: string; truncated: boolean }[] => {
      const lines: { line: string; truncated: boolean }[] = [];
      const splitter = new LineSplitter((line, info) => lines.push({ line, truncated: info?.truncated ?? false }), cap);
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length; at += piece) splitter.push(bytes.subarray(at, at + piece));
      splitter.end();
      return lines;
    };
    for (const piece of [1, 3, 7, 1000]) {
      expect(split(`${'x'.repeat(8)}\nok\n`, 8, piece)).to.deep.equal([
        { line: 'xxxxxxxx', truncated: false },
        { line: 'ok', truncated: false },
      ]);
      expect(split(`${'x'.repeat(9)}\nok`, 8, piece)).to.deep.equal([
        { line: 'xxxxxxxx', truncated: true },
        { line: 'ok', truncated: false },
      ]);
      // 8 characters in 24 bytes: whole; 9 characters: cut, without a broken character
      expect(split(`${'€'.repeat(8)}\n`, 8, piece)).to.deep.equal([{ line: '€'.repeat(8), truncated: false }]);
      expect(split(`${'€'.repeat(9)}\n€`, 8, piece)).to.deep.equal([
        { line: '€'.repeat(8), truncated: true },
        { line: '€', truncated: false },
      ]);
    }
  });

  it('stops on abort', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = (await runCommand({ file: 'sleep', args: ['10'], timeoutMs: 5000, signal: ac.signal }).catch((e: unknown) => e)) as CommandError;
    expect(err.kind).to.equal('aborted');
  });

  it('quotes arguments for display only where needed', () => {
    expect(formatCommand('systemctl', ['stop', 'a b.service', "it's"])).to.equal(`systemctl stop 'a b.service' 'it'\\''s'`);
  });
});
