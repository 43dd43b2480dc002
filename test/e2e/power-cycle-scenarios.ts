import { expect } from 'chai';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClusterSampler, note, type E2eSuite, type Event } from './e2e-suite.js';

/**
 * A node that powers off instead of rebooting, and the coordinator-side hooks (issue #14), on the
 * shared lab of rolling-update-suite.ts: one operation carries a failing preDrain hook (halts before
 * node-1 is cordoned), the power-off without a power cycle (halts naming the node), and the resume with
 * the power cycle configured (the lab BMC powers node-1 on; postUncordon hooks record each node).
 */

/** A hook script on the coordinator's host: prints and appends `phase node operation` to `log`, exits `exitCode`. */
async function writeHookScript(path: string, log: string, exitCode: number): Promise<void> {
  await writeFile(
    path,
    ['#!/bin/sh', '# noderoll e2e hook: $1 node, $2 operation, $3 phase', `echo "$3 $1 $2" >> '${log}'`, exitCode === 0 ? 'echo "$3: recorded $1"' : `echo "$3: step-down of the database on $1 refused" >&2`, `exit ${exitCode}`, ''].join('\n'),
  );
  await chmod(path, 0o755);
}

const hookYaml = (point: string, script: string): string => `  ${point}:\n    - { command: ["${script}", "{node}", "{operation}", "{phase}"], timeout: 10s }`;

export function powerCycleScenarios(s: E2eSuite): void {
  it('a failing preDrain hook halts before node-1 is cordoned; node-1 then powers off instead of rebooting: without powerCycle the wait halts naming it; resume with powerCycle (the lab BMC over curl) recovers it, postUncordon hooks run for every node', async () => {
    const l = s.theLab();
    const version = s.takeVersion();
    const n1 = l.node('node-1');
    const hookDir = join(l.dir, 'hooks');
    const hookLog = join(hookDir, 'hooks.log');
    await mkdir(hookDir, { recursive: true });
    await rm(hookLog, { force: true });
    await writeHookScript(join(hookDir, 'db-step-down'), hookLog, 3);
    await writeHookScript(join(hookDir, 'record'), hookLog, 0);

    // 1. the preDrain hook refuses: halt in drainNode, node-1 never cordoned, the hook's output in the halt
    await s.writeConfig({ rebootTimeout: '20s', extraYaml: `hooks:\n${hookYaml('preDrain', join(hookDir, 'db-step-down'))}\n` });
    const sampler = new ClusterSampler(l);
    sampler.start();
    let refused;
    try {
      refused = await s.noderoll(['update', '--to', version, '--yes'], { okExitCodes: [1] });
    } finally {
      sampler.stop();
    }
    const hookHalt = refused.events.find((e) => e.type === 'operation-halted');
    note(`hook halt: ${hookHalt?.reason} | ${hookHalt?.details?.join(' | ')}`);
    expect(hookHalt?.node).to.equal('node-1');
    expect(hookHalt?.step).to.equal('drainNode');
    expect(hookHalt?.reason).to.match(/preDrain hook failed on node node-1: command `.*db-step-down node-1 nr-\S+ preDrain` exited with code 3/);
    expect(hookHalt?.details?.join('\n')).to.contain('preDrain: step-down of the database on node-1 refused');
    expect(refused.events.some((e) => e.type === 'step-output' && e.node === 'node-1' && /preDrain hook: preDrain: step-down/.test((e as Event & { line?: string }).line ?? ''))).to.equal(true);
    expect(sampler.samples).to.be.above(0);
    expect(sampler.outOfServiceSeen.has('node-1'), 'node-1 never cordoned').to.equal(false);
    expect((await readFile(hookLog, 'utf8')).trim()).to.match(/^preDrain node-1 nr-\S+$/);

    // 2. without the hook and without powerCycle: `systemctl reboot` on node-1 now powers it off; the wait halts
    await n1.exec('ln', ['-sf', '/lib/systemd/system/poweroff.target', '/etc/systemd/system/reboot.target']);
    try {
      await s.writeConfig({ rebootTimeout: '20s' });
      const halted = await s.noderoll(['resume', '--yes'], { okExitCodes: [1] });
      const halt = halted.events.find((e) => e.type === 'operation-halted');
      note(`power-off halt: ${halt?.reason}`);
      expect(halt?.node).to.equal('node-1');
      expect(halt?.step).to.equal('waitForReboot');
      expect(halt?.reason).to.match(/node node-1 did not come back within 20s of the reboot request/);
      expect(halt?.details?.join('\n')).to.contain('configure powerCycle');
      expect(n1.machine.state).to.equal('off');
    } finally {
      // the node's disk is the rootfs on the host: repair it while powered off (its next reboot is a reboot again)
      await rm(join(n1.rootfs, 'etc/systemd/system/reboot.target'), { force: true });
    }

    // 3. resume with the power cycle: the lab BMC, reached with curl as a Redfish BMC would be, powers node-1 on
    const bmc = l.bmc!;
    const resetsBefore = bmc.resets.length;
    const powerCycle = [
      'powerCycle:',
      `  command: [curl, --fail, --silent, --show-error, --max-time, "10", -X, POST, -H, "Content-Type: application/json", --data, '{"ResetType":"On"}', "${bmc.url}/redfish/v1/Systems/{node}/Actions/ComputerSystem.Reset"]`,
      '  timeout: 15s',
    ].join('\n');
    await s.writeConfig({ rebootTimeout: '20s', extraYaml: `${powerCycle}\nhooks:\n${hookYaml('postUncordon', join(hookDir, 'record'))}\n` });
    try {
      const resumed = await s.noderoll(['resume', '--yes']);
      expect(resumed.events.some((e) => e.type === 'operation-completed'), `${resumed.result.stderr}\n${JSON.stringify(resumed.events.find((e) => e.type === 'operation-halted'))}`).to.equal(true);
      expect(bmc.resets.slice(resetsBefore)).to.deep.equal([{ node: 'node-1', resetType: 'On', powerBefore: 'Off' }]);
      const waited = resumed.events.find((e) => e.type === 'step-completed' && e.node === 'node-1' && e.step === 'waitForReboot');
      note(`node-1 wait: ${waited?.note}`);
      expect(waited?.note).to.match(/after a power cycle \(curl .*\/redfish\/v1\/Systems\/node-1\/Actions\/ComputerSystem\.Reset\)/);
      const uncordoned = resumed.events.filter((e) => e.type === 'step-completed' && e.step === 'uncordonNode');
      expect(uncordoned.map((e) => e.node)).to.deep.equal(['node-1', 'node-2', 'node-3']);
      for (const e of uncordoned) expect(e.note).to.match(new RegExp(`postUncordon hook \`.*record ${e.node} nr-\\S+ postUncordon\` exited 0: postUncordon: recorded ${e.node}`));
      const log = (await readFile(hookLog, 'utf8')).trim().split('\n');
      expect(log.slice(1).map((line) => line.replace(/ nr-\S+$/, ''))).to.deep.equal(['postUncordon node-1', 'postUncordon node-2', 'postUncordon node-3']);
      await s.expectClusterHealthy(version);
    } finally {
      if (n1.machine.state === 'off') n1.machine.start();
      await n1.machine.waitRunning(60_000);
      await s.writeConfig();
    }
  });
}
