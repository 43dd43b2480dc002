import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandSpec } from '../../../shared/exec/command-runner.js';
import { parseGnuTime, peakMeasuringRunner, readGnuTime, toFile, underGnuTime } from '../../../bench/support/gnu-time.js';
import { commitLabel, sectionHeading, STATUS_ARGS } from '../../../bench/support/provenance.js';
import { benchJournalctlArgv } from '../../../bench/journal-scan-query.js';

/** How the journal benchmark measures both sides, and how a RESULTS.md section names its commit. */

describe('bench measuring: GNU time, the measured child, provenance', function () {
  this.timeout(30_000);
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-bench-measure-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the last line of GNU time output (after a "non-zero status" line) and refuses anything else', () => {
    expect(parseGnuTime('12345\n')).to.deep.equal([12345]);
    expect(parseGnuTime('Command exited with non-zero status 1\n0.03 4321\n')).to.deep.equal([0.03, 4321]);
    expect(() => parseGnuTime('')).to.throw(/not GNU time output/);
    expect(() => parseGnuTime('time: cannot run x: No such file\n')).to.throw(/not GNU time output/);
  });

  it('runs a command with its stdout in a file and its peak RSS in another, arguments passed unquoted', async () => {
    const out = join(dir, 'out.txt');
    const peak = join(dir, 'peak');
    const [file, ...args] = underGnuTime('%M', peak, toFile(out, ['printf', '%s|', "it's", 'a $HOME; `x`']));
    await runCommand({ file: file!, args, timeoutMs: 10_000 });
    expect(await readFile(out, 'utf8')).to.equal("it's|a $HOME; `x`|");
    const [kib] = await readGnuTime(peak);
    expect(kib).to.be.above(100).and.below(64 * 1024);
  });

  it("measures the peak RSS of a child spawned through the runner seam, after the seam's own edit", async () => {
    const peak = join(dir, 'child-peak');
    const seen: CommandSpec[] = [];
    const runner = peakMeasuringRunner(
      (spec) => {
        seen.push(spec);
        return runCommand(spec);
      },
      peak,
      (spec) => ({ ...spec, args: [...spec.args, '80'] }),
    );
    // a child that holds about 80 MiB: its peak is in the file, not in this process's
    const r = await runner({ file: process.execPath, args: ['-e', 'const b = Buffer.alloc(Number(process.argv[1]) << 20, 1); console.log(b.length)'], timeoutMs: 20_000 });
    expect(r.stdout.trim()).to.equal(String(80 << 20));
    expect(seen[0]?.file).to.equal('/usr/bin/time');
    expect(seen[0]?.args.slice(0, 4)).to.deep.equal(['-f', '%M', '-o', peak]);
    expect(seen[0]?.args.at(-1)).to.equal('80');
    const [kib] = await readGnuTime(peak);
    expect(kib).to.be.above(80 * 1024);
  });

  it('gives the journalctl baseline the argv the agent builds, output fields included, plus the directory', () => {
    const argv = benchJournalctlArgv('err', '/var/tmp/j');
    expect(argv[0]).to.equal('journalctl');
    expect(argv).to.include.members(['--output=json', '--priority=3', '--output-fields=MESSAGE,PRIORITY,_SYSTEMD_UNIT,SYSLOG_IDENTIFIER,_COMM,_PID', '--directory=/var/tmp/j']);
    expect(benchJournalctlArgv('all', '/d').some((a) => a.startsWith('--priority'))).to.equal(false);
  });

  it('labels a section with its commit, and "uncommitted changes" when the tree differs', () => {
    expect(commitLabel('abc1234', '')).to.equal('abc1234');
    expect(commitLabel('abc1234', ' M agent/journal/journal-entry.ts\n')).to.equal('abc1234 + uncommitted changes');
    const h = sectionHeading({ name: 'journal-scan', title: 'Journal scan', started: new Date('2026-12-02T10:00:00Z'), seconds: 181.4, commit: 'abc1234 + uncommitted changes' });
    expect(h).to.match(/^<!-- bench:journal-scan -->\n## Journal scan\n/);
    expect(h).to.contain('run 2026-12-02T10:00:00.000Z on the machine above at commit abc1234 + uncommitted changes, took 181 s.');
  });

  it('counts new and changed files as uncommitted changes, but not a regenerated bench/RESULTS.md', async () => {
    const git = async (...args: string[]): Promise<string> => (await runCommand({ file: 'git', args, cwd: dir, timeoutMs: 10_000 })).stdout;
    await git('init', '-q');
    await runCommand({ file: 'mkdir', args: ['-p', join(dir, 'bench')], timeoutMs: 5000 });
    await writeFile(join(dir, 'bench/RESULTS.md'), 'old\n');
    await writeFile(join(dir, 'a.ts'), 'x\n');
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'init');
    const label = async (): Promise<string> => commitLabel('HEAD', await git(...STATUS_ARGS));
    expect(await label()).to.equal('HEAD');
    await writeFile(join(dir, 'bench/RESULTS.md'), 'regenerated\n');
    expect(await label(), 'RESULTS.md is the output').to.equal('HEAD');
    await writeFile(join(dir, 'new.ts'), 'y\n');
    expect(await label(), 'an untracked source file').to.equal('HEAD + uncommitted changes');
    await rm(join(dir, 'new.ts'));
    await writeFile(join(dir, 'a.ts'), 'changed\n');
    expect(await label(), 'a changed tracked file').to.equal('HEAD + uncommitted changes');
  });
});
