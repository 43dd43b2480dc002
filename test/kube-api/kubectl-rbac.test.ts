import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callApi } from './api-client.js';
import type { Lease, Status } from './k8s-types.js';
import { requireKubectl } from './kubectl-support.js';
import { Kubectl } from './kubectl.js';
import { startKubeApiServer, type KubeApiServer } from './server.js';
import { adminKubectl, serviceAccountIdentity } from './service-account-fixture.js';

const NS = 'noderoll-system';
const SA_USER = `system:serviceaccount:${NS}:noderoll`;

/** A namespace, a ServiceAccount, a Role that may only get and update Leases, and its RoleBinding: real manifests. */
const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata:
  name: ${NS}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: noderoll
  namespace: ${NS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: noderoll-lease
  namespace: ${NS}
rules:
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: noderoll-lease
  namespace: ${NS}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: noderoll-lease
subjects:
- kind: ServiceAccount
  name: noderoll
  namespace: ${NS}
`;

/** Cluster-wide rules with subresources, resourceNames and a wildcard, bound to the same account. */
const CLUSTER_MANIFESTS = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: noderoll-nodes
rules:
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["get", "list", "patch"]
- apiGroups: [""]
  resources: ["pods/eviction"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["configmaps"]
  resourceNames: ["noderoll-state"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: noderoll-nodes
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: noderoll-nodes
subjects:
- kind: ServiceAccount
  name: noderoll
  namespace: ${NS}
`;

/** One HTTPS request to the secure port, trusting only the server's own CA. */
function secureCall(api: KubeApiServer, method: string, path: string, token?: string): Promise<{ status: number; body: Status }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.secureUrl}${path}`, { method, ca: api.caCertificate as string, headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Status }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${path} within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('real kubectl against the test API server: bearer tokens and RBAC on the secure port', function () {
  this.timeout(60_000);
  let api: KubeApiServer;
  let admin: Kubectl;
  let account: Kubectl;
  let accountToken: string;
  let dir: string;
  const asAccount = (args: string[], okExitCodes = [0]) => account.run(args, { okExitCodes });

  before(async () => {
    await requireKubectl();
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0, secure: true });
    dir = await mkdtemp(join(tmpdir(), 'noderoll-rbac-test-'));
    admin = await adminKubectl(api);
    await writeFile(join(dir, 'rbac.yaml'), MANIFESTS);
    // The kubeconfig-for-ServiceAccount recipe: apply, a token from the TokenRequest API, a kubeconfig.
    const identity = await serviceAccountIdentity(api, { dir, namespace: NS, name: 'noderoll', manifests: [join(dir, 'rbac.yaml')] });
    expect(identity.applied).to.deep.equal([
      `namespace/${NS} created`,
      'serviceaccount/noderoll created',
      'role.rbac.authorization.k8s.io/noderoll-lease created',
      'rolebinding.rbac.authorization.k8s.io/noderoll-lease created',
    ]);
    expect(identity.username).to.equal(SA_USER);
    await writeFile(join(dir, 'lease.json'), JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'noderoll', namespace: NS }, spec: { holderIdentity: 'host-a/1/op-1', leaseDurationSeconds: 30 } }));
    await admin.run(['create', '-f', join(dir, 'lease.json')]);
    accountToken = identity.token;
    account = await Kubectl.forKubeconfig(identity.kubeconfig);
  });
  after(async () => {
    await account?.dispose();
    await admin?.dispose();
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the ServiceAccount may get and update its Lease', async () => {
    const lease = await account.json<Lease>(['get', 'lease', 'noderoll', '-n', NS]);
    expect(lease.spec?.holderIdentity).to.equal('host-a/1/op-1');
    lease.spec = { ...lease.spec, holderIdentity: 'host-b/2/op-2' };
    await writeFile(join(dir, 'renewed.json'), JSON.stringify(lease));
    expect((await asAccount(['replace', '-f', join(dir, 'renewed.json')])).stdout.trim()).to.equal('lease.coordination.k8s.io/noderoll replaced');
    expect(api.store.leases.get('noderoll', NS)?.spec?.holderIdentity).to.equal('host-b/2/op-2');
  });

  it('everything else is Forbidden with the real message: delete and list leases, leases elsewhere, nodes', async () => {
    const deleted = await asAccount(['delete', 'lease', 'noderoll', '-n', NS], [1]);
    expect(deleted.stderr.trim()).to.equal(
      `Error from server (Forbidden): leases.coordination.k8s.io "noderoll" is forbidden: User "${SA_USER}" cannot delete resource "leases" in API group "coordination.k8s.io" in the namespace "${NS}"`,
    );
    expect(api.store.leases.get('noderoll', NS)).to.not.equal(undefined);
    const listed = await asAccount(['get', 'lease', '-n', NS], [1]);
    expect(listed.stderr.trim()).to.equal(
      `Error from server (Forbidden): leases.coordination.k8s.io is forbidden: User "${SA_USER}" cannot list resource "leases" in API group "coordination.k8s.io" in the namespace "${NS}"`,
    );
    const elsewhere = await asAccount(['get', 'lease', 'noderoll', '-n', 'default'], [1]);
    expect(elsewhere.stderr.trim()).to.equal(
      `Error from server (Forbidden): leases.coordination.k8s.io "noderoll" is forbidden: User "${SA_USER}" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "default"`,
    );
    const nodes = await asAccount(['get', 'nodes'], [1]);
    expect(nodes.stderr.trim()).to.equal(`Error from server (Forbidden): nodes is forbidden: User "${SA_USER}" cannot list resource "nodes" in API group "" at the cluster scope`);
  });

  it('kubectl auth can-i answers from the same rules (SelfSubjectAccessReview)', async () => {
    expect((await asAccount(['auth', 'can-i', 'update', 'leases', '-n', NS])).stdout.trim()).to.equal('yes');
    const no = await asAccount(['auth', 'can-i', 'delete', 'leases', '-n', NS], [1]);
    expect(no.stdout.trim()).to.equal('no');
    expect((await admin.run(['auth', 'can-i', 'delete', 'nodes'])).stdout.trim()).to.equal('yes');
  });

  it('re-applying a narrower Role takes the verb away at once (apply replaces the rules list)', async () => {
    await writeFile(join(dir, 'narrow.yaml'), MANIFESTS.replace('verbs: ["get", "update"]', 'verbs: ["get"]'));
    const applied = await admin.run(['apply', '-f', join(dir, 'narrow.yaml')]);
    expect(applied.stdout).to.include('role.rbac.authorization.k8s.io/noderoll-lease configured');
    expect(api.store.roles.get('noderoll-lease', NS)?.rules).to.deep.equal([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get'] }]);
    expect((await asAccount(['auth', 'can-i', 'update', 'leases', '-n', NS], [1])).stdout.trim()).to.equal('no');
    await admin.run(['apply', '-f', join(dir, 'rbac.yaml')]);
    expect((await asAccount(['auth', 'can-i', 'update', 'leases', '-n', NS])).stdout.trim()).to.equal('yes');
  });

  it('RBAC objects are validated like the real ones: rules need apiGroups and resources, a roleRef cannot change', async () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'loose', namespace: NS }, rules: [{ resources: ['leases'], verbs: ['get'] }] };
    await writeFile(join(dir, 'loose.json'), JSON.stringify(role));
    expect((await admin.run(['create', '-f', join(dir, 'loose.json')], { okExitCodes: [1] })).stderr.trim()).to.equal(
      'The Role "loose" is invalid: rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    );
    await writeFile(join(dir, 'rebind.yaml'), MANIFESTS.replace('  kind: Role\n  name: noderoll-lease', '  kind: Role\n  name: other'));
    const rebind = await admin.run(['apply', '-f', join(dir, 'rebind.yaml')], { okExitCodes: [1] });
    expect(rebind.stderr).to.include(
      'The RoleBinding "noderoll-lease" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef',
    );
    expect(api.store.rolebindings.get('noderoll-lease', NS)?.roleRef.name).to.equal('noderoll-lease');
  });

  it('a ClusterRole grants subresources, named objects and wildcard verbs exactly as written', async () => {
    await writeFile(join(dir, 'cluster.yaml'), CLUSTER_MANIFESTS);
    await admin.run(['apply', '-f', join(dir, 'cluster.yaml')]);
    expect((await asAccount(['get', 'nodes', '-o', 'json'])).exitCode).to.equal(0);
    expect((await asAccount(['auth', 'can-i', 'create', 'pods', '--subresource=eviction', '-n', 'default'])).stdout.trim()).to.equal('yes');
    expect((await asAccount(['auth', 'can-i', 'delete', 'pods', '-n', 'default'], [1])).stdout.trim()).to.equal('no');
    expect((await asAccount(['auth', 'can-i', 'patch', 'nodes', '--subresource=status'], [1])).stdout.trim()).to.equal('no');
    expect((await asAccount(['create', 'configmap', 'noderoll-state', '-n', NS, '--from-literal=a=b'], [1])).stderr.trim()).to.equal(
      `error: failed to create configmap: configmaps is forbidden: User "${SA_USER}" cannot create resource "configmaps" in API group "" in the namespace "${NS}"`,
    );
    await admin.run(['create', 'configmap', 'noderoll-state', '-n', NS, '--from-literal=a=b']);
    expect((await asAccount(['delete', 'configmap', 'noderoll-state', '-n', NS])).stdout.trim()).to.equal('configmap "noderoll-state" deleted');
    await admin.run(['create', 'configmap', 'other', '-n', NS, '--from-literal=a=b']);
    expect((await asAccount(['get', 'configmap', 'other', '-n', NS], [1])).stderr).to.include('configmaps "other" is forbidden');
  });

  it('a binding to a Role that does not exist says so in the denial', async () => {
    await writeFile(
      join(dir, 'dangling.json'),
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'dangling', namespace: 'default' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'missing' },
        subjects: [{ kind: 'ServiceAccount', name: 'noderoll', namespace: NS }],
      }),
    );
    await admin.run(['create', '-f', join(dir, 'dangling.json')]);
    const refused = await asAccount(['get', 'configmap', 'x', '-n', 'default'], [1]);
    expect(refused.stderr.trim()).to.equal(
      `Error from server (Forbidden): configmaps "x" is forbidden: User "${SA_USER}" cannot get resource "configmaps" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "missing" not found`,
    );
  });

  it('the secure port refuses a request without a token, or with an unknown one, with 401; kubectl asks to log in', async () => {
    const none = await secureCall(api, 'GET', '/api/v1/namespaces');
    expect(none.status).to.equal(401);
    expect(none.body).to.include({ kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    expect((await secureCall(api, 'GET', '/api/v1/namespaces', 'not-a-token')).status).to.equal(401);
    expect((await secureCall(api, 'GET', '/version')).status).to.equal(200);
    const stranger = await Kubectl.forServer(api.secureUrl as string, undefined, api.credentials('not-a-token'));
    try {
      const refused = await stranger.run(['get', 'lease', 'noderoll', '-n', NS], { okExitCodes: [1] });
      // kubectl's discovery meets the 401 first, and words it so.
      expect(refused.stderr.trim().split('\n').at(-1)).to.equal('error: You must be logged in to the server (the server has asked for the client to provide credentials)');
    } finally {
      await stranger.dispose();
    }
  });

  it('the plain-HTTP port is unchanged: no token is the admin; a token there is still its own identity', async () => {
    expect((await callApi(api.url, 'GET', '/api/v1/namespaces')).status).to.equal(200);
    const withToken = await callApi<Status>(api.url, 'GET', '/api/v1/nodes', undefined, 'application/json', { authorization: `Bearer ${accountToken}` });
    expect(withToken.status).to.equal(200);
    const forbidden = await callApi<Status>(api.url, 'DELETE', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/noderoll`, undefined, 'application/json', { authorization: `Bearer ${accountToken}` });
    expect(forbidden.status).to.equal(403);
    expect(forbidden.body).to.include({ reason: 'Forbidden', code: 403 });
    expect(forbidden.body.details).to.deep.equal({ name: 'noderoll', group: 'coordination.k8s.io', kind: 'leases' });
  });
});
