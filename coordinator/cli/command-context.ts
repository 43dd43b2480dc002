import { resolve } from 'node:path';
import { formatCommand } from '../../shared/exec/command-runner.js';
import type { Logger } from '../../shared/log/logger.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load-config.js';
import type { CommandSpec } from './commands.js';
import { flagBoolean, flagString, UsageError, type ParsedFlags } from '../../shared/cli/flag-parser.js';
import type { Reporter } from './reporter.js';
import { checkConfigFiles, type CliEnvironment, type Services } from './services.js';
import { LockHeldError, type StateLock } from '../state/state-store.js';
import { ExitCode } from './exit-codes.js';

/** What every command gets. */
export interface CommandContext {
  env: CliEnvironment;
  spec: CommandSpec;
  flags: ParsedFlags;
  reporter: Reporter;
  /** The command line after the command name, as given (a detached child gets it again). */
  argv?: readonly string[];
}

export class CommandExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CommandExit';
  }
}

/** Loads and validates the config, then applies --kubeconfig/--context/--log-file; checks the files it names. */
export async function loadSettings(ctx: CommandContext, fallbacks: { configPath?: string; kubeconfig?: string; context?: string } = {}): Promise<CoordinatorConfig> {
  const configPath = flagString(ctx.flags, 'config') ?? fallbacks.configPath ?? (ctx.env.env.NODEROLL_CONFIG || undefined) ?? DEFAULT_CONFIG_PATH;
  const config = await loadConfig(configPath);
  const kubeconfig = flagString(ctx.flags, 'kubeconfig') ?? fallbacks.kubeconfig;
  if (kubeconfig !== undefined) config.kubernetes.kubeconfig = resolve(kubeconfig);
  const context = flagString(ctx.flags, 'context') ?? fallbacks.context;
  if (context !== undefined) config.kubernetes.context = context;
  const logFile = flagString(ctx.flags, 'log-file');
  if (logFile !== undefined) config.log.file = resolve(logFile);
  await checkConfigFiles(config, { kubeconfig: flagString(ctx.flags, 'kubeconfig') !== undefined ? '--kubeconfig' : 'kubernetes.kubeconfig' });
  return config;
}

export function openLog(ctx: CommandContext, config: CoordinatorConfig): Logger {
  try {
    return ctx.env.openLog(config.log.file, config.log.level).child({ command: ctx.spec.name });
  } catch (err) {
    const field = flagString(ctx.flags, 'log-file') !== undefined ? '--log-file' : 'log.file';
    throw new UsageError(field, `cannot open ${config.log.file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function makeServices(ctx: CommandContext, config: CoordinatorConfig, log: Logger): Services {
  return ctx.env.makeServices(config, log);
}

/** The exact command that continues an operation: same config, same kubeconfig/context overrides. */
export function resumeCommandFor(config: CoordinatorConfig, invocation: { kubeconfig?: string; context?: string }): string {
  const args = ['resume', '--config', config.source];
  if (invocation.kubeconfig) args.push('--kubeconfig', invocation.kubeconfig);
  if (invocation.context) args.push('--context', invocation.context);
  return formatCommand('noderoll', args);
}

/** Asks y/N on the terminal. */
export async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  const answer = await ctx.env.readLine(`${question} [y/N] `);
  return answer !== undefined && /^\s*y(es)?\s*$/i.test(answer);
}

/** --yes is required when there is no terminal to ask on; --confirm-each-node needs one. */
export function checkConfirmationFlags(ctx: CommandContext): void {
  if (flagBoolean(ctx.flags, 'confirm-each-node') && !ctx.env.stdinIsTTY) {
    throw new UsageError('--confirm-each-node', 'needs a terminal on stdin to ask on');
  }
  if (!flagBoolean(ctx.flags, 'yes') && !ctx.env.stdinIsTTY) {
    throw new UsageError('--yes', 'is required when stdin is not a terminal (there is no one to confirm with)');
  }
}

export function lockOwner(ctx: CommandContext, command: string): { pid: number; host: string; command: string } {
  return { pid: ctx.env.pid, host: ctx.env.host, command };
}

/** The coordinator lock for `command`, waiting as the store does; a lock another coordinator holds is exit 5. */
export async function acquireCommandLock(ctx: CommandContext, services: Services, command: string): Promise<StateLock> {
  try {
    return await services.store.acquireLock(lockOwner(ctx, command), { onWait: (m) => ctx.reporter.message(m) });
  } catch (err) {
    if (err instanceof LockHeldError) throw new CommandExit(ExitCode.conflict, err.message);
    throw err;
  }
}
