import { LockHeldError } from '../../state/state-store.js';
import { type CommandContext, CommandExit, checkConfirmationFlags, confirm, loadSettings, lockOwner, makeServices, openLog, resumeCommandFor } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { flagBoolean, flagNumber, flagString } from '../../../shared/cli/flag-parser.js';
import { runOperation } from './run-operation.js';
import { describeUnfinished } from './update.js';
import { checkDetachFlags, runDetached } from './detach.js';
import { windowModeFromFlags } from '../window-mode-flags.js';

/** `noderoll resume`: continues the last operation, re-reading reality. */
export async function resumeCommand(ctx: CommandContext): Promise<number> {
  const windowMode = windowModeFromFlags(ctx.flags);
  if (checkDetachFlags(ctx)) return runDetached(ctx, 'resume');
  checkConfirmationFlags(ctx);
  let config = await loadSettings(ctx);
  let log = openLog(ctx, config);
  let services = makeServices(ctx, config, log);
  try {
    let lock;
    try {
      lock = await services.store.acquireLock(lockOwner(ctx, 'noderoll resume'), { onWait: (m) => ctx.reporter.message(m) });
    } catch (err) {
      if (err instanceof LockHeldError) throw new CommandExit(ExitCode.conflict, err.message);
      throw err;
    }
    try {
      const record = await services.store.load();
      if (!record) throw new CommandExit(ExitCode.conflict, `nothing to resume: no operation is recorded in ${services.store.location}`);
      if (record.status === 'completed' || record.status === 'abandoned') {
        throw new CommandExit(ExitCode.conflict, `nothing to resume: operation ${record.id} is ${record.status}`);
      }
      // kubeconfig/context given when the operation started still apply unless overridden now — with the
      // file backend only: a record in the cluster may come from another host, whose paths mean nothing here.
      const inv = record.invocation;
      if (config.state.backend === 'file' && ((inv.kubeconfig && !flagString(ctx.flags, 'kubeconfig')) || (inv.context && !flagString(ctx.flags, 'context')))) {
        services.close();
        config = await loadSettings(ctx, { ...(inv.kubeconfig ? { kubeconfig: inv.kubeconfig } : {}), ...(inv.context ? { context: inv.context } : {}) });
        log = openLog(ctx, config);
        services = makeServices(ctx, config, log);
      }
      if ((record.profile ?? 'gravity') !== config.profile) {
        throw new CommandExit(ExitCode.usage, `operation ${record.id} runs the runbook of profile ${record.profile ?? 'gravity'}, but the config says profile ${config.profile}: resume with the config it was started with`, 'profile');
      }
      if (inv.configPath !== config.source) {
        ctx.reporter.message(`note: operation ${record.id} was started with --config ${inv.configPath}; resuming with ${config.source}`);
      }
      if (flagBoolean(ctx.flags, 'confirm-each-node')) inv.confirmEachNode = true;
      const pause = flagNumber(ctx.flags, 'pause-between');
      if (pause !== undefined) inv.pauseBetweenMs = pause;
      if (windowMode !== undefined) inv.windowMode = windowMode;

      const confirmCanary = flagBoolean(ctx.flags, 'confirm');
      if (confirmCanary && record.status !== 'waiting-for-confirmation') {
        throw new CommandExit(ExitCode.usage, `--confirm: operation ${record.id} is ${record.status}, not waiting for a canary confirmation`, '--confirm');
      }
      ctx.reporter.message(`Resuming ${describeUnfinished(record)}`);
      if (!flagBoolean(ctx.flags, 'yes') && !(await confirm(ctx, `Resume operation ${record.id}?`))) {
        ctx.reporter.message('Not resumed.');
        return ExitCode.interrupted;
      }
      const access =
        config.state.backend === 'file'
          ? { ...(inv.kubeconfig ? { kubeconfig: inv.kubeconfig } : {}), ...(inv.context ? { context: inv.context } : {}) }
          : { ...(flagString(ctx.flags, 'kubeconfig') && config.kubernetes.kubeconfig ? { kubeconfig: config.kubernetes.kubeconfig } : {}), ...(flagString(ctx.flags, 'context') && config.kubernetes.context ? { context: config.kubernetes.context } : {}) };
      const command = resumeCommandFor(config, access);
      log.info({ operationId: record.id }, 'resume');
      return await runOperation(ctx, config, log, services, lock, record, true, command, { confirmCanary });
    } finally {
      await lock.release();
    }
  } finally {
    services.close();
  }
}
