import { CommandError, formatCommand, runCommand, tail, type CommandRunner } from '../../shared/exec/command-runner.js';
import { assessGravityStatus, parseGravityStatusJson } from '../../shared/gravity/status.js';
import type { GravityStatusReader, HealthReading } from '../ports/cluster.js';

export interface GravityStatusCommand {
  /** argv, e.g. ["gravity", "status", "--output=json"]. */
  argv: readonly string[];
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  runner?: CommandRunner;
}

/** gravity exits 255 after printing the status of a degraded cluster: the JSON still decides. */
const GRAVITY_DEGRADED_EXIT = 255;

/** Reads the cluster's health from `gravity status --output=json`. */
export class GravityStatusCommandReader implements GravityStatusReader {
  constructor(private readonly command: GravityStatusCommand) {}

  async read(signal?: AbortSignal): Promise<HealthReading> {
    const [file, ...args] = this.command.argv;
    if (!file) throw new Error('gravity status command is empty');
    const command = formatCommand(file, args);
    const runner = this.command.runner ?? runCommand;
    let stdout: string;
    let stderr: string;
    let exitCode: number | null;
    try {
      const r = await runner({
        file,
        args,
        timeoutMs: this.command.timeoutMs,
        okExitCodes: [0, GRAVITY_DEGRADED_EXIT],
        ...(this.command.env ? { env: this.command.env } : {}),
        ...(signal ? { signal } : {}),
      });
      stdout = r.stdout;
      stderr = r.stderr;
      exitCode = r.exitCode;
    } catch (err) {
      if (err instanceof CommandError && err.kind !== 'aborted') {
        return { healthy: false, problems: [err.message], warnings: [], command, evidence: tail(err.result.stdout + err.result.stderr, 1000) };
      }
      throw err;
    }
    const evidence = tail(`${stdout}\n${stderr}`.trim(), 1000);
    try {
      const assessment = assessGravityStatus(parseGravityStatusJson(stdout));
      const problems = [...assessment.problems];
      if (exitCode === GRAVITY_DEGRADED_EXIT && problems.length === 0) problems.push('gravity status exited 255 (degraded) although every field reads healthy');
      return { healthy: problems.length === 0, problems, warnings: assessment.warnings, command, evidence };
    } catch (err) {
      // No status came: what gravity said on stderr (`[ERROR]: …`) is the only explanation there is.
      const said = tail(stderr.trim(), 600);
      const problem = `${err instanceof Error ? err.message : String(err)} (gravity status exit code ${exitCode ?? 'none'})` + (said ? `; stderr: ${said}` : '; stderr was empty');
      return { healthy: false, problems: [problem], warnings: [], command, evidence };
    }
  }
}
