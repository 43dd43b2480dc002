import { formatDuration } from '../../shared/validation/duration.js';
import type { OperationRecord } from '../state/operation-record.js';
import { describeWindow, nextFit, periodOpenAt, type MaintenanceWindow } from './maintenance-window.js';
import { expectedNodeDuration, type ExpectedDuration } from './node-duration.js';
import { describeExpected, showInstant } from './window-rule.js';

/** When each node would run, one after the other, each inside a window with room for the expected duration. */
export interface WindowSchedule {
  windows: string[];
  now: string;
  /** The period open now, if any: when it closes. */
  openUntil?: string;
  expected: ExpectedDuration;
  nodes: ScheduledNode[];
}

export interface ScheduledNode {
  node: string;
  /** Absent: no window within the horizon has room for it. */
  startAt?: string;
  endAt?: string;
  /** The window period it would start in. */
  windowOpenAt?: string;
  windowCloseAt?: string;
}

/**
 * The plan's schedule: nodes in order from `nowMs`, each starting at the first moment a window has the
 * expected duration left (what the `window` rule admits), each taking exactly that long. The estimate
 * is the rule's own: learned from `record` (an unfinished operation) when given, else the floor.
 */
export function scheduleNodes(windows: readonly MaintenanceWindow[], floorMs: number, nodes: readonly string[], nowMs: number, record?: OperationRecord): WindowSchedule {
  const expected = expectedNodeDuration(record, floorMs);
  const open = periodOpenAt(windows, nowMs);
  const scheduled: ScheduledNode[] = [];
  let t: number | undefined = nowMs;
  for (const node of nodes) {
    const fit: ReturnType<typeof nextFit> = t === undefined ? undefined : nextFit(windows, t, expected.ms);
    if (!fit) {
      t = undefined;
      scheduled.push({ node });
      continue;
    }
    t = fit.startMs + expected.ms;
    scheduled.push({ node, startAt: iso(fit.startMs), endAt: iso(t), windowOpenAt: iso(fit.period.openMs), windowCloseAt: iso(fit.period.closeMs) });
  }
  return { windows: windows.map(describeWindow), now: iso(nowMs), ...(open ? { openUntil: iso(open.closeMs) } : {}), expected, nodes: scheduled };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function renderSchedule(s: WindowSchedule, timeZone: string | undefined): string[] {
  const show = (at: string): string => showInstant(Date.parse(at), timeZone);
  const lines = [
    `Maintenance windows: ${s.windows.join('; ')}`,
    `  now ${show(s.now)}: ${s.openUntil ? `inside a window until ${show(s.openUntil)}` : 'outside every window'}; a node is expected to take ${describeExpected(s.expected)}`,
  ];
  let window = '';
  for (const n of s.nodes) {
    if (!n.startAt) {
      lines.push(`  ${n.node.padEnd(20)} no window within the horizon has ${formatDuration(s.expected.ms)} left for it`);
      continue;
    }
    if (n.windowOpenAt !== window) {
      window = n.windowOpenAt ?? '';
      const current = s.openUntil !== undefined && n.windowCloseAt === s.openUntil;
      lines.push(`  ${current ? 'in the current window' : `in the window ${show(window)}`} – ${show(n.windowCloseAt ?? '')}:`);
    }
    lines.push(`    ${n.node.padEnd(20)} from ${show(n.startAt)} to ${show(n.endAt ?? '')}`);
  }
  return lines;
}
