import { expect } from 'chai';
import { ExitCode } from '../../coordinator/cli/exit-codes.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import type { Activity } from '../kube-api/activity-log.js';
import { RECORD_KEY } from '../../coordinator/state/operation-configmap.js';
import { STATE_NAMESPACE } from '../lab/lab-coordinator-identity.js';
import { ClusterSampler, note, processExists, type Coordinator, type E2eSuite, type Event, type NoderollOptions, type Run } from './e2e-suite.js';

/**
 * The acceptance scenarios of the kubernetes state backend (issue #12) on the suite's lab: coordinators
 * as on different hosts (each its own ServiceAccount from deploy/, token, kubeconfig and state
 * directory) racing for the Lease, taking over from a crashed or frozen holder, a detached update
 * watched from elsewhere, and an abort across hosts through the API.
 */

/** Short enough that a takeover scenario waits seconds, long enough that a slow kubectl run under CI load does not lose it (renewed every 5 s, renew deadline 10 s). */
export const TAKEOVER_LEASE = '15s';
const TAKEOVER_LEASE_MS = 15_000;
const LEASE = `lease ${STATE_NAMESPACE}/noderoll`;
const MUTATING_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** The error a run ended with (its NDJSON error line, else its stderr). */
export function errorOf(run: Run): string {
  return run.events.find((e) => e.type === 'error')?.message ?? run.result.stderr;
}

function isLockRefusal(run: Run): boolean {
  return run.result.exitCode === ExitCode.conflict && errorOf(run).includes(`another coordinator holds the lock ${LEASE}`);
}

/** A refusal names the holder: its pid, the command it runs and when it last renewed the Lease. */
function expectNamesHolder(run: Run, holderPid: number, command: string): void {
  expect(errorOf(run)).to.contain(`holds the lock ${LEASE}: pid ${holderPid} on `).and.contain(`\`${command}`).and.match(/last renewed \d{4}-\d\d-\d\dT/);
}

/**
 * `noderoll resume` from coordinator `who` while the Lease still names `holderPid`, which no longer
 * renews it: refused (exit 5, naming the holder) at once, then tried again until accepted once the
 * Lease expired. Returns the accepted run.
 */
export async function resumeAfterLeaseExpiry(s: E2eSuite, who: Coordinator, holder: { pid: number; command: string }, options: NoderollOptions = {}): Promise<{ run: Run; refusals: number }> {
  const attempt = (): Promise<Run> => s.noderoll(['resume', '--yes'], { ...options, as: who, okExitCodes: [ExitCode.ok, ExitCode.halted, ExitCode.interrupted, ExitCode.conflict] });
  const first = await attempt();
  expect(isLockRefusal(first), `resume refused while the Lease is fresh; got exit ${first.result.exitCode}: ${errorOf(first)}`).to.equal(true);
  expectNamesHolder(first, holder.pid, holder.command);
  let refusals = 1;
  const run = await waitFor(
    { what: `coordinator ${who}'s resume to be accepted once the ${LEASE} of pid ${holder.pid} expired`, timeoutMs: 4 * TAKEOVER_LEASE_MS + 60_000, initialDelayMs: 1000, maxDelayMs: 3000 },
    async () => {
      const r = await attempt();
      if (!isLockRefusal(r)) return ready(r);
      expectNamesHolder(r, holder.pid, holder.command);
      refusals++;
      return notYet(errorOf(r));
    },
  );
  return { run, refusals };
}

function completed(run: Run): boolean {
  return run.events.some((e) => e.type === 'operation-completed');
}

/** The `ApiRequest` entries (the API server's authorization decisions) of one identity that change something. */
function mutatingRequestsOf(activity: readonly Activity[], user: string, since = 0): string[] {
  return activity.flatMap((a) => {
    const r = a.request;
    if (a.at < since || !r || r.user !== user || !MUTATING_VERBS.includes(r.verb)) return [];
    return [`${new Date(a.at).toISOString()} ${r.verb} ${r.resource ?? ''} ${a.namespace ?? ''}/${a.name} ${r.allowed ? 'allowed' : 'forbidden'}`];
  });
}

/** Boot counts and planet installs of every node, to prove a takeover did nothing twice. */
async function nodeHistory(s: E2eSuite, version: string): Promise<Map<string, { boots: number; installs: number }>> {
  return new Map(await Promise.all(s.configuredNodes().map(async (n) => [n.name, { boots: n.machine.boots, installs: await s.planetInstalls(n.name, version) }] as const)));
}

/** Every node rebooted exactly once and installed `version` exactly once since `before`. */
export async function expectEachNodeOnce(s: E2eSuite, version: string, before: Map<string, { boots: number; installs: number }>): Promise<void> {
  const after = await nodeHistory(s, version);
  for (const [node, b] of before) {
    expect(after.get(node)!.boots - b.boots, `${node} rebooted exactly once`).to.equal(1);
    expect(after.get(node)!.installs - b.installs, `${node} installed ${version} exactly once (dpkg.log)`).to.equal(1);
  }
}
export { nodeHistory };

export function kubernetesStateScenarios(s: E2eSuite): void {
  describe('kubernetes state backend: coordinators on different hosts', function () {
    this.timeout(420_000);

    it('two coordinators with different identities start `update` at the same moment: exactly one runs to completion, the other exits 5 naming the holder', async () => {
      const version = s.takeVersion();
      const command = `noderoll update --to ${version}`;
      const pids: Record<Coordinator, number> = { a: 0, b: 0 };
      const who = ['a', 'b'] as const;
      const runs = await Promise.all(who.map((c) => s.noderoll(['update', '--to', version, '--yes'], { as: c, okExitCodes: [ExitCode.ok, ExitCode.conflict], onSpawn: (p) => (pids[c] = p) })));
      const winner = who.filter((_, i) => runs[i]!.result.exitCode === ExitCode.ok);
      const loser = who.filter((_, i) => runs[i]!.result.exitCode === ExitCode.conflict);
      note(`winner ${winner.join(',')} (pid ${winner.map((c) => pids[c]).join(',')}); loser ${loser.join(',')}: ${loser.map((c) => errorOf(runs[who.indexOf(c)]!)).join(' | ')}`);
      expect(winner, 'exactly one coordinator ran').to.have.length(1);
      expect(loser, 'the other exited 5').to.have.length(1);
      const won = runs[who.indexOf(winner[0]!)]!;
      const lost = runs[who.indexOf(loser[0]!)]!;
      expect(completed(won), errorOf(won)).to.equal(true);
      expect(won.events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.deep.equal(['node-1', 'node-2', 'node-3']);
      expect(isLockRefusal(lost), errorOf(lost)).to.equal(true);
      expectNamesHolder(lost, pids[winner[0]!], command);
      expect(lost.events.filter((e) => ['plan', 'node-started', 'operation-started'].includes(e.type)), 'the loser did nothing').to.deep.equal([]);
      await s.expectClusterHealthy(version);
    });

    it('the lease holder frozen (SIGSTOP) past its lease while a coordinator on another host takes over with `resume`: woken (SIGCONT) it stops with exit 5, the lock lost, without another write to the API; never more than one node out of service; the takeover finishes, nothing done twice', async () => {
      const l = s.theLab();
      const version = s.takeVersion();
      await s.writeConfig({ leaseDuration: TAKEOVER_LEASE });
      const frozenUser = (await s.identityOf('a')).username;
      const takeoverUser = (await s.identityOf('b')).username;
      const before = await nodeHistory(s, version);
      const sampler = new ClusterSampler(l);
      sampler.start();
      let frozenPid = 0;
      let wokeAt = 0;
      let frozen: (() => void) | undefined;
      const frozenNow = new Promise<void>((resolve) => (frozen = resolve));
      try {
        const holderRun = s.noderoll(['update', '--to', version, '--yes'], {
          as: 'a',
          okExitCodes: [ExitCode.ok, ExitCode.conflict],
          onSpawn: (pid) => (frozenPid = pid),
          onEvent: (e) => {
            if (e.type === 'step-started' && e.node === 'node-2' && e.step === 'waitForReboot' && frozen) {
              if (frozenPid <= 0) throw new Error(`no pid of the holder to freeze (${frozenPid})`);
              process.kill(frozenPid, 'SIGSTOP');
              note(`froze the holder, pid ${frozenPid}, at node-2's waitForReboot`);
              frozen();
              frozen = undefined;
            }
          },
        });
        // awaited below; a scenario that fails before then must not leave its rejection unhandled
        holderRun.catch(() => undefined);
        const endedEarly = holderRun.then((r) => expect.fail(`the holder ended (exit ${r.result.exitCode}) before node-2's reboot: ${errorOf(r)}`));
        endedEarly.catch(() => undefined);
        await Promise.race([frozenNow, endedEarly]);
        const beforeFreeze = mutatingRequestsOf(l.api!.activity.all(), frozenUser);
        expect(beforeFreeze.length, 'the holder wrote (Lease, ConfigMap, cordon) as its own ServiceAccount before it was frozen').to.be.above(0);

        const wake = (e: Event): void => {
          // the takeover works on node-3 (node-3 out of service): the frozen holder wakes in the middle of it
          if (e.type === 'node-started' && e.node === 'node-3' && wokeAt === 0) {
            wokeAt = Date.now();
            process.kill(frozenPid, 'SIGCONT');
          }
        };
        const takeover = await resumeAfterLeaseExpiry(s, 'b', { pid: frozenPid, command: `noderoll update --to ${version}` }, { onEvent: wake });
        const holder = await holderRun;
        note(`takeover after ${takeover.refusals} refusal(s); the woken holder: exit ${holder.result.exitCode}: ${errorOf(holder)}`);
        expect(wokeAt, 'the holder was woken while the takeover worked on node-3').to.be.above(0);
        expect(completed(takeover.run), errorOf(takeover.run)).to.equal(true);
        expect(holder.result.exitCode, 'the woken holder stopped with a conflict').to.equal(ExitCode.conflict);
        expect(errorOf(holder)).to.match(/stopped/).and.match(new RegExp(`lock ${LEASE} is no longer ours`));
        expect(holder.events.some((e) => e.type === 'operation-completed' || e.type === 'operation-halted'), 'the woken holder did not end the operation').to.equal(false);
        expect(mutatingRequestsOf(l.api!.activity.all(), takeoverUser, wokeAt).length, 'the takeover kept writing as its own ServiceAccount').to.be.above(0);
      } finally {
        sampler.stop();
        await s.writeConfig();
      }
      note(`sampler: ${sampler.samples} samples, max nodes out of service ${sampler.maxOutOfService}`);
      expect(sampler.maxOutOfService, 'never more than one node cordoned or NotReady').to.equal(1);
      await expectEachNodeOnce(s, version, before);
      await s.expectClusterHealthy(version);
      const afterWake = mutatingRequestsOf(l.api!.activity.all(), frozenUser, wokeAt);
      note(`requests that change something, by the frozen holder ${frozenUser} after it woke: ${afterWake.length === 0 ? 'none' : afterWake.join('; ')}`);
      expect(
        afterWake.filter((r) => !r.includes(' leases ')),
        'the woken holder touched no node, pod or record',
      ).to.deep.equal([]);
      // Past its renew deadline the holder may no longer act, so not even a renewal of the Lease (which the
      // API server refuses with 409 once taken over; a renewal before any takeover would revive a dead lease).
      expect(afterWake, 'no write at all by the woken holder, not even a Lease renewal').to.deep.equal([]);
    });

    it('`update --detach --yes` returns and its process is gone; the operation completes; `noderoll watch` from another host (other identity) shows it live and exits 0 at completion', async () => {
      const l = s.theLab();
      const version = s.takeVersion();
      let launcherPid = 0;
      const detached = await s.noderoll(['update', '--to', version, '--yes', '--detach'], { onSpawn: (pid) => (launcherPid = pid) });
      expect(processExists(launcherPid), 'the launching process is gone').to.equal(false);
      const started = detached.events.find((e) => e.type === 'detached') as (Event & { operationId: string; how: string; output: string }) | undefined;
      expect(started, detached.result.stdout).to.not.equal(undefined);
      note(`detached: ${started!.how}, output ${started!.output}`);
      const childPid = Number(/^pid (\d+)$/.exec(started!.how)?.[1]);
      expect(childPid, `the spawn launcher (PID 1 is not systemd here) names the coordinator's pid: ${started!.how}`).to.be.above(0);
      expect(processExists(childPid), 'the detached coordinator runs on').to.equal(true);

      const recordNow = (): { status: string; nodesCompleted: number } | undefined => {
        const text = l.api!.store.configmaps.get('noderoll-operation', STATE_NAMESPACE)?.data?.[RECORD_KEY];
        if (!text) return undefined;
        const r = JSON.parse(text) as { id: string; status: string; nodes: { status: string }[] };
        return { status: r.status, nodesCompleted: r.nodes.filter((n) => n.status === 'completed').length };
      };
      let atFirstWatchEvent: ReturnType<typeof recordNow>;
      const watched = await s.noderoll(['watch', started!.operationId], {
        as: 'b',
        onEvent: (e) => {
          if (e.type !== 'message' && atFirstWatchEvent === undefined) atFirstWatchEvent = recordNow() ?? { status: 'none', nodesCompleted: 0 };
        },
      });
      note(`watch: ${watched.events.length} events; the record when watch printed its first: ${JSON.stringify(atFirstWatchEvent)}`);
      expect(atFirstWatchEvent?.nodesCompleted, 'watch started while nodes were still to do').to.be.below(3);
      expect(watched.events.filter((e) => e.type === 'node-completed').map((e) => e.node), 'watch showed each node completing').to.deep.equal(['node-1', 'node-2', 'node-3']);
      expect(watched.events.some((e) => e.type === 'operation-completed')).to.equal(true);
      await waitFor({ what: `the detached coordinator (pid ${childPid}) to exit after the operation completed`, timeoutMs: 30_000 }, async () =>
        processExists(childPid) ? notYet('still running') : ready(undefined),
      );
      await s.expectClusterHealthy(version);
    });

    it('`noderoll abort` from another host (other identity) during an update: the holder stops at its next safe point (exit 4) through the API; the other host resumes it to completion', async () => {
      const l = s.theLab();
      const version = s.takeVersion();
      let aborted: Promise<Run> | undefined;
      // node-2's install is no point to stop at: the holder goes on until node-2 is back in service
      const holder = await s.noderoll(['update', '--to', version, '--yes'], {
        okExitCodes: [ExitCode.interrupted],
        onEvent: (e) => {
          if (e.type === 'step-started' && e.node === 'node-2' && e.step === 'installUpdate' && !aborted) {
            aborted = s.noderoll(['abort'], { as: 'b' });
            aborted.catch(() => undefined);
          }
        },
      });
      expect(aborted, 'node-2 started its install, so abort ran').to.not.equal(undefined);
      const abort = await aborted!;
      const request = abort.events.find((e) => e.type === 'abort') as (Event & { requested?: string }) | undefined;
      expect(request?.requested, abort.result.stdout).to.equal('graceful');
      const interrupted = holder.events.find((e) => e.type === 'operation-interrupted');
      note(`holder stopped: ${JSON.stringify(interrupted)}`);
      expect(interrupted, 'the holder reports the stop').to.not.equal(undefined);
      expect(holder.events.some((e) => e.type === 'node-started' && e.node === 'node-3'), 'node-3 never started').to.equal(false);
      for (const n of l.nodes) expect(l.api!.store.nodes.get(n.name)!.spec?.unschedulable, `${n.name} back in service at the stop`).to.not.equal(true);
      expect([await s.installedVersion('node-1'), await s.installedVersion('node-2')]).to.deep.equal([version, version]);
      expect(await s.installedVersion('node-3')).to.not.equal(version);
      const resumed = await s.noderoll(['resume', '--yes'], { as: 'b' });
      expect(completed(resumed), errorOf(resumed)).to.equal(true);
      expect(resumed.events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.include('node-3');
      await s.expectClusterHealthy(version);
    });
  });
}
