import { stepRecord } from '../../state/operation-record.js';
import { LockHeldError } from '../../state/state-store.js';
import { type CommandContext, CommandExit, confirm, loadSettings, lockOwner, makeServices, openLog, resumeCommandFor } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { flagBoolean } from '../../../shared/cli/flag-parser.js';
import { describeUnfinished } from './update.js';

/** `noderoll abort`: ask the running coordinator to stop, or (--yes) abandon a halted operation. */
export async function abortCommand(ctx: CommandContext): Promise<number> {
  const config = await loadSettings(ctx);
  const log = openLog(ctx, config);
  const services = makeServices(ctx, config, log);
  try {
    const record = await services.store.load();
    if (!record || record.status === 'completed' || record.status === 'abandoned') {
      throw new CommandExit(ExitCode.conflict, record ? `nothing to abort: operation ${record.id} is ${record.status}` : `nothing to abort: no operation is recorded in ${services.store.location}`);
    }
    const now = flagBoolean(ctx.flags, 'now');
    const holder = await services.store.lockHolder();
    if (holder && holder.liveness !== 'dead') {
      await services.store.requestAbort({ operationId: record.id, requestedAt: new Date(ctx.env.clock.now()).toISOString(), by: lockOwner(ctx, 'noderoll abort'), mode: now ? 'now' : 'graceful' });
      log.info({ operationId: record.id, mode: now ? 'now' : 'graceful' }, 'abort requested');
      ctx.reporter.result('abort', { operationId: record.id, requested: now ? 'now' : 'graceful', coordinator: holder.info }, () =>
        `Asked the coordinator (pid ${holder.info.pid} on ${holder.info.host}) to stop operation ${record.id} ${now ? 'at its next step boundary' : 'at its next safe point'}. \`noderoll status\` shows when it has.`,
      );
      return ExitCode.ok;
    }

    const resume = record.halt?.resumeCommand ?? resumeCommandFor(config, record.invocation);
    if (!flagBoolean(ctx.flags, 'yes')) {
      if (!ctx.env.stdinIsTTY) {
        throw new CommandExit(ExitCode.conflict, `no coordinator is running ${describeUnfinished(record)}. Continue it with \`${resume}\`, or abandon it for good with \`noderoll abort --yes\`.`);
      }
      if (!(await confirm(ctx, `No coordinator is running it. Abandon ${describeUnfinished(record)} for good?`))) return ExitCode.interrupted;
    }
    let lock;
    try {
      lock = await services.store.acquireLock(lockOwner(ctx, 'noderoll abort'), { onWait: (m) => ctx.reporter.message(m) });
    } catch (err) {
      if (err instanceof LockHeldError) throw new CommandExit(ExitCode.conflict, err.message);
      throw err;
    }
    try {
      const fresh = (await services.store.load()) ?? record;
      fresh.status = 'abandoned';
      fresh.finishedAt = new Date(ctx.env.clock.now()).toISOString();
      fresh.updatedAt = fresh.finishedAt;
      await services.store.save(fresh, lock);
      await services.store.clearAbortRequest(lock);
      const outOfService = fresh.nodes.filter((n) => stepRecord(n, 'drainNode').status !== 'pending' && stepRecord(n, 'uncordonNode').status !== 'completed').map((n) => n.name);
      log.info({ operationId: fresh.id, outOfService }, 'operation abandoned');
      ctx.reporter.result('abort', { operationId: fresh.id, abandoned: true, nodesLeftCordoned: outOfService }, () =>
        [
          `Operation ${fresh.id} abandoned; a new update can start.`,
          ...(outOfService.length > 0 ? [`Node(s) left out of service by it: ${outOfService.join(', ')} — check them and \`kubectl uncordon\` when healthy.`] : []),
        ].join('\n'),
      );
      return ExitCode.ok;
    } finally {
      await lock.release();
    }
  } finally {
    services.close();
  }
}
