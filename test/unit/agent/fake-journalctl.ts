import { CommandError, type CommandResult, type CommandSpec } from '../../../shared/exec/command-runner.js';

/**
 * A runner that "prints" the given lines like journalctl would (optionally `delayMs` apart),
 * honouring abort and the reader's pause of its output (like a full pipe). `stats.maxAhead` is
 * the most lines it had printed beyond those the test says were consumed (`consumed`).
 */
export function fakeJournalctl(out: readonly string[], options: { delayMs?: number; exitCode?: number; stderr?: string } = {}) {
  const calls: CommandSpec[] = [];
  const stats = { printed: 0, consumed: 0, maxAhead: 0, pauses: 0 };
  const runner = async (spec: CommandSpec): Promise<CommandResult> => {
    calls.push(spec);
    let paused = false;
    let wake: (() => void) | undefined;
    spec.onStdoutFlow?.({
      pause: () => {
        paused = true;
        stats.pauses += 1;
      },
      resume: () => {
        paused = false;
        wake?.();
      },
    });
    spec.signal?.addEventListener('abort', () => wake?.(), { once: true });
    const result = (code: number | null): CommandResult => ({ command: 'journalctl', exitCode: code, signal: null, stdout: '', stderr: options.stderr ?? '', truncated: false, durationMs: 0 });
    for (const l of out) {
      while (paused && !spec.signal?.aborted) await new Promise<void>((r) => (wake = r));
      if (spec.signal?.aborted) throw new CommandError('aborted', result(null));
      spec.onStdoutLine?.(l);
      stats.printed += 1;
      stats.maxAhead = Math.max(stats.maxAhead, stats.printed - stats.consumed);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      else if (stats.printed % 64 === 0) await new Promise((r) => setImmediate(r)); // a pipe delivers in chunks
    }
    if (spec.signal?.aborted) throw new CommandError('aborted', result(null));
    if ((options.exitCode ?? 0) !== 0) throw new CommandError('exit', result(options.exitCode ?? 1));
    return result(0);
  };
  return { runner, calls, stats };
}
