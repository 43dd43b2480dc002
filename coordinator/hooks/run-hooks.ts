import { fillArgv } from '../../shared/exec/argv-template.js';
import { CommandError, formatCommand, tail, type CommandResult, type CommandRunner } from '../../shared/exec/command-runner.js';
import { nodeNameProblem } from '../../shared/validation/node-name.js';
import { StepFailure } from '../engine/step-failure.js';
import { OPERATION_ID_PATTERN } from '../state/operation-record.js';
import type { HookCommand, HookPoint } from './hook-points.js';

/** Output lines of a failed hook kept in the halt's details. */
const FAILED_OUTPUT_LINES = 20;
const NOTE_OUTPUT_CHARS = 200;

export interface HookRun {
  point: HookPoint;
  node: string;
  operationId: string;
  signal: AbortSignal;
  /** Each line the hook prints (stdout and stderr), for step-output events. */
  output(line: string): void;
}

/**
 * Runs the hooks of one point, in order, through the shared runner. Resolves with one line per hook
 * for the step's record (command, exit code, last output); a hook that fails (exit ≠ 0, timeout,
 * cannot start) throws StepFailure with its output tail. A stop that aborts the hook is passed on
 * as it is, so that the engine records an interruption, not a failure.
 */
export async function runHooks(hooks: readonly HookCommand[], run: HookRun, runner: CommandRunner): Promise<string[]> {
  if (hooks.length === 0) return [];
  const values = hookValues(run);
  const notes: string[] = [];
  for (const hook of hooks) {
    const [file, ...args] = fillArgv(hook.argv, values);
    if (!file) continue; // config validation refuses an empty command
    const command = formatCommand(file, args);
    const onLine = (line: string): void => run.output(`${run.point} hook: ${line}`);
    let result: CommandResult;
    try {
      result = await runner({ file, args, timeoutMs: hook.timeoutMs, signal: run.signal, onStdoutLine: onLine, onStderrLine: onLine });
    } catch (err) {
      if (!(err instanceof CommandError) || err.kind === 'aborted') throw err;
      const output = `${err.result.stdout}\n${err.result.stderr}`.split('\n').filter((l) => l.trim() !== '');
      throw new StepFailure(`${run.point} hook failed on node ${run.node}: ${err.message.split('; stderr:')[0]}`, [
        `hook ${run.point}: \`${command}\` (timeout ${Math.round(hook.timeoutMs / 1000)}s)`,
        ...output.slice(-FAILED_OUTPUT_LINES),
      ]);
    }
    const last = tail(`${result.stdout}\n${result.stderr}`.trim(), NOTE_OUTPUT_CHARS);
    notes.push(`${run.point} hook \`${command}\` exited 0${last ? `: ${last.replace(/\s*\n\s*/g, ' | ')}` : ''}`);
  }
  return notes;
}

/** The placeholder values, checked again here: they come from the record, which a person may have edited. */
function hookValues(run: HookRun): Record<string, string> {
  const nodeProblem = nodeNameProblem(run.node);
  const problem = nodeProblem ? `node name ${nodeProblem}` : OPERATION_ID_PATTERN.test(run.operationId) ? undefined : `operation ID ${JSON.stringify(run.operationId)} is malformed`;
  if (problem) throw new StepFailure(`refusing to run the ${run.point} hooks: ${problem}`);
  return { node: run.node, operation: run.operationId, phase: run.point };
}
