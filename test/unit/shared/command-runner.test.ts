import { expect } from 'chai';
import { CommandError, formatCommand, runCommand } from '../../../shared/exec/command-runner.js';

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
