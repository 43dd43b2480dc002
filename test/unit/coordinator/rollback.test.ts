import { expect } from 'chai';
import { parseConfigText } from '../../../coordinator/config/load-config.js';
import { renderHtmlReport, renderMarkdownReport } from '../../../coordinator/report/index.js';
import { describeEvent } from '../../../coordinator/cli/reporter.js';
import { ConfigError } from '../../../shared/config/config-error.js';
import type { OperationRecord } from '../../../coordinator/state/operation-record.js';
import { LockLostError, type StateStore } from '../../../coordinator/state/state-store.js';
import { makeHarness, TARGET, type Harness } from './fakes/engine-harness.js';
import { UPDATE_PACKAGE } from './fakes/fake-world.js';

const OLD = '7.0.67';

/** Issue #14, area R: onFailure rollback of a package-based node (coordinator/recovery). */
describe('rollback of a node whose update is broken', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const nodeOf = (r: OperationRecord, name = 'node-1') => r.nodes.find((n) => n.name === name)!;
  const types = (h: Harness) => h.events.map((e) => e.type);
  const haltEvent = (h: Harness) => h.events.filter((e) => e.type === 'operation-halted').at(-1) as { reason: string; details: string[]; step?: string } | undefined;

  it('records the rollback point (the watched packages before the first install) in the node record', async () => {
    h = await makeHarness();
    expect(await h.run()).to.equal('completed');
    const point = nodeOf(await h.load()).facts.rollbackPoint;
    expect(point).to.deep.include({ package: UPDATE_PACKAGE, version: OLD, packages: { [UPDATE_PACKAGE]: OLD } });
    expect(point?.recordedAt).to.be.a('string');
  });

  it('keeps the rollback point of the first attempt when a later install attempt finds the package half-updated', async () => {
    h = await makeHarness({ configExtra: 'onFailure: rollback' });
    const n1 = h.world.node('node-1');
    n1.installFaults = ['interrupted-before-unpack'];
    expect(await h.run()).to.equal('halted');
    n1.version = '7.0.68~partial';
    h.world.brokenVersions.add(TARGET);
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('halted');
    expect(nodeOf(await h.load()).facts.rollbackPoint?.version).to.equal(OLD);
    expect(n1.version, 'rolled back to the version from before the first attempt').to.equal(OLD);
  });

  it('onFailure halt (the default): a broken version halts with the node cordoned on it, no rollback', async () => {
    h = await makeHarness();
    expect(h.config.onFailure).to.equal('halt');
    h.world.brokenVersions.add(TARGET);
    expect(await h.run()).to.equal('halted');
    const n1 = h.world.node('node-1');
    expect(n1.version).to.equal(TARGET);
    expect(n1.cordoned).to.equal(true);
    expect(types(h).filter((t) => t.startsWith('node-rollback'))).to.deep.equal([]);
    expect(nodeOf(await h.load()).rollbacks).to.equal(undefined);
  });

  it('onFailure rollback: reinstalls the recorded version, reboots, checks, uncordons, then halts with the reason; resume after a fix updates the node from the start', async () => {
    h = await makeHarness({ configExtra: 'onFailure: rollback' });
    h.world.brokenVersions.add(TARGET);
    const n1 = h.world.node('node-1');
    expect(await h.run()).to.equal('halted');

    expect(n1.version, 'back on the recorded version').to.equal(OLD);
    expect(n1.cordoned, 'uncordoned after the rollback passed its post checks').to.equal(false);
    expect(h.world.kubeletReady(n1), 'Node Ready').to.equal(true);
    expect(n1.boots, 'the update boot and the rollback boot').to.equal(2);
    expect(n1.calls.install).to.equal(2);
    expect(h.world.node('node-2').calls.install, 'no other node started').to.equal(0);

    const halt = haltEvent(h)!;
    expect(halt.step).to.equal('waitForReboot');
    expect(halt.reason).to.match(/^node node-1 was rolled back to gravity-planet 7\.0\.67 \(healthy and uncordoned\) after waitForReboot failed: node node-1 did not come back/);
    expect(halt.details.join('\n')).to.match(/resume updates node node-1 from the start \(install of 7\.0\.68 again\)/);
    expect(types(h).filter((t) => t.startsWith('node-rollback') || t === 'step-failed' || t === 'operation-halted')).to.deep.equal([
      'step-failed',
      'node-rollback-started',
      'node-rollback-completed',
      'operation-halted',
    ]);

    const record = await h.load();
    expect(record.status).to.equal('halted');
    expect(record.halt?.reason).to.equal(halt.reason);
    const node = nodeOf(record);
    expect(node.status).to.equal('failed');
    expect(node.rollbacks).to.have.length(1);
    expect(node.rollbacks![0]).to.deep.include({ trigger: 'automatic', status: 'completed', fromVersion: TARGET, toVersion: OLD });
    expect(node.rollbacks![0]!.notes.join('\n')).to.match(/install the recorded version: installed 7\.0\.67/);
    expect(node.steps.every((s) => s.status === 'pending'), 'the node starts over on resume').to.equal(true);
    expect(node.facts).to.deep.equal({ rollbackPoint: node.facts.rollbackPoint, rerunAfterRollback: 1 });
    // the rollback's agent requests have their own IDs: the update's would only replay
    expect([...n1.ops.keys()].filter((id) => id.includes('.rollback-1.'))).to.have.length.greaterThan(1);

    // the halt output does not call the node cordoned
    const printed = describeEvent(h.events.filter((e) => e.type === 'operation-halted').at(-1)!).join('\n');
    expect(printed).to.contain('Node node-1 is back in service on its old version. Replace the broken release, then resume');
    expect(printed).to.not.contain('cordoned once drained');

    // the report lists the rollback with its reason
    expect(renderMarkdownReport(record)).to.match(/- Rollback 1 \(automatic\): 7\.0\.68 → 7\.0\.67: completed; started .*; because waitForReboot failed: node node-1 did not come back/);
    expect(renderHtmlReport(record)).to.contain('rollback 1 (automatic)');

    // the vendor fixed the release
    h.world.brokenVersions.delete(TARGET);
    const resumedOutcome = await h.run({ resumed: true, record });
    expect(resumedOutcome, JSON.stringify((await h.load()).halt)).to.equal('completed');
    expect(n1.version).to.equal(TARGET);
    expect(n1.calls.install, 'the target installed again').to.equal(3);
    expect(n1.cordoned).to.equal(false);
    const done = await h.load();
    expect(done.nodes.map((n) => n.status)).to.deep.equal(['completed', 'completed', 'completed']);
    expect(nodeOf(done).rollbacks, 'the rollback stays on record').to.have.length(1);
    expect(n1.boots, 'a real reboot on the new run, not a replay of the first').to.equal(3);
    expect([...n1.ops.keys()].filter((id) => id.endsWith('.rerun-1'))).to.include.members([`${done.id}.node-1.install.rerun-1`, `${done.id}.node-1.reboot.rerun-1`]);
  });

  /** The store as a coordinator sees it that loses its lock at the first save after `when` holds for the record. */
  const losingLockAt = (store: StateStore, when: (r: OperationRecord) => boolean): StateStore => {
    const view = Object.create(store) as StateStore;
    view.save = async (record, lock) => {
      if (when(record)) throw new LockLostError('of the test store', 'another coordinator took the lock');
      return store.save(record, lock);
    };
    return view;
  };

  it('a resume after the coordinator stopped in the middle of a rollback finishes that rollback: no second rollback, no third boot', async () => {
    h = await makeHarness({ configExtra: 'onFailure: rollback' });
    h.world.brokenVersions.add(TARGET);
    const n1 = h.world.node('node-1');
    // The rollback's reboot was requested and recorded; the coordinator loses its lock at the next save.
    const rebooted = (r: OperationRecord) => nodeOf(r).rollbacks?.at(-1)?.notes.some((n) => n.startsWith('rebootNode')) === true;
    const lost = await h.run({ store: losingLockAt(h.store, rebooted) }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(lost).to.be.instanceOf(LockLostError);
    const interrupted = nodeOf(await h.load());
    expect(interrupted.rollbacks?.map((r) => r.status)).to.deep.equal(['running']);
    expect(interrupted.rollbacks![0]!.facts?.bootIdBeforeReboot, "the rollback's own boot ID before its reboot").to.be.a('string');
    expect(interrupted.facts.bootIdBeforeReboot, "the update's reboot record is kept apart").to.not.equal(interrupted.rollbacks![0]!.facts?.bootIdBeforeReboot);
    expect(n1.boots, 'the update boot; the rollback boot under way').to.equal(1);

    h.events.length = 0;
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('halted');
    expect(n1.version).to.equal(OLD);
    expect(n1.cordoned).to.equal(false);
    expect(n1.boots, 'the update boot and the one rollback boot').to.equal(2);
    expect([...n1.ops.keys()].filter((id) => id.includes('.rollback-2.')), 'no second rollback').to.deep.equal([]);
    const record = await h.load();
    const node = nodeOf(record);
    expect(node.rollbacks?.map((r) => r.status)).to.deep.equal(['completed']);
    // Lost at the save after the reboot was sent: the resume finds the reboot requested, not done by it.
    expect(node.rollbacks![0]!.notes.find((n) => n.startsWith('rebootNode'))).to.match(/^rebootNode: already done: /);
    expect(node.rollbacks![0]!.notes.map((n) => n.split(':')[0])).to.deep.equal(['find the planet unit', 'stop the planet unit', 'install the recorded version', 'enableGravityUnits', 'rebootNode', 'waitForReboot', 'verifyNodeHealthy', 'uncordonNode']);
    expect(record.halt?.reason).to.match(/^node node-1 was rolled back to gravity-planet 7\.0\.67 \(healthy and uncordoned\) after waitForReboot failed/);
    expect(types(h).filter((t) => t.startsWith('node-rollback') || t === 'operation-halted')).to.deep.equal(['node-rollback-completed', 'operation-halted']);
    expect(h.world.node('node-2').calls.install, 'no other node started').to.equal(0);
  });

  it('a rollback that fails too halts with both reasons and the node left cordoned', async () => {
    h = await makeHarness({ configExtra: 'onFailure: rollback' });
    h.world.brokenVersions.add(TARGET);
    h.world.brokenVersions.add(OLD);
    expect(await h.run()).to.equal('halted');
    const n1 = h.world.node('node-1');
    expect(n1.version).to.equal(OLD);
    expect(n1.cordoned).to.equal(true);
    const halt = haltEvent(h)!;
    expect(halt.reason).to.match(/^rollback of node node-1 to gravity-planet 7\.0\.67 failed \(waitForReboot: node node-1 did not come back.*\) after waitForReboot failed: node node-1 did not come back/);
    expect(halt.details).to.include('rollback: node node-1 stays cordoned');
    expect(types(h)).to.include('node-rollback-failed');
    const rollback = nodeOf(await h.load()).rollbacks![0]!;
    expect(rollback.status).to.equal('failed');
    expect(rollback.error).to.match(/^waitForReboot: /);
  });

  it('a node that never answers after the reboot is not rolled back (its agent cannot install): it halts as it is', async () => {
    h = await makeHarness({ configExtra: 'onFailure: rollback' });
    const n1 = h.world.node('node-1');
    n1.onNextBoot = { powerOff: true };
    expect(await h.run()).to.equal('halted');
    expect(n1.calls.install).to.equal(1);
    expect(types(h).filter((t) => t.startsWith('node-rollback'))).to.deep.equal([]);
    expect(haltEvent(h)!.reason).to.match(/^node node-1 did not come back/);
  });

  it('post checks failing on the new boot trigger the rollback too', async () => {
    h = await makeHarness({ configExtra: 'onFailure: rollback' });
    const n1 = h.world.node('node-1');
    n1.onNextBoot = { planetChecksFail: true };
    expect(await h.run()).to.equal('halted');
    expect(haltEvent(h)!.step).to.equal('verifyNodeHealthy');
    expect(haltEvent(h)!.reason).to.match(/^node node-1 was rolled back to gravity-planet 7\.0\.67 \(healthy and uncordoned\) after verifyNodeHealthy failed: planet checks on node-1 fail/);
    expect(n1.version).to.equal(OLD);
    expect(n1.cordoned).to.equal(false);
  });
});

describe('config onFailure', () => {
  const MINIMAL = 'nodes:\n  - { name: n1, agent: "n1:7443" }\nagents: { insecurePlaintext: true }\n';
  it('defaults to halt and accepts rollback', () => {
    expect(parseConfigText(MINIMAL, '/etc/noderoll/config.yaml').onFailure).to.equal('halt');
    expect(parseConfigText(`${MINIMAL}onFailure: rollback\n`, '/etc/noderoll/config.yaml').onFailure).to.equal('rollback');
  });
  it('refuses anything else, naming the field', () => {
    try {
      parseConfigText(`${MINIMAL}onFailure: retry\n`, '/etc/noderoll/config.yaml');
      expect.fail('accepted');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const problem = (err as ConfigError).problems.find((p) => p.field === 'onFailure');
      expect(problem?.problem).to.match(/halt.*rollback/);
    }
  });
});
