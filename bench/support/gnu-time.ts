import { readFile } from 'node:fs/promises';
import type { CommandRunner, CommandSpec } from '../../shared/exec/command-runner.js';

/**
 * GNU time (/usr/bin/time) around a command: it waits for the command and writes the command's
 * peak RSS (and wall time) to a file of its own, so the command's output stays untouched.
 */

export const GNU_TIME = '/usr/bin/time';

/** The argv of `time -f FORMAT -o outFile argv…`. */
export function underGnuTime(format: string, outFile: string, argv: readonly string[]): string[] {
  return [GNU_TIME, '-f', format, '-o', outFile, ...argv];
}

/**
 * The argv that runs `argv` with its stdout sent to `stdoutFile` (/dev/null for a baseline), through
 * `sh -c 'exec "$@" > "$0"'`: no quoting, and sh is replaced by the command itself.
 */
export function toFile(stdoutFile: string, argv: readonly string[]): string[] {
  return ['sh', '-c', 'exec "$@" > "$0"', stdoutFile, ...argv];
}

/**
 * The numbers GNU time wrote: the last line (an earlier one says "Command exited with non-zero
 * status N" or "Command terminated by signal N"), split on spaces.
 */
export function parseGnuTime(text: string): number[] {
  const last = text.trim().split('\n').pop() ?? '';
  const fields = last.trim().split(/\s+/).map(Number);
  if (last.trim() === '' || fields.some((n) => !Number.isFinite(n))) throw new Error(`not GNU time output: ${JSON.stringify(text.slice(-200))}`);
  return fields;
}

export async function readGnuTime(file: string): Promise<number[]> {
  return parseGnuTime(await readFile(file, 'utf8'));
}

/**
 * A command runner that runs every command under GNU time writing its peak RSS (KiB) to
 * `peakFile`, after `edit` rewrote the spec: how a benchmark measures a child its code spawns.
 */
export function peakMeasuringRunner(run: CommandRunner, peakFile: string, edit: (spec: CommandSpec) => CommandSpec = (s) => s): CommandRunner {
  return (spec) => {
    const s = edit(spec);
    const [file, ...args] = underGnuTime('%M', peakFile, [s.file, ...s.args]);
    return run({ ...s, file: file!, args });
  };
}
