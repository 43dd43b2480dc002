import { expect } from 'chai';
import { jsonCopy } from '../../support/json-copy.js';
import { MemoryStateStore } from '../../sim/memory-store.js';
import { newOperationId, newOperationRecord } from '../../../coordinator/state/operation-record.js';

const viaText = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? 'null');
/** Shows what deep equality and JSON text would not: a key present with the value undefined. */
const exact = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x === undefined ? '(undefined)' : x));

describe('jsonCopy (the simulation store saves records with it instead of JSON text)', () => {
  it('gives what JSON.parse(JSON.stringify(x)) gives, odd values included', () => {
    const odd = {
      s: 'a',
      n: 1.5,
      inf: Number.POSITIVE_INFINITY,
      nan: Number.NaN,
      t: true,
      nil: null,
      gone: undefined,
      fn: () => 1,
      sym: Symbol('x'),
      date: new Date(Date.UTC(2026, 11, 2)),
      arr: [1, undefined, () => 2, Number.NEGATIVE_INFINITY, { deep: [{ x: undefined, y: 'y' }] }],
      custom: { toJSON: () => ({ replaced: true }) },
      map: new Map([[1, 2]]),
      2: 'integer key first',
      ['__proto__']: { looks: 'like a prototype' },
    };
    Object.defineProperty(odd, 'hidden', { value: 1, enumerable: false });
    const copy = jsonCopy(odd);
    expect(copy).to.deep.equal(viaText(odd));
    expect(exact(copy)).to.equal(exact(viaText(odd)));
    expect(JSON.stringify(copy)).to.equal(JSON.stringify(odd));
    expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype);
    expect(jsonCopy(undefined)).to.equal(undefined);
    expect(() => jsonCopy({ big: 1n })).to.throw(TypeError);
  });

  it('the store gives each reader its own copy of the record as saved, later changes not included', async () => {
    const now = Date.UTC(2026, 11, 2);
    const store = new MemoryStateStore(() => now);
    const lock = await store.acquireLock({ pid: 1, host: 'sim', command: 'test' });
    const record = newOperationRecord({
      id: newOperationId(now, 'jsoncopy'),
      targetVersion: '7.0.68',
      nodes: [{ name: 'm1', agent: 'm1:7443', role: 'master' }],
      invocation: { configPath: '/sim/config.yaml', confirmEachNode: false, pauseBetweenMs: 0 },
      now: new Date(now).toISOString(),
    });
    await store.save(record, lock);
    const saved = JSON.stringify(record);
    record.nodes[0]!.status = 'in-progress';
    const loaded = await store.load();
    expect(JSON.stringify(loaded)).to.equal(saved);
    expect(JSON.stringify(store.peek())).to.equal(saved);
    loaded!.nodes[0]!.status = 'failed';
    expect(JSON.stringify(await store.load())).to.equal(saved);
  });
});
