import { expect } from 'chai';
import { clockSkewMs, describeClockSkew } from '../../../coordinator/steps/clock-skew.js';
import { stepRecord } from '../../../coordinator/state/operation-record.js';
import { makeHarness, TARGET, type Harness } from './fakes/engine-harness.js';

const TWENTY_MINUTES = 20 * 60_000;

describe('node clocks that differ from the coordinator', function () {
  this.timeout(20_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  function progressOf(harness: Harness, node: string): string[] {
    return harness.events.flatMap((e) => (e.type === 'step-progress' && e.node === node && e.step === 'waitForReboot' ? [e.message] : []));
  }

  it('updates a node 20 minutes behind and one 20 minutes ahead; the wait says so and never compares the clocks', async () => {
    h = await makeHarness();
    h.world.node('node-1').clockOffsetMs = -TWENTY_MINUTES;
    h.world.node('node-3').clockOffsetMs = +TWENTY_MINUTES;
    expect(await h.run()).to.equal('completed');
    for (const name of ['node-1', 'node-2', 'node-3']) expect(h.world.node(name).version, name).to.equal(TARGET);
    const saved = await h.load();
    const note = (index: number): string => stepRecord(saved.nodes.find((n) => n.name === `node-${index}`)!, 'waitForReboot').note ?? '';
    expect(note(1)).to.match(/node clock is 20m behind the coordinator's/);
    expect(note(3)).to.match(/node clock is 20m ahead of the coordinator's/);
    expect(note(2), 'an in-sync node gets no clock remark').to.not.contain('clock');
    expect(progressOf(h, 'node-1').some((m) => /20m behind/.test(m))).to.equal(true);
  });

  it('a kubelet that reports no boot ID counts once its heartbeat changed after the new boot, even 20 minutes behind', async () => {
    h = await makeHarness();
    const n1 = h.world.node('node-1');
    n1.clockOffsetMs = -TWENTY_MINUTES;
    n1.kubeletReportsBootId = false;
    expect(await h.run()).to.equal('completed');
    expect(n1.version).to.equal(TARGET);
    expect(progressOf(h, 'node-1').some((m) => /heartbeat posted after the new boot was seen/.test(m))).to.equal(true);
  });

  it('describes a skew only beyond the threshold plus the call latency', () => {
    expect(clockSkewMs({ nodeTimeMs: 1_000, sentAtMs: 10_000, receivedAtMs: 12_000 })).to.equal(-10_000);
    expect(describeClockSkew({ nodeTimeMs: 70_000, sentAtMs: 0, receivedAtMs: 20_000 }, 60_000), 'within latency').to.equal(undefined);
    expect(describeClockSkew({ nodeTimeMs: 90_000, sentAtMs: 0, receivedAtMs: 20_000 }, 60_000)).to.match(/^node clock is 1m20s ahead of/);
    expect(describeClockSkew({ nodeTimeMs: 0, sentAtMs: 120_000, receivedAtMs: 120_000 }, 60_000)).to.match(/^node clock is 2m behind/);
  });
});
