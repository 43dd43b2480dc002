import type { Logger } from '../../../shared/log/logger.js';
import type { CoordinatorConfig } from '../../config/config-types.js';
import { OperationEngine } from '../../engine/engine.js';
import { StopControl } from '../../engine/stop-control.js';
import type { NodeRecord, OperationRecord } from '../../state/operation-record.js';
import type { StateLock } from '../../state/state-store.js';
import { type CommandContext, confirm } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import type { Services } from '../services.js';

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
    },
    stop,
    resumeCommand,
    ...(confirmNode ? { confirmNode } : {}),
    abortPollMs: ctx.env.abortPollMs,
  });
  try {
    const outcome = await engine.run(record, resumed);
    return outcome === 'completed' ? ExitCode.ok : outcome === 'halted' ? ExitCode.halted : ExitCode.interrupted;
  } finally {
    unsubscribe();
  }
}
