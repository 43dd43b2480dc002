import { expect } from 'chai';
import { callApi } from './api-client.js';
import type { Node, Status } from './k8s-types.js';
import { newNode } from './object-factory.js';
import { startKubeApiServer, type KubeApiServer } from './server.js';

// Discovery documents and lists are read field by field; a loose type keeps the assertions short.
type Json = Record<string, any>;

describe('kube-api HTTP surface: discovery, errors, nodes', () => {
  let api: KubeApiServer;
  const call = <T = Json>(method: string, path: string, body?: unknown, contentType?: string, headers?: Record<string, string>) =>
    callApi<T>(api.url, method, path, body, contentType, headers);

  before(async () => {
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0, nodeHeartbeatGraceMs: 60_000, version: { major: '1', minor: '32', gitVersion: 'v1.32.4' } });
  });
  after(async () => {
    await api?.close();
  });

  describe('discovery', () => {
    it('serves /version as configured', async () => {
      const res = await call('GET', '/version?timeout=5s');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
    });

    it('lists the core version and the apps, coordination, rbac and policy groups', async () => {
      expect((await call('GET', '/api')).body).to.include({ kind: 'APIVersions' }).and.have.deep.property('versions', ['v1']);
      const groups = (await call('GET', '/apis')).body;
      expect(groups.kind).to.equal('APIGroupList');
      expect(groups.groups.map((g: Json) => g.name)).to.deep.equal(['apps', 'coordination.k8s.io', 'rbac.authorization.k8s.io', 'policy']);
      expect(groups.groups[0].preferredVersion).to.deep.equal({ groupVersion: 'apps/v1', version: 'v1' });
      expect((await call('GET', '/apis/policy')).body).to.include({ kind: 'APIGroup', name: 'policy' });
    });

    it('lists core resources with the eviction subresource in group policy', async () => {
      const list = (await call('GET', '/api/v1')).body;
      expect(list).to.include({ kind: 'APIResourceList', groupVersion: 'v1' });
      const byName = new Map<string, Json>(list.resources.map((r: Json) => [r.name, r]));
      expect([...byName.keys()]).to.include.members(['nodes', 'nodes/status', 'pods', 'pods/status', 'pods/eviction', 'namespaces']);
      expect(byName.get('pods/eviction')).to.deep.equal({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
      expect(byName.get('nodes')).to.include({ namespaced: false, kind: 'Node' });
      expect(byName.get('nodes')?.verbs).to.include.members(['get', 'list', 'patch', 'create', 'delete']);
    });

    it('lists apps/v1 and policy/v1 resources', async () => {
      const apps = (await call('GET', '/apis/apps/v1')).body;
      expect(apps.resources.map((r: Json) => r.name)).to.include.members(['daemonsets', 'replicasets']);
      const policy = (await call('GET', '/apis/policy/v1')).body;
      expect(policy.resources.map((r: Json) => r.name)).to.include('poddisruptionbudgets');
      const coordination = (await call('GET', '/apis/coordination.k8s.io/v1')).body;
      expect(coordination.resources).to.deep.equal([
        { name: 'leases', singularName: 'lease', namespaced: true, kind: 'Lease', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
      ]);
      const rbac = (await call('GET', '/apis/rbac.authorization.k8s.io/v1')).body;
      expect(rbac.resources.map((r: Json) => r.name)).to.deep.equal(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);
      const core = (await call('GET', '/api/v1')).body;
      expect(core.resources.map((r: Json) => r.name)).to.include.members(['configmaps', 'serviceaccounts', 'serviceaccounts/token']);
    });
  });

  describe('errors as Status objects', () => {
    it('404 for an unknown path and for an unknown group version', async () => {
      for (const path of ['/nope', '/api/v2', '/apis/batch/v1', '/api/v1/widgets', '/api/v1/nodes/a/b/c']) {
        const res = await call<Status>('GET', path);
        expect(res.status, path).to.equal(404);
        expect(res.body, path).to.include({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
      }
    });

    it('404 NotFound naming the object', async () => {
      const res = await call<Status>('GET', '/api/v1/nodes/missing');
      expect(res.body).to.deep.equal({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'nodes "missing" not found',
        reason: 'NotFound',
        details: { name: 'missing', kind: 'nodes' },
        code: 404,
      });
      const ds = await call<Status>('GET', '/apis/apps/v1/namespaces/default/daemonsets/gone');
      expect(ds.body.message).to.equal('daemonsets.apps "gone" not found');
    });

    it('405 for methods a path does not support', async () => {
      expect((await call<Status>('PUT', '/api/v1', {})).body).to.include({ reason: 'MethodNotAllowed', code: 405 });
      expect((await call<Status>('POST', '/api/v1/pods', {})).status).to.equal(405);
      expect((await call<Status>('DELETE', '/api/v1/namespaces/default')).status).to.equal(405);
      expect((await call<Status>('GET', '/api/v1/namespaces/default/pods/p/eviction')).status).to.equal(405);
    });

    it('413 for a body over 3 MiB (the apiserver limit), 400 for malformed JSON, 415 for an unknown patch type', async () => {
      const big = JSON.stringify({ metadata: { name: 'big', annotations: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } } });
      const tooLarge = await call<Status>('POST', '/api/v1/nodes', big);
      expect(tooLarge.status).to.equal(413);
      expect(tooLarge.body).to.include({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
      const malformed = await call<Status>('POST', '/api/v1/nodes', '{"metadata": {');
      expect(malformed.status).to.equal(400);
      expect(malformed.body).to.include({ reason: 'BadRequest' });
      expect(malformed.body.message).to.match(/not valid JSON/);
      api.store.nodes.create(newNode('patch-target'));
      const apply = await call<Status>('PATCH', '/api/v1/nodes/patch-target', 'metadata: {}', 'application/apply-patch+yaml');
      expect(apply.status).to.equal(415);
      expect(apply.body.reason).to.equal('UnsupportedMediaType');
      api.store.nodes.delete('patch-target');
    });

    it('400 for unsupported field selectors and malformed selectors', async () => {
      const field = await call<Status>('GET', '/api/v1/pods?fieldSelector=spec.bogus%3Dx');
      expect(field.status).to.equal(400);
      expect(field.body.message).to.equal('field label not supported: spec.bogus');
      expect((await call<Status>('GET', '/api/v1/pods?labelSelector=app%20in%20web')).status).to.equal(400);
      expect((await call<Status>('GET', '/api/v1/nodes?continue=garbage')).status).to.equal(400);
    });
  });

  describe('nodes', () => {
    const body = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { role: 'test' } }, spec: {}, status: newNode(name).status });

    it('creates with server-owned metadata and refuses a duplicate with 409 AlreadyExists', async () => {
      const created = await call<Node>('POST', '/api/v1/nodes', body('n-create'));
      expect(created.status).to.equal(201);
      expect(created.body.metadata.uid).to.match(/^[0-9a-f-]{36}$/);
      expect(created.body.metadata.resourceVersion).to.match(/^\d+$/);
      expect(created.body.metadata.creationTimestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(created.body.spec?.unschedulable).to.equal(undefined);
      const again = await call<Status>('POST', '/api/v1/nodes', body('n-create'));
      expect(again.status).to.equal(409);
      expect(again.body).to.include({ reason: 'AlreadyExists', message: 'nodes "n-create" already exists' });
      const nameless = await call<Status>('POST', '/api/v1/nodes', { metadata: {} });
      expect(nameless.status).to.equal(422);
      expect(nameless.body.reason).to.equal('Invalid');
    });

    it('lists with limit and continue, items without kind, metadata.resourceVersion set', async () => {
      for (const n of ['n-list-a', 'n-list-b', 'n-list-c']) api.store.nodes.create(newNode(n));
      const seen: string[] = [];
      let next = '';
      let pages = 0;
      do {
        const res = await call('GET', `/api/v1/nodes?limit=2${next ? `&continue=${encodeURIComponent(next)}` : ''}`);
        expect(res.body).to.include({ kind: 'NodeList', apiVersion: 'v1' });
        expect(res.body.metadata.resourceVersion).to.match(/^\d+$/);
        expect(res.body.items.length).to.be.at.most(2);
        for (const item of res.body.items) expect(item).to.not.have.property('kind');
        seen.push(...res.body.items.map((i: Json) => i.metadata.name));
        next = res.body.metadata.continue ?? '';
        pages++;
      } while (next && pages < 10);
      expect(seen).to.deep.equal([...seen].sort());
      expect(seen).to.include.members(['n-list-a', 'n-list-b', 'n-list-c']);
      expect(new Set(seen).size).to.equal(seen.length);
      expect(pages).to.be.greaterThan(1);
    });

    it('patches with strategic merge (cordon, uncordon), merge patch (label) and JSON patch (annotation)', async () => {
      api.store.nodes.create(newNode('n-patch'));
      const before = api.store.nodes.get('n-patch')!;
      const cordoned = await call<Node>('PATCH', '/api/v1/nodes/n-patch', { spec: { unschedulable: true } }, 'application/strategic-merge-patch+json');
      expect(cordoned.status).to.equal(200);
      expect(cordoned.body.spec?.unschedulable).to.equal(true);
      expect(Number(cordoned.body.metadata.resourceVersion)).to.be.greaterThan(Number(before.metadata.resourceVersion));
      const uncordoned = await call<Node>('PATCH', '/api/v1/nodes/n-patch', { spec: { unschedulable: null } }, 'application/strategic-merge-patch+json');
      expect(uncordoned.body.spec).to.not.have.property('unschedulable');
      const falsy = await call<Node>('PATCH', '/api/v1/nodes/n-patch', { spec: { unschedulable: false } }, 'application/merge-patch+json');
      expect(falsy.body.spec, 'false is omitted like the real omitempty field').to.not.have.property('unschedulable');
      const labelled = await call<Node>('PATCH', '/api/v1/nodes/n-patch', { metadata: { labels: { 'noderoll.io/pool': 'a', 'kubernetes.io/os': null } } }, 'application/merge-patch+json');
      expect(labelled.body.metadata.labels).to.include({ 'noderoll.io/pool': 'a' }).and.not.have.property('kubernetes.io/os');
      const annotated = await call<Node>('PATCH', '/api/v1/nodes/n-patch', [{ op: 'add', path: '/metadata/annotations/noderoll.io~1phase', value: 'draining' }], 'application/json-patch+json');
      expect(annotated.body.metadata.annotations).to.include({ 'noderoll.io/phase': 'draining' });
      const noop = await call<Node>('PATCH', '/api/v1/nodes/n-patch', { metadata: { labels: { 'noderoll.io/pool': 'a' } } }, 'application/merge-patch+json');
      expect(noop.body.metadata.resourceVersion, 'a no-op patch keeps the resourceVersion').to.equal(annotated.body.metadata.resourceVersion);
      const failing = await call<Status>('PATCH', '/api/v1/nodes/n-patch', [{ op: 'test', path: '/spec/unschedulable', value: true }], 'application/json-patch+json');
      expect(failing.status).to.equal(422);
    });

    it('keeps status out of object writes and spec out of /status writes', async () => {
      api.store.nodes.create(newNode('n-status'));
      const viaObject = await call<Node>('PATCH', '/api/v1/nodes/n-status', { status: { nodeInfo: { bootID: 'forged' } } }, 'application/merge-patch+json');
      expect(viaObject.body.status?.nodeInfo?.bootID).to.not.equal('forged');
      const viaStatus = await call<Node>('PATCH', '/api/v1/nodes/n-status/status', { spec: { unschedulable: true }, status: { nodeInfo: { bootID: 'new-boot' } } }, 'application/merge-patch+json');
      expect(viaStatus.body.status?.nodeInfo?.bootID).to.equal('new-boot');
      expect(viaStatus.body.spec?.unschedulable).to.equal(undefined);
    });

    it('keeps lastTransitionTime when a heartbeat repeats the same status', async () => {
      api.store.nodes.create(newNode('n-beat'));
      const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');
      const original = ready(api.store.nodes.get('n-beat')!)!;
      const heartbeat = (status: string, transition: string) => ({
        status: { conditions: [{ type: 'Ready', status, reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: transition }] },
      });
      const same = await call<Node>('PATCH', '/api/v1/nodes/n-beat/status', heartbeat('True', '2030-01-01T00:00:00Z'), 'application/merge-patch+json');
      expect(ready(same.body)?.lastTransitionTime).to.equal(original.lastTransitionTime);
      const changed = await call<Node>('PATCH', '/api/v1/nodes/n-beat/status', heartbeat('False', '2000-01-01T00:00:00Z'), 'application/merge-patch+json');
      expect(Date.parse(ready(changed.body)!.lastTransitionTime!)).to.be.at.least(Date.parse(original.lastTransitionTime!));
    });

    it('PUT replaces, refusing a stale resourceVersion with 409 Conflict', async () => {
      api.store.nodes.create(newNode('n-put'));
      api.reconcile(); // the controllers' first touch (pod CIDR) would otherwise race the PUT
      const current = (await call<Node>('GET', '/api/v1/nodes/n-put')).body;
      const updated = await call<Node>('PUT', '/api/v1/nodes/n-put', { ...current, metadata: { ...current.metadata, labels: { fresh: 'yes' } } });
      expect(updated.status).to.equal(200);
      expect(updated.body.metadata.labels).to.deep.equal({ fresh: 'yes' });
      const stale = await call<Status>('PUT', '/api/v1/nodes/n-put', { ...current, metadata: { ...current.metadata, labels: { stale: 'yes' } } });
      expect(stale.status).to.equal(409);
      expect(stale.body.reason).to.equal('Conflict');
      const renamed = await call<Status>('PUT', '/api/v1/nodes/n-put', { ...updated.body, metadata: { ...updated.body.metadata, name: 'other' } });
      expect(renamed.status).to.equal(400);
    });

    it('DELETE removes the node and answers a Success Status', async () => {
      api.store.nodes.create(newNode('n-delete'));
      const res = await call<Status>('DELETE', '/api/v1/nodes/n-delete');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ kind: 'Status', status: 'Success' });
      expect(res.body.details).to.include({ name: 'n-delete', kind: 'nodes' });
      expect((await call('GET', '/api/v1/nodes/n-delete')).status).to.equal(404);
    });

    it('serves a server-side Table when asked (kubectl human output)', async () => {
      api.store.nodes.create(newNode('n-table'));
      const res = await call('GET', '/api/v1/nodes?fieldSelector=metadata.name%3Dn-table', undefined, undefined, {
        accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      });
      expect(res.body.kind).to.equal('Table');
      expect(res.body.columnDefinitions.map((c: Json) => c.name).slice(0, 5)).to.deep.equal(['Name', 'Status', 'Roles', 'Age', 'Version']);
      expect(res.body.rows[0].cells.slice(0, 2)).to.deep.equal(['n-table', 'Ready']);
    });
  });
});
