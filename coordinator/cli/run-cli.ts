import { ConfigError } from '../../shared/config/config-error.js';
import { errorMessage } from '../engine/step-failure.js';
import { PlanError } from '../plan/node-order.js';
import { OPERATION_ID_PATTERN, StateFormatError } from '../state/operation-record.js';
import { LockHeldError, LockLostError } from '../state/state-store.js';
import { type CommandContext, CommandExit } from './command-context.js';
import { commandHelp, COMMANDS, findCommand, GLOBAL_FLAGS, mainHelp, type CommandName } from './commands.js';
import { abortCommand } from './commands/abort.js';
import { runCertsCommand } from '../certs/certs-command.js';
import { checkCommand } from './commands/check.js';
import { holdCommand, releaseCommand } from './commands/hold.js';
import { rollbackCommand } from './commands/rollback.js';
import { initCommand } from './commands/init.js';
import { planCommand } from './commands/plan.js';
import { reportCommand } from './commands/report.js';
import { resumeCommand } from './commands/resume.js';
import { statusCommand } from './commands/status.js';
import { updateCommand } from './commands/update.js';
import { watchCommand } from './commands/watch.js';
import { ExitCode } from './exit-codes.js';
import { showValue } from '../../shared/validation/field-error.js';
import { flagBoolean, flagString, parseFlags, UsageError } from '../../shared/cli/flag-parser.js';
import { JsonReporter, LineReporter, ProgressView, type Reporter } from './reporter.js';
import type { CliEnvironment } from './services.js';
import { runCompletionCommand } from './completion/completion-command.js';

export const NODEROLL_VERSION = '0.1.0';

const HANDLERS: Record<CommandName, (ctx: CommandContext) => Promise<number>> = {
  check: checkCommand,
  plan: planCommand,
  update: updateCommand,
  status: statusCommand,
  resume: resumeCommand,
  abort: abortCommand,
  report: reportCommand,
  init: initCommand,
  watch: watchCommand,
  hold: holdCommand,
  release: releaseCommand,
  rollback: rollbackCommand,
};

/**
 * The whole CLI: parse and validate every flag, then the config, and only then act. Returns the
 * exit code (see exit-codes.ts); never throws.
 */
export async function runCli(argv: readonly string[], env: CliEnvironment): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const spec = topic ? findCommand(topic) : undefined;
    if (topic && !spec) {
      env.stderr.write(`error: command: unknown command "${topic}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
      return ExitCode.usage;
    }
    env.stdout.write(spec ? commandHelp(spec) : mainHelp());
    return first === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (first === '--version') {
    env.stdout.write(`noderoll ${NODEROLL_VERSION}\n`);
    return ExitCode.ok;
  }
  // `certs` manages the cluster's noderoll CA; it has its own flags and touches no cluster.
  if (first === 'certs') return runCertsCommand(rest, env);
  if (first === 'completion') return runCompletionCommand(rest, env);
  const spec = findCommand(first);
  if (!spec) {
    const what = first.startsWith('-') ? `expected a command before flags, got "${first}"` : `unknown command "${first}"`;
    env.stderr.write(`error: command: ${what}; commands: ${COMMANDS.map((c) => c.name).join(', ')} (noderoll --help)\n`);
    return ExitCode.usage;
  }

  let reporter: Reporter = new LineReporter(env.stdout, env.stderr);
  try {
    // `report` and `watch` take one optional argument, the operation; `hold` and `release` the node.
    const flags = parseFlags(rest, spec.flags.length > 0 ? spec.flags : GLOBAL_FLAGS, { program: `noderoll ${spec.name}`, maxPositional: spec.name === 'report' || spec.name === 'watch' || spec.argument ? 1 : 0 });
    const operation = flags.positional[0];
    if (spec.argument && operation !== undefined) {
      const problem = spec.argument.check(operation);
      if (problem) throw new UsageError(spec.argument.value, problem);
      flags.values.set(spec.argument.value.toLowerCase(), operation);
    } else if (operation !== undefined) {
      if (!OPERATION_ID_PATTERN.test(operation)) throw new UsageError('OPERATION', `${showValue(operation)} is not an operation ID (like nr-20261127-031500-ab12; see noderoll status)`);
      flags.values.set('operation', operation);
    }
    if (flagBoolean(flags, 'help')) {
      env.stdout.write(commandHelp(spec));
      return ExitCode.ok;
    }
    const format = flagString(flags, 'output') ?? 'text';
    const live = env.stdout.isTTY === true && (spec.name === 'update' || spec.name === 'resume' || spec.name === 'watch');
    reporter = format === 'json' ? new JsonReporter(env.stdout, env.stderr) : live ? new ProgressView(env.stdout, env.stderr) : reporter;
    return await HANDLERS[spec.name]({ env, spec, flags, reporter, argv: rest });
  } catch (err) {
    return report(reporter, err);
  } finally {
    reporter.close();
  }
}

function report(reporter: Reporter, err: unknown): number {
  if (err instanceof UsageError) {
    reporter.error(err.message, ExitCode.usage, err.field);
    return ExitCode.usage;
  }
  if (err instanceof ConfigError) {
    reporter.error(err.message, ExitCode.usage, err.problems[0]?.field);
    return ExitCode.usage;
  }
  if (err instanceof PlanError) {
    reporter.error(err.message, ExitCode.usage, err.field);
    return ExitCode.usage;
  }
  if (err instanceof CommandExit) {
    reporter.error(err.message, err.exitCode, err.field);
    return err.exitCode;
  }
  if (err instanceof LockHeldError) {
    reporter.error(err.message, ExitCode.conflict);
    return ExitCode.conflict;
  }
  if (err instanceof LockLostError) {
    reporter.error(
      `stopped: ${err.message}. Another coordinator may be running the operation now; this one made no further call to any node or the cluster. See \`noderoll status\`.`,
      ExitCode.conflict,
    );
    return ExitCode.conflict;
  }
  if (err instanceof StateFormatError) {
    reporter.error(`${err.message} (the state file is damaged; it is not changed)`, ExitCode.internal);
    return ExitCode.internal;
  }
  reporter.error(`unexpected error: ${errorMessage(err)}`, ExitCode.internal);
  return ExitCode.internal;
}
