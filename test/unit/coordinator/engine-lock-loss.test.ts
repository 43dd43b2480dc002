import { expect } from 'chai';
import type { TimedEvent } from '../../../coordinator/engine/events.js';
import type { KubernetesCluster } from '../../../coordinator/ports/cluster.js';
import type { NodeAgent } from '../../../coordinator/ports/node-agent.js';
import { stepRecord } from '../../../coordinator/state/operation-record.js';
import { LockLostError, type StateLock } from '../../../coordinator/state/state-store.js';
import { renderStatus } from '../../../coordinator/cli/commands/status.js';
import { makeHarness, type Harness } from './fakes/engine-harness.js';

/** Every method call on the object, in order, as `label.method`. */
function recording<T extends object>(target: T, label: string, calls: string[]): T {
  return new Proxy(target, {
    get: (t, prop, receiver) => {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(`${label}.${String(prop)}`);
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}

/** The lock the store gave, with loss under the test's control: `lose()` is a takeover seen by keep-alive, `expire()` a frozen holder. */
class ControlledLock implements StateLock {
  private readonly controller = new AbortController();
  private expired = false;
  constructor(private readonly inner: StateLock) {}
  get info() {
    return this.inner.info;
  }
  get lost(): AbortSignal {
    return this.controller.signal;
  }
  ensureHeld(): void {
    if (this.lost.aborted) throw this.lost.reason as Error;
    if (this.expired) throw new LockLostError('lease test/noderoll', 'not renewed for 31s, past its renew deadline of 20s (was this process stopped?)');
  }
  lose(): void {
    this.controller.abort(new LockLostError('lease test/noderoll', 'it is held by pid 4242 on other-host since 2026-12-01T22:00:00.000000Z'));
  }
  expire(): void {
    this.expired = true;
  }
  release(): Promise<void> {
    return this.inner.release();
  }
}

describe('coordinator engine: a lost lock stops the run at once (fake cluster, fake clock)', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  /** Runs until `trigger` sees its event, lets `loseIt` take the lock away there, and returns what happened after. */
  async function runAndLoseLock(trigger: (e: TimedEvent) => boolean, loseIt: (lock: ControlledLock) => void) {
    h = await makeHarness();
    const calls: string[] = [];
    let lock: ControlledLock | undefined;
    let callsAtLoss = -1;
    let eventsAtLoss = -1;
    const ended = await h
      .run({
        wrapLock: (inner) => (lock = new ControlledLock(inner)),
        deps: {
          cluster: recording<KubernetesCluster>(h.world.cluster, 'cluster', calls),
          agentFor: (n) => recording<NodeAgent>(h.world.agent(n.name), `agent:${n.name}`, calls),
          events: (e) => {
            h.events.push(e);
            if (callsAtLoss < 0 && trigger(e)) {
              loseIt(lock!);
              callsAtLoss = calls.length;
              eventsAtLoss = h.events.length;
            }
          },
        },
      })
      .then(
        (outcome) => outcome,
        (err: unknown) => err,
      );
    expect(callsAtLoss, 'the trigger event was seen').to.be.greaterThan(-1);
    return { ended, callsAfter: calls.slice(callsAtLoss), eventsAfter: h.events.slice(eventsAtLoss), savedAfter: await h.load() };
  }

  it('the lease taken over while node-1 waits for its reboot: the wait is aborted, run() rejects with LockLostError, no further call to any node or the cluster, nothing more saved', async () => {
    const { ended, callsAfter, eventsAfter, savedAfter } = await runAndLoseLock(
      (e) => e.type === 'step-started' && e.node === 'node-1' && e.step === 'waitForReboot',
      (lock) => lock.lose(),
    );
    expect(ended).to.be.instanceOf(LockLostError);
    expect((ended as Error).message).to.match(/held by pid 4242 on other-host/);
    // Phase reports already queued before the loss may still go out; nothing new is started.
    expect(callsAfter.filter((c) => !c.endsWith('.setUpdatePhase')), 'calls after the loss').to.deep.equal([]);
    expect(eventsAfter.map((e) => e.type), 'no halt or interruption is announced').to.not.include.members(['operation-halted', 'operation-interrupted', 'step-completed', 'step-started']);
    // The last record this coordinator saved is the one from before the loss: the new holder's record would stand.
    expect(savedAfter.status).to.equal('running');
    expect(savedAfter.halt).to.equal(undefined);
    expect(stepRecord(savedAfter.nodes.find((n) => n.name === 'node-1')!, 'waitForReboot').status).to.equal('running');
    expect(h.world.node('node-3').calls.drain + h.world.node('node-2').calls.drain, 'no other node drained').to.equal(0);
  });

  it('a holder frozen past its renew deadline (ensureHeld refuses, lost not yet fired): its next call is refused before it reaches the world, and the run stops the same way', async () => {
    const { ended, callsAfter, eventsAfter, savedAfter } = await runAndLoseLock(
      (e) => e.type === 'step-completed' && e.node === 'node-1' && e.step === 'drainNode',
      (lock) => lock.expire(),
    );
    expect(ended).to.be.instanceOf(LockLostError);
    expect((ended as Error).message).to.match(/renew deadline/);
    expect(callsAfter, 'calls after the loss').to.deep.equal([]);
    expect(eventsAfter.map((e) => e.type)).to.not.include.members(['operation-halted', 'operation-interrupted', 'step-started']);
    expect(savedAfter.halt).to.equal(undefined);
    const n1 = savedAfter.nodes.find((n) => n.name === 'node-1')!;
    expect(stepRecord(n1, 'drainNode').status, 'the drain was saved before the freeze was noticed').to.equal('completed');
    expect(stepRecord(n1, 'findPlanetUnit').status, 'the next step never started').to.equal('pending');
    expect(h.world.node('node-1').calls.stopUnit, 'planet never stopped').to.equal(0);
  });

  it('between nodes (node-1 done): the next node is not started', async () => {
    const { ended, callsAfter, savedAfter } = await runAndLoseLock(
      (e) => e.type === 'node-completed' && e.node === 'node-1',
      (lock) => lock.lose(),
    );
    expect(ended).to.be.instanceOf(LockLostError);
    expect(callsAfter.filter((c) => !c.endsWith('.setUpdatePhase'))).to.deep.equal([]);
    expect(savedAfter.nodes.filter((n) => n.status !== 'pending').map((n) => n.name)).to.deep.equal(['node-1']);
  });
});

describe('noderoll status names the lease holder and its last renewal', () => {
  it('shows the holder of a Lease with its renewTime (another host: noderoll cannot see its process)', async () => {
    const h = await makeHarness();
    try {
      const holder = { info: { pid: 4242, host: 'jump-b', command: 'noderoll resume', acquiredAt: '2026-12-01T22:00:00.000000Z', token: 't', renewedAt: '2026-12-01T22:05:10.000000Z' }, liveness: 'alive' as const };
      expect(renderStatus(h.record, holder, h.clock.now())).to.contain('coordinator: pid 4242 on jump-b (noderoll resume), lease last renewed 2026-12-01T22:05:10.000000Z');
    } finally {
      await h.close();
    }
  });
});
