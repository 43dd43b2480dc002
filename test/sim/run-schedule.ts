import type { CoordinatorConfig } from '../../coordinator/config/config-types.js';
import { parseConfigText } from '../../coordinator/config/load-config.js';
import { OperationEngine, type EngineOutcome } from '../../coordinator/engine/engine.js';
import { StopControl } from '../../coordinator/engine/stop-control.js';
import { orderNodes } from '../../coordinator/plan/node-order.js';
import type { NodeAgent } from '../../coordinator/ports/node-agent.js';
import { periodOpenAt } from '../../coordinator/schedule/maintenance-window.js';
import { resolvePools } from '../../coordinator/schedule/pools.js';
import { HoldRule } from '../../coordinator/schedule/hold-rule.js';
import { windowRules } from '../../coordinator/schedule/window-rule.js';
import { newOperationId, newOperationRecord } from '../../coordinator/state/operation-record.js';
import { LockLostError } from '../../coordinator/state/state-store.js';
import { silentLogger } from '../../shared/log/logger.js';
import { RESUME, TARGET, testConfigYaml } from '../unit/coordinator/fakes/engine-harness.js';
import { canaryYaml, describeSchedule, faultSchedule, maxSimulatedMs, maxWindowWaits, windowsYaml, type FaultSchedule } from './fault-schedule.js';
import { checkCanaryStart, checkEndRecord, checkRecordAgainstWorld, InvariantViolation, Monitor } from './invariants.js';
import { MemoryStateStore } from './memory-store.js';
import { Prng } from './prng.js';
import { settle, SimClock } from './sim-clock.js';
import { CoordinatorProcess, SimWorld, type PlantedBug, type RunStats } from './sim-world.js';

export const FROM_VERSION = '7.0.67';
/** Simulated events a run may take before it counts as one that does not end. */
export const MAX_STEPS = 200_000;
/** How long the operator takes before resuming a halted or stopped operation. */
const OPERATOR_DELAY_MS = 15 * 60_000;

export type FinalOutcome = EngineOutcome | 'crashed' | 'lock-lost';

export interface RunResult {
  seed: number;
  outcome: FinalOutcome | 'violation';
  violation: string | undefined;
  /** What the engine threw when it threw something it must not (with its stack when RunOptions.stackTraces). */
  engineError: string | undefined;
  trace: string[];
  traceHash: string;
  stats: RunStats;
  simulatedMs: number;
  steps: number;
  schedule: FaultSchedule;
  maxOutOfService: number;
}

export interface RunOptions {
  bug?: PlantedBug;
  /** Changes the schedule drawn from the seed (the planted-bug test forces the fault it needs). */
  adjust?: (s: FaultSchedule) => void;
  /**
   * Errors capture their stack (a replay wants it; a batch does not: the engine's reboot wait alone makes
   * hundreds of AgentUnreachableErrors per run, and a stack costs more than the rest of the poll).
   */
  stackTraces?: boolean;
}

/** Parsed configurations by their text: a few dozen distinct ones over any number of seeds. */
const parsedConfigs = new Map<string, CoordinatorConfig>();

/** The run's configuration (canary false: without the schedule's canary), parsed once per distinct text; frozen, so that an engine that wrote into it would fail loudly. */
function configFor(s: FaultSchedule, budgets: FaultSchedule['pools'], canary = true): CoordinatorConfig {
  const pools = budgets
    ? `pools:\n  - { name: masters, selector: "gravitational.io/k8s-role=master", maxUnavailable: ${budgets.masters} }\n  - { name: workers, selector: "gravitational.io/k8s-role=node", maxUnavailable: ${budgets.workers} }`
    : '';
  const extras = [
    pools,
    s.windows ? windowsYaml(s.windows) : '',
    s.onFailure === 'rollback' ? 'onFailure: rollback' : '',
    s.holdPolicy === 'skip' && s.holds.length > 0 ? 'hold: { policy: skip }' : '',
    canary && s.canary ? `canary: ${canaryYaml(s.canary)}` : '',
  ];
  const text = testConfigYaml('/sim', s.nodes, extras.filter(Boolean).join('\n'));
  let config = parsedConfigs.get(text);
  if (!config) {
    config = deepFreeze(structuredClone(parseConfigText(text, '/sim/config.yaml')));
    parsedConfigs.set(text, config);
  }
  return config;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** One seed, one run: the schedule drawn from it, the engine driven through it, every invariant checked as it goes. */
export async function runSchedule(seed: number, options: RunOptions = {}): Promise<RunResult> {
  // Process-wide, but nothing else runs while a run does (one run at a time per thread); the trace never contains a stack.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!options.stackTraces) Error.stackTraceLimit = 0;
  try {
    return await runOne(seed, options);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

async function runOne(seed: number, options: RunOptions): Promise<RunResult> {
  const bug = options.bug ?? 'none';
  const schedule = faultSchedule(seed);
  options.adjust?.(schedule);
  const rng = new Prng(seed).fork('world');
  const observerRng = new Prng(seed).fork('observer');
  const clock = new SimClock();
  const startMs = clock.now();
  const monitor = new Monitor(() => clock.now(), startMs);
  const config = configFor(schedule, schedule.pools);
  // The planted scheduler bugs: the engine is told a budget the configuration does not give, or no canary.
  const engineConfig =
    bug === 'pool-budget-ignored' ? configFor(schedule, { masters: schedule.pools?.masters ?? 1, workers: 99 }) : bug === 'canary-ignored' ? configFor(schedule, schedule.pools, false) : config;
  const planned = orderNodes(config.nodes, config.order, new Map());
  const pools = resolvePools(config.pools, planned);
  const store = new MemoryStateStore(() => clock.now());
  const world = new SimWorld(clock, schedule, store, monitor, pools, startMs, bug, rng);
  for (const line of describeSchedule(schedule)) monitor.log(`schedule: ${line}`);

  const initial = newOperationRecord({
    id: newOperationId(startMs, `sim${seed.toString(36)}`.slice(0, 12)),
    targetVersion: TARGET,
    nodes: planned,
    invocation: { configPath: config.source, confirmEachNode: false, pauseBetweenMs: 0 },
    now: new Date(startMs).toISOString(),
    profile: config.profile,
    install: { mode: config.install.mode, packages: config.install.packages },
    reboot: config.reboot,
  });

  let steps = 0;
  let operatorResumes = 0;
  let windowWaits = 0;
  const maxMs = maxSimulatedMs(schedule);
  // The planted bugs: the engine is given no window rule although the configuration has windows, or no hold rule.
  // As the CLI gives them: the window rules first, then the hold rule.
  const admission = (p: CoordinatorProcess) => [
    ...(bug === 'window-ignored' || !schedule.windows ? [] : windowRules(engineConfig, schedule.windows.mode)),
    ...(bug === 'hold-ignored' ? [] : [new HoldRule(world.clusterFor(p), { policy: engineConfig.hold.policy, recheckMs: engineConfig.soak.intervalMs, maxWaitMs: engineConfig.timeouts.gatesBeforeNodeMs })]),
  ];
  let outcome: FinalOutcome | 'violation' = 'halted';
  /** The operator resumes with --confirm (a canary asked for confirmation). */
  let confirmCanary = false;
  let stop: StopControl | undefined;
  let engineError: string | undefined;
  if (schedule.stop) {
    const { atMs, mode } = schedule.stop;
    clock.schedule(startMs + atMs, () => {
      if (!stop || !world.current?.alive) return;
      world.stats.stops++;
      monitor.log(`stop requested (${mode})`);
      if (mode === 'now') stop.requestNow('simulated Ctrl-C twice');
      else stop.requestGraceful('simulated Ctrl-C');
    });
  }
  if (schedule.leaseLoss) {
    clock.schedule(startMs + schedule.leaseLoss.atMs, () => {
      const p = world.current;
      if (!p?.alive || p.lock.lost.aborted) return;
      world.stats.leaseLosses++;
      monitor.log(`coordinator c${p.index} loses its lease`);
      (p.lock as { lose?: (d: string) => void }).lose?.('another coordinator took the lease');
    });
  }

  /** Moves simulated time until `done` says so; false when the run must end (violation, bounds). */
  const drive = async (done: () => boolean): Promise<void> => {
    for (;;) {
      await settle();
      if (monitor.violation !== undefined || done()) return;
      if (++steps > MAX_STEPS) monitor.fail(`the run did not end within ${MAX_STEPS} simulated events`);
      if (clock.now() - startMs > maxMs) monitor.fail(`the run did not end within ${maxMs / 3_600_000} h of simulated time`);
      if (!clock.fireNext()) monitor.fail('the engine waits on something that will never happen (no timer is set and the run has not ended)');
    }
  };

  try {
    for (let index = 1; ; index++) {
      const lock = await store.acquireLock({ pid: index, host: 'sim', command: 'noderoll resume' });
      const p = new CoordinatorProcess(index, lock);
      world.current = p;
      stop = new StopControl();
      const agents = new Map<string, NodeAgent>(schedule.nodes.map((n) => [n.name, world.agentFor(p, n.name)]));
      const engine = new OperationEngine({
        store: world.storeFor(p),
        lock,
        cluster: world.clusterFor(p),
        agentFor: (n) => agents.get(n.name)!,
        gates: world.gatesFor(p, (n) => agents.get(n)!),
        backup: world.backupFor(p),
        config: engineConfig,
        clock: world.clockFor(p),
        log: silentLogger,
        events: (e) => {
          if (!p.alive) return;
          monitor.traceEvent(e, p.index);
          if (e.type === 'step-completed' && e.step === 'verifyClusterHealthy' && !e.alreadyDone && world.gateFailing(clock.now())) {
            monitor.fail(`node ${e.node} admitted (verifyClusterHealthy passed) while gate alerts was failing`);
          }
          if (e.type === 'operation-halted' && !e.resumeCommand.startsWith(RESUME)) monitor.fail(`halt printed resume command "${e.resumeCommand}"`);
          if (e.type === 'node-started' && !e.resumed) checkInsideWindow(monitor, config, e.node, clock.now());
          if (e.type === 'node-started' && !e.resumed && world.onHold(e.node)) monitor.fail(`node ${e.node} started while on hold`);
          if (e.type === 'node-started' && !e.resumed && config.canary) checkCanaryStart(monitor, config.canary, store.peek(), pools, e.node, world.fake);
          if (e.type === 'canary-soaked') {
            world.stats.canariesSoaked++;
            if (world.gateFailing(clock.now())) monitor.fail(`the canary of ${e.scope} soaked while gate alerts was failing`);
          }
          if (e.type === 'canary-confirmed') world.stats.canariesConfirmed++;
          if (e.type === 'node-waiting' && e.rule === 'hold') world.stats.holdWaits++;
          if (e.type === 'node-skipped' && e.rule === 'hold') world.stats.holdSkips++;
          if (e.type === 'node-waiting' && e.rule === 'window') world.stats.windowWaitsInRun++;
          if (e.type === 'node-rollback-started') world.stats.rollbacks++;
          if (e.type === 'node-rollback-completed') world.stats.rollbacksCompleted++;
          if (e.type === 'node-rollback-failed') world.stats.rollbacksFailed++;
          world.check(`event ${e.type}`);
          if (schedule.observerFailures > 0 && observerRng.chance(schedule.observerFailures)) {
            world.stats.observerFailures++;
            throw new Error(`simulated observer failure at ${e.type}`);
          }
        },
        stop,
        resumeCommand: RESUME,
        admission: admission(p),
        confirmCanary,
      });
      const stored = await store.load();
      monitor.log(`coordinator c${index} starts (${stored ? `resume of a ${stored.status} operation` : 'update'})`);
      let ended: { outcome: FinalOutcome } | { error: unknown } | undefined;
      engine.run(stored ?? structuredClone(initial), stored !== undefined).then(
        (o) => (ended = { outcome: o }),
        (error: unknown) => (ended = { error }),
      );
      await drive(() => ended !== undefined || !p.alive);
      if (monitor.violation !== undefined) break;
      if (!p.alive) outcome = 'crashed';
      else if (ended && 'error' in ended) {
        if (ended.error instanceof InvariantViolation) break;
        if (!(ended.error instanceof LockLostError)) {
          engineError = ended.error instanceof Error ? ended.error.stack : String(ended.error);
          monitor.fail(`the engine threw: ${ended.error instanceof Error ? `${ended.error.name}: ${ended.error.message}` : String(ended.error)}`);
        }
        outcome = 'lock-lost';
      } else if (ended) outcome = ended.outcome;
      monitor.log(`coordinator c${index} ended: ${outcome}`);
      if (outcome === 'halted') world.stats.halts++;
      if (outcome !== 'crashed' && outcome !== 'lock-lost') checkEndRecord(monitor, store.peek(), outcome, RESUME);
      // A killed coordinator or one that lost its lease is followed by another at once (the schedule bounds how often).
      if (outcome === 'crashed' || outcome === 'lock-lost') {
        world.stats.resumes++;
        continue;
      }
      if (outcome === 'completed') break;
      const waitingFor = store.peek();
      if (outcome === 'waiting' && waitingFor?.status === 'waiting-for-window') {
        // Resumed when the window it waits for opens (the operator's cron job or `resume` by hand).
        if (++windowWaits > maxWindowWaits(schedule)) break;
        world.stats.windowStops++;
        const at = Date.parse(waitingFor.halt?.resumeAt ?? '');
        if (!Number.isFinite(at) || at <= clock.now()) monitor.fail(`waiting for a window, but the record names no time ahead to resume at (${waitingFor.halt?.resumeAt})`);
        world.stats.resumes++;
        let open = false;
        clock.schedule(at, () => (open = true));
        await drive(() => open);
        if (monitor.violation !== undefined) break;
        continue;
      }
      if (operatorResumes >= schedule.maxResumes) break;
      operatorResumes++;
      confirmCanary = waitingFor?.status === 'waiting-for-confirmation';
      if (confirmCanary) world.stats.canaryConfirmationStops++;
      world.stats.resumes++;
      // An operator reads the halt, repairs what they can, and resumes a while later.
      if (schedule.operatorRepairs) for (const line of world.operatorRepair()) monitor.log(`operator: ${line}`);
      let back = false;
      clock.schedule(clock.now() + OPERATOR_DELAY_MS, () => (back = true));
      await drive(() => back);
      if (monitor.violation !== undefined) break;
    }
    if (monitor.violation === undefined) {
      const record = store.peek();
      if (record) checkRecordAgainstWorld(monitor, record, world.fake, TARGET, FROM_VERSION, outcome === 'completed', world.rebootsAccepted);
    }
  } catch (err) {
    if (!(err instanceof InvariantViolation)) throw err;
  }
  if (monitor.violation !== undefined) outcome = 'violation';
  monitor.log(`end: ${outcome}`);
  return {
    seed,
    outcome,
    violation: monitor.violation,
    engineError,
    trace: monitor.trace,
    traceHash: monitor.traceHash(),
    stats: world.stats,
    simulatedMs: clock.now() - startMs,
    steps,
    schedule,
    maxOutOfService: monitor.maxOutOfService,
  };
}

/** A node the operation starts (not one it resumes) starts inside an open window with at least the node duration floor left. */
function checkInsideWindow(m: Monitor, config: CoordinatorConfig, node: string, nowMs: number): void {
  if (config.windows.length === 0) return;
  const open = periodOpenAt(config.windows, nowMs);
  if (!open) m.fail(`node ${node} started outside the maintenance windows`);
  if (open.closeMs - nowMs < config.schedule.nodeDurationFloorMs) {
    m.fail(`node ${node} started with ${Math.round((open.closeMs - nowMs) / 60_000)} min left in the window, less than the node duration floor`);
  }
}

export function replayCommand(seed: number): string {
  return `npm run simulate -- --seed ${seed}`;
}
