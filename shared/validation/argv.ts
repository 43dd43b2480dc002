import { showValue } from './field-error.js';

/**
 * Commands from configuration files are argv lists run without a shell (shared/exec/command-runner.ts).
 * One rule for the agent's and the coordinator's commands: every argument non-empty (an empty one is
 * almost always a template or quoting slip, and a program given "" as an argument reads it as a
 * real one, e.g. a path), and the program either absolute or a bare name found in PATH (a relative
 * path would depend on the daemon's working directory).
 */

/** The most arguments a configured command may have. */
export const MAX_ARGV = 256;

export function argumentProblem(arg: string): string | undefined {
  return arg === '' ? 'must not be empty (an empty argument is passed on as one)' : undefined;
}

export function programProblem(program: string): string | undefined {
  return !program.startsWith('/') && program.includes('/') ? `${showValue(program)} must be an absolute path or a name looked up in PATH` : undefined;
}
