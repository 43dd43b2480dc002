import { expect } from 'chai';
import type { JsonObject, JsonValue } from './json-value.js';
import { applyJsonPatch, JsonPatchError } from './patch/json-patch.js';
import { applyMergePatch } from './patch/merge-patch.js';
import { applyStrategicMergePatch } from './patch/strategic-merge-patch.js';

describe('kube-api JSON merge patch (RFC 7386)', () => {
  // The test cases of RFC 7386 Appendix A.
  const cases: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  cases.forEach(([target, patch, result], i) => {
    it(`appendix A case ${i + 1}`, () => {
      expect(applyMergePatch(target, patch)).to.deep.equal(result);
    });
  });

  it('does not modify its inputs', () => {
    const target = { spec: { unschedulable: true, podCIDR: 'x' } };
    applyMergePatch(target, { spec: { unschedulable: null } });
    expect(target).to.deep.equal({ spec: { unschedulable: true, podCIDR: 'x' } });
  });
});

describe('kube-api JSON patch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' }, annotations: { 'x/y': 'z' } }, list: [1, 2, 3] };

  it('adds, removes, replaces, moves and copies', () => {
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/metadata/labels/b', value: '2' },
      { op: 'remove', path: '/metadata/labels/a' },
      { op: 'replace', path: '/list/0', value: 10 },
      { op: 'add', path: '/list/-', value: 4 },
      { op: 'add', path: '/list/1', value: 15 },
      { op: 'copy', from: '/metadata/labels/b', path: '/metadata/labels/c' },
      { op: 'move', from: '/metadata/annotations/x~1y', path: '/metadata/annotations/moved' },
      { op: 'test', path: '/metadata/labels/c', value: '2' },
    ]);
    expect(out).to.deep.equal({ metadata: { labels: { b: '2', c: '2' }, annotations: { moved: 'z' } }, list: [10, 15, 2, 3, 4] });
    expect(doc.list).to.deep.equal([1, 2, 3]);
  });

  it('fails on a failing test, a missing path and an unknown op', () => {
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 9 }])).to.throw(JsonPatchError, /test operation failed/);
    expect(() => applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }])).to.throw(JsonPatchError, /does not exist/);
    expect(() => applyJsonPatch(doc, [{ op: 'frobnicate', path: '/a' }])).to.throw(JsonPatchError, /unknown operation/);
    expect(() => applyJsonPatch(doc, { op: 'add' })).to.throw(JsonPatchError, /array/);
  });
});

interface NodeShape {
  metadata: { name: string; finalizers: string[] };
  spec: { unschedulable?: boolean; taints: { key: string; value?: string; effect?: string }[] };
}

describe('kube-api strategic merge patch', () => {
  const node: JsonObject = {
    metadata: { name: 'n1', finalizers: ['a'] },
    spec: {
      unschedulable: true,
      taints: [
        { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
      ],
    },
  };

  it('behaves like a merge patch for the maps and scalars kubectl cordon and uncordon send', () => {
    const out = applyStrategicMergePatch(node, { spec: { unschedulable: null } }, 'Node') as unknown as NodeShape;
    expect(out).to.deep.equal({ ...node, spec: { taints: (node as unknown as NodeShape).spec.taints } });
  });

  it('merges lists that have a patch merge key, and deletes with $patch: delete', () => {
    const out = applyStrategicMergePatch(
      node,
      { spec: { taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unschedulable', $patch: 'delete' }, { key: 'new', effect: 'NoExecute' }] } },
      'Node',
    ) as unknown as NodeShape;
    expect(out.spec.taints).to.deep.equal([
      { key: 'dedicated', value: 'web', effect: 'NoSchedule' },
      { key: 'new', effect: 'NoExecute' },
    ]);
  });

  it('orders by $setElementOrder and removes with $deleteFromPrimitiveList', () => {
    const out = applyStrategicMergePatch(
      node,
      {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
        spec: { '$setElementOrder/taints': [{ key: 'node.kubernetes.io/unschedulable' }, { key: 'dedicated' }] },
      } as unknown as JsonValue,
      'Node',
    ) as unknown as NodeShape;
    expect(out.metadata.finalizers).to.deep.equal([]);
    expect(out.spec.taints.map((t) => t.key)).to.deep.equal(['node.kubernetes.io/unschedulable', 'dedicated']);
  });

  it('replaces lists without a strategy and honours $patch: replace and $retainKeys', () => {
    const pod = { spec: { tolerations: [{ key: 'a' }], containers: [{ name: 'c', image: 'x', env: [{ name: 'A', value: '1' }] }] } };
    const out = applyStrategicMergePatch(pod, { spec: { tolerations: [{ key: 'b' }], containers: [{ name: 'c', env: [{ name: 'B', value: '2' }] }] } }, 'Pod');
    expect(out).to.deep.equal({ spec: { tolerations: [{ key: 'b' }], containers: [{ name: 'c', image: 'x', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] } });
    const replaced = applyStrategicMergePatch(pod, { spec: { containers: [{ $patch: 'replace' }, { name: 'd', image: 'y' }] } }, 'Pod');
    expect(replaced).to.deep.equal({ spec: { tolerations: [{ key: 'a' }], containers: [{ name: 'd', image: 'y' }] } });
    const retained = applyStrategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $retainKeys: ['b', 'c'], c: 3 } }, 'Pod');
    expect(retained).to.deep.equal({ spec: { b: 2, c: 3 } });
  });
});
