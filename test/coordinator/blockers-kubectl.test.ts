import { expect } from 'chai';
import { KubectlClient } from '../../coordinator/cluster/kubectl.js';
import { BlockingPodsGate } from '../../coordinator/gates/blocking-pods-gate.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { requireKubectl } from '../kube-api/kubectl-support.js';
import { startTestCluster, type TestCluster } from '../kube-api/test-cluster.js';

/** The blockers' cluster side through the real kubectl against the test API server. */
describe('blockers with the real kubectl against the test API server', function () {
  this.timeout(60_000);
  let cluster: TestCluster;
  let client: KubectlClient;

  before(async () => {
    await requireKubectl();
    cluster = await startTestCluster({ nodes: ['node-1', 'node-2'] });
    client = new KubectlClient({
      kubectl: process.env.KUBECTL ?? 'kubectl',
      kubeconfig: cluster.kubectl.kubeconfig,
      env: { ...process.env, KUBECACHEDIR: cluster.kubectl.cacheDir },
      callTimeoutMs: 30_000,
    });
  });
  after(async () => {
    await cluster?.close();
  });

  it('gate blockingPods: a pod matching a selector in any namespace blocks until it is gone', async () => {
    const gate = new BlockingPodsGate(client, ['app=nightly-backup', 'example.com/role in (migration)']);
    const before = await gate.check();
    expect(before.passed, before.problems.join('; ')).to.equal(true);
    expect(before.summary).to.equal('no pod matches "app=nightly-backup", "example.com/role in (migration)"');

    await cluster.kubectl.run(['run', 'backup-1', '-n', 'kube-system', '--image=registry.local/backup:1', '--labels=app=nightly-backup,tier=ops']);
    await cluster.kubectl.run(['run', 'unrelated', '-n', 'default', '--image=registry.local/web:1', '--labels=app=nightly-backup-report']);
    const blocked = await gate.check();
    expect(blocked.passed).to.equal(false);
    expect(blocked.problems).to.have.length(1);
    expect(blocked.problems[0]).to.match(/^kube-system\/backup-1 is (Pending|Running)( on node-\d)? \(matches gates\.blockingPods selector "app=nightly-backup"\)$/);

    await cluster.kubectl.run(['delete', 'pod', 'backup-1', '-n', 'kube-system', '--wait=false']);
    await waitFor({ what: 'pod kube-system/backup-1 gone and the gate passing', timeoutMs: 30_000, initialDelayMs: 100, maxDelayMs: 500 }, async () => {
      const v = await gate.check();
      return v.passed ? ready(v) : notYet(v.problems.join('; '));
    });
  });

  it('a selector that is not one never reaches kubectl', async () => {
    const calls: string[][] = [];
    const recording = new KubectlClient({ kubectl: 'kubectl', callTimeoutMs: 1000, runner: async (spec) => (calls.push([...spec.args]), Promise.reject(new Error('not to be run'))) });
    let thrown: unknown;
    await recording.listPodsWithLabels('app=x;reboot').catch((err: unknown) => (thrown = err));
    expect(String(thrown)).to.match(/^FieldError: selector: label value "x;reboot" must be empty or 1-63 characters/);
    expect(calls).to.deep.equal([]);
  });
});
