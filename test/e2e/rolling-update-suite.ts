import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseClusterHealthV2 } from '../../shared/etcd/cluster-health.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { INSTALL_HELD_MARKER, INSTALL_HOLD_FILE } from '../lab/lab-packages.js';
import { AGENT_PACKAGE } from '../lab/lab-agent.js';
import { STATE_NAMESPACE } from '../lab/lab-coordinator-identity.js';
import { CLOCK_OFFSET_MS, ClusterSampler, E2eSuite, note, PDB_APP, PDB_MIN_AVAILABLE, type Event, type Run } from './e2e-suite.js';
import { foresightScenarios } from './foresight-scenarios.js';
import { expectEachNodeOnce, kubernetesStateScenarios, nodeHistory, resumeAfterLeaseExpiry, TAKEOVER_LEASE } from './kubernetes-state-scenarios.js';
import { rollbackScenarios } from './rollback-scenarios.js';
import { powerCycleScenarios } from './power-cycle-scenarios.js';
import { windowScenarios } from './window-scenarios.js';
import { poolScenarios } from './pool-scenarios.js';

/**
 * The coordinator end to end on a 3-node lab: real systemd nodes with agents, real etcd, real
 * kubectl against the lab API server, the gravity stand-in. One lab per state backend serves every
 * scenario; each scenario rolls the cluster to the next release the lab offers. With the kubernetes
 * backend the coordinator keeps its lock and record in the lab's API server and acts only as the
 * ServiceAccount deploy/ ships, through the secure port where RBAC refuses anything else.
 */

/** The suite for one state backend; rolling-update-{file,kubernetes}.lab.test.ts each run one, so CI can run them at once. */
export function rollingUpdateSuite(backend: 'file' | 'kubernetes'): void {
  describe(`noderoll end to end on a 3-node lab (state backend: ${backend})`, function () {
    this.timeout(300_000);
    const s = new E2eSuite(backend);

    before(() => s.up());
    // Scenarios whose subject (post checks, the agent's install ledger) does not depend on where the record lives run
    // on the file backend only; the kubernetes backend's halt/resume paths have scenarios of their own (takeover, abort).
    const fileBackendOnly = (title: string, fn: () => Promise<void>): void => {
      if (backend === 'file') it(title, fn);
    };

    // A failed scenario must not leave an unfinished operation, a cordoned node or a stopped coordinator to the next one.
    afterEach(async function () {
      if (this.currentTest?.state !== 'failed' || !s.lab) return;
      const killed = s.killLeftovers();
      if (killed.length > 0) note(`killed coordinators left by the failed scenario: ${killed.join(', ')}`);
      // Every coordinator of this suite is a process of this test and none runs now: a Lease still naming one is stale.
      if (backend === 'kubernetes') await s.lab.kubectl(['delete', 'lease', 'noderoll', '-n', STATE_NAMESPACE, '--ignore-not-found']).catch(() => undefined);
      await s.writeConfig();
      await s.noderoll(['abort', '--yes'], { okExitCodes: [0, 1, 2, 3, 4, 5] }).catch(() => undefined);
      for (const n of s.lab.nodes) await s.lab.kubectl(['uncordon', n.name]).catch(() => undefined);
    });

    after(async () => {
      s.killLeftovers();
      await s.lab?.down();
    });

    it('updates all 3 nodes one at a time (node-2 20 min behind, node-3 20 min ahead): new boot IDs, each NotReady during its reboot, target version, uncordoned, Ready, etcd healthy, PDB app always available', async () => {
      const l = s.theLab();
      const version = s.takeVersion();
      // the skew is real where it matters: the kubelet stand-ins stamp their heartbeats with it
      for (const [name, offset] of Object.entries(CLOCK_OFFSET_MS)) {
        const beat = l.api!.store.nodes.get(name)!.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
        expect(Date.parse(beat ?? '') - Date.now(), `${name} heartbeat stamped by its own clock`).to.be.closeTo(offset, 60_000);
      }
      const bootsBefore = new Map(s.configuredNodes().map((n) => [n.name, n.bootId()]));
      const sampler = new ClusterSampler(l);
      sampler.start();
      const t0 = Date.now();
      let run: Run;
      try {
        run = await s.noderoll(['update', '--to', version, '--yes']);
      } finally {
        sampler.stop();
      }
      const wall = Date.now() - t0;
      const done = run.events.find((e) => e.type === 'operation-completed');
      expect(done, run.result.stderr).to.not.equal(undefined);
      note(`update of 3 nodes: ${wall} ms wall; coordinator reports waiting ${done!.waitingMs} ms, own overhead ${done!.overheadMs} ms`);
      for (const n of s.configuredNodes()) expect(n.bootId(), `${n.name} rebooted`).to.not.equal(bootsBefore.get(n.name));
      await s.expectClusterHealthy(version);
      const order = run.events.filter((e) => e.type === 'node-started').map((e) => e.node);
      expect(order).to.deep.equal(['node-1', 'node-2', 'node-3']);
      note(`sampler: ${sampler.samples} samples, max nodes out of service ${sampler.maxOutOfService}, min ready ${PDB_APP} pods ${sampler.minPdbReady}`);
      expect(sampler.maxOutOfService, 'never more than one node cordoned or NotReady').to.equal(1);
      expect([...sampler.outOfServiceSeen].sort()).to.deep.equal(['node-1', 'node-2', 'node-3']);
      note(`NotReady seen: ${JSON.stringify(Object.fromEntries(sampler.notReadySeen))}`);
      expect([...sampler.notReadySeen.keys()].sort(), 'each node seen NotReady during its reboot').to.deep.equal(['node-1', 'node-2', 'node-3']);
      const waitNote = (node: string): string => run.events.find((e) => e.type === 'step-completed' && e.node === node && e.step === 'waitForReboot')?.note ?? '';
      expect(waitNote('node-2')).to.match(/node clock is 20m behind the coordinator's/);
      expect(waitNote('node-3')).to.match(/node clock is 20m ahead of the coordinator's/);
      expect(waitNote('node-1')).to.not.contain('clock');
      expect(sampler.minPdbReady, `${PDB_APP} kept its PDB minimum`).to.be.at.least(PDB_MIN_AVAILABLE);
    });

    fileBackendOnly('a unit failing after reboot on node-1 halts before node-2 with node-1 cordoned; resume completes after the fix', async () => {
      const l = s.theLab();
      const version = s.takeVersion();
      const n1 = l.node('node-1');
      // a unit that starts fine now and fails on the next boot (while the marker file exists)
      await writeFile(
        join(n1.rootfs, 'etc/systemd/system/lab-flaky.service'),
        [
          '[Unit]',
          'Description=noderoll e2e: fails at boot while /etc/lab-flaky-fail exists',
          '[Service]',
          'Type=oneshot',
          'RemainAfterExit=yes',
          "ExecStart=/bin/sh -c 'test ! -e /etc/lab-flaky-fail'",
          '[Install]',
          'WantedBy=multi-user.target',
          '',
        ].join('\n'),
      );
      await n1.exec('systemctl', ['daemon-reload']);
      await n1.exec('systemctl', ['enable', '--now', 'lab-flaky.service']);
      await n1.exec('touch', ['/etc/lab-flaky-fail']);

      const halted = await s.noderoll(['update', '--to', version, '--yes'], { okExitCodes: [1] });
      const halt = halted.events.find((e) => e.type === 'operation-halted');
      expect(halt?.node).to.equal('node-1');
      expect(halt?.step).to.equal('verifyNodeHealthy');
      expect(JSON.stringify(halt)).to.contain('lab-flaky.service');
      expect(halt?.resumeCommand).to.contain('noderoll resume');
      expect(halted.events.some((e) => e.type === 'node-started' && e.node === 'node-2'), 'node-2 never started').to.equal(false);
      expect(l.api!.store.nodes.get('node-1')!.spec?.unschedulable, 'node-1 left cordoned').to.equal(true);
      expect(await s.installedVersion('node-2')).to.not.equal(version);

      const status = await s.noderoll(['status'], { okExitCodes: [1] });
      expect(status.result.stdout).to.contain('verifyNodeHealthy').and.contain('lab-flaky.service');

      await n1.exec('rm', ['-f', '/etc/lab-flaky-fail']);
      await n1.exec('systemctl', ['restart', 'lab-flaky.service']);
      await n1.exec('systemctl', ['reset-failed']);
      // the failure stays in this boot's journal: the operator accepts it explicitly, as the runbook's journal check asks
      await s.writeConfig({ journalIgnore: ['Failed to start lab-flaky\\.service'] });
      const resumed = await s.noderoll(['resume', '--yes']);
      expect(resumed.events.some((e) => e.type === 'operation-completed'), resumed.result.stderr).to.equal(true);
      await s.expectClusterHealthy(version);
      await n1.exec('systemctl', ['disable', '--now', 'lab-flaky.service']);
      await s.writeConfig();
    });

    it(
      backend === 'file'
        ? 'SIGKILL while waiting for node-2 to reboot: resume finishes without a second reboot or a reinstall on any node'
        : 'SIGKILL while waiting for node-2 to reboot: a coordinator on another host (own ServiceAccount, own state directory) is refused while the Lease is fresh, takes over once it expired and finishes without a second reboot or a reinstall on any node',
      async () => {
        const version = s.takeVersion();
        if (backend === 'kubernetes') await s.writeConfig({ leaseDuration: TAKEOVER_LEASE });
        try {
          const before = await nodeHistory(s, version);
          const killer = new AbortController();
          let killedPid = 0;
          const crashed = await s
            .noderoll(['update', '--to', version, '--yes'], {
              signal: killer.signal,
              onSpawn: (pid) => (killedPid = pid),
              onEvent: (e) => {
                if (e.type === 'step-started' && e.node === 'node-2' && e.step === 'waitForReboot') killer.abort();
              },
            })
            .then(
              () => undefined,
              (err: Error) => err,
            );
          expect(crashed?.message).to.match(/aborted|SIGKILL/);
          let resumed: Run;
          if (backend === 'file') {
            resumed = await s.noderoll(['resume', '--yes']);
          } else {
            const takeover = await resumeAfterLeaseExpiry(s, 'b', { pid: killedPid, command: `noderoll update --to ${version}` });
            note(`coordinator b took over after ${takeover.refusals} refusal(s) naming the killed pid ${killedPid}`);
            resumed = takeover.run;
          }
          expect(resumed.events.some((e) => e.type === 'operation-completed'), resumed.result.stderr).to.equal(true);
          await expectEachNodeOnce(s, version, before);
          await s.expectClusterHealthy(version);
        } finally {
          if (backend === 'kubernetes') await s.writeConfig();
        }
      },
    );

    // A drain blocked by a PDB and a node that powers off: how the steps fail and what the halt says. The
    // halt and resume they end with go through the store exactly as in the failed-unit scenario above, which
    // runs with both backends, so these run with the file backend only (each would add ~85 s to the other).
    if (backend === 'file') {
      // Drain foresight with the default policy (wait): the PDB is seen before anything is cordoned, the gate
      // re-checks until its timeout and halts there (the halt policy is foresight-scenarios.ts). A drain that
      // times out once started is the kubectl adapter's test (test/coordinator/kubectl.test.ts).
      it('a PDB that can never be satisfied: the gate before the first node with a web pod waits for it until its timeout, then halts naming the PDB and the pod with that node never cordoned; resume completes once it is gone', async () => {
        const l = s.theLab();
        const version = s.takeVersion();
        await s.writeConfig({ gatesBeforeNodeTimeout: '15s' });
        const manifest = join(l.dir, 'strict-pdb.json');
        await writeFile(
          manifest,
          JSON.stringify({
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: 'web-strict', namespace: 'default' },
            spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } },
          }),
        );
        await l.kubectl(['create', '--validate=false', '-f', manifest]);
        const sampler = new ClusterSampler(l);
        sampler.start();
        let haltedAt = '';
        try {
          const halted = await s.noderoll(['update', '--to', version, '--yes'], { okExitCodes: [1] });
          const halt = halted.events.find((e) => e.type === 'operation-halted');
          expect(halt?.step).to.equal('verifyClusterHealthy');
          haltedAt = halt?.node ?? '';
          const text = JSON.stringify(halt);
          expect(text).to.contain('web-strict');
          expect(text).to.match(/web-[a-z0-9]{5}/);
          const reports = halted.events.filter((e) => e.type === 'gate-report');
          expect(reports.length, 'the gate was checked again while it waited').to.be.at.least(2);
        } finally {
          sampler.stop();
          await l.kubectl(['delete', 'pdb', 'web-strict', '-n', 'default']);
          await s.writeConfig();
        }
        expect(sampler.samples).to.be.above(0);
        expect(haltedAt).to.not.equal('');
        expect(sampler.outOfServiceSeen.has(haltedAt), `${haltedAt} was never cordoned while the blocker was known`).to.equal(false);
        expect(sampler.maxOutOfService).to.be.at.most(1);
        const resumed = await s.noderoll(['resume', '--yes']);
        expect(resumed.events.some((e) => e.type === 'operation-completed'), resumed.result.stderr).to.equal(true);
        await s.expectClusterHealthy(version);
      });

      powerCycleScenarios(s);
    }

    it('refuses to start on a degraded cluster (one etcd member down) and says why', async () => {
      const l = s.theLab();
      const n3 = l.node('node-3');
      const planet = l.state().planetUnit;
      await n3.exec('systemctl', ['stop', planet]);
      try {
        await waitFor({ what: 'etcd to report node-3 unhealthy', timeoutMs: 20_000 }, async () => {
          const h = await l.etcdctlClusterHealth();
          return parseClusterHealthV2(h.stdout, h.exitCode).healthy ? notYet('still healthy') : ready(undefined);
        });
        const refused = await s.noderoll(['update', '--to', s.peekVersion(), '--yes'], { okExitCodes: [3] });
        const text = refused.result.stdout + refused.result.stderr;
        expect(text).to.match(/etcd/);
        expect(refused.events.some((e) => e.type === 'node-started')).to.equal(false);
        for (const n of l.nodes) expect(l.api!.store.nodes.get(n.name)!.spec?.unschedulable).to.not.equal(true);
      } finally {
        await n3.exec('systemctl', ['start', planet]);
        await l.waitEtcdHealthy(60_000);
        await l.waitNodesReady(60_000);
      }
    });

    // Node-side unit handling (failed units known before the update, a disabled planet unit re-enabled):
    // the record only carries its findings, which the other scenarios already round-trip through each
    // backend, so it runs with the file backend only.
    if (backend === 'file') {
      it('node-2 with a long-failed unit and a disabled planet unit: the update completes, the failed unit is reported as known, every gravity unit ends enabled and active', async () => {
        const l = s.theLab();
        const version = s.takeVersion();
        const n2 = l.node('node-2');
        const planet = l.state().planetUnit;
        // kdump on a host without crashkernel memory: fails at every boot, long before any update
        await writeFile(
          join(n2.rootfs, 'etc/systemd/system/kdump.service'),
          [
            '[Unit]',
            'Description=noderoll e2e: kdump stand-in (no memory reserved for the crash kernel)',
            '[Service]',
            'Type=oneshot',
            "ExecStart=/bin/sh -c 'echo \"kdump: no memory reserved for crash kernel\" >&2; exit 1'",
            '[Install]',
            'WantedBy=multi-user.target',
            '',
          ].join('\n'),
        );
        await n2.exec('systemctl', ['daemon-reload']);
        await n2.exec('systemctl', ['enable', 'kdump.service']);
        await n2.exec('systemctl', ['start', 'kdump.service'], { okExitCodes: [1] });
        // planet runs but is disabled: without noderoll it would not come back after the reboot
        await n2.exec('systemctl', ['disable', planet]);
        expect(await s.unitFile('node-2', planet)).to.equal('ActiveState=active SubState=running UnitFileState=disabled');
        expect(await s.unitFile('node-2', 'kdump.service')).to.match(/ActiveState=failed/);
        try {
          const run = await s.noderoll(['update', '--to', version, '--yes']);
          expect(run.events.some((e) => e.type === 'operation-completed'), `${run.result.stderr}\n${JSON.stringify(run.events.find((e) => e.type === 'operation-halted'))}`).to.equal(true);
          await s.expectClusterHealthy(version);
          type FailedUnits = Event & { when: string; failed: string[]; known: string[]; ignored: string[]; new: string[] };
          const failed = run.events.filter((e): e is FailedUnits => e.type === 'failed-units' && e.node === 'node-2');
          expect(failed.map((e) => [e.when, e.failed])).to.deep.equal([
            ['before-update', ['kdump.service']],
            ['after-reboot', ['kdump.service']],
          ]);
          expect(failed[1]).to.deep.include({ known: ['kdump.service'], ignored: [], new: [] });
          type UnitsChanged = Event & { changes: { unit: string; action: string; before: string }[] };
          const changed = run.events.filter((e): e is UnitsChanged => e.type === 'units-changed' && e.node === 'node-2');
          expect(changed.map((e) => [e.step, e.changes.map((c) => `${c.action} ${c.unit}`)])).to.deep.equal([['enableGravityUnits', [`enable ${planet}`]]]);
          expect(changed[0]!.changes[0]!.before).to.match(/disabled$/);
          expect(run.events.some((e) => e.type === 'units-changed' && e.node !== 'node-2'), 'nothing to change elsewhere').to.equal(false);
          const status = await s.noderoll(['status']);
          expect(status.result.stdout).to.contain('kdump.service');
          note(`node-2 events: ${failed.map((e) => `${e.when}: known ${e.known.join(',') || '-'}, new ${e.new.join(',') || '-'}`).join('; ')}; ${changed[0]!.changes.map((c) => `${c.action} ${c.unit} (was ${c.before})`).join('; ')}`);
        } finally {
          await n2.exec('systemctl', ['disable', 'kdump.service']);
          await n2.exec('rm', ['-f', '/etc/systemd/system/kdump.service']);
          await n2.exec('systemctl', ['daemon-reload']);
          await n2.exec('systemctl', ['reset-failed']);
          await n2.exec('systemctl', ['enable', planet]);
        }
      });
    }

    fileBackendOnly('the agent on node-2 is killed in the middle of its install: resume re-reads the node and completes with a fresh attempt', async () => {
      const l = s.theLab();
      const version = s.takeVersion();
      const n2 = l.node('node-2');
      // node-2's install waits in its postinst while the hold file exists (a slow real maintainer script)
      await n2.exec('mkdir', ['-p', dirname(INSTALL_HOLD_FILE)]);
      await n2.exec('touch', [INSTALL_HOLD_FILE]);
      let killed: Promise<void> | undefined;
      const killAgentDuringInstall = async (): Promise<void> => {
        await waitFor({ what: `node-2's install to be held in its postinst (${INSTALL_HELD_MARKER})`, timeoutMs: 60_000 }, async () =>
          (await n2.exec('test', ['-e', INSTALL_HELD_MARKER], { okExitCodes: [0, 1] })).exitCode === 0 ? ready(undefined) : notYet('not held yet'),
        );
        const mainPid = async (): Promise<string> => (await n2.exec('systemctl', ['show', '-p', 'MainPID', '--value', 'noderoll-agent'])).stdout.trim();
        const killedPid = await mainPid();
        // the agent and the install it runs die at once, as on a power loss; systemd restarts the agent
        await n2.exec('systemctl', ['kill', '--signal=SIGKILL', 'noderoll-agent.service']);
        await n2.exec('rm', ['-f', INSTALL_HOLD_FILE]);
        // the operator resumes once the agent is back (before that, resume halts: the agent is unreachable)
        await waitFor({ what: "node-2's restarted agent to serve", timeoutMs: 60_000 }, async () => {
          const pid = await mainPid();
          if (pid === killedPid || pid === '0') return notYet(`MainPID ${pid}`);
          const log = (await n2.exec('journalctl', ['-u', 'noderoll-agent', '--no-pager', '-o', 'cat', `_PID=${pid}`], { okExitCodes: [0, 1] })).stdout;
          return log.includes('noderoll-agent is serving') ? ready(undefined) : notYet(`agent ${pid} not serving yet`);
        });
      };
      try {
        const halted = await s.noderoll(['update', '--to', version, '--yes'], {
          okExitCodes: [1],
          onEvent: (e) => {
            if (e.type === 'step-started' && e.node === 'node-2' && e.step === 'installUpdate') killed ??= killAgentDuringInstall();
          },
        });
        await killed;
        const halt = halted.events.find((e) => e.type === 'operation-halted');
        note(`halt message: ${halt?.reason}`);
        expect(halt?.node).to.equal('node-2');
        expect(halt?.step).to.equal('installUpdate');
        expect(halt?.reason).to.match(/lost the agent of node-2 during install attempt 1 of 3/);
        // dpkg was killed in the postinst: the package is unpacked at the target but not configured
        const dpkgState = (await n2.exec('dpkg-query', ['-W', '-f=${Version} ${db:Status-Status}', 'noderoll-lab-planet'])).stdout;
        note(`node-2 after the kill: noderoll-lab-planet ${dpkgState}`);
        expect(dpkgState, 'the interrupted install left node-2 short of the target').to.not.equal(`${version} installed`);
      } finally {
        await n2.exec('rm', ['-f', INSTALL_HOLD_FILE]);
      }

      const resumed = await s.noderoll(['resume', '--yes'], { okExitCodes: [0, 1] });
      expect(resumed.events.some((e) => e.type === 'operation-completed'), JSON.stringify(resumed.events.find((e) => e.type === 'operation-halted'))).to.equal(true);
      const progress = resumed.events.filter((e) => e.type === 'step-progress' && e.node === 'node-2').map((e) => (e as Event & { message?: string }).message ?? '');
      expect(progress.some((m) => /install attempt 2 of 3: attempt 1 \(operation .*\.install\) ended interrupted/.test(m)), progress.join('\n')).to.equal(true);
      const status = await s.noderoll(['status']);
      const record = (status.events.find((e) => e.type === 'status') as Event & { operation?: { nodes: { name: string; facts: { installAttempts?: { attempt: number; agentOperationId: string; outcome?: string }[] } }[] } }).operation!;
      const attempts = record.nodes.find((n) => n.name === 'node-2')!.facts.installAttempts ?? [];
      note(`node-2 install attempts: ${attempts.map((a) => `${a.attempt} ${a.agentOperationId} ${a.outcome}`).join('; ')}`);
      expect(attempts.map((a) => a.outcome)).to.deep.equal(['interrupted', 'succeeded']);
      expect(attempts[1]!.agentOperationId).to.match(/\.install-2$/);
      for (const other of ['node-1', 'node-3']) expect(record.nodes.find((n) => n.name === other)!.facts.installAttempts?.map((a) => a.outcome)).to.deep.equal(['succeeded']);
      await s.expectClusterHealthy(version);
    });
    // Agent package upgrades touch the agents, not the coordinator's state: the file backend only.
    if (backend === 'file') {
      it('upgrading the agent package with no operation running (dpkg -i of a newer .deb on node-1): the agent restarts, reports the new version, keeps its operation ledger, noderoll plan stays green', async () => {
        const l = s.theLab();
        const { pkg, debInNode } = await s.newerAgentPackage();
        const before = await s.agentOf('node-1');
        expect(before.info.agentVersion).to.equal(l.agentPackage!.version);
        expect(before.operationIds.length, 'the earlier updates left operations in the ledger').to.be.above(0);
        const stateBefore = (await l.node('node-1').exec('ls', ['-l', '--time-style=+%s', '/var/lib/noderoll-agent'])).stdout;
        const bootBefore = l.node('node-1').bootId();
        const upgrade = await s.upgradeAgent('node-1', debInNode);
        note(`node-1: agent ${before.info.agentVersion} (PID ${upgrade.pidBefore}) -> ${pkg.version} (PID ${upgrade.pidAfter}); dpkg: ${upgrade.dpkgOutput.trim().split('\n').slice(-2).join(' | ')}`);
        expect(upgrade.pidAfter).to.not.equal(upgrade.pidBefore);
        expect((await l.node('node-1').exec('dpkg-query', ['-W', '-f=${Version} ${db:Status-Status}', AGENT_PACKAGE])).stdout).to.equal(`${pkg.version} installed`);
        const after = await s.agentOf('node-1');
        expect(after.info.agentVersion).to.equal(pkg.version);
        expect(after.info.bootId, 'no reboot').to.equal(bootBefore);
        expect(after.operationIds, 'the ledger survived the upgrade').to.deep.equal(before.operationIds);
        expect((await l.node('node-1').exec('ls', ['-l', '--time-style=+%s', '/var/lib/noderoll-agent'])).stdout.split('\n')[0], 'state directory kept').to.equal(stateBefore.split('\n')[0]);
        const plan = await s.noderoll(['plan', '--to', s.peekVersion()]);
        const result = plan.events.find((e) => e.type === 'plan') as (Event & { passed: boolean; preflight: { node: string; passed: boolean; checks: { name: string; detail: string }[] }[] }) | undefined;
        expect(result?.passed, plan.result.stdout).to.equal(true);
        const reachable = result!.preflight.find((p) => p.node === 'node-1')!.checks.find((c) => c.name === 'agent reachable');
        expect(reachable?.detail).to.contain(`agent ${pkg.version}`);
      });

      it('upgrading the agent package of node-3 during `noderoll update`, right after node-1 completed and while node-2 is worked on: the update continues and every node reaches the target', async () => {
        const version = s.takeVersion();
        const { pkg, debInNode } = await s.newerAgentPackage();
        const timeline: string[] = [];
        let upgrade: Promise<Awaited<ReturnType<E2eSuite['upgradeAgent']>>> | undefined;
        const run = await s.noderoll(['update', '--to', version, '--yes'], {
          onEvent: (e) => {
            if (e.type === 'node-started' || e.type === 'node-completed' || (e.type === 'step-started' && e.node === 'node-2')) timeline.push(`${e.type} ${e.node}${e.step ? ` ${e.step}` : ''}`);
            // between two nodes: node-1 is done, node-2 not started yet; node-3 is not worked on until node-2 completes
            if (e.type === 'node-completed' && e.node === 'node-1') {
              timeline.push('agent upgrade of node-3 started (dpkg -i)');
              upgrade = s.upgradeAgent('node-3', debInNode).then((u) => {
                timeline.push(`agent upgrade of node-3 done: new agent PID ${u.pidAfter} ready`);
                return u;
              });
              upgrade.catch(() => undefined);
            }
          },
        });
        expect(upgrade, 'node-1 completed, so the upgrade ran').to.not.equal(undefined);
        const u = await upgrade!;
        note(`timeline: ${timeline.join(' → ')}`);
        expect(run.events.some((e) => e.type === 'operation-completed'), `${run.result.stderr}\n${JSON.stringify(run.events.find((e) => e.type === 'operation-halted'))}`).to.equal(true);
        const started = timeline.indexOf('agent upgrade of node-3 started (dpkg -i)');
        const done = timeline.findIndex((t) => t.startsWith('agent upgrade of node-3 done'));
        expect(timeline.indexOf('node-completed node-1'), 'upgrade started right after node-1 completed').to.equal(started - 1);
        expect(started, 'before node-2 started').to.be.below(timeline.indexOf('node-started node-2'));
        expect(done, 'the new agent was ready before node-3 was worked on').to.be.below(timeline.indexOf('node-started node-3'));
        expect(u.pidAfter).to.not.equal(u.pidBefore);
        expect((await s.agentOf('node-3')).info.agentVersion, 'node-3 was updated by the upgraded agent').to.equal(pkg.version);
        expect(run.events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.deep.equal(['node-1', 'node-2', 'node-3']);
        await s.expectClusterHealthy(version);
      });
    }

    if (backend === 'kubernetes') kubernetesStateScenarios(s);
    if (backend === 'file') foresightScenarios(s);
    if (backend === 'file') windowScenarios(s);
    if (backend === 'file') rollbackScenarios(s);
    if (backend === 'file') poolScenarios(s);
  });
}
