import { CommandError, runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';

/**
 * A long-running helper process (fleet simulator, agent, exporter) started through runCommand,
 * stopped by aborting it (SIGTERM, then SIGKILL). Its PID is found from its own first stdout line
 * or by the caller; `stop()` always waits for it to be gone.
 */
export class Background {
  private readonly stopper = new AbortController();
  private readonly done: Promise<CommandResult | Error>;
  private readonly lines: string[] = [];
  private exited = false;

  constructor(
    readonly what: string,
    file: string,
    args: string[],
    options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
  ) {
    this.done = runCommand({
      file,
      args,
      timeoutMs: options.timeoutMs,
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      maxOutputBytes: 256 * 1024,
      onStdoutLine: (l) => void this.lines.push(l),
      onStderrLine: (l) => void this.lines.push(l),
      signal: this.stopper.signal,
      killGraceMs: 3000,
    }).then(
      (r) => r,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    void this.done.then(() => (this.exited = true));
  }

  /** Waits (with a deadline) for an output line that `match` accepts, and returns what it made of it. */
  waitForLine<T>(match: (line: string) => T | undefined, timeoutMs: number): Promise<T> {
    return waitFor({ what: `${this.what} to print its ready line`, timeoutMs, initialDelayMs: 20, maxDelayMs: 200 }, async () => {
      for (const l of this.lines) {
        const v = match(l);
        if (v !== undefined) return ready(v);
      }
      if (this.exited) {
        const r = await this.done;
        throw new Error(`${this.what} exited early: ${r instanceof CommandError ? r.message : this.lines.slice(-5).join(' | ')}`);
      }
      return notYet(this.lines.at(-1) ?? 'no output yet');
    });
  }

  output(): string[] {
    return [...this.lines];
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.done;
  }
}
