import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { flagBoolean, flagString, UsageError } from '../../../shared/cli/flag-parser.js';
import { formatCommand, tail } from '../../../shared/exec/command-runner.js';
import { silentLogger } from '../../../shared/log/logger.js';
import { notYet, ready, realClock, waitFor } from '../../../shared/time/wait-for.js';
import { newOperationId, OPERATION_ID_PATTERN } from '../../state/operation-record.js';
import { type CommandContext, CommandExit, loadSettings, makeServices } from '../command-context.js';
import { defaultLauncher, type ChildExit } from '../detach/launcher.js';
import { ExitCode } from '../exit-codes.js';
import { showValue } from '../../../shared/validation/field-error.js';

/** The operation ID a detaching `update` chose for its child (so that both name the same unit and file). */
export const OPERATION_ID_ENV = 'NODEROLL_OPERATION_ID';

/** How long the detached coordinator may take to pass the gates and preflight and take over the record. */
export const DETACH_START_DEADLINE_MS = 10 * 60_000;

/**
 * --detach: the child has no terminal, so it needs --yes (the operator consents here, having seen
 * `noderoll plan`; the plan the child prints goes to its log) and cannot ask before each node.
 * Returns whether to detach.
 */
export function checkDetachFlags(ctx: CommandContext): boolean {
  if (!flagBoolean(ctx.flags, 'detach')) return false;
  if (flagBoolean(ctx.flags, 'confirm-each-node')) throw new UsageError('--detach', 'cannot be combined with --confirm-each-node: a detached run has no terminal to ask on');
  if (!flagBoolean(ctx.flags, 'yes')) throw new UsageError('--detach', 'needs --yes: a detached run has no terminal to confirm on (see what it would do with noderoll plan first)');
  return true;
}

/** The operation ID given by a detaching parent, if any. */
export function operationIdFromEnv(ctx: CommandContext): string | undefined {
  const id = ctx.env.env[OPERATION_ID_ENV];
  if (id === undefined || id === '') return undefined;
  if (!OPERATION_ID_PATTERN.test(id)) throw new UsageError(OPERATION_ID_ENV, `${showValue(id)} is not an operation ID (like nr-20261127-031500-ab12)`);
  return id;
}

/** The child's command line: this one without --detach, with the config it resolved to. */
export function childArguments(command: string, argv: readonly string[], configPath: string): string[] {
  const args = argv.filter((a) => a !== '--detach' && !a.startsWith('--detach='));
  const hasConfig = args.some((a) => a === '--config' || a.startsWith('--config='));
  return [command, ...args, ...(hasConfig ? [] : ['--config', configPath])];
}

/**
 * `update --detach` / `resume --detach`: starts the same command as a coordinator that outlives the
 * terminal and the SSH session, waits until it has taken over the operation record (or has exited),
 * prints how to follow and stop it, and returns.
 */
export async function runDetached(ctx: CommandContext, command: 'update' | 'resume'): Promise<number> {
  const config = await loadSettings(ctx);
  const services = makeServices(ctx, config, silentLogger);
  try {
    const store = services.store;
    const existing = await store.load();
    let operationId: string;
    if (command === 'resume') {
      if (!existing || existing.status === 'completed' || existing.status === 'abandoned') {
        throw new CommandExit(ExitCode.conflict, `nothing to resume: ${existing ? `operation ${existing.id} is ${existing.status}` : `no operation is recorded in ${store.location}`}`);
      }
      if (existing.invocation.confirmEachNode) {
        throw new CommandExit(ExitCode.usage, `operation ${existing.id} was started with --confirm-each-node, which asks on a terminal: resume it without --detach`, '--detach');
      }
      operationId = existing.id;
    } else {
      operationId = newOperationId(ctx.env.clock.now(), ctx.env.randomId());
    }
    const self = ctx.env.selfCommand ?? [process.execPath, process.argv[1] ?? 'noderoll'];
    const launcher = ctx.env.launchDetached ?? defaultLauncher();
    const run = await launcher.start({
      unit: `noderoll-${command}-${operationId}`,
      argv: [...self, ...childArguments(command, ctx.argv ?? [], resolve(config.source))],
      cwd: process.cwd(),
      env: command === 'update' ? { [OPERATION_ID_ENV]: operationId } : {},
      outputFile: join(dirname(config.state.file), `${operationId}.out`),
    });
    ctx.reporter.message(`Started ${command} of operation ${operationId} detached (${run.description}); waiting for it to take over the operation…`);

    const baseline = existing?.id === operationId ? existing.updatedAt : undefined;
    const outcome = await waitFor<{ started: true } | { exit: ChildExit }>(
      { what: `the detached coordinator (${run.description}) to take the lock and start operation ${operationId}`, timeoutMs: DETACH_START_DEADLINE_MS, clock: realClock, maxDelayMs: 1000 },
      async () => {
        // Exit first, record second: a child that wrote the record and then exited still counts as started.
        const exit = await run.exitStatus();
        const record = await store.load();
        if (record?.id === operationId && record.updatedAt !== baseline) return ready({ started: true });
        if (exit) return ready({ exit });
        return notYet(record ? `operation ${record.id} ${record.status}, last update ${record.updatedAt}` : 'no operation recorded yet');
      },
    );
    if ('exit' in outcome) {
      const output = await readFile(run.output, 'utf8').then((t) => `\n${tail(t.trim(), 2000)}`, () => '');
      const code = outcome.exit.code !== null && outcome.exit.code > 0 && outcome.exit.code < 128 ? outcome.exit.code : ExitCode.internal;
      throw new CommandExit(code, `the detached ${command} did not start: ${outcome.exit.detail}; its output (${run.output}):${output || ' (none)'}`);
    }
    const doc = { operationId, how: run.description, output: run.output, logFile: config.log.file, watch: `noderoll watch ${operationId}`, abort: 'noderoll abort' };
    ctx.reporter.result('detached', doc, () =>
      [
        `Operation ${operationId} runs detached (${run.description}); closing this terminal does not stop it.`,
        `  follow it:   ${formatCommand('noderoll', ['watch', operationId, ...configArgs(ctx)])}`,
        `  its output:  ${run.output}`,
        `  its log:     ${config.log.file}`,
        `  stop it:     ${formatCommand('noderoll', ['abort', ...configArgs(ctx)])}   (at the next safe point)`,
      ].join('\n'),
    );
    return ExitCode.ok;
  } finally {
    services.close();
  }
}

function configArgs(ctx: CommandContext): string[] {
  const config = flagString(ctx.flags, 'config');
  return config ? ['--config', config] : [];
}
