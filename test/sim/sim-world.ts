import type { Clock } from '../../coordinator/ports/clock.js';
import { DrainError, type BackupTaker, type ForeseenDrainBlocker, type KubernetesCluster } from '../../coordinator/ports/cluster.js';
import { AgentUnreachableError, type CallOptions, type NodeAgent } from '../../coordinator/ports/node-agent.js';
import type { Gate, GateVerdict } from '../../coordinator/gates/gate.js';
import { foreseeNodeByNode } from '../../coordinator/plan/drain-foresight-plan.js';
import { AgentsReachableGate, EtcdHealthGate, GravityStatusGate, NodesReadyGate, PodsRunningGate } from '../../coordinator/gates/cluster-gates.js';
import { HOLD_ANNOTATION } from '../../coordinator/schedule/hold-rule.js';
import type { ResolvedPool } from '../../coordinator/schedule/pools.js';
import type { OperationRecord, RollbackRecord } from '../../coordinator/state/operation-record.js';
import type { StateLock, StateStore } from '../../coordinator/state/state-store.js';
import { FakeWorld, type FakeNode } from '../unit/coordinator/fakes/fake-world.js';
import type { FaultSchedule } from './fault-schedule.js';
import { InvariantViolation, type Monitor } from './invariants.js';
import type { MemoryStateStore } from './memory-store.js';
import { Prng } from './prng.js';
import type { SimClock } from './sim-clock.js';

/** A broken engine variant, planted to show that the invariants catch it. */
export type PlantedBug = 'none' | 'gate-always-passes' | 'pool-budget-ignored' | 'window-ignored' | 'hold-ignored' | 'canary-ignored';

/** One coordinator process: killed (a crash) it makes no further call and sees no further answer. */
export class CoordinatorProcess {
  alive = true;
  constructor(
    readonly index: number,
    readonly lock: StateLock,
  ) {}
}

/** What happened in a run, counted per kind (the test asserts that every kind of fault was exercised). */
export interface RunStats {
  agentFaults: number;
  installRestarts: number;
  rebootsLate: number;
  rebootsNever: number;
  rebootsOldBootId: number;
  pdb429: number;
  pdbForeseen: number;
  gateFailuresSeen: number;
  postCheckFaults: number;
  crashes: number;
  stops: number;
  leaseLosses: number;
  halts: number;
  resumes: number;
  operatorRepairs: number;
  /** Stops as waiting-for-window, each resumed when its window opened (mode until-end). */
  windowStops: number;
  /** Waits inside the run for the next window (mode wait). */
  windowWaitsInRun: number;
  /** Events at which an observer threw. */
  observerFailures: number;
  /** Rollbacks (onFailure: rollback) started, completed and failed. */
  rollbacks: number;
  rollbacksCompleted: number;
  rollbacksFailed: number;
  /** Admission answers for a node on hold: wait (asked again later) and skip (hold.policy skip). */
  holdWaits: number;
  holdSkips: number;
  /** Canaries soaked, confirmed, and stops to wait for the operator's confirmation. */
  canariesSoaked: number;
  canariesConfirmed: number;
  canaryConfirmationStops: number;
}

export function emptyStats(): RunStats {
  return { agentFaults: 0, installRestarts: 0, rebootsLate: 0, rebootsNever: 0, rebootsOldBootId: 0, pdb429: 0, pdbForeseen: 0, gateFailuresSeen: 0, postCheckFaults: 0, crashes: 0, stops: 0, leaseLosses: 0, halts: 0, resumes: 0, operatorRepairs: 0, windowStops: 0, windowWaitsInRun: 0, observerFailures: 0, rollbacks: 0, rollbacksCompleted: 0, rollbacksFailed: 0, holdWaits: 0, holdSkips: 0, canariesSoaked: 0, canariesConfirmed: 0, canaryConfirmationStops: 0 };
}

const PDB_BLOCKER: ForeseenDrainBlocker = { namespace: 'shop', pod: 'cart-0', reason: 'disruption-budget', budgets: ['shop/cart'], why: 'PodDisruptionBudget shop/cart allows no disruption now (eviction answered 429)' };
const BROKEN_UNIT = 'sim-broken.service';

/**
 * The simulated cluster behind the engine's ports: the unit tests' FakeWorld (nodes, units, boots,
 * Kubernetes, gravity and etcd health, the agents' ledgers) on simulated time, with the schedule's
 * faults on top, and the checks that need to see a call as it is made (what the record on disk says
 * before a reboot, an install or a drain).
 */
export class SimWorld {
  readonly fake: FakeWorld;
  readonly stats = emptyStats();
  /** Reboots the agents accepted (not replays), per node: one per recorded reason. */
  readonly rebootsAccepted = new Map<string, number>();
  /** Per node, the recorded reason each accepted reboot or rollback install had, with its operation ID. */
  private readonly reasonsUsed = new Map<string, Map<string, string>>();
  private readonly faultRng: Prng;
  private saveIndex = 0;
  /** Set by the driver: the process that runs now (stops and lease losses are addressed to it). */
  current: CoordinatorProcess | undefined;

  constructor(
    readonly clock: SimClock,
    readonly schedule: FaultSchedule,
    readonly store: MemoryStateStore,
    readonly monitor: Monitor,
    readonly pools: readonly ResolvedPool[],
    readonly startMs: number,
    readonly bug: PlantedBug,
    rng: Prng,
  ) {
    const ids = rng.fork('boot-ids');
    this.fake = new FakeWorld(clock, schedule.nodes, undefined, 'gravity', () => ids.uuid());
    this.faultRng = rng.fork('agent-faults');
    // The world moves on its own (nodes boot): check after every tick too.
    clock.onTick(() => this.check('a clock tick'));
    // The operator's `noderoll hold` and `noderoll release`: the annotation the hold rule reads.
    for (const h of schedule.holds) {
      clock.schedule(startMs + h.fromMs, () => this.setHold(h.node, true, `held from ${Math.round(h.fromMs / 1000)}s`));
      if (Number.isFinite(h.untilMs)) clock.schedule(startMs + h.untilMs, () => this.setHold(h.node, false, 'released'));
    }
  }

  private setHold(node: string, on: boolean, why: string): void {
    const annotations = this.fake.node(node).annotations;
    if (on) annotations[HOLD_ANNOTATION] = `sim: ${why}`;
    else delete annotations[HOLD_ANNOTATION];
    this.monitor.log(`operator: ${on ? 'hold' : 'release'} ${node}`);
  }

  onHold(node: string): boolean {
    return this.fake.node(node).annotations[HOLD_ANNOTATION] !== undefined;
  }

  check(where: string): void {
    this.monitor.checkOutOfService(this.fake, this.pools, where);
  }

  private stored(): OperationRecord | undefined {
    return this.store.peek();
  }

  private storedNode(name: string) {
    return this.stored()?.nodes.find((n) => n.name === name);
  }

  /**
   * Why the record on disk lets node `name` be rebooted (or reinstalled) now: the rollback it has
   * running, else the update, counted by the runs after completed rollbacks.
   */
  private recordedReason(name: string): { key: string; rollback?: RollbackRecord } {
    const rec = this.storedNode(name);
    const rollbacks = rec?.rollbacks ?? [];
    const last = rollbacks.at(-1);
    if (last?.status === 'running') return { key: `rollback ${rollbacks.length}`, rollback: last };
    return { key: `update run ${(rec?.facts.rerunAfterRollback ?? 0) + 1}` };
  }

  /** One new action of a kind per node and recorded reason: a second one for the same reason has none. */
  private useReason(name: string, action: string, reason: string, operationId: string): void {
    const used = this.reasonsUsed.get(name) ?? new Map<string, string>();
    this.reasonsUsed.set(name, used);
    const previous = used.get(`${action} for ${reason}`);
    if (previous !== undefined && previous !== operationId) this.monitor.fail(`second ${action} of ${name} (${operationId}) after ${previous}, for the same recorded reason (${reason})`);
    used.set(`${action} for ${reason}`, operationId);
  }

  /** The gate the schedule makes flap (as an alerting rule would). */
  gateFailing(atMs: number): boolean {
    const t = atMs - this.startMs;
    return this.schedule.gateFlaps.some((f) => t >= f.fromMs && t < f.untilMs);
  }

  private pdbBlock(node: string, atMs: number) {
    const t = atMs - this.startMs;
    return this.schedule.pdbBlocks.find((b) => b.node === node && t >= b.fromMs && t < b.untilMs);
  }

  // ---- one process's view: every call frozen once the process is dead -------------------------

  private frozen<T>(): Promise<T> {
    return new Promise<T>(() => undefined);
  }

  /** A call from process p into the world: refused silently when p is dead, checked after it returns. */
  private async call<T>(p: CoordinatorProcess, what: string, fn: () => Promise<T>): Promise<T> {
    if (!p.alive) return this.frozen();
    if (p.lock.lost.aborted) this.monitor.fail(`${what} reached the world after coordinator c${p.index} lost its lock`);
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (!p.alive) return this.frozen();
      if (err instanceof InvariantViolation) throw err;
      this.check(what);
      throw err;
    }
    if (!p.alive) return this.frozen();
    this.check(what);
    return result;
  }

  clockFor(p: CoordinatorProcess): Clock {
    return {
      now: () => this.clock.now(),
      sleep: async (ms, signal): Promise<void> => {
        if (!p.alive) return this.frozen();
        await this.clock.sleep(ms, signal);
        return p.alive ? undefined : this.frozen();
      },
    };
  }

  storeFor(p: CoordinatorProcess): StateStore {
    const inner = this.store;
    const crashes = this.schedule.crashes;
    const world = this;
    const view = Object.create(inner) as StateStore;
    view.save = (record: OperationRecord, lock: StateLock) => {
      if (!p.alive) return this.frozen();
      if (lock.lost.aborted) this.monitor.fail(`coordinator c${p.index} saved the record after it lost its lock`);
      const index = ++world.saveIndex;
      const crash = crashes.find((c) => c.atSave === index);
      if (crash?.beforeWrite) return world.kill(p, `killed before save ${index}`);
      return inner.save(record, lock).then(async () => {
        if (crash) await world.kill(p, `killed after save ${index}`);
        world.check('a save');
      });
    };
    return view;
  }

  private kill(p: CoordinatorProcess, why: string): Promise<never> {
    p.alive = false;
    this.stats.crashes++;
    this.monitor.log(`coordinator c${p.index} ${why}`);
    return this.frozen();
  }

  clusterFor(p: CoordinatorProcess): KubernetesCluster {
    const c = this.fake.cluster;
    const world = this;
    const cluster: KubernetesCluster = {
      listNodes: (s) => this.call(p, 'listNodes', () => c.listNodes(s)),
      getNode: (n, s) => this.call(p, `getNode ${n}`, () => c.getNode(n, s)),
      listPods: (s) => this.call(p, 'listPods', () => c.listPods(s)),
      cordonNode: (n, s) => this.call(p, `cordon ${n}`, () => c.cordonNode(n, s)),
      uncordonNode: (n, s) => this.call(p, `uncordon ${n}`, () => c.uncordonNode(n, s)),
      annotateNode: (n, a, s) => this.call(p, `annotate ${n}`, () => c.annotateNode(n, a, s)),
      foreseeDrainBlockers: (n) =>
        this.call(p, `drain foresight ${n}`, async () => {
          const block = world.pdbBlock(n, world.clock.now());
          if (!block?.foreseen) return [];
          world.stats.pdbForeseen++;
          return [PDB_BLOCKER];
        }),
      drainNode: (name, options) =>
        this.call(p, `drain ${name}`, async () => {
          const rec = world.storedNode(name);
          const drain = rec?.steps.find((s) => s.name === 'drainNode');
          // failed: a node that failed in an earlier run, resumed (the engine keeps its status until it completes).
          if ((rec?.status !== 'in-progress' && rec?.status !== 'failed') || drain?.status !== 'running') {
            world.monitor.fail(`node ${name} drained while the record on disk has it ${rec?.status ?? 'absent'} (drain step ${drain?.status ?? 'absent'})`);
          }
          const n = world.fake.node(name);
          n.calls.drain++;
          n.cordoned = true;
          world.check(`cordon of ${name} by its drain`);
          options.onOutput?.(`node/${name} cordoned`);
          const block = world.pdbBlock(name, world.clock.now());
          if (block) {
            world.stats.pdb429++;
            const until = world.startMs + block.untilMs;
            const now = world.clock.now();
            // kubectl drain retries a 429 until its timeout: a budget that allows the eviction in time lets it finish.
            if (until - now < options.timeoutMs) await world.clock.sleep(until - now, options.signal);
            else {
              await world.clock.sleep(options.timeoutMs, options.signal);
              throw new DrainError(name, true, [{ namespace: PDB_BLOCKER.namespace, pod: PDB_BLOCKER.pod, budget: { namespace: 'shop', name: 'cart', detail: 'allows no disruption' } }], 'error when evicting pods/"cart-0" -n "shop" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.', `drain of node ${name} timed out: pod shop/cart-0 is protected by PodDisruptionBudget shop/cart`);
            }
          }
          options.onOutput?.(`pod/cart-0 evicted`);
          options.onOutput?.(`node/${name} drained`);
        }),
      foreseeDrainBlockersOfNodes: (names, s) => foreseeNodeByNode(cluster, names, s),
    };
    return cluster;
  }

  backupFor(p: CoordinatorProcess): BackupTaker {
    const b = this.fake.backup;
    return {
      takeBackup: (id, s) => this.call(p, 'backup', () => b.takeBackup(id, s)),
      verifyRecordedBackup: (r, s) => this.call(p, 'backup verification', () => b.verifyRecordedBackup(r, s)),
    };
  }

  gatesFor(p: CoordinatorProcess, agentOf: (node: string) => NodeAgent): Gate[] {
    const cluster = this.clusterFor(p);
    const health = (r: { read(s?: AbortSignal): Promise<import('../../coordinator/ports/cluster.js').HealthReading> }, what: string) => ({ read: (s?: AbortSignal) => this.call(p, what, () => r.read(s)) });
    const world = this;
    const alerts: Gate = {
      name: 'alerts',
      check: () =>
        this.call(p, 'alerts gate', async (): Promise<GateVerdict> => {
          const failing = world.gateFailing(world.clock.now());
          if (failing) world.stats.gateFailuresSeen++;
          if (failing && world.bug === 'gate-always-passes') return { passed: true, summary: 'no alert firing', problems: [], warnings: [] };
          return failing
            ? { passed: false, summary: '1 alert firing', problems: ['alert SimFlapping is firing'], warnings: [] }
            : { passed: true, summary: 'no alert firing', problems: [], warnings: [] };
        }),
    };
    const names = this.schedule.nodes.map((n) => n.name);
    return [
      new GravityStatusGate(health(this.fake.gravity, 'gravity status')),
      new EtcdHealthGate(health(this.fake.etcd, 'etcd health')),
      new PodsRunningGate(cluster),
      new NodesReadyGate(cluster, names),
      new AgentsReachableGate(names.map((n) => ({ endpoint: { node: n, address: `${n}:7443` }, agent: agentOf(n) })), 1000, this.clockFor(p)),
      alerts,
    ];
  }

  /** The node's agent as process p reaches it: flaky calls, restarts and reboot faults from the schedule. */
  agentFor(p: CoordinatorProcess, name: string): NodeAgent {
    const inner = this.fake.agent(name);
    const n = this.fake.node(name);
    const world = this;
    return new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function' || prop === 'close') return value;
        const method = String(prop);
        return (...args: unknown[]): Promise<unknown> => {
          // Informational and awaited by nothing (a failure is a warning): never faulted, never waited on.
          if (method === 'setUpdatePhase') return p.alive ? (value as (...a: unknown[]) => Promise<unknown>).apply(target, args) : Promise.resolve();
          return world.call(p, `agent ${name}.${method}`, async () => {
            const fault = world.schedule.agentFlakiness > 0 && world.faultRng.chance(world.schedule.agentFlakiness) ? world.faultRng.pick(['UNAVAILABLE', 'DEADLINE_EXCEEDED'] as const) : undefined;
            if (fault === 'UNAVAILABLE') {
              world.stats.agentFaults++;
              world.monitor.log(`fault: agent ${name}.${method} UNAVAILABLE`);
              throw new AgentUnreachableError(name, `${name}:7443`, 'UNAVAILABLE: connection reset by peer');
            }
            if (method === 'install') world.beforeInstall(n, args[0] as { operationId: string });
            if (method === 'reboot') {
              const ack = world.reboot(n, (args[0] as { operationId: string }).operationId, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
              return fault ? world.deadline(name, method, args, ack) : ack;
            }
            const answer = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            return fault ? world.deadline(name, method, args, answer) : answer;
          });
        };
      },
    });
  }

  /** The call ran on the node, but its answer never came back within its deadline. */
  private async deadline(name: string, method: string, args: unknown[], answer: Promise<unknown>): Promise<never> {
    await answer.catch(() => undefined);
    this.stats.agentFaults++;
    this.monitor.log(`fault: agent ${name}.${method} DEADLINE_EXCEEDED (it ran)`);
    const options = args.find((a): a is CallOptions => typeof a === 'object' && a !== null && 'timeoutMs' in a);
    await this.clock.sleep(Math.min(options?.timeoutMs ?? 30_000, 60_000), options?.signal);
    throw new AgentUnreachableError(name, `${name}:7443`, 'DEADLINE_EXCEEDED: deadline exceeded');
  }

  /** An install's operation ID is on disk before the agent can act on it, and a new attempt follows a failed or interrupted one. */
  private beforeInstall(n: FakeNode, req: { operationId: string }): void {
    const reason = this.recordedReason(n.name);
    if (reason.rollback) {
      // A rollback's install: its reason is the rollback running on disk; one operation ID per rollback.
      if (!n.ops.has(req.operationId)) this.useReason(n.name, 'install', reason.key, req.operationId);
      return;
    }
    const attempts = this.storedNode(n.name)?.facts.installAttempts ?? [];
    const index = attempts.findIndex((a) => a.agentOperationId === req.operationId);
    if (index < 0) this.monitor.fail(`install ${req.operationId} sent to ${n.name} but not in the record on disk (attempts: ${attempts.map((a) => a.agentOperationId).join(', ') || 'none'})`);
    const unexplained = attempts.slice(0, index).filter((a) => a.outcome !== 'failed' && a.outcome !== 'interrupted');
    if (unexplained.length > 0) this.monitor.fail(`install attempt ${index + 1} on ${n.name} without a recorded reason: earlier attempt(s) ${unexplained.map((a) => `${a.agentOperationId} (${a.outcome ?? 'no outcome'})`).join(', ')}`);
    if (n.ops.has(req.operationId)) return;
    const fault = this.schedule.installRestarts.find((f) => f.node === n.name);
    if (fault && index === 0) {
      n.installFaults.push(fault.kind);
      this.stats.installRestarts++;
      this.monitor.log(`fault: agent of ${n.name} restarts during install ${req.operationId} (${fault.kind})`);
    }
  }

  /** A reboot: the boot ID to compare with is on disk first, and a node is rebooted once per operation. */
  private reboot(n: FakeNode, operationId: string, send: () => Promise<unknown>): Promise<unknown> {
    // A rollback's reboot writes its boot ID into the rollback's own facts.
    const reason = this.recordedReason(n.name);
    const before = (reason.rollback ? reason.rollback.facts : this.storedNode(n.name)?.facts)?.bootIdBeforeReboot;
    if (before !== n.bootId) this.monitor.fail(`reboot of ${n.name} sent while the record on disk has boot ID ${before ?? '(none)'}, the node runs ${n.bootId}`);
    if (n.ops.has(operationId)) return send();
    this.useReason(n.name, 'reboot', reason.key, operationId);
    const first = (this.rebootsAccepted.get(n.name) ?? 0) === 0;
    this.rebootsAccepted.set(n.name, (this.rebootsAccepted.get(n.name) ?? 0) + 1);
    // The schedule's faults are the update's: they come with the node's first reboot only.
    if (!first) {
      this.monitor.log(`${n.name} reboot accepted (${operationId}) for ${reason.key}`);
      const ack = send();
      // The node comes up at its own time: a timer, so that simulated time reaches it.
      if (n.power === 'rebooting') this.clock.schedule(n.upAt, () => undefined);
      return ack;
    }
    const post = this.schedule.postCheckFaults.find((f) => f.node === n.name);
    if (post) {
      this.stats.postCheckFaults++;
      if (post.kind === 'failed-unit') n.onNextBoot.failUnits = [BROKEN_UNIT];
      else n.onNextBoot.planetChecksFail = true;
    }
    const fault = this.schedule.rebootFaults.find((f) => f.node === n.name);
    this.monitor.log(`${n.name} reboot accepted (${operationId})${fault ? `; fault: ${fault.kind}` : ''}`);
    if (fault?.kind === 'old-boot-id') {
      // Accepted, and the node never goes down: it keeps answering with the old boot ID.
      this.stats.rebootsOldBootId++;
      n.calls.reboot++;
      n.ops.set(operationId, { kind: 'reboot', state: 'running', bootId: n.bootId });
      return Promise.resolve({ operationId, bootId: n.bootId, replayed: false });
    }
    if (fault?.kind === 'never') {
      this.stats.rebootsNever++;
      n.onNextBoot.powerOff = true;
    }
    const normal = this.fake.rebootMs;
    if (fault?.kind === 'late') {
      this.stats.rebootsLate++;
      this.fake.rebootMs = fault.lateMs;
    }
    try {
      return send();
    } finally {
      this.fake.rebootMs = normal;
      // The node comes up at its own time: a timer, so that simulated time reaches it.
      if (n.power === 'rebooting') this.clock.schedule(n.upAt, () => undefined);
    }
  }

  /** Before a resume after a halt: the operator powers nodes on, reboots a hung one, clears a PDB and a broken unit. */
  operatorRepair(): string[] {
    const done: string[] = [];
    const now = this.clock.now();
    for (const n of this.fake.nodes.values()) {
      const hung = [...n.ops.values()].some((o) => o.kind === 'reboot' && o.state === 'running' && o.bootId === n.bootId && n.power === 'on');
      if (n.power === 'off' || hung) {
        n.power = 'rebooting';
        n.upAt = now + this.fake.rebootMs;
        this.clock.schedule(n.upAt, () => undefined);
        done.push(`${hung ? 'rebooted hung' : 'powered on'} ${n.name}`);
      }
      if (n.units.get(BROKEN_UNIT)?.active === 'failed') {
        n.units.set(BROKEN_UNIT, { load: 'loaded', active: 'active', sub: 'running' });
        done.push(`fixed ${BROKEN_UNIT} on ${n.name}`);
      }
      if (n.planetChecksFail) {
        n.planetChecksFail = false;
        done.push(`fixed planet on ${n.name}`);
      }
    }
    for (const h of this.endOpenEnded(this.schedule.holds)) {
      this.setHold(h.node, false, 'released');
      done.push(`released the hold on ${h.node}`);
    }
    for (const b of this.endOpenEnded(this.schedule.pdbBlocks)) done.push(`relaxed the PDB blocking ${b.node}`);
    if (done.length > 0) this.stats.operatorRepairs++;
    return done;
  }

  /** The never-ending intervals that began by now, ended now (the operator's repair ends them). */
  private endOpenEnded<T extends { fromMs: number; untilMs: number }>(intervals: T[]): T[] {
    const t = this.clock.now() - this.startMs;
    const ended = intervals.filter((i) => !Number.isFinite(i.untilMs) && t >= i.fromMs);
    for (const i of ended) i.untilMs = t;
    return ended;
  }
}
