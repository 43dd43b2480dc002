import { fillArgv } from '../../shared/exec/argv-template.js';
import { CommandError, formatCommand, tail, type CommandResult, type CommandRunner } from '../../shared/exec/command-runner.js';
import { parseHostPort } from '../../shared/validation/host-port.js';
import { nodeNameProblem } from '../../shared/validation/node-name.js';
import type { PowerCycleAttemptRecord } from '../state/operation-record.js';
import type { PowerCycleConfig } from './power-cycle-config.js';

const OUTPUT_TAIL_CHARS = 400;

export interface PowerCycleTarget {
  /** The Kubernetes node name: {node}. */
  node: string;
  /** The node's agent address (host:port); its host is {address}. */
  agent: string;
}

/**
 * The out-of-band power cycle of a node that did not come back (ipmitool, a Redfish call): the
 * configured command, filled for the node and run once through the shared runner. It never throws for
 * the command's own failure: the attempt (exit code, output tail) is what the wait records and reports.
 */
export class PowerCycle {
  constructor(
    private readonly config: PowerCycleConfig,
    private readonly runner: CommandRunner,
  ) {}

  /** The command as it would run for this node, or why it cannot. */
  commandFor(target: PowerCycleTarget): { file: string; args: string[] } | string {
    const problem = nodeNameProblem(target.node);
    if (problem) return `node name ${problem}`;
    const address = parseHostPort(target.agent);
    if (typeof address === 'string') return `agent address of node ${target.node}: ${address}`;
    const [file, ...args] = fillArgv(this.config.argv, { node: target.node, address: address.host });
    return file ? { file, args } : 'powerCycle.command is empty';
  }

  async run(target: PowerCycleTarget, options: { signal: AbortSignal; output: (line: string) => void; now: () => number }): Promise<PowerCycleAttemptRecord> {
    const at = new Date(options.now()).toISOString();
    const command = this.commandFor(target);
    if (typeof command === 'string') return { at, command: this.config.argv.join(' '), outcome: 'failed', detail: `not run: ${command}`, outputTail: '' };
    const text = formatCommand(command.file, command.args);
    const onLine = (line: string): void => options.output(`power cycle: ${line}`);
    let result: CommandResult;
    try {
      result = await this.runner({ file: command.file, args: command.args, timeoutMs: this.config.timeoutMs, signal: options.signal, onStdoutLine: onLine, onStderrLine: onLine });
    } catch (err) {
      if (!(err instanceof CommandError) || err.kind === 'aborted') throw err;
      return { at, command: text, outcome: 'failed', ...(err.result.exitCode !== null ? { exitCode: err.result.exitCode } : {}), detail: err.message.split('; stderr:')[0] ?? err.message, outputTail: outputTail(err.result) };
    }
    return { at, command: text, outcome: 'succeeded', exitCode: 0, detail: `\`${text}\` exited 0`, outputTail: outputTail(result) };
  }
}

function outputTail(r: CommandResult): string {
  return tail(`${r.stdout}\n${r.stderr}`.trim(), OUTPUT_TAIL_CHARS);
}
