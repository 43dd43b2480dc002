import { expect } from 'chai';
import { KubectlClient } from '../../../coordinator/cluster/kubectl.js';
import { AutoKubeObjectAccess } from '../../../coordinator/state/auto-kube-object-access.js';
import { KubectlObjectAccess, type KubeObject, type KubeObjectAccess } from '../../../coordinator/state/kube-object-access.js';
import { KubernetesStateStore, type KubernetesStateStoreOptions } from '../../../coordinator/state/kubernetes-state-store.js';
import type { LeaseLock, LeaseObject } from '../../../coordinator/state/lease-lock.js';
import { CONFIGMAP_MAX_BYTES, RecordTooLargeError } from '../../../coordinator/state/operation-configmap.js';
import { LockHeldError, LockLostError } from '../../../coordinator/state/state-store.js';
import type { ConfigMap } from '../../kube-api/k8s-types.js';
import { requireKubectl } from '../../kube-api/kubectl-support.js';
import { Kubectl } from '../../kube-api/kubectl.js';
import { startKubeApiServer, type KubeApiServer } from '../../kube-api/server.js';
import { contractRecord, OWNER_A, OWNER_B, stateStoreContract } from './state-store-contract.js';

const NS = 'noderoll-system';
const DURATION_S = 2;

/** A monotonic clock that moves only when the test says so. */
class FakeMonotonic {
  ms = 1_000;
  readonly now = (): number => this.ms;
  pastLease(): void {
    this.ms += DURATION_S * 1000 + 1;
  }
}

/** An access with a hook that runs before each call ("get lease", "replace ConfigMap"), to count calls or make a real race. */
class HookedAccess implements KubeObjectAccess {
  before: ((call: string) => Promise<void>) | undefined;
  /** Runs once the call settled, either way. */
  after: ((call: string) => void) | undefined;
  constructor(readonly inner: KubeObjectAccess) {}
  describe(): Promise<string> {
    return this.inner.describe();
  }
  private async hooked<T>(call: string, invoke: () => Promise<T>): Promise<T> {
    const before = this.before;
    if (before) await before(call);
    try {
      return await invoke();
    } finally {
      this.after?.(call);
    }
  }
  get<T extends KubeObject>(resource: 'lease' | 'configmap', name: string, namespace: string): Promise<T | undefined> {
    return this.hooked(`get ${resource}`, () => this.inner.get<T>(resource, name, namespace));
  }
  create<T extends KubeObject>(object: T): Promise<T> {
    return this.hooked(`create ${object.kind}`, () => this.inner.create(object));
  }
  replace<T extends KubeObject>(object: T): Promise<T> {
    return this.hooked(`replace ${object.kind}`, () => this.inner.replace(object));
  }
}

/** A promise with its resolve, and a deadline after which it resolves by itself. */
function signalled(ms: number): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
    setTimeout(resolve, ms).unref();
  });
  return { promise, fire };
}

/** The store through a kubectl process per call, and directly over HTTP (what the coordinator picks for a kubeconfig with static credentials). */
const ACCESSES = [
  { name: 'through kubectl', make: (k: KubectlClient): KubeObjectAccess => new KubectlObjectAccess(k), describes: /^kubectl$/ },
  { name: 'directly (chosen from the kubeconfig)', make: (k: KubectlClient): KubeObjectAccess => new AutoKubeObjectAccess(k), describes: /^the API server at http:\/\/127\.0\.0\.1:\d+$/ },
];

for (const via of ACCESSES) {
  describe(`Kubernetes state store ${via.name}, against the test API server`, function () {
    this.timeout(120_000);
    let api: KubeApiServer;
    let admin: Kubectl;
    let serial = 0;
    let names = { leaseName: '', configMapName: '' };

    const kubectl = (): KubectlClient =>
      new KubectlClient({ kubectl: process.env.KUBECTL ?? 'kubectl', kubeconfig: admin.kubeconfig, env: { ...process.env, KUBECACHEDIR: admin.cacheDir }, callTimeoutMs: 30_000 });
    const hooked = (): HookedAccess => new HookedAccess(via.make(kubectl()));
    const store = (clock: FakeMonotonic, extra: Partial<KubernetesStateStoreOptions> = {}): KubernetesStateStore =>
      new KubernetesStateStore({ kubectl: kubectl(), access: via.make(kubectl()), namespace: NS, ...names, leaseDurationSeconds: DURATION_S, keepAlive: false, monotonicMs: clock.now, ...extra });
    const fresh = (): void => {
      serial++;
      names = { leaseName: `noderoll-${serial}`, configMapName: `noderoll-operation-${serial}` };
    };
    const getLease = (): Promise<LeaseObject> => admin.json<LeaseObject>(['get', 'lease', names.leaseName, '-n', NS]);
    const getConfigMap = (): Promise<ConfigMap> => admin.json<ConfigMap>(['get', 'configmap', names.configMapName, '-n', NS]);

    before(async () => {
      await requireKubectl();
      api = await startKubeApiServer({ host: '127.0.0.1', port: 0 });
      admin = await Kubectl.forServer(api.url);
      await admin.run(['create', 'namespace', NS]);
    });
    after(async () => {
      await admin?.dispose();
      await api?.close();
    });

    stateStoreContract('kubernetes (Lease + ConfigMap)', async () => {
      fresh();
      const clockA = new FakeMonotonic();
      const clockB = new FakeMonotonic();
      return {
        first: store(clockA),
        second: store(clockB),
        // client-go semantics: B has watched A's lease not change for a whole duration of B's own clock.
        holderGone: async () => clockB.pastLease(),
        withHistoryLimit: (historyLimit) => store(new FakeMonotonic(), { historyLimit }),
        damageHistory: async () => {
          const cm = await getConfigMap();
          await kubectl().call(['replace', '-f', '-'], { input: JSON.stringify({ ...cm, data: { ...cm.data, history: '[{"schemaVersion": 1, "id": "nr-' } }) });
        },
        dispose: async () => undefined,
      };
    });

    describe('kubernetes specifics', () => {
      beforeEach(fresh);

      it('the Lease carries holderIdentity host/pid/token, the duration, MicroTime acquire/renew times; the refusal names the last renewal', async () => {
        const lock = await store(new FakeMonotonic()).acquireLock(OWNER_A);
        const lease = await getLease();
        expect(lease.spec?.holderIdentity).to.equal(`${OWNER_A.host}/${OWNER_A.pid}/${lock.info.token}`);
        expect(lease.spec?.leaseDurationSeconds).to.equal(DURATION_S);
        expect(lease.spec?.acquireTime).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
        expect(lease.spec?.renewTime).to.equal(lease.spec?.acquireTime);
        expect(lease.spec?.leaseTransitions).to.equal(0);
        const err = (await store(new FakeMonotonic()).acquireLock(OWNER_B).catch((e: unknown) => e)) as LockHeldError;
        expect(err).to.be.instanceOf(LockHeldError);
        expect(err.message).to.include(`last renewed ${lease.spec?.renewTime}`).and.include(OWNER_A.command);
      });

      it('two coordinators racing for a free lease: exactly one wins, the other is told who holds it', async () => {
        const results = await Promise.allSettled([store(new FakeMonotonic()).acquireLock(OWNER_A), store(new FakeMonotonic()).acquireLock(OWNER_B)]);
        const won = results.filter((r): r is PromiseFulfilledResult<LeaseLock> => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).to.have.length(1);
        expect(lost).to.have.length(1);
        expect(lost[0]!.reason).to.be.instanceOf(LockHeldError);
        expect((lost[0]!.reason as LockHeldError).holder.info.token).to.equal(won[0]!.value.info.token);
      });

      it('two coordinators racing to take over an expired lease: exactly one wins, leaseTransitions goes up once', async () => {
        await store(new FakeMonotonic()).acquireLock({ ...OWNER_A, pid: 999 });
        const clocks = [new FakeMonotonic(), new FakeMonotonic()];
        const contenders = clocks.map((c) => store(c));
        for (const s of contenders) await s.acquireLock(OWNER_B).then(() => expect.fail('took a fresh lease'), (e: unknown) => expect(e).to.be.instanceOf(LockHeldError));
        clocks.forEach((c) => c.pastLease());
        const results = await Promise.allSettled(contenders.map((s, i) => s.acquireLock({ ...OWNER_B, pid: 2000 + i })));
        const won = results.filter((r): r is PromiseFulfilledResult<LeaseLock> => r.status === 'fulfilled');
        expect(won).to.have.length(1);
        const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(loser?.reason).to.be.instanceOf(LockHeldError);
        expect((loser?.reason as LockHeldError).holder.info.token).to.equal(won[0]!.value.info.token);
        const lease = await getLease();
        expect(lease.spec?.leaseTransitions).to.equal(1);
        expect(lease.spec?.holderIdentity).to.equal(`${OWNER_B.host}/${won[0]!.value.info.pid}/${won[0]!.value.info.token}`);
      });

      it('expiry is judged by the observer\'s own clock, never the holder\'s timestamps (clock skew)', async () => {
        // The holder's wall clock is an hour behind: its renewTime looks ancient to anyone comparing clocks.
        const holder = await store(new FakeMonotonic(), { wallMs: () => Date.now() - 3_600_000 }).acquireLock(OWNER_A);
        const clockB = new FakeMonotonic();
        let renewWhileWatched = true;
        const waits: string[] = [];
        const b = store(clockB, {
          sleep: async (ms) => {
            clockB.ms += ms;
            if (renewWhileWatched) await holder.renew(); // a live holder renews while B watches
          },
        });
        await b.acquireLock(OWNER_B, { onWait: (m) => waits.push(m) }).then(() => expect.fail('took a lease by comparing remote timestamps'), (e: unknown) => expect(e).to.be.instanceOf(LockHeldError));
        expect(waits).to.have.length(1);
        expect(waits[0]).to.match(new RegExp(`names pid ${OWNER_A.pid} on ${OWNER_A.host} .*watching it for up to ${DURATION_S}s to see whether that coordinator still renews it`));
        renewWhileWatched = false; // the holder stops renewing: B watches a whole lease unchanged on its own clock, then takes over
        const before = clockB.ms;
        const taken = await b.acquireLock(OWNER_B);
        expect(clockB.ms - before, 'B watched at least one lease duration').to.be.at.least(DURATION_S * 1000);
        expect((await getLease()).spec?.holderIdentity).to.include(taken.info.token);
        await holder.renew().then(() => expect.fail('renewed a lease taken by another'), (e: unknown) => expect(e).to.be.instanceOf(LockLostError));
        expect(holder.lost.aborted).to.equal(true);
      });

      it('a coordinator in a fresh process (another host) after the holder was killed: refused at once while the renewTime looks fresh; once it looks stale, watches a whole lease and takes over', async () => {
        await store(new FakeMonotonic()).acquireLock({ ...OWNER_A, pid: 31337 }); // then SIGKILLed: never renews, never releases
        let wall = Date.now();
        const refused = await store(new FakeMonotonic(), { wallMs: () => wall }).acquireLock(OWNER_B).catch((e: unknown) => e);
        expect(refused).to.be.instanceOf(LockHeldError);
        expect((refused as Error).message).to.contain('pid 31337');
        wall += DURATION_S * 1000 + 1000;
        const clock = new FakeMonotonic();
        const reads: number[] = [];
        const fresh = store(clock, { wallMs: () => wall, sleep: async (ms) => void (clock.ms += ms, reads.push(ms)) });
        const lock = await fresh.acquireLock(OWNER_B);
        expect(reads.reduce((a, b) => a + b, 0), 'it watched a whole lease before taking it').to.be.at.least(DURATION_S * 1000);
        const lease = await getLease();
        expect(lease.spec?.holderIdentity).to.include(lock.info.token);
        expect(lease.spec?.leaseTransitions).to.equal(1);
      });

      it('a holder that has not renewed within the duration (frozen) refuses to save even though the Lease still names it', async () => {
        const clock = new FakeMonotonic();
        const s = store(clock);
        const lock = await s.acquireLock(OWNER_A);
        await s.save(contractRecord(), lock);
        clock.pastLease();
        await s.save({ ...contractRecord(), status: 'completed' }, lock).then(() => expect.fail('saved after the lease ran out'), (e: unknown) => expect(e).to.be.instanceOf(LockLostError));
        expect(lock.lost.aborted).to.equal(true);
        expect((await s.load())?.status).to.equal('running');
      });

      it('ensureHeld (the engine asks it before every call, no I/O) holds until two thirds of the lease without a renewal, then refuses and fires `lost`; a renewal moves the deadline', async () => {
        const clock = new FakeMonotonic();
        const s = store(clock);
        const lock = await s.acquireLock(OWNER_A);
        const renewDeadlineMs = (DURATION_S * 1000 * 2) / 3;
        clock.ms += renewDeadlineMs;
        lock.ensureHeld();
        await lock.renew();
        clock.ms += renewDeadlineMs;
        lock.ensureHeld();
        clock.ms += 1;
        expect(() => lock.ensureHeld()).to.throw(LockLostError, /past its renew deadline/);
        expect(lock.lost.aborted).to.equal(true);
        expect(() => lock.ensureHeld(), 'lost stays lost').to.throw(LockLostError);

        await s.save(contractRecord(), lock).then(() => expect.fail('saved after the renew deadline'), (e: unknown) => expect(e).to.be.instanceOf(LockLostError));
      });

      it('a holder woken past its renew deadline (SIGSTOP, SIGCONT) does not even try to renew: no write to the Lease, the lock is lost', async () => {
        const clock = new FakeMonotonic();
        const s = store(clock);
        const lock = await s.acquireLock(OWNER_A);
        const written = await getLease();
        clock.ms += (DURATION_S * 1000 * 2) / 3 + 1;
        await lock.renew().then(() => expect.fail('renewed after the renew deadline'), (e: unknown) => expect(e).to.be.instanceOf(LockLostError));
        expect((await getLease()).metadata.resourceVersion, 'the Lease was not written').to.equal(written.metadata.resourceVersion);
        expect(lock.lost.aborted).to.equal(true);
      });

      it('keep-alive renews within the duration; when the Lease is taken, `lost` fires and saves are refused', async () => {
        // Real time here: 6 s leaves a renewal (every 2 s) room for slow kubectl runs on a loaded machine.
        const s = new KubernetesStateStore({ kubectl: kubectl(), access: via.make(kubectl()), namespace: NS, ...names, leaseDurationSeconds: 6 });
        const lock = await s.acquireLock(OWNER_A);
        try {
          const first = (await getLease()).spec?.renewTime;
          await waitFor('the keep-alive to write a new renewTime', async () => (await getLease()).spec?.renewTime !== first);
          const lease = await getLease();
          await kubectl().call(['replace', '-f', '-'], { input: JSON.stringify({ ...lease, spec: { ...lease.spec, holderIdentity: 'other-host/1/x' } }) });
          await waitFor('the keep-alive to notice the Lease was taken', async () => lock.lost.aborted);
          expect(lock.lost.reason).to.be.instanceOf(LockLostError);
          await s.save(contractRecord(), lock).then(() => expect.fail('saved with a lost lock'), (e: unknown) => expect(e).to.be.instanceOf(LockLostError));
        } finally {
          await lock.release();
        }
      });

      it('tells what it talks through', async () => {
        expect(await via.make(kubectl()).describe()).to.match(via.describes);
      });

      it('a save by the holder costs two calls (the Lease check and the swap), not a read of the ConfigMap too; an abort written in between is not lost', async () => {
        const k = hooked();
        const s = new KubernetesStateStore({ kubectl: kubectl(), access: k, namespace: NS, ...names, leaseDurationSeconds: DURATION_S, keepAlive: false, monotonicMs: new FakeMonotonic().now });
        const lock = await s.acquireLock(OWNER_A);
        await s.save(contractRecord(), lock);
        const calls: string[] = [];
        k.before = async (call) => void calls.push(call);
        await s.save({ ...contractRecord(), status: 'halted' }, lock);
        expect(calls).to.deep.equal(['get lease', 'replace ConfigMap']);
        k.before = undefined;
        await store(new FakeMonotonic()).requestAbort({ operationId: 'op-1', requestedAt: '2026-12-01T23:00:00.000Z', by: OWNER_B, mode: 'graceful' });
        await s.save({ ...contractRecord(), status: 'running' }, lock);
        expect((await s.readAbortRequest())?.operationId, 'the abort request survived the save from a stale copy').to.equal('op-1');
        expect((await s.load())?.status).to.equal('running');
        await s.clearAbortRequest(lock);
        expect(await s.readAbortRequest()).to.equal(undefined);
      });

      it('a 409 on the record (another writer in between) is re-read and re-decided: both changes survive', async () => {
        const clock = new FakeMonotonic();
        const k = hooked();
        const s = new KubernetesStateStore({ kubectl: kubectl(), access: k, namespace: NS, ...names, leaseDurationSeconds: DURATION_S, keepAlive: false, monotonicMs: clock.now });
        const lock = await s.acquireLock(OWNER_A);
        const record = contractRecord();
        await s.save(record, lock);
        let conflicts = 0;
        k.before = async (call) => {
          if (call !== 'replace ConfigMap' || conflicts > 0) return;
          conflicts++;
          await store(new FakeMonotonic()).requestAbort({ operationId: record.id, requestedAt: '2026-11-27T02:05:00.000Z', by: OWNER_B, mode: 'now' });
        };
        const rvBefore = (await getConfigMap()).metadata.resourceVersion;
        await s.save({ ...record, status: 'halted' }, lock);
        expect(conflicts).to.equal(1);
        expect((await s.load())?.status).to.equal('halted');
        expect((await s.readAbortRequest())?.mode).to.equal('now');
        expect(Number((await getConfigMap()).metadata.resourceVersion)).to.be.greaterThan(Number(rvBefore) + 1);
      });

      it('a 409 because the lease changed hands meanwhile: the re-decision fails with LockLostError and the new holder\'s record stands', async () => {
        const clock = new FakeMonotonic();
        const k = hooked();
        const s = new KubernetesStateStore({ kubectl: kubectl(), access: k, namespace: NS, ...names, leaseDurationSeconds: DURATION_S, keepAlive: false, monotonicMs: clock.now });
        const lock = await s.acquireLock(OWNER_A);
        await s.save(contractRecord(), lock);
        const clockB = new FakeMonotonic();
        const b = store(clockB);
        await b.acquireLock(OWNER_B).catch(() => undefined);
        clockB.pastLease();
        k.before = async (call) => {
          if (call !== 'replace ConfigMap') return;
          k.before = undefined;
          const bLock = await b.acquireLock(OWNER_B);
          await b.save({ ...contractRecord(), status: 'completed' }, bLock);
        };
        await s.save({ ...contractRecord(), status: 'halted' }, lock).then(() => expect.fail('overwrote the new holder'), (e: unknown) => expect(e).to.be.instanceOf(LockLostError));
        expect((await s.load())?.status).to.equal('completed');
      });

      it('a release while a keep-alive renewal is on its way still frees the Lease (the renewal lands between the release\'s read and its write)', async () => {
      const k = hooked();
      // Real time: the keep-alive renews every second.
      const s = new KubernetesStateStore({ kubectl: kubectl(), access: k, namespace: NS, ...names, leaseDurationSeconds: 3 });
      const lock = await s.acquireLock(OWNER_A);
      const renewalStarted = signalled(10_000);
      const releaseRead = signalled(1_500);
      const renewalWritten = signalled(1_500);
      let replaces = 0;
      let renewing = false;
      k.before = async (call) => {
        if (call !== 'replace Lease') return;
        if (++replaces === 1) {
          renewing = true;
          renewalStarted.fire();
          await releaseRead.promise;
        } else if (replaces === 2) await renewalWritten.promise;
      };
      k.after = (call) => {
        if (call === 'get lease' && renewing) releaseRead.fire();
        if (call === 'replace Lease' && replaces === 1) renewalWritten.fire();
      };
      await renewalStarted.promise;
      expect(replaces, 'the keep-alive started a renewal').to.equal(1);
      await lock.release();
      k.before = undefined;
      k.after = undefined;
      expect(await s.lockHolder(), 'the Lease is free after the release').to.equal(undefined);
    });

    it('stays under the 1 MiB ConfigMap limit by dropping the oldest history; a record too big alone is refused with nothing written', async () => {
        const s = store(new FakeMonotonic());
        const lock = await s.acquireLock(OWNER_A);
        const big = (seed: string) => {
          const r = contractRecord(seed);
          r.nodes[0]!.steps[0]!.details = ['x'.repeat(300 * 1024)];
          return r;
        };
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const r = big(`0000b${i}`);
          ids.push(r.id);
          await s.save(r, lock);
        }
        const cm = await getConfigMap();
        const bytes = Object.entries(cm.data ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
        expect(bytes).to.be.at.most(CONFIGMAP_MAX_BYTES);
        expect((await s.history()).map((h) => h.id)).to.deep.equal([ids[2], ids[1]]);
        const huge = contractRecord('0000c0');
        huge.nodes[0]!.steps[0]!.details = ['y'.repeat(CONFIGMAP_MAX_BYTES)];
        await s.save(huge, lock).then(() => expect.fail('wrote an oversize record'), (e: unknown) => expect(e).to.be.instanceOf(RecordTooLargeError));
        expect((await s.load())?.id).to.equal(ids[3]);
      });
    });
  });
}

/** Polls `done` every 100 ms until it holds; fails naming what it waited for after 20 s. */
async function waitFor(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after 20 s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
