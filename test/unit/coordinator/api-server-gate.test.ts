import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assessReadyz, KubectlReadyzReader } from '../../../coordinator/cluster/api-server-readiness.js';
import { KubectlClient } from '../../../coordinator/cluster/kubectl.js';
import { ApiServerReadyGate } from '../../../coordinator/gates/api-server-gate.js';
import { requireKubectl } from '../../kube-api/kubectl-support.js';
import { startKubeApiServer, type KubeApiServer } from '../../kube-api/server.js';
import { DEPLOY_DIR, serviceAccountIdentity } from '../../kube-api/service-account-fixture.js';

describe("gate apiserver (kubeadm, k3s): `kubectl get --raw /readyz?verbose` as deploy/'s ServiceAccount, against the test API server", function () {
  this.timeout(120_000);
  let api: KubeApiServer;
  let dir: string;
  let gate: ApiServerReadyGate;

  before(async () => {
    await requireKubectl();
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0, secure: true });
    dir = await mkdtemp(join(tmpdir(), 'noderoll-readyz-'));
    const coordinator = await serviceAccountIdentity(api, { dir, manifests: [DEPLOY_DIR] });
    const kubectl = new KubectlClient({ kubectl: process.env.KUBECTL ?? 'kubectl', kubeconfig: coordinator.kubeconfig, env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') }, callTimeoutMs: 30_000 });
    gate = new ApiServerReadyGate(new KubectlReadyzReader(kubectl));
  });
  after(async () => {
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes while every readyz check passes, with the checks as evidence', async () => {
    const verdict = await gate.check();
    expect(verdict.passed, JSON.stringify(verdict)).to.equal(true);
    expect(verdict.summary).to.equal('API server ready (/readyz)');
    expect(verdict.evidence).to.match(/^\$ kubectl get --raw \/readyz\?verbose\n\d+ checks ok\n/).and.include('[+]shutdown ok').and.include('readyz check passed');
  });

  it('fails naming the check that fails (the API server answers 500 and withholds the reason)', async () => {
    api.health.fail('etcd', 'context deadline exceeded');
    try {
      const verdict = await gate.check();
      expect(verdict.passed).to.equal(false);
      expect(verdict.problems).to.deep.equal(['API server check etcd failed: reason withheld']);
      api.health.fail('shutdown', 'process is shutting down');
      expect((await gate.check()).problems).to.deep.equal(['API server check etcd failed: reason withheld', 'API server check shutdown failed: reason withheld']);
    } finally {
      api.health.fail('etcd', undefined);
      api.health.fail('shutdown', undefined);
    }
    expect((await gate.check()).passed).to.equal(true);
  });

  it('reads a terse "ok" as ready, and an unreachable API server as a problem naming the exit', () => {
    expect(assessReadyz({ stdout: 'ok', stderr: '', exitCode: 0 }).healthy).to.equal(true);
    const down = assessReadyz({ stdout: '', stderr: 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?', exitCode: 1 });
    expect(down.healthy).to.equal(false);
    expect(down.problems).to.deep.equal(['kubectl get --raw /readyz?verbose exited 1: The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?']);
  });
});
