import { expect } from 'chai';
import { windowRules } from '../../../coordinator/schedule/window-rule.js';
import { notificationText } from '../../../coordinator/notify/webhook-notifier.js';
import { expectedNodeDuration } from '../../../coordinator/schedule/node-duration.js';
import { newStepRecords, type NodeRecord, type OperationRecord } from '../../../coordinator/state/operation-record.js';
import type { AdmissionRule } from '../../../coordinator/engine/node-admission.js';
import { renderStatus } from '../../../coordinator/cli/commands/status.js';
import { recordEvents } from '../../../coordinator/watch/record-events.js';
import { makeHarness, TARGET, type Harness } from './fakes/engine-harness.js';

/**
 * The `window` admission rule driving the engine on the fake clock (2026-11-27T02:00Z, a Friday; a node
 * takes 40.2 s of virtual time in the fake world; masters first: node-1, node-3, node-2).
 */
const TONIGHT_AND_SATURDAY = (tonightEnd: string, floor: string): string =>
  [
    'windows:',
    `  - { days: [fri], start: "01:00", end: "${tonightEnd}", timeZone: UTC }`,
    '  - { days: [sat], start: "01:00", end: "05:00", timeZone: UTC }',
    `schedule: { nodeDurationFloor: ${floor} }`,
  ].join('\n');

const startedAt = (h: Harness, node: string): number => Date.parse(h.events.find((e) => e.type === 'node-started' && e.node === node)?.time ?? 'NaN');

describe('coordinator engine: maintenance windows (admission rule `window`, fake clock)', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('--until-window-end: nodes start while the window has room for the floor; the next one does not start and the operation waits for the window, every node in service', async () => {
    // 02:02 leaves 2 min at the start, 80 s after node-1, 40 s after node-3: less than the 1 min floor
    h = await makeHarness({ configExtra: TONIGHT_AND_SATURDAY('02:02', '1m') });
    expect(await h.run({ deps: { admission: windowRules(h.config, 'until-end') } })).to.equal('waiting');
    expect(h.world.node('node-1').version).to.equal(TARGET);
    expect(h.world.node('node-3').version).to.equal(TARGET);
    expect(h.world.node('node-2').calls.drain).to.equal(0);
    expect(h.world.node('node-2').cordoned).to.equal(false);
    expect(h.world.maxOutOfService).to.equal(1);
    const saved = await h.load();
    expect(saved.status).to.equal('waiting-for-window');
    expect(saved.halt).to.include({ kind: 'waiting', node: 'node-2', resumeAt: '2026-11-28T01:00:00.000Z' });
    expect(saved.halt?.reason).to.match(/^only 39\.6s left in the maintenance window .* expected to take 1m \(schedule\.nodeDurationFloor\)/);
    expect(saved.nodes.find((n) => n.name === 'node-2')!.status).to.equal('pending');
    const waiting = h.events.find((e) => e.type === 'operation-waiting');
    expect(waiting).to.include({ node: 'node-2', resumeAt: '2026-11-28T01:00:00.000Z' });
    expect(h.events.some((e) => e.type === 'node-started' && e.node === 'node-2')).to.equal(false);
    expect(notificationText(saved.id, waiting!), 'webhooks hear of it').to.match(/: waiting for a maintenance window before node node-2: only 39\.6s left.*opens at 2026-11-28T01:00:00\.000Z\. Continue with: noderoll resume/);
  });

  it('resume applies the window again: before it opens it waits again; inside the next window it completes', async () => {
    h = await makeHarness({ configExtra: TONIGHT_AND_SATURDAY('02:02', '1m') });
    const rules = windowRules(h.config, 'until-end');
    expect(await h.run({ deps: { admission: rules } })).to.equal('waiting');
    h.clock.advance(6 * 3_600_000); // Friday 08:01, outside every window
    expect(await h.run({ resumed: true, record: await h.load(), deps: { admission: rules } })).to.equal('waiting');
    expect((await h.load()).halt?.reason).to.match(/^outside the maintenance windows \(fri 01:00–02:02 UTC; sat 01:00–05:00 UTC\)/);
    h.clock.t = Date.parse('2026-11-28T01:00:00Z');
    expect(await h.run({ resumed: true, record: await h.load(), deps: { admission: rules } })).to.equal('completed');
    expect(h.world.node('node-2').version).to.equal(TARGET);
    expect(startedAt(h, 'node-2')).to.equal(Date.parse('2026-11-28T01:00:00Z'));
    expect((await h.load()).status).to.equal('completed');
  });

  it('--wait-for-window: the run sleeps on its clock until the next window that fits and completes, saying once why it waits (also in the record while it waits)', async () => {
    h = await makeHarness({ configExtra: TONIGHT_AND_SATURDAY('02:02', '1m') });
    const [window] = windowRules(h.config, 'wait');
    const storedWhileWaiting: OperationRecord[] = [];
    const observed: AdmissionRule = {
      name: window!.name,
      decide: async (r) => {
        if (r.waitingSinceMs !== undefined) storedWhileWaiting.push(await h.load());
        return window!.decide(r);
      },
    };
    expect(await h.run({ deps: { admission: [observed] } })).to.equal('completed');
    expect(storedWhileWaiting).to.have.length(1);
    expect(storedWhileWaiting[0]!.status).to.equal('running');
    expect(storedWhileWaiting[0]!.waiting).to.deep.include({ node: 'node-2', rule: 'window', recheckAt: '2026-11-28T01:00:00.000Z', since: '2026-11-27T02:01:20.400Z' });
    expect((await h.load()).waiting, 'cleared once the node started').to.equal(undefined);
    expect(startedAt(h, 'node-2')).to.equal(Date.parse('2026-11-28T01:00:00Z'));
    const waits = h.events.filter((e) => e.type === 'node-waiting');
    expect(waits).to.have.length(1);
    expect(waits[0]).to.include({ node: 'node-2', rule: 'window', recheckAt: '2026-11-28T01:00:00.000Z' });
    expect(h.world.maxOutOfService).to.equal(1);
  });

  it('the expected duration is learned from the nodes done: room for the floor but not for the longest node so far is too little', async () => {
    // 02:01 leaves 60 s at the start (node-1 fits the 10 s floor), then 19.8 s: above the floor, below node-1's 40.2 s
    h = await makeHarness({ configExtra: TONIGHT_AND_SATURDAY('02:01', '10s') });
    expect(await h.run({ deps: { admission: windowRules(h.config, 'until-end') } })).to.equal('waiting');
    const saved = await h.load();
    expect(saved.nodes.map((n) => n.status)).to.deep.equal(['completed', 'pending', 'pending']);
    expect(saved.halt?.node).to.equal('node-3');
    expect(saved.halt?.reason).to.match(/expected to take 40\.2s \(the longest node so far, node-1\)/);
  });

  it('outside every window at the start nothing is touched', async () => {
    h = await makeHarness({ configExtra: ['windows: [{ days: [sat], start: "01:00", end: "05:00", timeZone: UTC }]', 'schedule: { nodeDurationFloor: 1m }'].join('\n') });
    expect(await h.run({ deps: { admission: windowRules(h.config, 'until-end') } })).to.equal('waiting');
    expect(h.world.node('node-1').calls.drain).to.equal(0);
    expect((await h.load()).halt).to.include({ node: 'node-1', resumeAt: '2026-11-28T01:00:00.000Z' });
  });

  it('no window long enough for a node: halts at once (waiting would be forever), naming both lengths', async () => {
    h = await makeHarness({ configExtra: ['windows: [{ days: [fri], start: "01:00", end: "01:30", timeZone: UTC }]', 'schedule: { nodeDurationFloor: 1h }'].join('\n') });
    expect(await h.run({ deps: { admission: windowRules(h.config, 'wait') } })).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt).to.include({ kind: 'failure', node: 'node-1' });
    expect(saved.halt?.reason).to.match(/no maintenance window within 15 days? is long enough/);
    expect(saved.halt?.details.join('\n')).to.contain('1h (schedule.nodeDurationFloor)').and.contain('the longest window is 30m');
  });

  it('status and watch show a running operation waiting for a window, from the record alone', async () => {
    h = await makeHarness({ configExtra: TONIGHT_AND_SATURDAY('02:02', '1m') });
    const [window] = windowRules(h.config, 'wait');
    let waitingRecord: OperationRecord | undefined;
    let beforeWait: OperationRecord | undefined;
    const observed: AdmissionRule = {
      name: window!.name,
      decide: async (r) => {
        if (r.node.name === 'node-2' && r.waitingSinceMs === undefined) beforeWait = await h.load();
        if (r.waitingSinceMs !== undefined) waitingRecord = await h.load();
        return window!.decide(r);
      },
    };
    expect(await h.run({ deps: { admission: [observed] } })).to.equal('completed');
    expect(renderStatus(waitingRecord!, undefined, h.clock.now())).to.match(/waiting since 2026-11-27T02:01:20.400Z before node node-2 \(window\): only 39\.6s left .*; asking again at 2026-11-28T01:00:00.000Z/);
    const shown = recordEvents(beforeWait, waitingRecord!).filter((e) => e.type === 'node-waiting');
    expect(shown).to.have.length(1);
    expect(shown[0]).to.include({ node: 'node-2', rule: 'window', recheckAt: '2026-11-28T01:00:00.000Z' });
    expect(recordEvents(waitingRecord, waitingRecord!).filter((e) => e.type === 'node-waiting'), 'once, not on every read').to.deep.equal([]);
  });

  it('no windows configured: no rule', async () => {
    h = await makeHarness();
    expect(windowRules(h.config, 'until-end')).to.deep.equal([]);
  });
});

describe('expected node duration', () => {
  const node = (name: string, status: NodeRecord['status'], spans: [string, string][]): NodeRecord => {
    const steps = newStepRecords();
    spans.forEach(([startedAt, finishedAt], i) => Object.assign(steps[i]!, { status: 'completed', startedAt, finishedAt }));
    return { name, role: 'node', agent: `${name}:7443`, status, steps, facts: {} };
  };
  const record = (nodes: NodeRecord[]): OperationRecord => ({ nodes } as OperationRecord);

  it('the floor while no node is done, or while every node was faster than it', () => {
    expect(expectedNodeDuration(undefined, 60_000)).to.deep.equal({ ms: 60_000, source: 'floor' });
    expect(expectedNodeDuration(record([node('a', 'completed', [['2026-01-01T00:00:00Z', '2026-01-01T00:00:30Z']])]), 60_000)).to.deep.equal({ ms: 60_000, source: 'floor' });
  });

  it('the longest completed node, not the median; nodes not completed do not count', () => {
    const r = record([
      node('a', 'completed', [['2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z']]),
      node('b', 'completed', [['2026-01-01T01:00:00Z', '2026-01-01T01:25:00Z']]),
      node('c', 'completed', [['2026-01-01T02:00:00Z', '2026-01-01T02:12:00Z']]),
      node('d', 'in-progress', [['2026-01-01T03:00:00Z', '2026-01-01T05:00:00Z']]),
    ]);
    expect(expectedNodeDuration(r, 60_000)).to.deep.equal({ ms: 25 * 60_000, source: 'learned', node: 'b' });
  });

  it('a node halted overnight between two steps counts its steps, not the night', () => {
    const r = record([node('a', 'completed', [['2026-01-01T23:00:00Z', '2026-01-01T23:05:00Z'], ['2026-01-02T09:00:00Z', '2026-01-02T09:10:00Z']])]);
    expect(expectedNodeDuration(r, 60_000)).to.deep.equal({ ms: 15 * 60_000, source: 'learned', node: 'a' });
  });
});
