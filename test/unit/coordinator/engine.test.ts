import { expect } from 'chai';
import type { TimedEvent } from '../../../coordinator/engine/events.js';
import { StopControl } from '../../../coordinator/engine/stop-control.js';
import { STEP_NAMES } from '../../../coordinator/plan/runbook.js';
import { agentOperationId } from '../../../coordinator/ports/node-agent.js';
import { stepRecord, type OperationRecord } from '../../../coordinator/state/operation-record.js';
import { CrashingStore, makeHarness, RESUME, SimulatedCrash, TARGET, type Harness } from './fakes/engine-harness.js';
import { PLANET_UNIT } from './fakes/fake-world.js';

const ORDER = ['node-1', 'node-3', 'node-2']; // masters first, then the worker

function stepNames(h: Harness, node: string, type: 'step-completed' | 'step-started'): string[] {
  return h.events.filter((e) => e.type === type && 'node' in e && e.node === node).map((e) => (e as { step: string }).step);
}

/**
 * Runs until the CrashingStore "kills" the coordinator and returns the state file as the crash left it.
 * Fails when the run ended any other way (the crash point was never reached, or another error).
 */
async function runUntilCrash(h: Harness, crashing: CrashingStore): Promise<OperationRecord> {
  const ended = await h.run({ store: crashing }).then(
    (outcome) => `finished: ${outcome}`,
    (e: unknown) => e,
  );
  expect(ended, 'the run died of the simulated crash').to.be.instanceOf(SimulatedCrash);
  expect(crashing.crashedOn, 'the crash point was reached').to.not.equal(undefined);
  const onDisk = await h.load();
  expect(onDisk, 'nothing was saved after the crash').to.deep.equal(crashing.crashedOn);
  return onDisk;
}

function completedEvent(h: Harness): Extract<TimedEvent, { type: 'operation-completed' }> {
  const done = h.events.find((e) => e.type === 'operation-completed');
  if (done?.type !== 'operation-completed') throw new Error('no operation-completed event');
  return done;
}

/**
 * Virtual time passes only inside the clock's sleeps and the fake world's calls, all of which are
 * waiting: every millisecond of the run must be accounted as waiting, none as coordinator overhead.
 * An untracked sleep shows up as overhead, an overlap counted twice as negative overhead.
 * (The coordinator's real overhead is measured in bench/coordinator-overhead.)
 */
function expectAllTimeWaiting(h: Harness, virtualMs: number): void {
  const done = completedEvent(h);
  expect(done.durationMs, 'the duration is the time the run took on its clock').to.equal(virtualMs);
  expect(done.waitingMs, 'all of the virtual time was spent waiting').to.equal(virtualMs);
  expect(done.overheadMs).to.equal(0);
}

describe('coordinator engine (fake cluster, fake clock)', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('updates 3 nodes one at a time, masters first: new boot, target version, uncordoned, Ready', async () => {
    h = await makeHarness();
    const started = h.clock.now();
    expect(await h.run()).to.equal('completed');
    const virtualMs = h.clock.now() - started;
    for (const name of ORDER) {
      const n = h.world.node(name);
      expect(n.boots, `${name} rebooted once`).to.equal(1);
      expect(n.version).to.equal(TARGET);
      expect(n.cordoned).to.equal(false);
      expect(h.world.kubeletReady(n)).to.equal(true);
      expect(n.calls.install).to.equal(1);
      expect(n.calls.reboot).to.equal(1);
      expect(n.annotations['noderoll.io/phase']).to.equal('updated');
      expect(n.annotations['noderoll.io/operation']).to.equal(h.record.id);
    }
    expect(h.events.filter((e) => e.type === 'node-started').map((e) => (e as { node: string }).node)).to.deep.equal(ORDER);
    expect(h.world.maxOutOfService, h.world.outOfServiceLog.join('\n')).to.equal(1);
    expect(h.world.backups, 'one backup per operation').to.equal(1);
    const saved = await h.load();
    expect(saved.status).to.equal('completed');
    expect(saved.nodes.every((n) => n.status === 'completed' && n.steps.every((s) => s.status === 'completed'))).to.equal(true);
    expect(saved.nodes[0]!.facts.bootIdAfterReboot).to.equal(h.world.node('node-1').bootId);
    expect(saved.backup?.artifact).to.contain(h.record.id);
    // every step of the runbook, in order, on each node
    expect(stepNames(h, 'node-1', 'step-completed')).to.deep.equal(saved.nodes[0]!.steps.map((s) => s.name));
    // the drain happened only after the gates, and uncordon before the soak
    const n1 = stepNames(h, 'node-1', 'step-started');
    expect(n1.indexOf('drainNode')).to.be.greaterThan(n1.indexOf('verifyClusterHealthy'));
    expect(n1.indexOf('soakClusterHealth')).to.be.greaterThan(n1.indexOf('uncordonNode'));
    expect(completedEvent(h).waitingMs, 'reboots, polls and soaks are waiting').to.be.greaterThan(60_000);
    expectAllTimeWaiting(h, virtualMs);
  });

  it('pauses between nodes with --pause-between (not before the first)', async () => {
    h = await makeHarness();
    h.record.invocation.pauseBetweenMs = 300_000;
    const started = h.clock.now();
    expect(await h.run()).to.equal('completed');
    expectAllTimeWaiting(h, h.clock.now() - started);
    const at = (type: string, node: string): number => Date.parse(h.events.find((e) => e.type === type && 'node' in e && e.node === node)!.time);
    expect(at('node-started', 'node-3') - at('node-completed', 'node-1')).to.be.at.least(300_000);
    expect(at('node-started', 'node-1') - Date.parse(h.events[0]!.time)).to.be.below(1000);
  });

  it('a failing post check on node 1 halts before node 2 with node 1 cordoned, naming the unit and the resume command', async () => {
    h = await makeHarness();
    h.world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
    expect(await h.run()).to.equal('halted');
    const n1 = h.world.node('node-1');
    expect(n1.cordoned, 'the failed node stays cordoned').to.equal(true);
    expect(n1.boots).to.equal(1);
    for (const other of ['node-2', 'node-3']) {
      expect(h.world.node(other).calls.drain, `${other} untouched`).to.equal(0);
      expect(h.world.node(other).cordoned).to.equal(false);
    }
    const saved = await h.load();
    expect(saved.status).to.equal('halted');
    expect(saved.halt?.node).to.equal('node-1');
    expect(saved.halt?.step).to.equal('verifyNodeHealthy');
    expect(saved.halt?.reason).to.contain('noderoll-lab-broken.service');
    expect(saved.halt?.resumeCommand).to.equal(RESUME);
    const halted = h.events.find((e) => e.type === 'operation-halted');
    expect(halted && 'resumeCommand' in halted && halted.resumeCommand).to.equal(RESUME);
    expect(n1.annotations['noderoll.io/phase']).to.equal('halted');

    // fix it, then resume: node 1 is not rebooted again, the rest completes
    n1.units.delete('noderoll-lab-broken.service');
    expect(await h.run({ resumed: true, record: saved })).to.equal('completed');
    expect(n1.boots, 'not rebooted again').to.equal(1);
    expect(n1.calls.install).to.equal(1);
    expect(n1.cordoned).to.equal(false);
    expect(h.world.node('node-2').version).to.equal(TARGET);
    expect(h.world.maxOutOfService).to.equal(1);
    expect(stepRecord((await h.load()).nodes[0]!, 'rebootNode').note).to.match(/already done: the node already rebooted/);
  });

  it('after a crash while waiting for node 3 to come back, resume neither reboots nor reinstalls it', async () => {
    h = await makeHarness();
    const crashing = new CrashingStore(h.store, (r: OperationRecord) => stepRecord(r.nodes[1]!, 'waitForReboot').status === 'running');
    const record = await runUntilCrash(h, crashing);
    const n3 = h.world.node('node-3');
    expect(n3.calls.reboot).to.equal(1);
    expect(n3.power, 'node 3 is down, rebooting').to.equal('rebooting');

    // a new coordinator process: reads the state file, re-reads reality
    expect(record.status).to.equal('running');
    expect(record.nodes[1]!.facts.bootIdBeforeReboot).to.be.a('string');
    expect(await h.run({ resumed: true, record })).to.equal('completed');
    expect(n3.calls.reboot, 'no second reboot').to.equal(1);
    expect(n3.calls.install, 'no second install').to.equal(1);
    expect(n3.boots).to.equal(1);
    const resumed = (await h.load()).nodes[1]!;
    expect(stepRecord(resumed, 'rebootNode').note).to.match(/already done/);
    expect(stepRecord(resumed, 'installUpdate').note).to.match(/already done/);
    expect(h.world.maxOutOfService).to.equal(1);
  });

  it('after a crash right after the reboot request was accepted, resume waits instead of rebooting again', async () => {
    h = await makeHarness();
    h.world.rebootMs = 120_000;
    const crashing = new CrashingStore(h.store, (r) => stepRecord(r.nodes[0]!, 'rebootNode').status === 'completed');
    const record = await runUntilCrash(h, crashing);
    expect(stepRecord(record.nodes[0]!, 'waitForReboot').status, 'died before the wait began').to.equal('pending');
    const n1 = h.world.node('node-1');
    expect(n1.calls.reboot).to.equal(1);
    expect(n1.power, 'the crash came while node 1 was rebooting').to.equal('rebooting');
    expect(await h.run({ resumed: true, record })).to.equal('completed');
    expect(n1.calls.reboot).to.equal(1);
    expect(n1.boots).to.equal(1);
  });

  it('after a crash in the middle of the install, resume lets the agent answer from its record: one install', async () => {
    h = await makeHarness();
    const crashing = new CrashingStore(h.store, (r) => stepRecord(r.nodes[0]!, 'installUpdate').status === 'running');
    const record = await runUntilCrash(h, crashing);
    expect(h.world.node('node-1').calls.install, 'the coordinator died before it called the agent').to.equal(0);
    // the agent had run the install before the coordinator died
    await h.world.agent('node-1').install({ version: TARGET, operationId: agentOperationId(h.record.id, 'node-1', 'install') }, () => undefined);
    expect(h.world.node('node-1').calls.install).to.equal(1);
    expect(await h.run({ resumed: true, record })).to.equal('completed');
    expect(h.world.node('node-1').calls.install, 'not installed twice').to.equal(1);
    expect(h.world.node('node-1').calls.drain, 'drain re-run (idempotent) before the reboot').to.equal(2);
    expect(h.world.node('node-1').boots).to.equal(1);
  });

  it('after a crash during uncordon, resume re-cordons until verified instead of draining again', async () => {
    h = await makeHarness();
    const crashing = new CrashingStore(h.store, (r) => stepRecord(r.nodes[0]!, 'uncordonNode').status === 'running');
    const record = await runUntilCrash(h, crashing);
    expect(h.world.node('node-1').cordoned, 'the crash came before kubectl uncordon').to.equal(true);
    h.world.node('node-1').cordoned = false; // kubectl uncordon went through before the crash
    expect(await h.run({ resumed: true, record })).to.equal('completed');
    const n1 = h.world.node('node-1');
    expect(n1.calls.drain).to.equal(1);
    expect(n1.boots).to.equal(1);
    expect(stepRecord((await h.load()).nodes[0]!, 'drainNode').note).to.contain('cordoned again until the post checks pass');
  });

  it('a graceful stop requested mid-node finishes that node to a safe point, leaves it in service and the next untouched', async () => {
    h = await makeHarness();
    const stop = new StopControl();
    const agent1 = h.world.agent('node-1');
    const originalInstall = agent1.install.bind(agent1);
    // Ctrl-C while node 1 installs
    h.world.node('node-1');
    const agents = new Map([['node-1', { ...agent1, install: async (...a: Parameters<typeof agent1.install>) => {
      stop.requestGraceful('SIGINT received');
      return originalInstall(...a);
    } }]]);
    const outcome = await h.run({ stop, deps: { agentFor: (n) => agents.get(n.name) ?? h.world.agent(n.name) } });
    expect(outcome).to.equal('interrupted');
    const n1 = h.world.node('node-1');
    expect(n1.version).to.equal(TARGET);
    expect(n1.cordoned, 'node 1 back in service').to.equal(false);
    expect(h.world.node('node-3').calls.drain).to.equal(0);
    const saved = await h.load();
    expect(saved.status).to.equal('interrupted');
    expect(saved.halt?.kind).to.equal('interrupted');
    expect(saved.halt?.step).to.equal('soakClusterHealth');
    expect(saved.halt?.details).to.deep.equal([]);
    // resume finishes the soak of node 1 and the rest
    expect(await h.run({ resumed: true, record: saved })).to.equal('completed');
    expect(n1.boots).to.equal(1);
    expect(n1.calls.drain, 'a node back in service is not drained again').to.equal(1);
    expect(h.world.node('node-2').version).to.equal(TARGET);
  });

  it('`noderoll abort --now` stops at the next step boundary, saying the node stays out of service', async () => {
    h = await makeHarness();
    const original = h.world.cluster.drainNode;
    h.world.cluster.drainNode = async (name, o) => {
      await original(name, o);
      await h.store.requestAbort({ operationId: h.record.id, requestedAt: new Date().toISOString(), by: { pid: 1, host: 'other', command: 'noderoll abort --now' }, mode: 'now' });
    };
    expect(await h.run()).to.equal('interrupted');
    const saved = await h.load();
    expect(saved.halt?.step).to.equal('findPlanetUnit');
    expect(saved.halt?.reason).to.contain('noderoll abort --now');
    expect(saved.halt?.details.join()).to.contain('node-1 is out of service');
    expect(h.world.node('node-1').cordoned).to.equal(true);
    expect(await h.store.readAbortRequest(), 'request consumed').to.equal(undefined);
    h.world.cluster.drainNode = original;
    expect(await h.run({ resumed: true, record: saved })).to.equal('completed');
    expect(h.world.node('node-1').boots).to.equal(1);
  });

  it('refuses to start a node while a gate fails (etcd member down), changing nothing', async () => {
    h = await makeHarness();
    h.world.node('node-3').units.set(PLANET_UNIT, { load: 'loaded', active: 'inactive', sub: 'dead' });
    expect(await h.run()).to.equal('halted');
    for (const n of h.world.nodes.values()) {
      expect(n.calls.drain).to.equal(0);
      expect(n.cordoned).to.equal(false);
    }
    const saved = await h.load();
    expect(saved.halt?.step).to.equal('verifyClusterHealthy');
    expect(saved.halt?.reason).to.match(/etcd: member of node-3 is unreachable/);
    expect(saved.halt?.reason).to.match(/gravity: node node-3 is degraded/);
    expect(h.world.backups).to.equal(0);
  });

  it('never takes a second node out of service: resume refuses while another node is cordoned', async () => {
    h = await makeHarness();
    h.world.node('node-1').onNextBoot = { planetChecksFail: true };
    expect(await h.run()).to.equal('halted');
    expect((await h.load()).halt?.reason).to.contain('planet checks');
    h.world.node('node-1').planetChecksFail = false;
    h.world.node('node-2').cordoned = true; // someone else took node-2 out meanwhile
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.reason).to.match(/refusing to resume node node-1: node node-2 is already out of service \(cordoned\)/);
    h.world.node('node-2').cordoned = false;
    expect(await h.run({ resumed: true, record: saved })).to.equal('completed');
  });

  it('halts with a clear message when a node powers off instead of rebooting', async () => {
    h = await makeHarness();
    h.world.node('node-1').onNextBoot = { powerOff: true };
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.step).to.equal('waitForReboot');
    expect(saved.halt?.reason).to.match(/node node-1 did not come back within 300s of the reboot request: agent unreachable/);
    expect(saved.halt?.details.join('\n')).to.contain('power it on');
    expect(h.world.node('node-3').calls.drain).to.equal(0);
  });

  it('halts on a drain that times out, naming the pod and its PodDisruptionBudget', async () => {
    h = await makeHarness();
    h.world.drainBlocker = { namespace: 'default', pod: 'payments-7x2kq', budget: { namespace: 'default', name: 'payments', detail: '0 disruptions allowed' } };
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.step).to.equal('drainNode');
    expect(saved.halt?.reason).to.contain('default/payments-7x2kq').and.contain('PodDisruptionBudget default/payments');
    expect(h.world.node('node-1').cordoned).to.equal(true);
    expect(h.world.node('node-1').calls.reboot).to.equal(0);
  });

  it('flags new journal errors after the reboot, compared with the baseline and the ignore list', async () => {
    h = await makeHarness({ configExtra: 'journal: { ignore: ["^ignored noise"] }' });
    const n1 = h.world.node('node-1');
    n1.journal.push({ timeMs: 1, priority: 3, message: 'known error 17 from 10.0.0.1', unit: 'kubelet.service', bootId: n1.bootId });
    n1.onNextBoot = { journalErrors: ['known error 42 from 10.0.0.9', 'ignored noise', 'disk I/O error on sda'] };
    expect(await h.run()).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt?.reason).to.match(/1 new journal error on node-1 since the reboot \(first: .*disk I\/O error on sda\)/);
  });

  it('enables a gravity unit that did not start after the reboot, then goes on', async () => {
    h = await makeHarness();
    h.world.node('node-1').onNextBoot = { stopUnits: ['gravity__gravitational.io__teleport__3.2.17.service'] };
    expect(await h.run()).to.equal('completed');
    expect(h.world.node('node-1').calls.enable).to.equal(1);
    expect(stepRecord((await h.load()).nodes[0]!, 'verifyNodeHealthy').note).to.contain('enabled --now: gravity__gravitational.io__teleport__3.2.17.service');
  });

  it('asks before each node with --confirm-each-node and stops when declined', async () => {
    h = await makeHarness();
    const asked: string[] = [];
    const outcome = await h.run({ deps: { confirmNode: async (n) => (asked.push(n.name), n.name === 'node-1') } });
    expect(outcome).to.equal('interrupted');
    expect(asked).to.deep.equal(['node-1', 'node-3']);
    expect(h.world.node('node-1').version).to.equal(TARGET);
    expect(h.world.node('node-3').calls.drain).to.equal(0);
    expect((await h.load()).halt?.reason).to.contain('declined');
  });

  it("reports each step to the node's agent as its update phase, in runbook order, with the step's deadline, then done", async () => {
    h = await makeHarness();
    expect(await h.run()).to.equal('completed');
    for (const name of ORDER) {
      const phases = h.world.node(name).phases;
      expect(phases.every((p) => p.operationId === h.record.id)).to.equal(true);
      // waitForReboot starts while the node is down: that report is lost (logged), the next one lands.
      expect(phases.map((p) => p.phase), name).to.deep.equal([...STEP_NAMES.filter((s) => s !== 'waitForReboot'), 'done']);
      const deadline = (phase: string): number | undefined => phases.find((p) => p.phase === phase)?.deadlineMs;
      expect(deadline('verifyClusterHealthy')).to.equal(60_000);
      expect(deadline('drainNode')).to.equal(120_000);
      expect(deadline('soakClusterHealth')).to.equal(300_000);
      expect(deadline('rebootNode'), 'the node is due back within timeouts.reboot').to.equal(300_000);
      expect(deadline('findPlanetUnit')).to.equal(0);
      expect(deadline('done')).to.equal(0);
    }
  });

  it('reports halted to the agent of the node that failed; an agent refusing phase reports does not stop the update', async () => {
    h = await makeHarness();
    h.world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
    expect(await h.run()).to.equal('halted');
    expect(h.world.node('node-1').phases.at(-1)?.phase).to.equal('halted');
    expect(h.world.node('node-3').phases).to.deep.equal([]);

    const saved = await h.load();
    h.world.node('node-1').units.delete('noderoll-lab-broken.service');
    for (const name of ORDER) h.world.node(name).phaseReportsFail = true;
    expect(await h.run({ resumed: true, record: saved })).to.equal('completed');
    for (const name of ORDER) expect(h.world.node(name).version).to.equal(TARGET);
    expect(h.world.node('node-3').phases).to.deep.equal([]);
  });
});
