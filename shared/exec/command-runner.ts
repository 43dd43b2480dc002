import { spawn } from 'node:child_process';
import { LineSplitter, type LineCallback } from './line-splitter.js';

export { DEFAULT_MAX_LINE_LENGTH, LineSplitter, type LineCallback, type LineInfo } from './line-splitter.js';

/**
 * The one way noderoll runs an external program: an argv array (never a shell string),
 * a deadline, captured and capped output, and errors that say what ran, how it ended and
 * the tail of its stderr.
 */

export interface CommandSpec {
  /** Program to execute (absolute path or a name looked up in PATH). */
  file: string;
  args: readonly string[];
  /** Milliseconds until the program is sent SIGTERM (then SIGKILL after killGraceMs). */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the program's stdin, then stdin is closed. Default: stdin is /dev/null. */
  input?: string | Buffer;
  /** Cap on captured bytes per stream; the rest is counted but dropped. Default 4 MiB. */
  maxOutputBytes?: number;
  /** Exit codes that are not errors. Default [0]. */
  okExitCodes?: readonly number[];
  killGraceMs?: number;
  /** Called with each complete stdout line while the program runs (cut at maxLineLength, then marked truncated). */
  onStdoutLine?: LineCallback;
  onStderrLine?: LineCallback;
  /**
   * Called once with a switch for the program's stdout, for a consumer slower than the program:
   * while paused nothing more is read (the pipe fills and the program waits on its write).
   */
  onStdoutFlow?: (flow: StreamFlow) => void;
  /** Cap on the characters of one line handed to the line callbacks. Default 1 Mi characters. */
  maxLineLength?: number;
  signal?: AbortSignal;
  /** Signal sent when `signal` aborts (default SIGTERM; SIGKILL simulates a crash). */
  abortKillSignal?: NodeJS.Signals;
  /** Called with the process ID once the program started (long-running programs a test stops by PID). */
  onSpawn?: (pid: number) => void;
}

export interface StreamFlow {
  pause(): void;
  resume(): void;
}

export interface CommandResult {
  command: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when either stream was larger than maxOutputBytes and got cut. */
  truncated: boolean;
  durationMs: number;
}

export type CommandFailureKind = 'exit' | 'timeout' | 'spawn' | 'aborted' | 'signal';

export class CommandError extends Error {
  readonly kind: CommandFailureKind;
  readonly result: CommandResult;

  constructor(kind: CommandFailureKind, result: CommandResult, detail?: string) {
    super(describeFailure(kind, result, detail));
    this.name = 'CommandError';
    this.kind = kind;
    this.result = result;
  }
}

const DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024;
const STDERR_TAIL_CHARS = 600;

/** Renders argv the way a human would retype it, quoting only what needs it. */
export function formatCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map(quoteArg).join(' ');
}

function quoteArg(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function tail(text: string, chars = STDERR_TAIL_CHARS): string {
  const trimmed = text.trimEnd();
  return trimmed.length <= chars ? trimmed : '…' + trimmed.slice(trimmed.length - chars);
}

function describeFailure(kind: CommandFailureKind, r: CommandResult, detail?: string): string {
  const what = `command \`${r.command}\``;
  const stderr = tail(r.stderr);
  const suffix = stderr ? `; stderr: ${stderr}` : '';
  switch (kind) {
    case 'timeout':
      return `${what} timed out after ${r.durationMs} ms${suffix}`;
    case 'spawn':
      return `${what} could not be started: ${detail ?? 'unknown error'}`;
    case 'aborted':
      return `${what} was aborted${suffix}`;
    case 'signal':
      return `${what} was killed by ${r.signal}${suffix}`;
    case 'exit':
      return `${what} exited with code ${r.exitCode}${suffix}`;
  }
}

class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.cap) {
      this.truncated = true;
      return;
    }
    const room = this.cap - this.size;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs a program to completion. Resolves with its result when the exit code is acceptable,
 * rejects with a CommandError otherwise (non-zero exit, timeout, spawn failure, abort).
 */
export function runCommand(spec: CommandSpec): Promise<CommandResult> {
  const command = formatCommand(spec.file, spec.args);
  const okCodes = spec.okExitCodes ?? [0];
  const cap = spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const started = Date.now();

  return new Promise((resolve, reject) => {
    const stdout = new CappedBuffer(cap);
    const stderr = new CappedBuffer(cap);
    const outLines = spec.onStdoutLine ? new LineSplitter(spec.onStdoutLine, spec.maxLineLength) : undefined;
    const errLines = spec.onStderrLine ? new LineSplitter(spec.onStderrLine, spec.maxLineLength) : undefined;
    let failure: { kind: CommandFailureKind; detail?: string } | undefined;
    let settled = false;

    const child = spawn(spec.file, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: [spec.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    if (spec.onSpawn) child.once('spawn', () => child.pid !== undefined && spec.onSpawn?.(child.pid));

    const result = (exitCode: number | null, signal: NodeJS.Signals | null): CommandResult => ({
      command,
      exitCode,
      signal,
      stdout: stdout.toString(),
      stderr: stderr.toString(),
      truncated: stdout.truncated || stderr.truncated,
      durationMs: Date.now() - started,
    });

    const stop = (kind: CommandFailureKind): void => {
      if (failure || settled) return;
      failure = { kind };
      child.kill(kind === 'aborted' ? (spec.abortKillSignal ?? 'SIGTERM') : 'SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), spec.killGraceMs ?? 2000);
      killer.unref();
    };

    const timer = setTimeout(() => stop('timeout'), spec.timeoutMs);
    const onAbort = (): void => stop('aborted');
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    if (spec.signal?.aborted) onAbort();

    const out = child.stdout;
    if (spec.onStdoutFlow && out) spec.onStdoutFlow({ pause: () => out.pause(), resume: () => out.resume() });
    child.stdout?.on('data', (c: Buffer) => {
      stdout.push(c);
      outLines?.push(c);
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr.push(c);
      errLines?.push(c);
    });
    if (spec.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // the program may exit without reading stdin
      child.stdin.end(spec.input);
    }

    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      reject(new CommandError('spawn', result(null, null), err.message));
    });

    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      outLines?.end();
      errLines?.end();
      const r = result(code, signal);
      if (failure) reject(new CommandError(failure.kind, r));
      else if (code === null) reject(new CommandError('signal', r));
      else if (!okCodes.includes(code)) reject(new CommandError('exit', r));
      else resolve(r);
    });
  });
}

/** A runner bound to defaults; the seam where tests substitute a fake. */
export type CommandRunner = (spec: CommandSpec) => Promise<CommandResult>;
