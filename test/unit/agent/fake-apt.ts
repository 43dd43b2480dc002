import { CommandError, formatCommand, type CommandResult, type CommandRunner, type CommandSpec } from '../../../shared/exec/command-runner.js';

/**
 * apt-get and the whole-database dpkg-query over an in-memory package database, in front of
 * another fake runner (FakeHost: systemctl, journalctl, ...): `apt-get upgrade` applies `pending`,
 * `apt-get install name=version` sets each, both print dpkg's "Unpacking" lines.
 */
export class FakeApt {
  readonly calls: string[] = [];

  constructor(
    readonly db: Map<string, string>,
    readonly pending: Record<string, string> = {},
    private readonly next: CommandRunner = async (spec) => this.result(spec, '', 127),
  ) {}

  private result(spec: CommandSpec, stdout: string, exitCode = 0): CommandResult {
    const r: CommandResult = { command: formatCommand(spec.file, spec.args), exitCode, signal: null, stdout, stderr: exitCode === 127 ? `${spec.file}: not found` : '', truncated: false, durationMs: 1 };
    if (!(spec.okExitCodes ?? [0]).includes(exitCode)) throw new CommandError('exit', r);
    return r;
  }

  readonly runner = async (spec: CommandSpec): Promise<CommandResult> => {
    if (spec.file === 'dpkg-query') {
      this.calls.push(formatCommand(spec.file, spec.args));
      const whole = !spec.args.includes('--');
      const names = whole ? [...this.db.keys()] : spec.args.slice(spec.args.indexOf('--') + 1);
      return this.result(spec, names.filter((n) => this.db.has(n)).map((n) => `${n}\t${this.db.get(n)}\tinstalled\n`).join(''), whole || names.every((n) => this.db.has(n)) ? 0 : 1);
    }
    if (spec.file !== 'apt-get') return this.next(spec);
    this.calls.push(formatCommand(spec.file, spec.args));
    // apt-get's verb: the first argument that is neither an option nor the value of -o
    const verb = spec.args.find((a, i) => !a.startsWith('-') && spec.args[i - 1] !== '-o');
    if (verb === 'update') return this.result(spec, 'Reading package lists...\n');
    const targets = verb === 'install' ? spec.args.filter((a) => /^[a-z0-9][^=]*=/.test(a)).map((a) => a.split('=') as [string, string]) : Object.entries(this.pending);
    for (const [n, v] of targets) {
      spec.onStdoutLine?.(`Unpacking ${n} (${v}) over (${this.db.get(n) ?? ''}) ...`);
      this.db.set(n, v);
    }
    return this.result(spec, '');
  };
}
