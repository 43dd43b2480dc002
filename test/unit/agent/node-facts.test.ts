import { expect } from 'chai';
import { osReleasePrettyName, parseProcStatBtime, parseProcStatStartTicks } from '../../../agent/node/node-identity.js';
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
