import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubectlClient } from '../../../coordinator/cluster/kubectl.js';
import { KubeHttpError } from '../../../coordinator/cluster/kube-http-client.js';
import { AutoKubeObjectAccess } from '../../../coordinator/state/auto-kube-object-access.js';
import { KubectlObjectAccess, type KubeObjectAccess } from '../../../coordinator/state/kube-object-access.js';
import { KubernetesStateStore, type KubernetesStateStoreOptions } from '../../../coordinator/state/kubernetes-state-store.js';
import { LockHeldError } from '../../../coordinator/state/state-store.js';
import { CommandError } from '../../../shared/exec/command-runner.js';
import { requireKubectl } from '../../kube-api/kubectl-support.js';
import { startKubeApiServer, type KubeApiServer } from '../../kube-api/server.js';
import { DEPLOY_DIR, serviceAccountIdentity, withAdminKubectl, type ServiceAccountIdentity } from '../../kube-api/service-account-fixture.js';
import { contractRecord, OWNER_A, OWNER_B } from './state-store-contract.js';

const NS = 'noderoll-system';

/** A second operator's account, bound to deploy/'s optional read-only Role noderoll-viewer. */
const VIEWER = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: operator-b
  namespace: ${NS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: operator-b-views-noderoll
  namespace: ${NS}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: noderoll-viewer
subjects:
- kind: ServiceAccount
  name: operator-b
  namespace: ${NS}
`;

/** The 403 as kubectl prints it: the CommandError's stderr through kubectl, the same words from a direct request. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof KubeHttpError) return err.serverSays;
  expect(err, 'the call was refused').to.be.instanceOf(CommandError);
  return (err as CommandError).result.stderr.trim();
}

const ACCESSES = [
  { name: 'through kubectl', make: (k: KubectlClient): KubeObjectAccess => new KubectlObjectAccess(k) },
  { name: 'directly (chosen from the kubeconfig)', make: (k: KubectlClient): KubeObjectAccess => new AutoKubeObjectAccess(k) },
];

for (const via of ACCESSES) {
  describe(`Kubernetes state store ${via.name} as deploy/'s ServiceAccount (Role noderoll-state: its own Lease and ConfigMap only)`, function () {
    this.timeout(120_000);
    let api: KubeApiServer;
    let dir: string;
    let coordinator: ServiceAccountIdentity;
    let viewer: ServiceAccountIdentity;

    const storeAs = (identity: ServiceAccountIdentity, options: Partial<KubernetesStateStoreOptions> = {}): KubernetesStateStore => {
      const kubectl = new KubectlClient({ kubectl: process.env.KUBECTL ?? 'kubectl', kubeconfig: identity.kubeconfig, env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') }, callTimeoutMs: 30_000 });
      return new KubernetesStateStore({ kubectl, access: via.make(kubectl), keepAlive: false, ...options });
    };

    before(async () => {
      await requireKubectl();
      api = await startKubeApiServer({ host: '127.0.0.1', port: 0, secure: true });
      dir = await mkdtemp(join(tmpdir(), 'noderoll-kstore-rbac-'));
      coordinator = await serviceAccountIdentity(api, { dir, manifests: [DEPLOY_DIR] });
      await withAdminKubectl(api, (admin) => admin.run(['create', 'namespace', 'elsewhere']));
      await writeFile(join(dir, 'viewer.yaml'), VIEWER);
      viewer = await serviceAccountIdentity(api, { dir, name: 'operator-b', manifests: [join(dir, 'viewer.yaml')] });
    });
    after(async () => {
      await api?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('locks, saves, loads, takes and clears an abort request, releases, and locks the existing Lease again', async () => {
      const store = storeAs(coordinator);
      const lock = await store.acquireLock(OWNER_A);
      const record = contractRecord();
      await store.save(record, lock);
      await store.save({ ...record, status: 'completed' }, lock);
      expect((await store.load())?.status).to.equal('completed');
      await store.requestAbort({ operationId: record.id, requestedAt: '2026-11-27T02:05:00.000Z', by: OWNER_A, mode: 'graceful' });
      expect((await store.readAbortRequest())?.operationId).to.equal(record.id);
      await store.clearAbortRequest(lock);
      await lock.release();
      expect(await store.lockHolder()).to.equal(undefined);
      // The second acquire replaces the Lease the first one created (get + update, both limited by name).
      const again = await store.acquireLock(OWNER_A);
      expect((await store.lockHolder())?.info.pid).to.equal(OWNER_A.pid);
      await again.release();
      expect(api.activity.find({ type: 'ApiRequest', detail: 'forbidden' }).filter((a) => a.request?.resource !== 'namespaces')).to.deep.equal([]);
    });

    it('a second coordinator identity with the same roles (withDeployRoles) is refused a held Lease, naming the holder, and takes it once released', async () => {
      const second = await serviceAccountIdentity(api, { dir, name: 'coordinator-b', withDeployRoles: true });
      expect(second.applied).to.deep.equal([
        'serviceaccount/coordinator-b created',
        'clusterrolebinding.rbac.authorization.k8s.io/noderoll-coordinator-noderoll-system-coordinator-b created',
        'rolebinding.rbac.authorization.k8s.io/noderoll-state-noderoll-system-coordinator-b created',
      ]);
      const first = await storeAs(coordinator).acquireLock(OWNER_A);
      const refused = await storeAs(second).acquireLock(OWNER_B).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).to.be.instanceOf(LockHeldError);
      expect((refused as LockHeldError).message).to.contain(`pid ${OWNER_A.pid} on ${OWNER_A.host}`);
      await first.release();
      const taken = await storeAs(second).acquireLock(OWNER_B);
      expect((await storeAs(coordinator).lockHolder())?.info.pid).to.equal(OWNER_B.pid);
      await taken.release();
      expect(api.activity.find({ type: 'ApiRequest', detail: 'forbidden' }).filter((a) => a.request?.user === second.username)).to.deep.equal([]);
    });

    it('is refused (403 Forbidden) outside its namespace', async () => {
      expect(await refusal(storeAs(coordinator, { namespace: 'elsewhere' }).acquireLock(OWNER_A))).to.match(
        /^Error from server \(Forbidden\): leases\.coordination\.k8s\.io "noderoll" is forbidden: User "system:serviceaccount:noderoll-system:noderoll" cannot get resource "leases" in API group "coordination\.k8s\.io" in the namespace "elsewhere"$/m,
      );
    });

    it('is refused (403 Forbidden) a Lease or ConfigMap of another name: get and update are limited to noderoll and noderoll-operation', async () => {
      expect(await refusal(storeAs(coordinator, { leaseName: 'other' }).acquireLock(OWNER_A))).to.match(
        /^Error from server \(Forbidden\): leases\.coordination\.k8s\.io "other" is forbidden: User "system:serviceaccount:noderoll-system:noderoll" cannot get resource "leases" in API group "coordination\.k8s\.io" in the namespace "noderoll-system"$/m,
      );
      expect(await refusal(storeAs(coordinator, { configMapName: 'other' }).load())).to.match(
        /^Error from server \(Forbidden\): configmaps "other" is forbidden: User "system:serviceaccount:noderoll-system:noderoll" cannot get resource "configmaps" in API group "" in the namespace "noderoll-system"$/m,
      );
    });

    it('the optional noderoll-viewer Role reads the holder, the record, the history and an abort request, and may not lock, save or request an abort', async () => {
      const own = storeAs(coordinator);
      const lock = await own.acquireLock(OWNER_A);
      const record = contractRecord('beef01');
      await own.save(record, lock);
      await own.requestAbort({ operationId: record.id, requestedAt: '2026-11-27T02:05:00.000Z', by: OWNER_A, mode: 'graceful' });
      try {
        const view = storeAs(viewer);
        expect((await view.lockHolder())?.info.pid).to.equal(OWNER_A.pid);
        expect((await view.load())?.id).to.equal(record.id);
        expect(await view.history()).to.be.an('array');
        expect((await view.readAbortRequest())?.operationId).to.equal(record.id);
        expect(await refusal(view.requestAbort({ operationId: record.id, requestedAt: '2026-11-27T02:06:00.000Z', by: OWNER_A, mode: 'now' }))).to.match(
          /configmaps "noderoll-operation" is forbidden: User "system:serviceaccount:noderoll-system:operator-b" cannot update resource "configmaps" in API group "" in the namespace "noderoll-system"$/m,
        );
      } finally {
        await own.clearAbortRequest(lock);
        await lock.release();
      }
      // A free Lease: taking it would be an update.
      expect(await refusal(storeAs(viewer).acquireLock(OWNER_A))).to.match(
        /User "system:serviceaccount:noderoll-system:operator-b" cannot update resource "leases" in API group "coordination\.k8s\.io" in the namespace "noderoll-system"$/m,
      );
    });
  });
}

describe('Kubernetes state store with a kubeconfig whose credentials come from an exec plugin', function () {
  this.timeout(120_000);
  let api: KubeApiServer;
  let dir: string;

  before(async () => {
    await requireKubectl();
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0, secure: true });
    dir = await mkdtemp(join(tmpdir(), 'noderoll-kstore-exec-'));
  });
  after(async () => {
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('goes through kubectl, which runs the plugin for each call, and says so', async () => {
    const identity = await serviceAccountIdentity(api, { dir, manifests: [DEPLOY_DIR] });
    const env = { ...process.env, KUBECACHEDIR: join(dir, 'cache') };
    const plain = new KubectlClient({ kubectl: process.env.KUBECTL ?? 'kubectl', kubeconfig: identity.kubeconfig, env, callTimeoutMs: 30_000 });
    const config = JSON.parse((await plain.call(['config', 'view', '--raw', '-o', 'json'])).stdout) as { users: { user: Record<string, unknown> }[] };
    const plugin = join(dir, 'token-plugin');
    const calls = join(dir, 'plugin-calls');
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: identity.token } });
    await writeFile(plugin, `#!/bin/sh\necho run >> '${calls}'\necho '${credential}'\n`, { mode: 0o755 });
    config.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } };
    const kubeconfig = join(dir, 'exec.kubeconfig');
    await writeFile(kubeconfig, JSON.stringify(config));

    const chosen: string[] = [];
    const kubectl = new KubectlClient({ kubectl: process.env.KUBECTL ?? 'kubectl', kubeconfig, env, callTimeoutMs: 30_000 });
    const store = new KubernetesStateStore({ kubectl, keepAlive: false, onAccessChosen: (how) => chosen.push(how) });
    const lock = await store.acquireLock(OWNER_A);
    await store.save(contractRecord(), lock);
    expect((await store.load())?.id).to.equal(contractRecord().id);
    await lock.release();
    expect(chosen).to.deep.equal(['through kubectl: its credentials come from an exec plugin']);
    expect((await readFile(calls, 'utf8')).split('\n').filter(Boolean).length, 'kubectl ran the plugin').to.be.at.least(4);
    expect(api.activity.find({ type: 'ApiRequest', detail: 'forbidden' }).filter((a) => a.request?.resource !== 'namespaces')).to.deep.equal([]);
  });
});
