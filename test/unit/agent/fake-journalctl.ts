import { CommandError, type CommandResult, type CommandSpec } from '../../../shared/exec/command-runner.js';

/** A runner that "prints" the given lines like journalctl would (optionally `delayMs` apart), honouring abort. */
export function fakeJournalctl(out: readonly string[], options: { delayMs?: number; exitCode?: number; stderr?: string } = {}) {
  const calls: CommandSpec[] = [];
  const runner = async (spec: CommandSpec): Promise<CommandResult> => {
    calls.push(spec);
    const result = (code: number | null): CommandResult => ({ command: 'journalctl', exitCode: code, signal: null, stdout: '', stderr: options.stderr ?? '', truncated: false, durationMs: 0 });
    for (const l of out) {
      if (spec.signal?.aborted) throw new CommandError('aborted', result(null));
      spec.onStdoutLine?.(l);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    }
    if (spec.signal?.aborted) throw new CommandError('aborted', result(null));
    if ((options.exitCode ?? 0) !== 0) throw new CommandError('exit', result(options.exitCode ?? 1));
    return result(0);
  };
  return { runner, calls };
}
