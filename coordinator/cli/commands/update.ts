import { formatDuration } from '../../../shared/validation/duration.js';
import { checkGatesAtStart } from '../../gates/run-gates.js';
import { describeGateFailures } from '../../gates/gate.js';
import { newOperationId, newOperationRecord, UNFINISHED_STATUSES, type OperationRecord } from '../../state/operation-record.js';
import { LockHeldError } from '../../state/state-store.js';
import {
  checkConfirmationFlags,
  type CommandContext,
  CommandExit,
  confirm,
  loadSettings,
  lockOwner,
  makeServices,
  openLog,
  resumeCommandFor,
} from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { flagBoolean, flagList, flagNumber, flagString } from '../../../shared/cli/flag-parser.js';
import { renderGateReport } from './check.js';
import { planAndPreflight, renderPlan } from './plan.js';
import { runOperation } from './run-operation.js';
import { checkDetachFlags, operationIdFromEnv, runDetached } from './detach.js';
import { DEFAULT_WINDOW_MODE } from '../../schedule/window-rule.js';
import { windowModeFromFlags } from '../window-mode-flags.js';
import { updateTarget } from '../update-target.js';

export function describeUnfinished(record: OperationRecord): string {
  const where = record.halt ? ` at node ${record.halt.node ?? '-'}${record.halt.step ? `, step ${record.halt.step}` : ''}: ${record.halt.reason}` : '';
  return `operation ${record.id} (to ${record.targetVersion}) is ${record.status}${where}`;
}

/** `noderoll update --to VERSION`. */
export async function updateCommand(ctx: CommandContext): Promise<number> {
  const givenTarget = flagString(ctx.flags, 'to');
  const windowMode = windowModeFromFlags(ctx.flags);
  if (checkDetachFlags(ctx)) return runDetached(ctx, 'update');
  checkConfirmationFlags(ctx);
  const givenId = operationIdFromEnv(ctx);
  const config = await loadSettings(ctx);
  const target = updateTarget(config.install, givenTarget);
  const log = openLog(ctx, config);
  const services = makeServices(ctx, config, log);
  try {
    let lock;
    try {
      lock = await services.store.acquireLock(lockOwner(ctx, `noderoll update --to ${target}`), { onWait: (m) => ctx.reporter.message(m) });
    } catch (err) {
      if (err instanceof LockHeldError) throw new CommandExit(ExitCode.conflict, err.message);
      throw err;
    }
    try {
      const existing = await services.store.load();
      if (existing && UNFINISHED_STATUSES.includes(existing.status)) {
        throw new CommandExit(
          ExitCode.conflict,
          `${describeUnfinished(existing)}. Continue it with \`${existing.halt?.resumeCommand ?? resumeCommandFor(config, existing.invocation)}\`, or abandon it with \`noderoll abort --yes\` before starting a new one.`,
        );
      }

      ctx.reporter.message('Checking the cluster gates before starting…');
      const gates = await checkGatesAtStart(services.gates, ctx.env.clock, {
        onRetry: (report, read, reads, nextReadInMs) => {
          log.info({ passed: false, read, results: report.results }, 'gates before start failed; reading them again');
          ctx.reporter.message(`The cluster gates failed (read ${read} of ${reads}: ${describeGateFailures(report)}); reading them again in ${formatDuration(nextReadInMs)}…`);
        },
      });
      log.info({ passed: gates.passed, results: gates.results }, 'gates before start');
      if (!gates.passed) {
        ctx.reporter.result('check', { passed: false, results: gates.results }, () => renderGateReport(gates));
        throw new CommandExit(ExitCode.notHealthy, 'update refuses to start: the cluster gates fail (see above); nothing was changed');
      }
      const plan = await planAndPreflight(ctx, config, services, target);
      ctx.reporter.result('plan', { targetVersion: target, nodes: plan.nodes, preflight: plan.preflight, warnings: plan.warnings, passed: plan.passed, drainForesight: plan.drainForesight }, () => renderPlan(plan, config, target, undefined));
      if (!plan.passed) throw new CommandExit(ExitCode.notHealthy, 'update refuses to start: preflight failed (see above); nothing was changed');

      const skipped = new Map(plan.preflight.filter((p) => p.alreadyAtTarget).map((p) => [p.node, `already at ${target}`]));
      if (skipped.size === plan.nodes.length) {
        ctx.reporter.message(`Every selected node already runs ${target}; nothing to do.`);
        return ExitCode.ok;
      }
      if (!flagBoolean(ctx.flags, 'yes') && !(await confirm(ctx, `Update ${plan.nodes.length - skipped.size} node(s) to ${target}, one at a time?`))) {
        ctx.reporter.message('Not started.');
        return ExitCode.interrupted;
      }

      const invocation = {
        configPath: config.source,
        ...(flagString(ctx.flags, 'kubeconfig') ? { kubeconfig: config.kubernetes.kubeconfig } : {}),
        ...(flagString(ctx.flags, 'context') ? { context: config.kubernetes.context } : {}),
        confirmEachNode: flagBoolean(ctx.flags, 'confirm-each-node'),
        pauseBetweenMs: flagNumber(ctx.flags, 'pause-between') ?? config.pauseBetweenMs,
        ...(flagList(ctx.flags, 'nodes') ? { nodes: flagList(ctx.flags, 'nodes') } : {}),
        ...(flagList(ctx.flags, 'exclude') ? { exclude: flagList(ctx.flags, 'exclude') } : {}),
        windowMode: windowMode ?? DEFAULT_WINDOW_MODE,
      };
      const record = newOperationRecord({
        id: givenId ?? newOperationId(ctx.env.clock.now(), ctx.env.randomId()),
        targetVersion: target,
        nodes: plan.nodes,
        skipped,
        invocation,
        profile: config.profile,
        install: { mode: config.install.mode, packages: config.install.packages },
        reboot: config.reboot,
        now: new Date(ctx.env.clock.now()).toISOString(),
      });
      const resumeCommand = resumeCommandFor(config, invocation);
      log.info({ operationId: record.id, target, nodes: plan.nodes }, 'operation created');
      return await runOperation(ctx, config, log, services, lock, record, false, resumeCommand);
    } finally {
      await lock.release();
    }
  } finally {
    services.close();
  }
}
