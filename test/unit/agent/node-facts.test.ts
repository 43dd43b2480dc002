import { expect } from 'chai';
import { osFactsFrom, osReleasePrettyName, parseProcStatBtime, parseProcStatStartTicks } from '../../../agent/node/node-identity.js';
import { DF_ARGS, parseDfOutput, readFilesystems } from '../../../agent/node/filesystems.js';
import { packageDatabaseFiles, PackageVersionCache } from '../../../agent/node/package-version-cache.js';
import { CommandError, type CommandSpec } from '../../../shared/exec/command-runner.js';
import { packageQueryArgv, parsePackageQuery } from '../../../agent/node/packages.js';
import { judgePlanetCheck } from '../../../agent/node/planet-checks.js';
import { fixture } from './fixture.js';

describe('agent node facts: packages, boot time, planet checks', () => {
  it('reads dpkg-query output: installed, removed-with-config, and unknown packages', () => {
    const out = 'noderoll-lab-planet\t7.0.68\tinstalled\ngravity\t7.0.30\tconfig-files\n';
    expect(parsePackageQuery(out, ['noderoll-lab-planet', 'gravity', 'nothing'])).to.deep.equal([
      { name: 'noderoll-lab-planet', version: '7.0.68', installed: true },
      { name: 'gravity', version: '', installed: false },
      { name: 'nothing', version: '', installed: false },
    ]);
  });

  it('queries dpkg or rpm with package names after "--"', () => {
    expect(packageQueryArgv('dpkg', ['a'])).to.deep.equal(['dpkg-query', ['-W', '-f', '${Package}\\t${Version}\\t${db:Status-Status}\\n', '--', 'a']]);
    const [file, args] = packageQueryArgv('rpm', ['gravity']);
    expect(file).to.equal('rpm');
    expect(args.slice(-2)).to.deep.equal(['--', 'gravity']);
    expect(parsePackageQuery('gravity\t7.0.30-1\tinstalled\npackage nothing is not installed\n', ['gravity', 'nothing'])[0]).to.deep.equal({ name: 'gravity', version: '7.0.30-1', installed: true });
  });

  it('reads PRETTY_NAME of os-release: double, single or no quotes, shell escapes; "" when absent', () => {
    expect(osReleasePrettyName('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')).to.equal('Debian GNU/Linux 12 (bookworm)');
    expect(osReleasePrettyName("PRETTY_NAME='CentOS Linux 7 (Core)'\n")).to.equal('CentOS Linux 7 (Core)');
    expect(osReleasePrettyName('PRETTY_NAME=Alpine\n')).to.equal('Alpine');
    expect(osReleasePrettyName('PRETTY_NAME="say \\"hi\\" \\$HOME"\n')).to.equal('say "hi" $HOME');
    expect(osReleasePrettyName('NAME=x\n')).to.equal('');
  });

  it('reads the OS from os-release: NAME, VERSION_ID with its codename, PRETTY_NAME, and the kernel given', () => {
    const debian = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n';
    expect(osFactsFrom(debian, '6.1.0-18-amd64')).to.deep.equal({ osName: 'Debian GNU/Linux', osVersion: '12 (bookworm)', osPrettyName: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-18-amd64' });
    const centos = 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n';
    expect(osFactsFrom(centos, '3.10.0-1160.el7.x86_64')).to.include({ osName: 'CentOS Linux', osVersion: '7' });
    expect(osFactsFrom('', '6.1.0')).to.deep.equal({ osName: 'Linux', osVersion: '', osPrettyName: '', kernel: '6.1.0' });
  });

  it('reads df column output in bytes: "-" as 0, mount points with spaces, header and junk skipped', () => {
    const out = [
      'Filesystem     Type      1B-blocks        Used Use% Mounted on',
      '/dev/sda1      ext4   107374182400 42949672960  40% /',
      '/dev/sdb1      xfs     53687091200  5368709120  10% /var/lib/my data',
      'overlay        overlay           0           0    - /opt',
      'not a row',
    ].join('\n');
    expect(parseDfOutput(out)).to.deep.equal([
      { device: '/dev/sda1', type: 'ext4', sizeBytes: 107374182400, usedBytes: 42949672960, usePercent: 40, mount: '/' },
      { device: '/dev/sdb1', type: 'xfs', sizeBytes: 53687091200, usedBytes: 5368709120, usePercent: 10, mount: '/var/lib/my data' },
      { device: 'overlay', type: 'overlay', sizeBytes: 0, usedBytes: 0, usePercent: 0, mount: '/opt' },
    ]);
  });

  it('runs df through the runner with its argv and deadline, keeps /, /var* and /opt* (not /variable), and uses the rows of a df that exited 1', async () => {
    const seen: CommandSpec[] = [];
    const out = 'Filesystem Type 1B-blocks Used Use% Mounted on\n/dev/a ext4 100 50 50% /\n/dev/b ext4 100 10 10% /var\n/dev/c ext4 100 1 1% /variable\ntmpfs tmpfs 10 0 0% /run\n/dev/d ext4 100 2 2% /opt/x\n';
    const list = await readFilesystems(async (spec) => {
      seen.push(spec);
      return { command: 'df', exitCode: 1, signal: null, stdout: out, stderr: "df: /mnt/stale: Stale file handle", truncated: false, durationMs: 1 };
    }, 1234);
    expect(seen.map((s) => [s.file, s.args, s.timeoutMs, s.okExitCodes])).to.deep.equal([['df', [...DF_ARGS], 1234, [0, 1]]]);
    expect(list.map((f) => f.mount)).to.deep.equal(['/', '/var', '/opt/x']);
    const failing = readFilesystems(async () => ({ command: 'df --local', exitCode: 1, signal: null, stdout: '', stderr: 'df: cannot read table of mounted file systems', truncated: false, durationMs: 1 }));
    await failing.then(
      () => expect.fail('no rows must be an error'),
      (err: Error) => expect(err.message).to.contain('cannot read table of mounted file systems'),
    );
    const hung = readFilesystems(async (spec) => {
      throw new CommandError('timeout', { command: `df ${spec.args.join(' ')}`, exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '', truncated: false, durationMs: spec.timeoutMs ?? 0 });
    });
    await hung.then(
      () => expect.fail('a df past its deadline must be an error'),
      (err: Error) => expect(err).to.be.instanceOf(CommandError),
    );
  });

  it('reads the filesystems of this machine with the real df: / is among them with a size', async () => {
    const list = await readFilesystems();
    const root = list.find((f) => f.mount === '/');
    expect(root, JSON.stringify(list)).to.not.equal(undefined);
    expect(root!.sizeBytes).to.be.greaterThan(0);
  });

  it('queries the watched packages again only when the package database changed (inode, size or mtime)', async () => {
    expect(packageDatabaseFiles('dpkg')).to.deep.equal(['/var/lib/dpkg/status']);
    expect(packageDatabaseFiles('rpm')).to.deep.equal(['/var/lib/rpm/rpmdb.sqlite', '/var/lib/rpm/Packages']);
    let file: { ino: number; size: number; mtimeMs: number } | undefined = { ino: 1, size: 100, mtimeMs: 1000 };
    let version = '7.0.67';
    let queries = 0;
    const cache = new PackageVersionCache(
      async () => {
        queries += 1;
        return [{ name: 'planet', version, installed: true }];
      },
      ['/var/lib/dpkg/status'],
      async () => {
        if (!file) throw new Error('ENOENT');
        return file;
      },
    );
    expect((await cache.versions())[0]!.version).to.equal('7.0.67');
    expect((await cache.versions())[0]!.version).to.equal('7.0.67');
    expect(queries, 'unchanged database: one query').to.equal(1);
    version = '7.0.68';
    file = { ino: 2, size: 100, mtimeMs: 1000 }; // dpkg renames a new status file over the old one
    expect((await cache.versions())[0]!.version).to.equal('7.0.68');
    file = { ino: 2, size: 100, mtimeMs: 2000 };
    await cache.versions();
    expect(queries).to.equal(3);
    file = undefined; // no database file: nothing tells a change, so every call queries
    await cache.versions();
    await cache.versions();
    expect(queries).to.equal(5);
  });

  it('computes the boot time from /proc/stat btime and the start of PID 1 (container-safe)', () => {
    expect(parseProcStatBtime('cpu  1 2 3\nbtime 1795740000\nprocesses 10\n')).to.equal(1795740000);
    // comm with spaces and a ")" inside
    const stat = '1 (sys temd) x) S 0 1 1 0 -1 4194560 1000 2000 10 20 30 40 50 60 20 0 1 0 4321 170000000 3000 18446744073709551615';
    expect(parseProcStatStartTicks(stat)).to.equal(4321);
  });

  it('judges planet checks by content: failed units listed fail the check even with exit code 0', () => {
    expect(judgePlanetCheck('no-failed-units', 0, '')).to.deep.equal({ ok: true, failedUnits: [], problem: '' });
    const failed = judgePlanetCheck('no-failed-units', 0, fixture('systemctl-252-failed-plain.txt'));
    expect(failed).to.deep.equal({ ok: false, failedUnits: ['noderoll-fixture-fail.service'], problem: '1 failed unit(s): noderoll-fixture-fail.service' });
    expect(judgePlanetCheck('no-failed-units', 0, fixture('systemctl-219-failed-legend.txt')).failedUnits).to.deep.equal(['kube-kubelet.service', 'docker.service']);
    expect(judgePlanetCheck('no-failed-units', 1, '').ok).to.equal(false);
    expect(judgePlanetCheck('exit-zero', 5, 'cluster is degraded')).to.deep.equal({ ok: false, failedUnits: [], problem: 'exited with code 5' });
    expect(judgePlanetCheck('empty-output', 0, 'x\n').ok).to.equal(false);
    expect(judgePlanetCheck('exit-zero', -1, '').problem).to.match(/did not finish/);
  });
});
