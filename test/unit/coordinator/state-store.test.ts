import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../../coordinator/state/file-state-store.js';
import { newOperationId, newOperationRecord, StateFormatError } from '../../../coordinator/state/operation-record.js';
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
});
