import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentError } from '../../../agent/agent-error.js';
import { OperationLedger } from '../../../agent/operations/operation-ledger.js';
import { OperationStore, STATE_FILE_NAME } from '../../../agent/operations/operation-store.js';

const BOOT_A = { bootId: 'aaaaaaaa-0000-4000-8000-000000000001', bootTimeUnixMs: 1_000 };
const BOOT_B = { bootId: 'bbbbbbbb-0000-4000-8000-000000000002', bootTimeUnixMs: 2_000 };

describe('agent operation ledger and store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-ops-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (boot = BOOT_A, keep = 200): Promise<{ ledger: OperationLedger; settled: string[]; problem: string | undefined }> => {
    const ledger = new OperationLedger(new OperationStore(dir, keep), boot);
    const r = await ledger.open();
    return { ledger, settled: r.settled.map((o) => `${o.id}:${o.state}`), problem: r.problem };
  };

  it('records an operation durably before returning and finds it after a restart', async () => {
    const { ledger } = await open();
    const b = await ledger.begin('install', 'op-1', { version: '7.0.68' });
    expect(b.fresh).to.equal(true);
    const onDisk = JSON.parse(await readFile(join(dir, STATE_FILE_NAME), 'utf8')) as { formatVersion: number; operations: { id: string; state: string }[] };
    expect(onDisk.formatVersion).to.equal(1);
    expect(onDisk.operations.map((o) => [o.id, o.state])).to.deep.equal([['op-1', 'running']]);
    await ledger.finish('op-1', 'succeeded');
    const again = await open();
    expect(again.ledger.get('op-1')?.state).to.equal('succeeded');
    expect(again.settled).to.deep.equal([]);
  });

  it('is idempotent per operation ID: the same request returns the recorded operation, not a new one', async () => {
    const { ledger } = await open();
    await ledger.begin('install', 'op-1', { version: '7.0.68' });
    await ledger.finish('op-1', 'succeeded');
    const repeat = await ledger.begin('install', 'op-1', { version: '7.0.68' });
    expect(repeat.fresh).to.equal(false);
    expect(repeat.op.state).to.equal('succeeded');
    expect(repeat.live).to.equal(undefined);
    expect(ledger.list(10)).to.have.length(1);
  });

  it('hands a repeated running operation its live handle, which settles with the outcome', async () => {
    const { ledger } = await open();
    const first = await ledger.begin<string>('install', 'op-1', { version: '7.0.68' });
    const second = await ledger.begin<string>('install', 'op-1', { version: '7.0.68' });
    expect(second.fresh).to.equal(false);
    const seen: string[] = [];
    first.live!.emit('before');
    second.live!.subscribe((e) => seen.push(e), true);
    first.live!.emit('after');
    await ledger.finish('op-1', 'failed', (o) => (o.error = { code: 'INTERNAL', message: 'dpkg exited with code 1' }));
    const done = await second.live!.done;
    expect(done.state).to.equal('failed');
    expect(seen).to.deep.equal(['before', 'after']);
  });

  it('refuses a second mutating operation while one runs (FAILED_PRECONDITION naming the running one)', async () => {
    const { ledger } = await open();
    await ledger.begin('stop-unit', 'op-1', { unit: 'gravity__x.service' });
    try {
      await ledger.begin('install', 'op-2', { version: '7.0.68' });
      expect.fail('second operation was accepted');
    } catch (err) {
      expect(err).to.be.instanceOf(AgentError);
      expect((err as AgentError).code).to.equal('FAILED_PRECONDITION');
      expect((err as AgentError).message).to.match(/another operation is running: stop-unit gravity__x.service \(operation op-1\)/);
    }
    await ledger.finish('op-1', 'succeeded');
    expect((await ledger.begin('install', 'op-2', { version: '7.0.68' })).fresh).to.equal(true);
  });

  it('refuses an operation ID reused for a different request (ALREADY_EXISTS)', async () => {
    const { ledger } = await open();
    await ledger.begin('install', 'op-1', { version: '7.0.68' });
    await ledger.finish('op-1', 'succeeded');
    for (const [kind, args] of [
      ['install', { version: '7.0.69' }],
      ['reboot', {}],
    ] as const) {
      try {
        await ledger.begin(kind, 'op-1', args);
        expect.fail('reuse was accepted');
      } catch (err) {
        expect((err as AgentError).code).to.equal('ALREADY_EXISTS');
        expect((err as AgentError).message).to.match(/^operation_id: "op-1" was already used for install version 7.0.68/);
      }
    }
  });

  it('after a restart, settles a running reboot as completed when the boot ID changed, with both boot IDs', async () => {
    const { ledger } = await open(BOOT_A);
    await ledger.begin('reboot', 'reboot-1', {}, { reboot: { bootIdBefore: BOOT_A.bootId, bootIdAfter: '', command: ['systemctl', 'reboot'], commandIssuedUnixMs: 5, bootTimeUnixMs: 0, completedUnixMs: 0 } });
    const after = await open(BOOT_B);
    expect(after.settled).to.deep.equal(['reboot-1:succeeded']);
    const op = after.ledger.get('reboot-1')!;
    expect(op.reboot).to.include({ bootIdBefore: BOOT_A.bootId, bootIdAfter: BOOT_B.bootId, bootTimeUnixMs: BOOT_B.bootTimeUnixMs });
    expect(op.reboot!.completedUnixMs).to.be.above(0);
    // persisted, so a third start does not settle it again
    expect((await open(BOOT_B)).settled).to.deep.equal([]);
  });

  it('after a restart in the same boot, marks a pending reboot failed and other running operations interrupted', async () => {
    const { ledger } = await open(BOOT_A);
    await ledger.begin('install', 'install-1', { version: '7.0.68' });
    const again = await open(BOOT_A);
    expect(again.settled).to.deep.equal(['install-1:interrupted']);
    expect(again.ledger.get('install-1')?.error?.message).to.match(/agent stopped while install version 7.0.68/);
    await again.ledger.begin('reboot', 'reboot-1', {}, { reboot: { bootIdBefore: BOOT_A.bootId, bootIdAfter: '', command: ['systemctl', 'reboot'], commandIssuedUnixMs: 0, bootTimeUnixMs: 0, completedUnixMs: 0 } });
    const third = await open(BOOT_A);
    expect(third.settled).to.deep.equal(['reboot-1:failed']);
    expect(third.ledger.get('reboot-1')?.error?.message).to.match(/did not reboot.*before the reboot command was issued/);
  });

  it('keeps the newest finished operations up to the limit and always the running one', async () => {
    const { ledger } = await open(BOOT_A, 3);
    for (let i = 1; i <= 5; i++) {
      await ledger.begin('stop-unit', `op-${i}`, { unit: 'gravity__x.service' });
      await ledger.finish(`op-${i}`, 'succeeded');
    }
    await ledger.begin('stop-unit', 'op-6', { unit: 'gravity__x.service' });
    const disk = JSON.parse(await readFile(join(dir, STATE_FILE_NAME), 'utf8')) as { operations: { id: string }[] };
    expect(disk.operations.map((o) => o.id)).to.deep.equal(['op-3', 'op-4', 'op-5', 'op-6']);
    expect(ledger.list(2).map((o) => o.id)).to.deep.equal(['op-6', 'op-5']);
  });

  it('writes atomically: no temp files are left and concurrent saves end with the last state', async () => {
    const store = new OperationStore(dir, 100);
    const base = { kind: 'stop-unit' as const, state: 'succeeded' as const, args: {}, createdUnixMs: 1, finishedUnixMs: 2, bootId: 'b' };
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(Array.from({ length: i + 1 }, (_, j) => ({ ...base, id: `op-${j}` })))));
    expect(await readdir(dir)).to.deep.equal([STATE_FILE_NAME]);
    const { operations } = await store.load();
    expect(operations).to.have.length(20);
  });

  it('moves a corrupt state file aside and starts empty, saying why', async () => {
    await writeFile(join(dir, STATE_FILE_NAME), '{"formatVersion":1,"operations":[{"id":');
    const { ledger, problem } = await open();
    expect(problem).to.match(/could not be read.*moved to .*operations\.json\.corrupt-/);
    expect(ledger.list(10)).to.deep.equal([]);
    expect((await readdir(dir)).some((f) => f.startsWith(`${STATE_FILE_NAME}.corrupt-`))).to.equal(true);
  });
});
