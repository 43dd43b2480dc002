import { CommandError, formatCommand, runCommand, tail, type CommandResult, type CommandRunner } from '../../shared/exec/command-runner.js';
import { parseClusterHealthV2, parseEndpointHealthV3 } from '../../shared/etcd/cluster-health.js';
import type { EtcdHealthReader, HealthReading } from '../ports/cluster.js';

/** v2: `etcdctl cluster-health`; v3: `etcdctl endpoint health --cluster -w json`. */
export type EtcdHealthFormat = 'v2' | 'v3';

export interface EtcdHealthCommand {
  argv: readonly string[];
  format: EtcdHealthFormat;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  runner?: CommandRunner;
}

/** Reads etcd's health through the configured etcdctl command; the verdict comes from the per-member output. */
export class EtcdHealthCommandReader implements EtcdHealthReader {
  constructor(private readonly command: EtcdHealthCommand) {}

  async read(signal?: AbortSignal): Promise<HealthReading> {
    const [file, ...args] = this.command.argv;
    if (!file) throw new Error('etcd health command is empty');
    const command = formatCommand(file, args);
    let r: CommandResult;
    try {
      r = await (this.command.runner ?? runCommand)({
        file,
        args,
        timeoutMs: this.command.timeoutMs,
        ...(this.command.env ? { env: this.command.env } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (err instanceof CommandError && err.kind === 'exit') r = err.result;
      else if (err instanceof CommandError && err.kind !== 'aborted') {
        return { healthy: false, problems: [err.message], warnings: [], command, evidence: tail(err.result.stdout + err.result.stderr, 1000) };
      } else throw err;
    }
    const verdict = this.command.format === 'v2' ? parseClusterHealthV2(r.stdout, r.exitCode, r.stderr) : parseEndpointHealthV3(r.stdout, r.exitCode, r.stderr);
    return { healthy: verdict.healthy, problems: verdict.problems, warnings: [], command, evidence: tail(`${r.stdout}\n${r.stderr}`.trim(), 1000) };
  }
}
