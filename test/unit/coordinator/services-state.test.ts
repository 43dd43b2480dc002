import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { makeRealServices } from '../../../coordinator/cli/services.js';
import { parseConfigText } from '../../../coordinator/config/load-config.js';
import { newOperationId, newOperationRecord } from '../../../coordinator/state/operation-record.js';
import { testConfigYaml, THREE_NODES } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';

/** The state store the real composition root builds from the config (the file backend). */
describe('real services: the state store from config state.*', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-services-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps state.history earlier operations and logs a damaged history it moved aside', async () => {
    const yaml = testConfigYaml(dir, THREE_NODES).replace(/state: \{ file: (\S+) \}/, 'state: { file: $1, history: 1 }');
    const config = parseConfigText(yaml, 'test config');
    expect(config.state.history).to.equal(1);
    const logged: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
    const services = makeRealServices(config, log, { clock: new FakeClock(), connectAgent: undefined });
    try {
      const store = services.store;
      const lock = await store.acquireLock({ pid: process.pid, host: 'test-host', command: 'noderoll update --to 7.0.68' });
      const ids: string[] = [];
      for (const seed of ['aaaa01', 'aaaa02', 'aaaa03', 'aaaa04']) {
        const record = newOperationRecord({
          id: newOperationId(Date.parse('2026-11-27T02:00:00Z'), seed),
          targetVersion: '7.0.68',
          nodes: [{ name: 'node-1', role: 'master', agent: 'node-1:7443' }],
          invocation: { configPath: 'test config', confirmEachNode: false, pauseBetweenMs: 0 },
          now: '2026-11-27T02:00:00.000Z',
        });
        ids.push(record.id);
        await store.save(record, lock);
        if (seed === 'aaaa02') await writeFile(`${config.state.file}.history.json`, 'not json');
      }
      await lock.release();
      expect((await store.history()).map((h) => h.id)).to.deep.equal([ids[2]]);
      const warning = logged.find((l) => l.level === 40);
      expect(warning?.component).to.equal('state');
      expect(String(warning?.msg)).to.contain('not valid JSON').and.contain('moved it aside');
      expect((await readdir(dir)).filter((f) => f.startsWith('state.json.history.json.damaged-'))).to.have.length(1);
    } finally {
      services.close();
    }
  });
});
