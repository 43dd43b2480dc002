import type { Logger } from '../../../shared/log/logger.js';
import type { CoordinatorConfig } from '../../config/config-types.js';
import { OperationEngine } from '../../engine/engine.js';
import { StopControl } from '../../engine/stop-control.js';
import { CoordinatorMetrics, serveCoordinatorMetrics, type MetricsServer } from '../../metrics/coordinator-metrics.js';
import { WebhookNotifier } from '../../notify/webhook-notifier.js';
import { HoldRule } from '../../schedule/hold-rule.js';
import { flagBoolean, flagString } from '../../../shared/cli/flag-parser.js';
import type { NodeRecord, OperationRecord } from '../../state/operation-record.js';
import type { StateLock } from '../../state/state-store.js';
import { type CommandContext, confirm } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import type { Services } from '../services.js';
import { windowRules } from '../../schedule/window-rule.js';
import { configuredExecutors } from '../../steps/configured-executors.js';

/** How long webhook notifications still queued when the run ends may take before the process exits. */
const WEBHOOK_FLUSH_MS = 15_000;

/** Runs (or resumes) an operation with Ctrl-C wired to the stop control; returns the exit code. */
export async function runOperation(
  ctx: CommandContext,
  config: CoordinatorConfig,
  log: Logger,
  services: Services,
  lock: StateLock,
  record: OperationRecord,
  resumed: boolean,
  resumeCommand: string,
  options: { confirmCanary?: boolean } = {},
): Promise<number> {
  const stop = new StopControl();
  let signals = 0;
  const unsubscribe = ctx.env.onSignal((signal) => {
    signals++;
    if (signals === 1) {
      stop.requestGraceful(`${signal} received`);
      ctx.reporter.message(`${signal}: stopping at the next safe point (no node left out of service); press Ctrl-C again to stop at the next step boundary.`);
    } else if (signals === 2) {
      stop.requestNow(`${signal} received twice`);
      ctx.reporter.message(`${signal}: stopping at the next step boundary; the state is saved. Press Ctrl-C once more to exit immediately.`);
    } else {
      log.warn('third signal: exiting immediately');
      ctx.env.exitNow(ExitCode.killed);
    }
  });
  const confirmNode = record.invocation.confirmEachNode
    ? (node: NodeRecord, index: number, total: number) => confirm(ctx, `Start node ${node.name} (${node.role}, ${index + 1} of ${total})?`)
    : undefined;
  // Webhooks hear of every transition; they only queue here and get a bounded flush at the end.
  const notifier = new WebhookNotifier({ webhooks: config.notifications.webhooks, operationId: record.id, log });
  // --metrics-address: the run's own /metrics; a port that cannot be bound is a warning, not a reason to stop.
  const metrics = new CoordinatorMetrics(record);
  const metricsAddress = flagString(ctx.flags, 'metrics-address');
  let metricsServer: MetricsServer | undefined;
  if (metricsAddress) {
    try {
      metricsServer = await serveCoordinatorMetrics(metrics, metricsAddress, log);
      ctx.reporter.message(`metrics: http://${metricsAddress.replace(/:0$/, `:${metricsServer.port}`)}/metrics`);
    } catch (err) {
      log.warn({ metricsAddress, err: (err as Error).message }, 'could not serve metrics');
      ctx.reporter.message(`warning: --metrics-address ${metricsAddress}: ${(err as Error).message}; going on without /metrics`);
    }
  }
  const engine = new OperationEngine({
    store: services.store,
    lock,
    cluster: services.cluster,
    agentFor: (node) => services.agent(node.name, config.nodes.find((n) => n.name === node.name)?.agent ?? node.agent),
    gates: services.gates,
    backup: services.backup,
    config,
    clock: ctx.env.clock,
    log,
    events: (e) => {
      log.info({ event: e }, e.type);
      ctx.reporter.event(e);
      notifier.notify(e);
      metrics.observe(e);
    },
    stop,
    resumeCommand,
    // The window first: while a held node is waited for, a window that closes stops the wait.
    admission: [
      ...windowRules(config, record.invocation.windowMode),
      new HoldRule(services.cluster, { policy: config.hold.policy, recheckMs: config.soak.intervalMs, maxWaitMs: config.timeouts.gatesBeforeNodeMs }),
    ],
    ...(confirmNode ? { confirmNode } : {}),
    executors: configuredExecutors(config, ctx.env.runner),
    confirmCanary: options.confirmCanary === true,
    // On a terminal without --yes the operator is asked; otherwise the run stops for `resume --confirm`.
    ...(ctx.env.stdinIsTTY && !flagBoolean(ctx.flags, 'yes') ? { promptCanary: (scope: string, nodes: readonly string[]) => confirm(ctx, `Canary ${nodes.join(', ')} of ${scope} updated and soaked. Continue with the rest?`) } : {}),
    abortPollMs: ctx.env.abortPollMs,
  });
  try {
    const outcome = await engine.run(record, resumed);
    // waiting (for a window, for a canary confirmation) is no failure but not done either: 4, as a stop at a safe point (exit-codes.ts).
    return outcome === 'completed' ? ExitCode.ok : outcome === 'halted' ? ExitCode.halted : ExitCode.interrupted;
  } finally {
    unsubscribe();
    await notifier.flush(WEBHOOK_FLUSH_MS);
    await metricsServer?.close();
  }
}
