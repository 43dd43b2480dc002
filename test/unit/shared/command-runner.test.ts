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
    const started = Date.now();
    const err = (await runCommand({ file: 'sleep', args: ['10'], timeoutMs: 200 }).catch((e: unknown) => e)) as CommandError;
    expect(err.kind).to.equal('timeout');
    expect(err.message).to.contain('sleep 10').and.contain('timed out');
    expect(Date.now() - started).to.be.below(5000);
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
