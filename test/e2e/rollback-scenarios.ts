import { expect } from 'chai';
import { ExitCode } from '../../coordinator/cli/exit-codes.js';
import { isNodeReady } from '../kube-api/k8s-predicates.js';
import { BROKEN_PLANET_DROP_IN, buildPlanetPackage, PLANET_PACKAGE } from '../lab/lab-packages.js';
import { note, type E2eSuite, type Event } from './e2e-suite.js';

/**
 * Rollback of a package-based node (issue #14): the next release is published broken (its planet
 * unit fails to start), node-1 is updated to it with onFailure: rollback and comes back on its old
 * version by itself; `noderoll rollback node-1` does the same by hand; the vendor re-publishes the
 * same version fixed and `resume` completes. Only
 * node-1 takes part (--nodes node-1), which keeps the scenario cheap: the other nodes are updated
 * by the next scenario's release.
 */

const of = (events: Event[], type: string): Event[] => events.filter((e) => e.type === type);

export function rollbackScenarios(s: E2eSuite): void {
  it('a broken release on node-1 with onFailure: rollback: node-1 back on its old version, Ready and uncordoned, the operation halted with the reason; noderoll rollback node-1 does the same by hand; re-published fixed, resume completes', async () => {
    const l = s.theLab();
    const version = s.takeVersion();
    const n1 = l.node('node-1');
    const before = await s.installedVersion('node-1');
    await buildPlanetPackage(l.packageDir, version, { broken: true });
    try {
      await s.writeConfig({ rebootTimeout: '20s', extraYaml: 'onFailure: rollback\n' });
      const halted = await s.noderoll(['update', '--to', version, '--yes', '--nodes', 'node-1'], { okExitCodes: [ExitCode.halted] });
      const failed = of(halted.events, 'step-failed')[0];
      expect(failed?.step, halted.result.stdout).to.equal('waitForReboot');
      note(`the broken release: ${failed?.reason}`);
      expect(failed?.reason).to.match(/Node is not Ready/);
      const halt = of(halted.events, 'operation-halted')[0];
      note(`halt: ${halt?.reason}`);
      expect(halt?.node).to.equal('node-1');
      expect(halt?.reason).to.match(new RegExp(`^node node-1 was rolled back to ${PLANET_PACKAGE} ${before.replace(/\./g, '\\.')} \\(healthy and uncordoned\\) after waitForReboot failed`));
      expect(halted.events.map((e) => e.type).filter((t) => t.startsWith('node-rollback'))).to.deep.equal(['node-rollback-started', 'node-rollback-completed']);

      // healthy on the old version: the rollback's dpkg -i downgraded the package and removed the broken drop-in
      expect(await s.installedVersion('node-1')).to.equal(before);
      expect((await n1.exec('test', ['-e', BROKEN_PLANET_DROP_IN], { okExitCodes: [0, 1] })).exitCode, 'broken drop-in gone').to.equal(1);
      expect(await s.unitFile('node-1', l.state().planetUnit)).to.equal('ActiveState=active SubState=running UnitFileState=enabled');
      const node = l.api!.store.nodes.get('node-1')!;
      expect(isNodeReady(node), 'node-1 Ready').to.equal(true);
      expect(node.spec?.unschedulable ?? false, 'node-1 uncordoned').to.equal(false);

      const status = await s.noderoll(['status'], { okExitCodes: [ExitCode.halted] });
      expect(status.result.stdout).to.contain('was rolled back to');

      // the same by hand (`noderoll rollback`), here of a node in service: drained first, reinstalled, rebooted, checked, uncordoned
      const bootBefore = n1.bootId();
      const byHand = await s.noderoll(['rollback', 'node-1', '--yes']);
      expect(byHand.result.stdout, byHand.result.stderr).to.contain(`node node-1 was rolled back by hand to ${PLANET_PACKAGE} ${before}`);
      expect(byHand.events.map((e) => e.type).filter((t) => t.startsWith('node-rollback'))).to.deep.equal(['node-rollback-started', 'node-rollback-completed']);
      expect(n1.bootId(), 'node-1 rebooted').to.not.equal(bootBefore);
      expect(await s.installedVersion('node-1')).to.equal(before);
      const back = l.api!.store.nodes.get('node-1')!;
      expect(isNodeReady(back) && !back.spec?.unschedulable, 'node-1 Ready and schedulable after the rollback by hand').to.equal(true);

      // the vendor fixes the release under the same version
      await buildPlanetPackage(l.packageDir, version);
      await s.writeConfig();
      const resumed = await s.noderoll(['resume', '--yes']);
      expect(of(resumed.events, 'operation-completed'), resumed.result.stderr).to.have.length(1);
      const install = of(resumed.events, 'step-completed').find((e) => e.node === 'node-1' && e.step === 'installUpdate');
      expect(install?.note, 'node-1 installed again from the start').to.match(new RegExp(`-> ${version.replace(/\./g, '\\.')}$`));
      expect(await s.installedVersion('node-1')).to.equal(version);
      const after = l.api!.store.nodes.get('node-1')!;
      expect(isNodeReady(after) && !after.spec?.unschedulable, 'node-1 Ready and schedulable on the fixed release').to.equal(true);
    } finally {
      await buildPlanetPackage(l.packageDir, version);
      await s.writeConfig();
    }
  });
}
