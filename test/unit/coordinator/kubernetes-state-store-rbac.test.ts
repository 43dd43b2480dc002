import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubectlClient } from '../../../coordinator/cluster/kubectl.js';
import { KubernetesStateStore } from '../../../coordinator/state/kubernetes-state-store.js';
import { CommandError } from '../../../shared/exec/command-runner.js';
import { requireKubectl } from '../../kube-api/kubectl-support.js';
import { Kubectl } from '../../kube-api/kubectl.js';
import { startKubeApiServer, type KubeApiServer } from '../../kube-api/server.js';
import { contractRecord, OWNER_A } from './state-store-contract.js';

const NS = 'noderoll-system';

/** What the store needs and nothing more: Leases and ConfigMaps in its namespace (create cannot be narrowed by name). */
const STATE_RBAC = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: noderoll
  namespace: ${NS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: noderoll-state
  namespace: ${NS}
rules:
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: noderoll-state
  namespace: ${NS}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: noderoll-state
subjects:
- kind: ServiceAccount
  name: noderoll
  namespace: ${NS}
`;

describe('Kubernetes state store as a ServiceAccount limited to leases and configmaps in its namespace', function () {
  this.timeout(120_000);
  let api: KubeApiServer;
  let admin: Kubectl;
  let account: Kubectl;
  let dir: string;

  const storeIn = (namespace: string): KubernetesStateStore =>
    new KubernetesStateStore({
      kubectl: new KubectlClient({ kubectl: process.env.KUBECTL ?? 'kubectl', kubeconfig: account.kubeconfig, env: { ...process.env, KUBECACHEDIR: account.cacheDir }, callTimeoutMs: 30_000 }),
      namespace,
      keepAlive: false,
    });

  before(async () => {
    await requireKubectl();
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0, secure: true });
    dir = await mkdtemp(join(tmpdir(), 'noderoll-kstore-rbac-'));
    admin = await Kubectl.forServer(api.secureUrl as string, undefined, api.credentials(api.adminToken));
    await admin.run(['create', 'namespace', NS]);
    await admin.run(['create', 'namespace', 'elsewhere']);
    await writeFile(join(dir, 'rbac.yaml'), STATE_RBAC);
    await admin.run(['apply', '-f', join(dir, 'rbac.yaml')]);
    const token = (await admin.run(['create', 'token', 'noderoll', '-n', NS])).stdout.trim();
    account = await Kubectl.forServer(api.secureUrl as string, undefined, api.credentials(token));
  });
  after(async () => {
    await account?.dispose();
    await admin?.dispose();
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('locks, saves, loads, takes and clears an abort request, and releases with only these permissions', async () => {
    const store = storeIn(NS);
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
  });

  it('is refused (403 Forbidden) outside its namespace', async () => {
    const err = await storeIn('elsewhere').acquireLock(OWNER_A).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(CommandError);
    expect((err as CommandError).result.stderr).to.match(/^Error from server \(Forbidden\): leases\.coordination\.k8s\.io "noderoll" is forbidden: User "system:serviceaccount:noderoll-system:noderoll" cannot get resource "leases" in API group "coordination\.k8s\.io" in the namespace "elsewhere"/m);
  });
});
