import { expect } from 'chai';
import { newOperationId, newOperationRecord, StateFormatError, type OperationRecord } from '../../../coordinator/state/operation-record.js';
import { LockHeldError, LockLostError, type AbortRequest, type LockOwner, type StateLock, type StateStore } from '../../../coordinator/state/state-store.js';

/**
 * The promises of the StateStore port, checked the same way for every backend: a backend passes
 * only if a coordinator cannot tell which store it talks to.
 */

export interface ContractBackend {
  /** Two stores over the same state, as two coordinators (two hosts) see it. */
  first: StateStore;
  second: StateStore;
  /** Makes the holder of the lock taken through `first` dead (file) or expired (Lease) in `second`'s eyes. */
  holderGone(): Promise<void>;
  /** Another store over the same state that keeps `limit` earlier operations (`first` and `second` keep the default 5). */
  withHistoryLimit(limit: number): StateStore;
  /** Overwrites the stored history with text that is not JSON (a hand edit gone wrong, a torn write). */
  damageHistory(): Promise<void>;
  dispose(): Promise<void>;
}

export const OWNER_A: LockOwner = { pid: 1001, host: 'contract-host', command: 'noderoll update --to 7.0.68' };
export const OWNER_B: LockOwner = { pid: 1002, host: 'contract-host', command: 'noderoll resume' };

export function contractRecord(seed = 'abcd12'): OperationRecord {
  return newOperationRecord({
    id: newOperationId(Date.parse('2026-11-27T02:00:00Z'), seed),
    targetVersion: '7.0.68',
    nodes: [
      { name: 'n1', role: 'master', agent: 'n1:7443' },
      { name: 'n2', role: 'node', agent: 'n2:7443' },
    ],
    invocation: { configPath: '/etc/noderoll/config.yaml', confirmEachNode: false, pauseBetweenMs: 0 },
    now: '2026-11-27T02:00:00.000Z',
  });
}

export function stateStoreContract(name: string, makeBackend: () => Promise<ContractBackend>): void {
  describe(`StateStore contract: ${name}`, () => {
    let backend: ContractBackend;
    beforeEach(async () => {
      backend = await makeBackend();
    });
    afterEach(async () => {
      await backend?.dispose();
    });

    it('the lock is exclusive: a second acquire is LockHeldError naming the holder', async () => {
      const lock = await backend.first.acquireLock(OWNER_A);
      expect(lock.info).to.include(OWNER_A);
      const err = await backend.second.acquireLock(OWNER_B).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(LockHeldError);
      const held = err as LockHeldError;
      expect(held.holder.info).to.include({ pid: OWNER_A.pid, host: OWNER_A.host, command: OWNER_A.command, token: lock.info.token });
      expect(held.message).to.include(`pid ${OWNER_A.pid} on ${OWNER_A.host}`);
      expect((await backend.second.lockHolder())?.info).to.include({ pid: OWNER_A.pid, token: lock.info.token });
    });

    it('release frees the lock for the next coordinator', async () => {
      const lock = await backend.first.acquireLock(OWNER_A);
      await lock.release();
      expect(await backend.second.lockHolder()).to.equal(undefined);
      const next = await backend.second.acquireLock(OWNER_B);
      expect((await backend.first.lockHolder())?.info.token).to.equal(next.info.token);
    });

    it('a dead or expired holder is taken over, and its later saves are refused', async () => {
      const old = await backend.first.acquireLock(OWNER_A);
      await backend.second.acquireLock(OWNER_B).then(
        () => expect.fail('took a live lock'),
        (e: unknown) => expect(e).to.be.instanceOf(LockHeldError),
      );
      await backend.holderGone();
      const taken = await backend.second.acquireLock(OWNER_B);
      expect((await backend.first.lockHolder())?.info.token).to.equal(taken.info.token);
      const err = await backend.first.save(contractRecord(), old).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(LockLostError);
      expect(await backend.first.load()).to.equal(undefined);
    });

    it('a saved record loads back exactly (unicode, nested facts, optional fields)', async () => {
      expect(await backend.first.load()).to.equal(undefined);
      const lock = await backend.first.acquireLock(OWNER_A);
      const record = contractRecord();
      record.nodes[0]!.steps[0]!.details = ['drain of n1 took 3 min — PDB "web" ✓', 'a "quoted" \\ backslash\nand a newline'];
      record.halt = { at: '2026-11-27T02:03:00.000Z', kind: 'failure', node: 'n1', step: 'drainNode', reason: 'réseau coupé', details: [], resumeCommand: 'noderoll resume' };
      record.nodes[0]!.facts = { bootIdBeforeReboot: 'b1', rebootRequestedAtMs: 1_764_208_800_123, journalBaseline: ['sig-1', 'sig-2'] };
      await backend.first.save(record, lock);
      expect(await backend.second.load()).to.deep.equal(record);
      record.status = 'completed';
      await backend.first.save(record, lock);
      expect(await backend.second.load()).to.deep.equal(record);
    });

    it('save is refused without the lock, and with a lock that was released', async () => {
      const never: StateLock = { info: { ...OWNER_A, acquiredAt: '2026-11-27T02:00:00.000Z', token: 'not-a-real-token' }, lost: new AbortController().signal, ensureHeld: () => undefined, release: async () => undefined };
      await backend.first.save(contractRecord(), never).then(
        () => expect.fail('saved without the lock'),
        (e: unknown) => expect(e).to.be.instanceOf(LockLostError),
      );
      const lock = await backend.first.acquireLock(OWNER_A);
      await lock.release();
      await backend.first.save(contractRecord(), lock).then(
        () => expect.fail('saved with a released lock'),
        (e: unknown) => expect(e).to.be.instanceOf(LockLostError),
      );
      expect(await backend.first.load()).to.equal(undefined);
    });

    it('history keeps the last N operations, newest first, and never the current one', async () => {
      const store = backend.withHistoryLimit(3);
      const lock = await store.acquireLock(OWNER_A);
      expect(await store.history()).to.deep.equal([]);
      const saved: OperationRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const record = contractRecord(`00000${i}`);
        await store.save(record, lock);
        const done = { ...record, status: 'completed' as const, finishedAt: `2026-11-27T0${i + 2}:00:00.000Z` };
        await store.save(done, lock); // the same operation again: no history entry of its own
        saved.unshift(done);
        const ids = (await store.history()).map((h) => h.id);
        expect(ids, `after operation ${i}`).to.deep.equal(saved.slice(1, 4).map((r) => r.id));
      }
      expect((await store.load())?.id).to.equal(saved[0]!.id);
      // As another coordinator reads it: each operation as last saved, only 3 kept although it would show 5.
      expect(await backend.second.history()).to.deep.equal(saved.slice(1, 4));
      expect((await backend.withHistoryLimit(1).history()).map((h) => h.id)).to.deep.equal([saved[1]!.id]);
      expect(await backend.withHistoryLimit(0).history()).to.deep.equal([]);
    });

    it('a damaged history never stops a save: history() says it is damaged, the next new operation starts a fresh one', async () => {
      const lock = await backend.first.acquireLock(OWNER_A);
      const [a, b, c] = ['0000d1', '0000d2', '0000d3'].map((seed) => contractRecord(seed));
      await backend.first.save(a!, lock);
      await backend.first.save(b!, lock);
      await backend.damageHistory();
      await backend.second.history().then(
        () => expect.fail('read a damaged history'),
        (e: unknown) => expect(e).to.be.instanceOf(StateFormatError),
      );
      await backend.first.save({ ...b!, status: 'completed' }, lock);
      await backend.first.save(c!, lock);
      expect((await backend.second.load())?.id).to.equal(c!.id);
      expect((await backend.second.history()).map((h) => h.id)).to.deep.equal([b!.id]);
      expect((await backend.second.history())[0]?.status).to.equal('completed');
    });

    it('an abort request from any host reaches the holder, survives its saves, and is cleared by it', async () => {
      const lock = await backend.first.acquireLock(OWNER_A);
      const record = contractRecord();
      await backend.first.save(record, lock);
      expect(await backend.first.readAbortRequest()).to.equal(undefined);
      const request: AbortRequest = { operationId: record.id, requestedAt: '2026-11-27T02:05:00.000Z', by: OWNER_B, mode: 'graceful' };
      await backend.second.requestAbort(request);
      expect(await backend.first.readAbortRequest()).to.deep.equal(request);
      await backend.first.save({ ...record, status: 'interrupted' }, lock);
      expect(await backend.first.readAbortRequest()).to.deep.equal(request);
      expect((await backend.second.load())?.status).to.equal('interrupted');
      await backend.first.clearAbortRequest(lock);
      expect(await backend.second.readAbortRequest()).to.equal(undefined);
    });
  });
}
