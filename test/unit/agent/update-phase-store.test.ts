import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UPDATE_PHASE_FILE_NAME, UpdatePhaseStore } from '../../../agent/operations/update-phase-store.js';
import { FieldError } from '../../../shared/validation/field-error.js';
import { PROFILE_STEP_NAMES, RUNBOOK_STEP_NAMES, UPDATE_PHASES } from '../../../shared/update/update-phase.js';
import { STEP_NAMES } from '../../../coordinator/plan/runbook.js';

describe('agent update phase store (update-phase.json)', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-phase-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the phases are idle, the coordinator runbook steps in order (gravity, then the other profiles own steps), done, halted', () => {
    expect([...STEP_NAMES]).to.deep.equal([...RUNBOOK_STEP_NAMES]);
    expect([...UPDATE_PHASES]).to.deep.equal(['idle', ...STEP_NAMES, ...PROFILE_STEP_NAMES, 'done', 'halted']);
  });

  it('persists the phase; a new store (the next boot) reads it back; a new phase gets a new start time', async () => {
    let now = 1_000;
    const store = new UpdatePhaseStore(dir, () => now);
    expect(await store.load()).to.deep.equal({});
    expect(store.phase).to.equal(undefined);
    await store.set({ operationId: 'nr-1', phase: 'installUpdate', deadlineMs: 60_000 });
    now = 5_000;
    expect((await store.set({ operationId: 'nr-1', phase: 'installUpdate', deadlineMs: 60_000 })).unchanged).to.equal(true);
    await store.set({ operationId: 'nr-1', phase: 'rebootNode', deadlineMs: 0 });
    const next = new UpdatePhaseStore(dir);
    await next.load();
    expect(next.phase).to.deep.equal({ operationId: 'nr-1', phase: 'rebootNode', startedUnixMs: 5_000, deadlineMs: 0 });
    expect(JSON.parse(await readFile(join(dir, UPDATE_PHASE_FILE_NAME), 'utf8'))).to.have.property('formatVersion', 1);
  });

  it('refuses what is not a phase, naming the field, and changes nothing', async () => {
    const store = new UpdatePhaseStore(dir);
    await store.load();
    for (const [req, field] of [
      [{ operationId: 'nr-1', phase: 'reboot-now', deadlineMs: 0 }, 'phase'],
      [{ operationId: 'nr 1', phase: 'done', deadlineMs: 0 }, 'operation_id'],
      [{ operationId: 'nr-1', phase: 'done', deadlineMs: -1 }, 'deadline_ms'],
    ] as const) {
      try {
        await store.set(req);
        expect.fail(`accepted ${JSON.stringify(req)}`);
      } catch (err) {
        expect(err).to.be.instanceOf(FieldError);
        expect((err as Error).message.startsWith(`${field}: `), (err as Error).message).to.equal(true);
      }
    }
    expect(store.phase).to.equal(undefined);
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('moves a corrupt file aside and starts idle', async () => {
    await writeFile(join(dir, UPDATE_PHASE_FILE_NAME), '{"formatVersion":1,"phase":{"operationId":"x","phase":"rm -rf"}}');
    const store = new UpdatePhaseStore(dir);
    const r = await store.load();
    expect(r.problem).to.match(/update-phase\.json could not be read \(the phase record is malformed\); moved to .*corrupt-/);
    expect(store.phase).to.equal(undefined);
    expect((await readdir(dir)).filter((f) => f.includes('.corrupt-'))).to.have.length(1);
  });
});
