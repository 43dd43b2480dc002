import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffPackages, packageDatabaseArgv, parsePackageDatabase } from '../../../agent/install/package-database.js';
import { readRebootAdvice } from '../../../agent/node/reboot-advice.js';
import {
  compareKernelReleases,
  deletedMappedFiles,
  installedKernelReleases,
  newerKernelReason,
  parseNeedsRestarting,
  parseRebootRequiredPkgs,
  serviceOfCgroup,
} from '../../../agent/node/reboot-signals.js';
import { CommandError, type CommandSpec } from '../../../shared/exec/command-runner.js';

const MAPS = `55d0c8a00000-55d0c8a28000 r--p 00000000 08:01 1835109                    /usr/sbin/nginx (deleted)
7f1c2e400000-7f1c2e428000 r--p 00000000 08:01 1837372                    /usr/lib/x86_64-linux-gnu/libssl.so.3 (deleted)
7f1c2e600000-7f1c2e628000 r--p 00000000 08:01 1837000                    /usr/lib/x86_64-linux-gnu/libc.so.6
7f1c2e700000-7f1c2e701000 rw-s 00000000 00:01 1024                       /memfd:pulseaudio (deleted)
7f1c2e800000-7f1c2e801000 rw-s 00000000 00:17 77                         /dev/shm/sem.x (deleted)
7f1c2e900000-7f1c2e901000 rw-s 00000000 00:17 78                         /run/nginx/cache (deleted)
7ffd5b1c0000-7ffd5b1e1000 rw-p 00000000 00:00 0                          [stack]
`;

describe('reboot advice and package changes (pure parsers, reader on a fake root)', () => {
  it('reboot-required.pkgs: the packages, each once, in order', () => {
    expect(parseRebootRequiredPkgs('linux-image-6.1.0-29-amd64\nlibc6\nlinux-image-6.1.0-29-amd64\n\n')).to.deep.equal(['linux-image-6.1.0-29-amd64', 'libc6']);
    expect(parseRebootRequiredPkgs('')).to.deep.equal([]);
  });

  it('needs-restarting -r: 1 = required with its reasons, 0 = not, else undecided', () => {
    const out = 'Core libraries or services have been updated since boot-up:\n  * kernel\n  * systemd\n\nReboot is required to fully utilize these updates.\nMore information: https://access.redhat.com/solutions/27943\n';
    expect(parseNeedsRestarting(1, out, '')).to.deep.equal({
      required: true,
      reasons: ['needs-restarting -r: Core libraries or services have been updated since boot-up:; * kernel; * systemd; Reboot is required to fully utilize these updates.'],
    });
    expect(parseNeedsRestarting(0, 'No core libraries or services have been updated since boot-up.\nReboot should not be necessary.\n', '')).to.deep.equal({ required: false, reasons: [] });
    expect(parseNeedsRestarting(2, '', 'Error: This command has to be run with superuser privileges')).to.deep.include({ required: false, problem: 'needs-restarting -r exited 2: Error: This command has to be run with superuser privileges' });
  });

  it('kernels: the newest installed release against the running one; none installed is no reason', () => {
    expect(compareKernelReleases('6.1.0-29-amd64', '6.1.0-28-amd64')).to.equal(1);
    expect(compareKernelReleases('6.1.0-9-amd64', '6.1.0-10-amd64')).to.equal(-1);
    expect(compareKernelReleases('5.14.0-427.el9.x86_64', '5.14.0-427.el9.x86_64')).to.equal(0);
    const installed = installedKernelReleases(['vmlinuz-6.1.0-28-amd64', 'vmlinuz-6.1.0-29-amd64', 'config-6.1.0-29-amd64', 'initrd.img-6.1.0-29-amd64'], ['6.1.0-28-amd64', '6.1.0-29-amd64']);
    expect(installed).to.deep.equal(['6.1.0-28-amd64', '6.1.0-29-amd64']);
    expect(newerKernelReason(installed, '6.1.0-28-amd64')).to.equal('kernel 6.1.0-29-amd64 installed, 6.1.0-28-amd64 running');
    expect(newerKernelReason(installed, '6.1.0-29-amd64')).to.equal(undefined);
    expect(newerKernelReason([], '6.8.0-1-generic')).to.equal(undefined);
  });

  it('deleted mapped files: package files only (not memfd, /dev/shm, /run)', () => {
    expect(deletedMappedFiles(MAPS)).to.deep.equal(['/usr/sbin/nginx', '/usr/lib/x86_64-linux-gnu/libssl.so.3']);
    expect(deletedMappedFiles('')).to.deep.equal([]);
  });

  it('the service of a process from /proc/PID/cgroup (v2 and v1); user sessions and scopes are none', () => {
    expect(serviceOfCgroup('0::/system.slice/nginx.service\n')).to.equal('nginx.service');
    expect(serviceOfCgroup('0::/system.slice/containerd.service/kubepods-besteffort.slice\n')).to.equal('containerd.service');
    expect(serviceOfCgroup('12:pids:/system.slice/sshd.service\n1:name=systemd:/system.slice/sshd.service\n')).to.equal('sshd.service');
    expect(serviceOfCgroup('0::/user.slice/user-1000.slice/session-3.scope\n')).to.equal(undefined);
    expect(serviceOfCgroup('0::/init.scope\n')).to.equal(undefined);
  });

  it('package database: dpkg and rpm listings, config-files are not installed, several rpm versions kept together; the diff sorted by name', () => {
    expect(packageDatabaseArgv('dpkg')).to.deep.equal(['dpkg-query', ['-W', '-f', '${binary:Package}\\t${Version}\\t${db:Status-Status}\\n']]);
    expect(packageDatabaseArgv('rpm')[0]).to.equal('rpm');
    const before = parsePackageDatabase('nginx\t1.22.1-9\tinstalled\nold-tool\t0.9\tconfig-files\nlibc6:i386\t2.36-9\tinstalled\ncurl\t7.88.1-10\tinstalled\n');
    expect([...before]).to.deep.equal([['nginx', '1.22.1-9'], ['libc6:i386', '2.36-9'], ['curl', '7.88.1-10']]);
    const after = parsePackageDatabase('nginx\t1.22.1-9+deb12u1\tinstalled\nlibc6:i386\t2.36-9\tinstalled\nzstd\t1.5.4\tinstalled\n');
    expect(diffPackages(before, after)).to.deep.equal([
      { name: 'curl', before: '7.88.1-10', after: '' },
      { name: 'nginx', before: '1.22.1-9', after: '1.22.1-9+deb12u1' },
      { name: 'zstd', before: '', after: '1.5.4' },
    ]);
    const rpm = parsePackageDatabase('kernel\t0:5.14.0-427.el9.x86_64\tinstalled\nkernel\t0:5.14.0-362.el9.x86_64\tinstalled\nopenssh\t1:8.7p1-38.el9.x86_64\tinstalled\n');
    expect([...rpm]).to.deep.equal([['kernel', '5.14.0-362.el9.x86_64, 5.14.0-427.el9.x86_64'], ['openssh', '1:8.7p1-38.el9.x86_64']]);
  });

  describe('readRebootAdvice on a fake root', () => {
    let root: string;
    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'noderoll-reboot-advice-'));
      await mkdir(join(root, 'var/run'), { recursive: true });
      await mkdir(join(root, 'proc/4242'), { recursive: true });
      await mkdir(join(root, 'proc/4243'), { recursive: true });
      await writeFile(join(root, 'proc/4242/maps'), MAPS);
      await writeFile(join(root, 'proc/4242/cgroup'), '0::/system.slice/nginx.service\n');
      await writeFile(join(root, 'proc/4243/maps'), '7f1c2e600000-7f1c2e628000 r--p 00000000 08:01 1837000 /usr/lib/x86_64-linux-gnu/libc.so.6\n');
      await writeFile(join(root, 'proc/4243/cgroup'), '0::/system.slice/sshd.service\n');
    });
    afterEach(async () => rm(root, { recursive: true, force: true }));

    it('Debian: the marker with its packages, a newer kernel, the services to restart', async () => {
      await writeFile(join(root, 'var/run/reboot-required'), '*** System restart required ***\n');
      await writeFile(join(root, 'var/run/reboot-required.pkgs'), 'linux-image-6.1.0-29-amd64\n');
      await mkdir(join(root, 'lib/modules/6.1.0-29-amd64'), { recursive: true });
      const advice = await readRebootAdvice({ manager: 'dpkg', root, runningKernel: '6.1.0-28-amd64' });
      expect(advice).to.deep.equal({
        required: true,
        reasons: ['/var/run/reboot-required (linux-image-6.1.0-29-amd64)', 'kernel 6.1.0-29-amd64 installed, 6.1.0-28-amd64 running'],
        servicesToRestart: ['nginx.service'],
        problem: '',
      });
    });

    it('Debian without marker or kernel: not required', async () => {
      expect(await readRebootAdvice({ manager: 'dpkg', root, runningKernel: '6.1.0-28-amd64' })).to.deep.include({ required: false, reasons: [], problem: '' });
    });

    it('RHEL: needs-restarting -r decides; absent tool = undecided (problem)', async () => {
      const calls: CommandSpec[] = [];
      const exit1 = async (spec: CommandSpec) => {
        calls.push(spec);
        throw new CommandError('exit', { command: 'needs-restarting -r', exitCode: 1, signal: null, stdout: 'Reboot is required to fully utilize these updates.\n', stderr: '', truncated: false, durationMs: 1 });
      };
      const required = await readRebootAdvice({ manager: 'rpm', root, runningKernel: '5.14.0-427.el9.x86_64', runner: exit1 });
      expect(calls.map((c) => [c.file, ...c.args])).to.deep.equal([['needs-restarting', '-r']]);
      expect(required).to.deep.include({ required: true, reasons: ['needs-restarting -r: Reboot is required to fully utilize these updates.'], problem: '' });
      const absent = async () => {
        throw new CommandError('spawn', { command: 'needs-restarting -r', exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 1 }, 'spawn needs-restarting ENOENT');
      };
      const undecided = await readRebootAdvice({ manager: 'rpm', root, runningKernel: '5.14.0-427.el9.x86_64', runner: absent });
      expect(undecided.required).to.equal(false);
      expect(undecided.problem).to.match(/^needs-restarting -r could not run \(install dnf-utils \/ yum-utils\)/);
    });
  });
});
