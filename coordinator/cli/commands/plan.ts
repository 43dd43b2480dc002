import type { CoordinatorConfig } from '../../config/config-types.js';
import { errorMessage } from '../../engine/step-failure.js';
import { orderNodes, selectNodes, type PlannedNode } from '../../plan/node-order.js';
import { assignPools, orderByPool, resolvePools } from '../../schedule/pools.js';
import { drainBlockerCount, foreseeDrains, renderDrainForesight, type NodeDrainForesight } from '../../plan/drain-foresight-plan.js';
import { preflightNode, type NodePreflight } from '../../plan/preflight.js';
import { runbookFor } from '../../plan/runbook.js';
import { updateTarget } from '../update-target.js';
import { holdReason } from '../../schedule/hold-rule.js';
import { describeStepCommands } from '../../hooks/describe-step-commands.js';
import type { KubeNode, NodeRole } from '../../ports/cluster.js';
import { UNFINISHED_STATUSES, type OperationRecord } from '../../state/operation-record.js';
import { type CommandContext, loadSettings, makeServices, openLog } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { flagList, flagString } from '../../../shared/cli/flag-parser.js';
import { mapWithLimit } from '../../../shared/async/map-with-limit.js';
import type { Services } from '../services.js';
import { renderSchedule, scheduleNodes, type WindowSchedule } from '../../schedule/window-schedule.js';

export interface PlanResult {
  nodes: PlannedNode[];
  preflight: NodePreflight[];
  passed: boolean;
  warnings: string[];
  /** Nodes annotated noderoll.io/hold, with the reason. */
  held: { node: string; reason: string }[];
  /** Pods that would stop each node's drain now (they do not fail the preflight: update waits or halts at that node). */
  drainForesight: NodeDrainForesight[];
  /** With maintenance windows: when each node that needs the update would run. */
  schedule?: WindowSchedule;
}

/**
 * Nodes preflighted at once. Not all of them: the coordinator's one thread makes every connection's
 * TLS handshake, and an agent cuts a connection whose handshake is not done within its
 * tls.handshakeTimeoutMs (3 s by default) of the accept: with 1,000 nodes opened at once the last
 * handshakes waited that long behind the others and failed (ECONNRESET). A few dozen in flight keep
 * both cores busy (the coordinator and the agents' side) while each handshake waits for little.
 */
export const PREFLIGHT_CONCURRENCY = 64;

/** Orders the selected nodes (roles from the config, else the cluster) and preflights each; changes nothing. */
export async function planAndPreflight(ctx: CommandContext, config: CoordinatorConfig, services: Services, target: string | undefined, learnFrom?: OperationRecord): Promise<PlanResult> {
  const selected = selectNodes(config.nodes, { ...(flagList(ctx.flags, 'nodes') ? { only: flagList(ctx.flags, 'nodes') } : {}), ...(flagList(ctx.flags, 'exclude') ? { exclude: flagList(ctx.flags, 'exclude') } : {}) });
  const warnings: string[] = [];
  let clusterNodes: KubeNode[] = [];
  try {
    clusterNodes = await services.cluster.listNodes();
  } catch (err) {
    warnings.push(`cannot list the cluster's nodes: ${errorMessage(err)}`);
  }
  const roles = new Map<string, NodeRole>();
  for (const n of clusterNodes) if (n.role) roles.set(n.name, n.role);
  const byName = new Map(clusterNodes.map((n) => [n.name, n]));
  const ordered = orderNodes(selected, config.order, roles);
  const poolOfNode = assignPools(ordered, config.pools, (name) => byName.get(name)?.labels);
  const nodes = orderByPool(ordered, poolOfNode, config.pools).map((n) => ({ ...n, pool: poolOfNode.get(n.name)! }));
  const preflight = await mapWithLimit(nodes, PREFLIGHT_CONCURRENCY, (n) => preflightNode(n, services.agent(n.name, n.agent), byName.get(n.name), config, target, { clock: ctx.env.clock }));
  const drainForesight = await foreseeDrains(services.cluster, nodes.map((n) => n.name));
  const held = nodes.flatMap((n) => {
    const reason = holdReason(byName.get(n.name)?.annotations ?? {});
    return reason === undefined ? [] : [{ node: n.name, reason }];
  });
  const toUpdate = nodes.filter((n) => !preflight.find((p) => p.node === n.name)?.alreadyAtTarget).map((n) => n.name);
  const schedule = config.windows.length > 0 ? scheduleNodes(config.windows, config.schedule.nodeDurationFloorMs, toUpdate, ctx.env.clock.now(), learnFrom) : undefined;
  return { nodes, preflight, passed: warnings.length === 0 && preflight.every((p) => p.passed), warnings, held, drainForesight, ...(schedule ? { schedule } : {}) };
}

export function renderPlan(result: PlanResult, config: CoordinatorConfig, target: string | undefined, existing: OperationRecord | undefined): string {
  const lines: string[] = [];
  const pools = resolvePools(config.pools, result.nodes);
  const oneAtATime = pools.every((p) => p.maxUnavailable === 1);
  lines.push(`Plan: update ${result.nodes.length} node(s)${target ? ` to ${target}` : ''}, ${oneAtATime ? 'one at a time' : 'pool by pool'} (${config.order === 'roles' ? 'masters first, then workers' : 'in config order'}):`);
  for (const p of pools) lines.push(`  pool ${p.name}: ${p.nodes.length} node(s), up to ${p.maxUnavailable} at once${p.configured !== String(p.maxUnavailable) ? ` (maxUnavailable ${p.configured})` : ''}${p.note ? `; ${p.note}` : ''}`);
  if (config.canary) {
    const c = config.canary;
    lines.push(`  canary: the first ${c.nodes} node(s) of ${c.scope === 'pool' ? 'each pool' : 'the operation'} alone, then the gates over ${Math.round(c.soakMs / 1000)}s${c.confirm ? ', then a stop for `noderoll resume --confirm`' : ''}`);
  }
  result.nodes.forEach((n, i) => {
    const p = result.preflight.find((x) => x.node === n.name);
    const version = p?.installedVersion ?? '?';
    const hold = result.held.find((h) => h.node === n.name);
    const skip = (p?.alreadyAtTarget ? '  (already at target: skipped)' : '') + (hold ? `  (on hold: ${hold.reason}; ${config.hold.policy === 'skip' ? 'will be skipped' : 'will be waited for'})` : '');
    const what = config.install.mode === 'command' ? `${version}${target ? ` -> ${target}` : ''}` : (target ?? config.install.mode);
    lines.push(`  ${String(i + 1).padStart(2)}. ${n.name.padEnd(20)} ${n.role.padEnd(6)} ${(n.pool ?? '').padEnd(10)} agent ${n.agent.padEnd(22)} ${what}${skip}`);
  });
  lines.push('', 'Steps on each node:');
  runbookFor(config.profile).forEach((s, i) => {
    lines.push(`  ${String(i + 1).padStart(2)}. ${s.name.padEnd(22)} ${s.title}${s.timeout ? ` (timeout ${Math.round(config.timeouts[s.timeout] / 1000)}s)` : ''}`);
    for (const extra of describeStepCommands(s.name, config)) lines.push(`      ${extra}`);
  });
  lines.push(`      soak: ${config.soak.passes} consecutive passes, ${Math.round(config.soak.intervalMs / 1000)}s apart, within ${Math.round(config.soak.timeoutMs / 1000)}s`);
  lines.push(`      on failure after the reboot (onFailure: ${config.onFailure}): ${config.onFailure === 'rollback' ? 'reinstall the version recorded before the install, reboot, post checks, uncordon, then halt' : 'halt with the node cordoned'}`);
  lines.push('', 'Preflight (read-only):');
  for (const p of result.preflight) {
    lines.push(`  ${p.passed ? '✓' : '✗'} ${p.node}`);
    for (const c of p.checks) lines.push(`      ${c.passed ? (c.notice ? '!' : '✓') : '✗'} ${c.name}: ${c.detail}`);
  }
  for (const w of result.warnings) lines.push(`  ✗ ${w}`);
  lines.push(...renderDrainForesight(result.drainForesight, config.drain.onBlocked));
  if (result.schedule) lines.push('', ...renderSchedule(result.schedule, config.windows[0]?.timeZone));
  if (existing && UNFINISHED_STATUSES.includes(existing.status)) {
    lines.push('', `Note: operation ${existing.id} (to ${existing.targetVersion}) is ${existing.status}; \`noderoll status\` shows it, \`noderoll resume\` continues it.`);
  }
  const drainBlocked = drainBlockerCount(result.drainForesight) > 0;
  lines.push('', result.passed ? `Preflight passed${drainBlocked ? ', but a drain is blocked (see above)' : ''}. Nothing was changed.` : 'Preflight FAILED. Nothing was changed.');
  return lines.join('\n');
}

/** `noderoll plan`: the dry run. */
export async function planCommand(ctx: CommandContext): Promise<number> {
  const target = flagString(ctx.flags, 'to');
  const config = await loadSettings(ctx);
  // --to belongs to mode command; the other modes say what they install in the config.
  if (target !== undefined && config.install.mode !== 'command') updateTarget(config.install, target);
  const log = openLog(ctx, config);
  const services = makeServices(ctx, config, log);
  try {
    const existing = await services.store.load().catch(() => undefined);
    // An unfinished operation's nodes tell how long a node takes here.
    const result = await planAndPreflight(ctx, config, services, target, existing && UNFINISHED_STATUSES.includes(existing.status) ? existing : undefined);
    log.info({ plan: result }, 'plan');
    const drainBlocked = drainBlockerCount(result.drainForesight) > 0 || result.drainForesight.some((f) => f.error !== undefined);
    ctx.reporter.result(
      'plan',
      {
        targetVersion: target ?? null,
        order: config.order,
        nodes: result.nodes,
        steps: runbookFor(config.profile),
        hooks: config.hooks,
        powerCycle: config.powerCycle ?? null,
        preflight: result.preflight,
        warnings: result.warnings,
        held: result.held,
        passed: result.passed,
        drainForesight: result.drainForesight,
        ...(result.schedule ? { schedule: result.schedule } : {}),
      },
      () => renderPlan(result, config, target, existing),
    );
    return result.passed && !drainBlocked ? ExitCode.ok : ExitCode.notHealthy;
  } finally {
    services.close();
  }
}
