import { expect } from 'chai';
import type { TimedEvent } from '../../../coordinator/engine/events.js';
import { renderStatus } from '../../../coordinator/cli/commands/status.js';
import { renderHtmlReport, renderMarkdownReport } from '../../../coordinator/report/index.js';
import { stepRecord } from '../../../coordinator/state/operation-record.js';
import { classifyFailedUnits } from '../../../coordinator/steps/verify-node-healthy.js';
import { makeHarness, type Harness } from './fakes/engine-harness.js';
import { PLANET_UNIT, TELEPORT_UNIT } from './fakes/fake-world.js';

/** The post-reboot checks (§3.1, §4.1-4.2) against a node state that is common on real clusters. */

type FailedUnitsEvent = Extract<TimedEvent, { type: 'failed-units' }>;
type UnitsChangedEvent = Extract<TimedEvent, { type: 'units-changed' }>;

function failedUnitsEvents(h: Harness, node: string): FailedUnitsEvent[] {
  return h.events.filter((e): e is FailedUnitsEvent => e.type === 'failed-units' && e.node === node);
}

function unitsChanged(h: Harness, node: string): UnitsChangedEvent[] {
  return h.events.filter((e): e is UnitsChangedEvent => e.type === 'units-changed' && e.node === node);
}

describe('post checks: failed units and gravity units (fake cluster, fake clock)', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('a unit that was failed before the update does not halt: reported as known in events, status and report', async () => {
    h = await makeHarness();
    const n2 = h.world.node('node-2');
    n2.units.set('kdump.service', { load: 'loaded', active: 'failed', sub: 'failed' });
    expect(await h.run(), JSON.stringify((await h.load()).halt)).to.equal('completed');
    const [before, after] = failedUnitsEvents(h, 'node-2');
    expect(before).to.include({ when: 'before-update', step: 'recordFailedUnitsBaseline' });
    expect(before!.failed).to.deep.equal(['kdump.service']);
    expect(after).to.include({ when: 'after-reboot', step: 'verifyNodeHealthy' });
    expect(after!.known).to.deep.equal(['kdump.service']);
    expect(after!.new).to.deep.equal([]);
    const saved = await h.load();
    const node2 = saved.nodes.find((n) => n.name === 'node-2')!;
    expect(node2.facts.failedUnitsBaseline).to.deep.equal(['kdump.service']);
    expect(node2.facts.failedUnitsAfterReboot).to.deep.equal({ known: ['kdump.service'], ignored: [], new: [] });
    expect(stepRecord(node2, 'verifyNodeHealthy').note).to.contain('no newly failed units (known from before the update: kdump.service)');
    const status = renderStatus(saved, undefined, h.clock.now());
    expect(status).to.contain('failed units before the update: kdump.service');
    expect(status).to.match(/failed units after the reboot: new: none; known from before: kdump.service/);
    expect(renderMarkdownReport(saved)).to.contain('Failed units after the reboot: new: none; known from before: kdump.service');
    expect(renderHtmlReport(saved)).to.contain('known from before: kdump.service');
    // the other nodes had none, and say so
    expect(failedUnitsEvents(h, 'node-1')[1]!.failed).to.deep.equal([]);
  });

  it('a unit that fails only after the reboot still halts, beside a known and an ignored one', async () => {
    h = await makeHarness({ configExtra: 'postChecks: { failedUnits: { ignore: ["mcelog*.service"] } }' });
    const n1 = h.world.node('node-1');
    n1.units.set('kdump.service', { load: 'loaded', active: 'failed', sub: 'failed' });
    n1.onNextBoot = { failUnits: ['docker-cleanup.service', 'mcelog.service'] };
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.step).to.equal('verifyNodeHealthy');
    expect(saved.halt?.reason).to.equal('failed units on node-1 after the reboot: docker-cleanup.service (not failed before the update)');
    expect(saved.halt?.details).to.include('known from before the update: kdump.service');
    expect(saved.halt?.details).to.include('ignored: mcelog.service');
    const after = failedUnitsEvents(h, 'node-1').find((e) => e.when === 'after-reboot')!;
    expect(after).to.deep.include({ known: ['kdump.service'], ignored: ['mcelog.service'], new: ['docker-cleanup.service'] });
    expect(renderStatus(saved, undefined, h.clock.now())).to.contain('new: docker-cleanup.service; known from before: kdump.service; ignored by postChecks.failedUnits.ignore: mcelog.service');
  });

  it('classifies failed units: the baseline first, then the ignore globs; without a baseline every one is new', () => {
    expect(classifyFailedUnits(['b.service', 'a.service', 'kdump.service', 'a.service'], ['kdump.service'], ['a*'])).to.deep.equal({ known: ['kdump.service'], ignored: ['a.service'], new: ['b.service'] });
    expect(classifyFailedUnits(['kdump.service'], undefined, [])).to.deep.equal({ known: [], ignored: [], new: ['kdump.service'] });
    expect(classifyFailedUnits(['kdump.service'], ['kdump.service'], ['kdump.service'])).to.deep.equal({ known: ['kdump.service'], ignored: [], new: [] });
  });

  it('enables a planet unit that runs after the reboot but is disabled, and reports the change', async () => {
    h = await makeHarness();
    const n2 = h.world.node('node-2');
    // after the reboot planet runs, but its unit file is disabled: it would not come back next time
    n2.onNextBoot = { runningButDisabled: [PLANET_UNIT] };
    expect(await h.run(), JSON.stringify((await h.load()).halt)).to.equal('completed');
    expect(n2.units.get(PLANET_UNIT)).to.include({ active: 'active', sub: 'running', file: 'enabled' });
    const changed = unitsChanged(h, 'node-2');
    expect(changed.map((e) => e.step)).to.deep.equal(['verifyNodeHealthy']);
    expect(changed[0]!.changes).to.deep.equal([{ unit: PLANET_UNIT, action: 'enable', before: 'loaded/active/running, disabled' }]);
    const node2 = (await h.load()).nodes.find((n) => n.name === 'node-2')!;
    expect(stepRecord(node2, 'verifyNodeHealthy').note).to.contain(`enabled: ${PLANET_UNIT}`);
    expect(node2.facts.unitsChanged).to.deep.equal(changed[0]!.changes);
  });

  it('enables (without starting) a gravity unit that is disabled before the reboot, so the node comes back', async () => {
    h = await makeHarness();
    const n2 = h.world.node('node-2');
    n2.units.set(PLANET_UNIT, { load: 'loaded', active: 'active', sub: 'running', file: 'disabled' });
    n2.units.set(TELEPORT_UNIT, { load: 'loaded', active: 'active', sub: 'running', file: 'disabled' });
    expect(await h.run(), JSON.stringify((await h.load()).halt)).to.equal('completed');
    for (const u of [PLANET_UNIT, TELEPORT_UNIT]) expect(n2.units.get(u), u).to.include({ active: 'active', sub: 'running', file: 'enabled' });
    const changed = unitsChanged(h, 'node-2');
    expect(changed.map((e) => e.step)).to.deep.equal(['enableGravityUnits']);
    expect(changed[0]!.changes.map((c) => `${c.action} ${c.unit} (was ${c.before})`)).to.deep.equal([
      `enable ${PLANET_UNIT} (was loaded/inactive/dead, disabled)`,
      `enable ${TELEPORT_UNIT} (was loaded/active/running, disabled)`,
    ]);
    expect(n2.boots).to.equal(1);
  });

  it('refuses to reboot a node whose gravity unit is masked, before the reboot', async () => {
    h = await makeHarness();
    h.world.node('node-1').units.set(TELEPORT_UNIT, { load: 'masked', active: 'inactive', sub: 'dead', file: 'masked' });
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.step).to.equal('enableGravityUnits');
    expect(saved.halt?.reason).to.contain(`${TELEPORT_UNIT} on node-1 is masked`);
    expect(h.world.node('node-1').calls.reboot).to.equal(0);
  });
});
