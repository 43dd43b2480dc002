import type { NodeRole } from '../../coordinator/ports/cluster.js';
import { Prng } from './prng.js';

/** Times are milliseconds after the operation starts. */
export type RebootFault = 'late' | 'never' | 'old-boot-id';
export type InstallFault = 'interrupted-before-unpack' | 'interrupted-after-unpack';
export type PostCheckFault = 'failed-unit' | 'planet-checks';

export interface FaultSchedule {
  seed: number;
  nodes: { name: string; role: NodeRole }[];
  /** Configured pools' maxUnavailable (masters, workers); undefined: no `pools:` (one node at a time). */
  pools: { masters: number; workers: number } | undefined;
  /** Chance of each agent call failing: UNAVAILABLE (nothing done) or DEADLINE_EXCEEDED (done, answer lost). */
  agentFlakiness: number;
  /** The agent restarts during the node's first install. */
  installRestarts: { node: string; kind: InstallFault }[];
  /** What the node's first reboot does. */
  rebootFaults: { node: string; kind: RebootFault; lateMs: number }[];
  /** Evictions of the node's pods get 429 (a PodDisruptionBudget) in [fromMs, untilMs); foreseen: the dry run sees it too. */
  pdbBlocks: { node: string; fromMs: number; untilMs: number; foreseen: boolean }[];
  /** The `alerts` gate fails in these intervals. */
  gateFlaps: { fromMs: number; untilMs: number }[];
  /** The node's post checks fail after its reboot. */
  postCheckFaults: { node: string; kind: PostCheckFault }[];
  /** The coordinator is killed at its Nth save (counted over the whole run), before or after the write. */
  crashes: { atSave: number; beforeWrite: boolean }[];
  stop: { atMs: number; mode: 'graceful' | 'now' } | undefined;
  /** Another coordinator takes the lease at this time. */
  leaseLoss: { atMs: number } | undefined;
  /** Before a resume after a halt the operator repairs what is broken (powers a node on, clears a PDB…). */
  operatorRepairs: boolean;
  /** How many times the operation is resumed at most (after halts, stops, crashes, lease losses). */
  maxResumes: number;
  /**
   * Maintenance windows (`windows:`, `schedule.nodeDurationFloor`) and the invocation's window mode: `wait`
   * waits in the run for the next window, `until-end` stops as waiting-for-window and is resumed when it opens.
   */
  windows: SimWindows | undefined;
  /** Chance of an event observer (a webhook formatter, the metrics) throwing at an event: the engine must go on as if not. */
  observerFailures: number;
  /** `onFailure:`: rollback puts a node that failed after its reboot back on its recorded version before the halt. */
  onFailure: 'halt' | 'rollback';
  /** The operator puts a node on hold (`noderoll hold`) in [fromMs, untilMs); `noderoll release` at untilMs. */
  holds: { node: string; fromMs: number; untilMs: number }[];
  /** `hold.policy`: wait for the release (halting after timeouts.gatesBeforeNode), or skip the node. */
  holdPolicy: 'wait' | 'skip';
  /** `canary:` the first node(s) of each pool or of the operation alone, then a soak (and the operator's confirmation). */
  canary: { nodes: number; soakMin: number; confirm: boolean; scope: 'pool' | 'operation' } | undefined;
}

export interface SimWindows {
  days: 'daily' | 'weekdays';
  startHour: number;
  hours: number;
  timeZone: string;
  nodeDurationFloorMin: number;
  mode: 'wait' | 'until-end';
}

/** The schedule's windows as the coordinator config writes them. */
export function windowsYaml(w: SimWindows): string {
  const days = w.days === 'daily' ? '[sun, mon, tue, wed, thu, fri, sat]' : '[mon, tue, wed, thu, fri]';
  const hh = (h: number): string => `${String(h % 24).padStart(2, '0')}:00`;
  return [
    'windows:',
    `  - { days: ${days}, start: "${hh(w.startHour)}", end: "${hh(w.startHour + w.hours)}", timeZone: ${w.timeZone} }`,
    'schedule:',
    `  nodeDurationFloor: ${w.nodeDurationFloorMin}m`,
  ].join('\n');
}

/** The schedule's canary as the coordinator config writes it. */
export function canaryYaml(c: NonNullable<FaultSchedule['canary']>): string {
  return `{ nodes: ${c.nodes}, soak: ${c.soakMin}m, confirm: ${c.confirm}, scope: ${c.scope} }`;
}

const HOUR = 3_600_000;
const MIN = 60_000;

/** seed -> faults: each kind of fault is in a schedule with some chance, with its details drawn from the seed. */
export function faultSchedule(seed: number): FaultSchedule {
  const r = new Prng(seed);
  const masters = r.pick([1, 1, 3]);
  const workers = r.int(Math.max(0, 3 - masters), 7 - masters);
  const nodes = [
    ...Array.from({ length: masters }, (_, i) => ({ name: `m${i + 1}`, role: 'master' as const })),
    ...Array.from({ length: workers }, (_, i) => ({ name: `w${i + 1}`, role: 'node' as const })),
  ];
  const workerNames = nodes.filter((n) => n.role === 'node').map((n) => n.name);
  const some = <T>(chance: number, max: number, make: () => T): T[] => (r.chance(chance) ? Array.from({ length: r.int(1, max) }, make) : []);
  const anyNode = (): string => r.pick(nodes).name;
  // A node takes a few simulated minutes when nothing goes wrong: timed faults fall within the run.
  const horizon = nodes.length * 3 * MIN;
  return {
    seed,
    nodes,
    pools: r.chance(0.5) ? { masters: r.int(1, 3), workers: r.int(1, Math.max(1, workers)) } : undefined,
    agentFlakiness: r.chance(0.4) ? r.pick([0.01, 0.03, 0.08]) : 0,
    installRestarts: some(0.25, 2, () => ({ node: anyNode(), kind: r.pick<InstallFault>(['interrupted-before-unpack', 'interrupted-after-unpack']) })),
    rebootFaults: some(0.3, 2, () => ({ node: anyNode(), kind: r.pick<RebootFault>(['late', 'late', 'never', 'old-boot-id']), lateMs: r.int(2, 12) * MIN })),
    pdbBlocks:
      workerNames.length === 0
        ? []
        : some(0.3, 2, () => {
            const fromMs = r.int(0, horizon);
            return { node: r.pick(workerNames), fromMs, untilMs: r.chance(0.3) ? Number.POSITIVE_INFINITY : fromMs + r.int(1, 8) * MIN, foreseen: r.chance(0.5) };
          }),
    gateFlaps: some(0.35, 4, () => {
      const fromMs = r.int(0, horizon);
      return { fromMs, untilMs: fromMs + r.int(5_000, 3 * MIN) };
    }),
    postCheckFaults: some(0.2, 1, () => ({ node: anyNode(), kind: r.pick<PostCheckFault>(['failed-unit', 'planet-checks']) })),
    crashes: some(0.35, 3, () => ({ atSave: r.int(1, nodes.length * 40), beforeWrite: r.chance(0.5) })),
    stop: r.chance(0.15) ? { atMs: r.int(0, horizon), mode: r.pick(['graceful', 'now'] as const) } : undefined,
    leaseLoss: r.chance(0.1) ? { atMs: r.int(0, horizon) } : undefined,
    operatorRepairs: r.chance(0.8),
    maxResumes: r.int(2, 6),
    // Drawn last, so that the faults above stay what they were for every seed.
    windows: r.chance(0.25)
      ? {
          days: r.pick(['daily', 'daily', 'weekdays'] as const),
          startHour: r.int(0, 23),
          hours: r.int(1, 6),
          timeZone: r.pick(['UTC', 'Europe/Berlin', 'America/New_York']),
          nodeDurationFloorMin: r.pick([5, 10, 20, 30]),
          mode: r.pick(['wait', 'until-end'] as const),
        }
      : undefined,
    observerFailures: r.chance(0.15) ? r.pick([0.02, 0.1, 0.5]) : 0,
    onFailure: r.chance(0.3) ? 'rollback' : 'halt',
    holds: some(0.25, 2, () => {
      const fromMs = r.int(0, horizon);
      return { node: anyNode(), fromMs, untilMs: r.chance(0.3) ? Number.POSITIVE_INFINITY : fromMs + r.int(10_000, 20 * MIN) };
    }),
    holdPolicy: r.pick(['wait', 'wait', 'skip'] as const),
    canary: r.chance(0.25) ? { nodes: r.int(1, 2), soakMin: r.pick([1, 2, 5]), confirm: r.chance(0.4), scope: r.pick(['pool', 'operation'] as const) } : undefined,
  };
}

/**
 * Simulated time a run may take before it counts as one that does not end: 48 hours, and with windows
 * up to three days more (a weekend) for each time the run may wait for one.
 */
export function maxSimulatedMs(s: FaultSchedule): number {
  return 48 * HOUR + (s.windows ? maxWindowWaits(s) * 72 * HOUR : 0);
}

/** How often a run with windows may stop as waiting-for-window and be resumed when the next one opens. */
export function maxWindowWaits(s: FaultSchedule): number {
  return s.windows ? s.nodes.length + s.maxResumes : 0;
}

/** One line per fault kind present, for the trace. */
export function describeSchedule(s: FaultSchedule): string[] {
  const fin = (ms: number): string => (Number.isFinite(ms) ? `${Math.round(ms / 1000)}s` : 'forever');
  return [
    `nodes: ${s.nodes.map((n) => `${n.name}(${n.role})`).join(' ')}; pools: ${s.pools ? `masters ${s.pools.masters}, workers ${s.pools.workers}` : 'none'}`,
    ...(s.agentFlakiness > 0 ? [`agent calls fail with chance ${s.agentFlakiness}`] : []),
    ...s.installRestarts.map((f) => `agent of ${f.node} restarts during its install (${f.kind})`),
    ...s.rebootFaults.map((f) => `reboot of ${f.node}: ${f.kind}${f.kind === 'late' ? ` (${fin(f.lateMs)})` : ''}`),
    ...s.pdbBlocks.map((f) => `PDB 429 on ${f.node} from ${fin(f.fromMs)} until ${fin(f.untilMs)}${f.foreseen ? ' (foreseen by the dry run)' : ''}`),
    ...s.gateFlaps.map((f) => `gate alerts fails from ${fin(f.fromMs)} until ${fin(f.untilMs)}`),
    ...s.postCheckFaults.map((f) => `post checks of ${f.node} fail: ${f.kind}`),
    ...s.crashes.map((c) => `coordinator killed at save ${c.atSave} (${c.beforeWrite ? 'before' : 'after'} the write)`),
    ...(s.stop ? [`stop (${s.stop.mode}) at ${fin(s.stop.atMs)}`] : []),
    ...(s.leaseLoss ? [`lease lost at ${fin(s.leaseLoss.atMs)}`] : []),
    ...(s.windows ? [`windows: ${windowsYaml(s.windows).split('\n')[1]!.trim()} (floor ${s.windows.nodeDurationFloorMin}m, mode ${s.windows.mode})`] : []),
    ...(s.observerFailures > 0 ? [`event observers throw with chance ${s.observerFailures}`] : []),
    ...(s.onFailure === 'rollback' ? ['onFailure: rollback'] : []),
    ...(s.canary ? [`canary: ${canaryYaml(s.canary)}`] : []),
    ...s.holds.map((h) => `${h.node} on hold from ${fin(h.fromMs)} until ${fin(h.untilMs)} (hold.policy ${s.holdPolicy})`),
    `operator repairs before resuming: ${s.operatorRepairs}; at most ${s.maxResumes} resumes`,
  ];
}
