import { CommandError, formatCommand, type CommandResult, type CommandSpec } from '../../../shared/exec/command-runner.js';

/**
 * A fake node behind the CommandRunner seam: systemctl, journalctl, dpkg-query, dpkg and the
 * configured reboot/check commands answer from a small in-memory model, in the output formats of
 * systemd 252 (see fixtures). Every call is recorded, so tests can prove what did NOT run.
 */

export interface FakeUnit {
  name: string;
  active: 'active' | 'inactive' | 'failed';
  enabled: boolean;
  description: string;
}

export class FakeHost {
  readonly calls: CommandSpec[] = [];
  units = new Map<string, FakeUnit>();
  packageVersion = '7.0.67';
  /** Lines dpkg prints, and how long it takes. */
  installDelayMs = 0;
  installExitCode = 0;
  journalLines: string[] = [];
  /** What `df --output=source,fstype,size,used,pcent,target` prints (agent/node/filesystems.ts). */
  dfOutput = 'Filesystem     Type      1B-blocks        Used Use% Mounted on\n/dev/sda1      ext4   107374182400 42949672960  40% /\ntmpfs          tmpfs      104857600           0   0% /run\n';
  rebootCount = 0;

  constructor() {
    for (const u of [
      { name: 'gravity__gravitational.io__planet__7.0.67-11709.service', active: 'active', enabled: true, description: 'planet stand-in' },
      { name: 'gravity__gravitational.io__teleport__3.2.17.service', active: 'active', enabled: true, description: 'teleport stand-in' },
      { name: 'sshd.service', active: 'active', enabled: true, description: 'OpenSSH server' },
    ] as FakeUnit[])
      this.units.set(u.name, u);
  }

  commands(): string[] {
    return this.calls.map((c) => formatCommand(c.file, c.args));
  }

  private ok(spec: CommandSpec, stdout: string, exitCode = 0): CommandResult {
    const r: CommandResult = { command: formatCommand(spec.file, spec.args), exitCode, signal: null, stdout, stderr: '', truncated: false, durationMs: 1 };
    if (!(spec.okExitCodes ?? [0]).includes(exitCode)) throw new CommandError('exit', r);
    return r;
  }

  private fail(spec: CommandSpec, exitCode: number, stderr: string): never {
    throw new CommandError('exit', { command: formatCommand(spec.file, spec.args), exitCode, signal: null, stdout: '', stderr, truncated: false, durationMs: 1 });
  }

  private afterDashes(args: readonly string[]): string[] {
    const i = args.indexOf('--');
    return i >= 0 ? args.slice(i + 1) : [];
  }

  private matches(name: string, patterns: string[]): boolean {
    return patterns.some((p) => new RegExp('^' + p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$').test(name));
  }

  readonly runner = async (spec: CommandSpec): Promise<CommandResult> => {
    this.calls.push(spec);
    const a = spec.args;
    switch (spec.file) {
      case 'systemctl':
        return this.systemctl(spec, a);
      case 'dpkg-query': {
        const names = this.afterDashes(a);
        return this.ok(spec, names.filter((n) => n === 'noderoll-lab-planet').map((n) => `${n}\t${this.packageVersion}\tinstalled\n`).join(''), names.length > 1 ? 1 : 0);
      }
      case 'dpkg':
        return this.dpkg(spec);
      case 'journalctl': {
        for (const l of this.journalLines) spec.onStdoutLine?.(l);
        return this.ok(spec, '');
      }
      case 'df':
        return this.ok(spec, this.dfOutput);
      case 'gravity':
        return this.ok(spec, [...this.units.values()].filter((u) => u.active === 'failed').map((u) => `${u.name} loaded failed failed ${u.description}\n`).join(''));
      default:
        return this.fail(spec, 127, `${spec.file}: not found`);
    }
  };

  private async dpkg(spec: CommandSpec): Promise<CommandResult> {
    const deb = spec.args[1] ?? '';
    const version = /_([^_]+)_all\.deb$/.exec(deb)?.[1] ?? '?';
    spec.onStdoutLine?.('(Reading database ... 6000 files and directories currently installed.)');
    spec.onStdoutLine?.(`Preparing to unpack ${deb} ...`);
    if (this.installDelayMs) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, this.installDelayMs);
        spec.signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new CommandError('aborted', { command: formatCommand(spec.file, spec.args), exitCode: null, signal: 'SIGTERM', stdout: '', stderr: '', truncated: false, durationMs: 1 }));
        });
      });
    }
    if (this.installExitCode !== 0) {
      spec.onStderrLine?.(`dpkg: error processing archive ${deb} (--install):`);
      spec.onStderrLine?.(' cannot access archive: No such file or directory');
      return this.fail(spec, this.installExitCode, `dpkg: error processing archive ${deb} (--install):\n cannot access archive: No such file or directory\nErrors were encountered while processing:\n ${deb}\n`);
    }
    spec.onStdoutLine?.(`Unpacking noderoll-lab-planet (${version}) over (${this.packageVersion}) ...`);
    spec.onStdoutLine?.(`Setting up noderoll-lab-planet (${version}) ...`);
    this.packageVersion = version;
    return this.ok(spec, 'output\n');
  }

  private systemctl(spec: CommandSpec, a: readonly string[]): CommandResult {
    const verb = a[0];
    if (verb === '--version') return this.ok(spec, 'systemd 252 (252.39-1~deb12u2)\n+PAM\n');
    if (verb === 'reboot') {
      this.rebootCount += 1;
      return this.ok(spec, '');
    }
    if (verb === 'show') {
      const names = this.afterDashes(a);
      if (names.length === 0) return this.ok(spec, 'Version=252\n');
      return this.ok(
        spec,
        names
          .map((n) => {
            const u = this.units.get(n);
            if (!u) return `Id=${n}\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\nDescription=${n}\nMainPID=0\n`;
            return `MainPID=${u.active === 'active' ? 42 : 0}\nId=${n}\nDescription=${u.description}\nLoadState=loaded\nActiveState=${u.active}\nSubState=${u.active === 'active' ? 'running' : u.active === 'failed' ? 'failed' : 'dead'}\nUnitFileState=${u.enabled ? 'enabled' : 'disabled'}\n`;
          })
          .join('\n'),
      );
    }
    if (verb === 'list-units') {
      const failedOnly = a.includes('--failed');
      const patterns = this.afterDashes(a);
      const list = [...this.units.values()].filter((u) => (failedOnly ? u.active === 'failed' : this.matches(u.name, patterns)));
      return this.ok(spec, JSON.stringify(list.map((u) => ({ unit: u.name, load: 'loaded', active: u.active, sub: u.active === 'active' ? 'running' : 'dead', description: u.description }))));
    }
    if (verb === 'list-unit-files') {
      const patterns = this.afterDashes(a);
      return this.ok(spec, [...this.units.values()].filter((u) => this.matches(u.name, patterns)).map((u) => `${u.name} ${u.enabled ? 'enabled' : 'disabled'} enabled\n`).join(''));
    }
    const unitName = this.afterDashes(a)[0] ?? '';
    const u = this.units.get(unitName);
    if (!u) return this.fail(spec, 5, `Failed to ${verb} ${unitName}: Unit ${unitName} not found.`);
    if (verb === 'stop') u.active = 'inactive';
    else if (verb === 'start' || verb === 'restart') u.active = 'active';
    else if (verb === 'enable') {
      u.enabled = true;
      if (a.includes('--now')) u.active = 'active';
    } else return this.fail(spec, 1, `unknown verb ${verb}`);
    return this.ok(spec, '');
  }
}
