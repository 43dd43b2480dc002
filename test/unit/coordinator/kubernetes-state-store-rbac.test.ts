import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubectlClient } from '../../../coordinator/cluster/kubectl.js';
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

/** The 403 kubectl prints, as the store's CommandError carries it. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the call was refused').to.be.instanceOf(CommandError);
  return (err as CommandError).result.stderr.trim();
}

describe("Kubernetes state store as deploy/'s ServiceAccount (Role noderoll-state: its own Lease and ConfigMap only)", function () {
  this.timeout(120_000);
  let api: KubeApiServer;
  let dir: string;
  let coordinator: ServiceAccountIdentity;
  let viewer: ServiceAccountIdentity;

  const storeAs = (identity: ServiceAccountIdentity, options: Partial<KubernetesStateStoreOptions> = {}): KubernetesStateStore =>
    new KubernetesStateStore({
      kubectl: new KubectlClient({ kubectl: process.env.KUBECTL ?? 'kubectl', kubeconfig: identity.kubeconfig, env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') }, callTimeoutMs: 30_000 }),
      keepAlive: false,
      ...options,
    });

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
