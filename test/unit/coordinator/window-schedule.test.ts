import { expect } from 'chai';
import type { MaintenanceWindow } from '../../../coordinator/schedule/maintenance-window.js';
import { renderSchedule, scheduleNodes } from '../../../coordinator/schedule/window-schedule.js';
import { newStepRecords, type OperationRecord } from '../../../coordinator/state/operation-record.js';

const FRIDAY_0200 = Date.parse('2026-11-27T02:00:00Z');
const WINDOWS: MaintenanceWindow[] = [
  { days: ['fri'], startMinute: 60, endMinute: 122, timeZone: 'UTC' },
  { days: ['sat'], startMinute: 60, endMinute: 300, timeZone: 'UTC' },
];

describe('plan schedule: which nodes fit in the current window, when the rest would run', () => {
  it('nodes one after the other at the expected duration; one that does not fit tonight moves to the next window', () => {
    const s = scheduleNodes(WINDOWS, 60_000, ['node-1', 'node-3', 'node-2'], FRIDAY_0200);
    expect(s.openUntil).to.equal('2026-11-27T02:02:00.000Z');
    expect(s.nodes.map((n) => [n.node, n.startAt, n.windowOpenAt])).to.deep.equal([
      ['node-1', '2026-11-27T02:00:00.000Z', '2026-11-27T01:00:00.000Z'],
      ['node-3', '2026-11-27T02:01:00.000Z', '2026-11-27T01:00:00.000Z'],
      ['node-2', '2026-11-28T01:00:00.000Z', '2026-11-28T01:00:00.000Z'],
    ]);
    const text = renderSchedule(s, 'Europe/Berlin').join('\n');
    expect(text).to.contain('now 2026-11-27T02:00:00.000Z (2026-11-27 03:00 Europe/Berlin): inside a window until 2026-11-27T02:02:00.000Z');
    expect(text).to.contain('in the current window – 2026-11-27T02:02:00.000Z (2026-11-27 03:02 Europe/Berlin):');
    expect(text).to.match(/in the window 2026-11-28T01:00:00.000Z \(2026-11-28 02:00 Europe\/Berlin\) – .*:\n    node-2 +from 2026-11-28T01:00:00.000Z/);
  });

  it('the duration learned from an unfinished operation moves nodes out of tonight', () => {
    const steps = newStepRecords();
    Object.assign(steps[0]!, { status: 'completed', startedAt: '2026-11-26T01:00:00Z', finishedAt: '2026-11-26T01:05:00Z' });
    const record = { nodes: [{ name: 'node-1', role: 'master', agent: 'x:1', status: 'completed', steps, facts: {} }] } as unknown as OperationRecord;
    const s = scheduleNodes(WINDOWS, 60_000, ['node-3'], FRIDAY_0200, record);
    expect(s.expected).to.deep.equal({ ms: 5 * 60_000, source: 'learned', node: 'node-1' });
    expect(s.nodes[0]!.startAt).to.equal('2026-11-28T01:00:00.000Z');
  });

  it('outside every window: the first window with room; a node after it that does not fit goes a week on', () => {
    const s = scheduleNodes(WINDOWS, 3 * 3_600_000, ['node-1', 'node-2'], Date.parse('2026-11-27T12:00:00Z'));
    expect(s.openUntil).to.equal(undefined);
    expect(s.nodes.map((n) => n.startAt)).to.deep.equal(['2026-11-28T01:00:00.000Z', '2026-12-05T01:00:00.000Z']);
    expect(renderSchedule(s, 'UTC').join('\n')).to.contain('outside every window');
  });

  it('nodes no window has room for are listed without a time', () => {
    const s = scheduleNodes(WINDOWS, 5 * 3_600_000, ['node-1', 'node-2'], Date.parse('2026-11-27T12:00:00Z'));
    expect(s.nodes.map((n) => n.startAt)).to.deep.equal([undefined, undefined]);
    expect(renderSchedule(s, 'UTC').join('\n')).to.contain('node-2               no window within the horizon has 5h left for it');
  });
});
