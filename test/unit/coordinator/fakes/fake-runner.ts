import { CommandError, formatCommand, type CommandResult, type CommandRunner, type CommandSpec } from '../../../../shared/exec/command-runner.js';

/** What a fake command does: print lines, end with an exit code, or run out of time. */
export interface FakeCommandOutcome {
  stdout?: string[];
  stderr?: string[];
  exitCode?: number;
  timedOut?: boolean;
  /** Side effect when it runs (e.g. powers a fake node on). */
  effect?: () => void;
}

/**
 * A CommandRunner that records every call (argv, timeout) and answers from `respond`, streaming the
 * lines to the spec's callbacks as the real runner does; failures reject with the real CommandError.
 */
export class FakeRunner {
  readonly calls: { argv: string[]; timeoutMs: number }[] = [];

  constructor(private readonly respond: (argv: string[]) => FakeCommandOutcome = () => ({})) {}

  readonly run: CommandRunner = async (spec: CommandSpec): Promise<CommandResult> => {
    const argv = [spec.file, ...spec.args];
    this.calls.push({ argv, timeoutMs: spec.timeoutMs });
    const o = this.respond(argv);
    o.effect?.();
    for (const line of o.stdout ?? []) spec.onStdoutLine?.(line);
    for (const line of o.stderr ?? []) spec.onStderrLine?.(line);
    const exitCode = o.timedOut ? null : (o.exitCode ?? 0);
    const result: CommandResult = {
      command: formatCommand(spec.file, spec.args),
      exitCode,
      signal: o.timedOut ? 'SIGTERM' : null,
      stdout: (o.stdout ?? []).map((l) => `${l}\n`).join(''),
      stderr: (o.stderr ?? []).map((l) => `${l}\n`).join(''),
      truncated: false,
      durationMs: o.timedOut ? spec.timeoutMs : 1,
    };
    if (o.timedOut) throw new CommandError('timeout', result);
    if (exitCode !== 0) throw new CommandError('exit', result);
    return result;
  };
}
