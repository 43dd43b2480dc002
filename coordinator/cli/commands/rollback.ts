import { flagBoolean, flagString, UsageError } from '../../../shared/cli/flag-parser.js';
import { manualRollbackProblem, rollBackByHand } from '../../recovery/manual-rollback.js';
import { acquireCommandLock, type CommandContext, CommandExit, checkConfirmationFlags, confirm, loadSettings, makeServices, openLog, resumeCommandFor } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';

/** `noderoll rollback NODE`: puts a node of the halted or interrupted operation back on its recorded version. */
export async function rollbackCommand(ctx: CommandContext): Promise<number> {
  const node = flagString(ctx.flags, 'node');
  if (node === undefined) throw new UsageError('NODE', 'is required: name the node of the current operation to roll back');
  checkConfirmationFlags(ctx);
  const config = await loadSettings(ctx);
  const log = openLog(ctx, config);
  const services = makeServices(ctx, config, log);
  try {
    const lock = await acquireCommandLock(ctx, services, `noderoll rollback ${node}`);
    try {
      const record = await services.store.load();
      if (!record) throw new CommandExit(ExitCode.conflict, `nothing to roll back: no operation is recorded in ${services.store.location}`);
      const problem = manualRollbackProblem(record, node);
      if (problem) throw new CommandExit(ExitCode.conflict, problem);
      const point = record.nodes.find((n) => n.name === node)!.facts.rollbackPoint!;
      const question = `Roll node ${node} back to ${point.package} ${point.version} (drain, install, reboot, post checks, uncordon)?`;
      if (!flagBoolean(ctx.flags, 'yes') && !(await confirm(ctx, question))) {
        ctx.reporter.message('Not rolled back.');
        return ExitCode.interrupted;
      }
      const nodeConfig = config.nodes.find((n) => n.name === node);
      const agentAddress = nodeConfig?.agent ?? record.nodes.find((n) => n.name === node)!.agent;
      log.info({ operationId: record.id, node }, 'rollback by hand');
      const outcome = await rollBackByHand(record, node, {
        store: services.store,
        lock,
        cluster: services.cluster,
        agent: services.agent(node, agentAddress),
        gates: services.gates,
        backup: services.backup,
        config,
        clock: ctx.env.clock,
        log,
        signal: lock.lost,
        events: (e) => {
          log.info({ event: e }, e.type);
          ctx.reporter.event({ ...e, time: new Date(ctx.env.clock.now()).toISOString() });
        },
        progress: (m) => ctx.reporter.message(m),
        resumeCommand: resumeCommandFor(config, {}),
      });
      const halt = record.halt!;
      ctx.reporter.result('rollback', { node, operationId: record.id, status: record.status, reason: halt.reason, details: halt.details, rollback: outcome, resumeCommand: halt.resumeCommand }, () =>
        [halt.reason, ...halt.details.map((d) => `    ${d}`), 'Resume the operation with:', `    ${halt.resumeCommand}`].join('\n'),
      );
      return outcome.status === 'completed' ? ExitCode.ok : ExitCode.halted;
    } finally {
      await lock.release();
    }
  } finally {
    services.close();
  }
}
