import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../../coordinator/state/file-state-store.js';
import { newOperationId, newOperationRecord, StateFormatError, type OperationRecord } from '../../../coordinator/state/operation-record.js';
import { LockHeldError, LockLostError } from '../../../coordinator/state/state-store.js';

function record(id = newOperationId(Date.parse('2026-11-27T02:00:00Z'), 'abcd12')) {
  return newOperationRecord({
    id,
    targetVersion: '7.0.68',
    nodes: [{ name: 'n1', role: 'master', agent: 'n1:7443' }],
    invocation: { configPath: '/etc/noderoll/config.yaml', confirmEachNode: false, pauseBetweenMs: 0 },
    now: '2026-11-27T02:00:00.000Z',
  });
}

const OWNER = { pid: process.pid, host: hostname(), command: 'noderoll update --to 7.0.68' };

describe('coordinator state store (file + lock)', () => {
  let dir = '';
  let file = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-state-'));
    file = join(dir, 'sub', 'state.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves atomically (no temp file left, 0600) and loads the record back', async () => {
    const store = new FileStateStore({ file });
    expect(await store.load()).to.equal(undefined);
    const lock = await store.acquireLock(OWNER);
    const r = record();
    for (let i = 0; i < 20; i++) {
      r.nodes[0]!.steps[0]!.attempts = i;
      await store.save(r, lock);
    }
    expect((await store.load())?.nodes[0]!.steps[0]!.attempts).to.equal(19);
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    expect((await readdir(join(dir, 'sub'))).sort()).to.deep.equal(['state.json', 'state.json.lock']);
    await lock.release();
    expect(await readdir(join(dir, 'sub'))).to.deep.equal(['state.json']);
  });

  it('concurrent saves never leave a torn file', async () => {
    const store = new FileStateStore({ file });
    const lock = await store.acquireLock(OWNER);
    const r = record();
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.save({ ...r, targetVersion: `7.0.${i}` }, lock)));
    const loaded = await store.load();
    expect(loaded?.targetVersion).to.match(/^7\.0\.\d+$/);
    await lock.release();
  });

  it('lets only one coordinator hold the lock, naming the holder', async () => {
    const a = new FileStateStore({ file });
    const b = new FileStateStore({ file });
    const lock = await a.acquireLock(OWNER);
    const err = await b.acquireLock({ ...OWNER, command: 'second' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockHeldError);
    expect((err as Error).message).to.contain(`pid ${process.pid}`).and.contain('noderoll update --to 7.0.68');
    expect((await b.lockHolder())?.liveness).to.equal('alive');
    await lock.release();
    const again = await b.acquireLock(OWNER);
    await again.release();
  });

  it('breaks the lock of a dead process on this host (stale lock)', async () => {
    const dead = 999_999;
    await new FileStateStore({ file }).acquireLock({ pid: dead, host: hostname(), command: 'crashed' });
    const store = new FileStateStore({ file, isProcessAlive: (pid) => pid !== dead });
    expect((await store.lockHolder())?.liveness).to.equal('dead');
    const lock = await store.acquireLock(OWNER);
    expect(JSON.parse(await readFile(`${file}.lock`, 'utf8')).pid).to.equal(process.pid);
    await lock.release();
  });

  it('does not break a lock held from another host (cannot tell if it lives)', async () => {
    await new FileStateStore({ file, host: 'other-host' }).acquireLock({ pid: 1, host: 'other-host', command: 'noderoll resume' });
    const err = await new FileStateStore({ file }).acquireLock(OWNER).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockHeldError);
    expect((err as Error).message).to.contain('other-host').and.contain('cannot tell whether it is alive');
  });

  it('refuses to save once the lock is no longer ours', async () => {
    const store = new FileStateStore({ file });
    const lock = await store.acquireLock(OWNER);
    await rm(`${file}.lock`);
    await new FileStateStore({ file }).acquireLock({ ...OWNER, command: 'intruder' });
    const err = await store.save(record(), lock).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LockLostError);
    expect(await store.load()).to.equal(undefined);
  });

  it('refuses a damaged or foreign state file instead of guessing', async () => {
    const store = new FileStateStore({ file });
    await store.acquireLock(OWNER).then((l) => l.release());
    await writeFile(file, '{"schemaVersion": 1, "id": "nr-x"');
    expect(await store.load().catch((e: unknown) => e)).to.be.instanceOf(StateFormatError);
    await writeFile(file, JSON.stringify({ ...record(), schemaVersion: 9 }));
    expect(((await store.load().catch((e: unknown) => e)) as Error).message).to.contain('schemaVersion is 9');
    const wrongSteps = record();
    wrongSteps.nodes[0]!.steps.pop();
    await writeFile(file, JSON.stringify(wrongSteps));
    expect(((await store.load().catch((e: unknown) => e)) as Error).message).to.contain("runbook");
  });

  it('carries abort requests to the running coordinator', async () => {
    const store = new FileStateStore({ file });
    const lock = await store.acquireLock(OWNER);
    expect(await store.readAbortRequest()).to.equal(undefined);
    await store.requestAbort({ operationId: 'nr-1', requestedAt: 'now', by: OWNER, mode: 'graceful' });
    expect((await store.readAbortRequest())?.mode).to.equal('graceful');
    await store.clearAbortRequest(lock);
    expect(await store.readAbortRequest()).to.equal(undefined);
    await lock.release();
  });

  describe('history of earlier operations (<file>.history.json)', () => {
    const op = (seed: string): OperationRecord => record(newOperationId(Date.parse('2026-11-27T02:00:00Z'), seed));
    /** Saves each operation twice (started, then completed), as a run does; returns the ids oldest first. */
    const runOperations = async (store: FileStateStore, seeds: string[]): Promise<string[]> => {
      const lock = await store.acquireLock(OWNER);
      try {
        for (const seed of seeds) {
          const r = op(seed);
          await store.save(r, lock);
          await store.save({ ...r, status: 'completed' }, lock);
        }
      } finally {
        await lock.release();
      }
      return seeds.map((seed) => op(seed).id);
    };
    const historyFile = (): string => `${file}.history.json`;
    const storedIds = async (): Promise<string[]> => (JSON.parse(await readFile(historyFile(), 'utf8')) as OperationRecord[]).map((r) => r.id);

    it('moves the replaced operation to the front, keeps the default 5, writes 0600 with no temp file left', async () => {
      const store = new FileStateStore({ file });
      const ids = await runOperations(store, ['aaaa01']);
      expect(await store.history()).to.deep.equal([]);
      expect(await readdir(join(dir, 'sub'))).to.deep.equal(['state.json'], 'no history file before a second operation');
      ids.push(...(await runOperations(store, ['aaaa02', 'aaaa03', 'aaaa04', 'aaaa05', 'aaaa06', 'aaaa07'])));
      expect((await store.load())?.id).to.equal(ids[6]);
      const history = await store.history();
      expect(history.map((h) => h.id)).to.deep.equal([ids[5], ids[4], ids[3], ids[2], ids[1]]);
      expect(history.every((h) => h.status === 'completed')).to.equal(true);
      expect(await storedIds()).to.have.length(5);
      expect((await stat(historyFile())).mode & 0o777).to.equal(0o600);
      expect((await readdir(join(dir, 'sub'))).sort()).to.deep.equal(['state.json', 'state.json.history.json']);
    });

    it('a save of the operation this store wrote last does not read the state file back (it cannot hold another operation under the lock)', async () => {
      const warnings: string[] = [];
      const store = new FileStateStore({ file, onWarning: (m) => warnings.push(m) });
      const lock = await store.acquireLock(OWNER);
      const r = record();
      await store.save(r, lock);
      // Bytes no save of ours wrote: were the state file read back, the save would warn that it is damaged.
      await writeFile(file, '{ not json');
      r.status = 'completed';
      await store.save(r, lock);
      await lock.release();
      expect(warnings).to.deep.equal([]);
      expect((await store.load())?.status).to.equal('completed');
    });

    it('keeps historyLimit operations; a lower limit later also limits what is read', async () => {
      const ids = await runOperations(new FileStateStore({ file, historyLimit: 2 }), ['bbbb01', 'bbbb02', 'bbbb03', 'bbbb04']);
      expect(await storedIds()).to.deep.equal([ids[2], ids[1]]);
      expect((await new FileStateStore({ file, historyLimit: 1 }).history()).map((h) => h.id)).to.deep.equal([ids[2]]);
      expect((await new FileStateStore({ file, historyLimit: 50 }).history()).map((h) => h.id)).to.deep.equal([ids[2], ids[1]]);
    });

    it('limit 0 keeps no history and removes one kept before', async () => {
      await runOperations(new FileStateStore({ file }), ['cccc01', 'cccc02']);
      expect(await storedIds()).to.have.length(1);
      const store = new FileStateStore({ file, historyLimit: 0 });
      expect(await store.history()).to.deep.equal([]);
      await runOperations(store, ['cccc03']);
      expect(await store.history()).to.deep.equal([]);
      expect(await readdir(join(dir, 'sub'))).to.deep.equal(['state.json']);
    });

    it('never lists the current operation, even when a crash left it in both files', async () => {
      const ids = await runOperations(new FileStateStore({ file }), ['dddd01', 'dddd02']);
      // the history was written, then the coordinator died before the state file was
      const current = JSON.parse(await readFile(file, 'utf8')) as OperationRecord;
      await writeFile(historyFile(), JSON.stringify([current, op('dddd01')]));
      expect((await new FileStateStore({ file }).history()).map((h) => h.id)).to.deep.equal([ids[0]]);
    });

    it('a damaged history never stops an update: it is moved aside with a warning and a fresh history starts', async () => {
      const warnings: string[] = [];
      const store = new FileStateStore({ file, onWarning: (m) => warnings.push(m), now: () => Date.parse('2026-11-27T03:04:05.678Z') });
      const ids = await runOperations(store, ['eeee01']);
      await writeFile(historyFile(), '[{"schemaVersion": 1, "id": "nr-');
      const err = await store.history().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(StateFormatError);
      expect((err as Error).message).to.contain(historyFile()).and.contain('not valid JSON');
      ids.push(...(await runOperations(store, ['eeee02'])));
      expect((await store.load())?.id).to.equal(ids[1]);
      expect((await store.history()).map((h) => h.id)).to.deep.equal([ids[0]]);
      const aside = `${historyFile()}.damaged-2026-11-27T030405678Z`;
      expect(await readFile(aside, 'utf8')).to.equal('[{"schemaVersion": 1, "id": "nr-');
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain('not valid JSON').and.contain(`moved it aside to ${aside}`).and.contain('started a fresh history');
    });

    it('a history entry that is not an operation record is damage too (checked like the state file)', async () => {
      const warnings: string[] = [];
      const store = new FileStateStore({ file, onWarning: (m) => warnings.push(m) });
      const ids = await runOperations(store, ['ffff01']);
      const foreign = { ...op('ffff00'), schemaVersion: 9 };
      await writeFile(historyFile(), JSON.stringify([op('ffff09'), foreign]));
      expect(((await store.history().catch((e: unknown) => e)) as Error).message).to.contain('the history[1]').and.contain('schemaVersion is 9');
      await writeFile(historyFile(), JSON.stringify({ not: 'a list' }));
      expect(((await store.history().catch((e: unknown) => e)) as Error).message).to.contain('the history is not a list');
      ids.push(...(await runOperations(store, ['ffff02'])));
      expect((await store.history()).map((h) => h.id)).to.deep.equal([ids[0]]);
      expect(warnings).to.have.length(1);
      expect((await readdir(join(dir, 'sub'))).filter((f) => f.includes('.damaged-'))).to.have.length(1);
    });

    it('a history that cannot be written is warned about and the state is still saved', async () => {
      const warnings: string[] = [];
      const store = new FileStateStore({ file, onWarning: (m) => warnings.push(m) });
      const ids = await runOperations(store, ['gggg01']);
      await mkdir(historyFile()); // EISDIR on read and on rename over it
      ids.push(...(await runOperations(store, ['gggg02'])));
      expect((await store.load())?.id).to.equal(ids[1]);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain(`could not keep operation ${ids[0]} in the history ${historyFile()}`).and.contain('the update goes on without it');
    });
  });
});
