import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../shared/exec/command-runner.js';
import { projectRoot } from '../../shared/agent-api/codegen.js';
import type { Node } from '../kube-api/k8s-types.js';
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
  let dir = '';
  let config = '';

  before(async () => {
    await requireKubectl();
    cluster = await startTestCluster({ nodes: ['node-1', 'node-2'] });
    client = new KubectlClient({
      kubectl: process.env.KUBECTL ?? 'kubectl',
      kubeconfig: cluster.kubectl.kubeconfig,
      env: { ...process.env, KUBECACHEDIR: cluster.kubectl.cacheDir },
      callTimeoutMs: 30_000,
    });
    dir = await mkdtemp(join(tmpdir(), 'noderoll-blockers-'));
    config = join(dir, 'config.yaml');
    await writeFile(
      config,
      [
        'apiVersion: noderoll.io/v1alpha1',
        'kind: CoordinatorConfig',
        'nodes: [{ name: node-1, agent: "127.0.1.1:7443" }, { name: node-2, agent: "127.0.1.2:7443" }]',
        'agents: { insecurePlaintext: true }',
        `kubernetes: { kubeconfig: ${cluster.kubectl.kubeconfig} }`,
        `state: { file: ${join(dir, 'state.json')} }`,
        `log: { file: ${join(dir, 'noderoll.log')} }`,
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The built noderoll, as an operator runs it. */
  const noderoll = (args: string[], okExitCodes = [0]) =>
    runCommand({ file: process.execPath, args: [join(projectRoot, 'dist/coordinator/main.js'), ...args, '--config', config], env: { ...process.env, KUBECACHEDIR: cluster.kubectl.cacheDir }, timeoutMs: 30_000, okExitCodes });
  const annotations = async (node: string) => (await cluster.kubectl.json<Node>(['get', 'node', node])).metadata.annotations ?? {};

  it('noderoll hold NODE --reason sets noderoll.io/hold (again: replaces it), release removes it; a missing node is exit 2', async () => {
    const held = await noderoll(['hold', 'node-2', '--reason', 'disk replacement, OPS-1234']);
    expect(held.stdout).to.contain('Node node-2 is on hold: disk replacement, OPS-1234.');
    expect(await annotations('node-2')).to.include({ 'noderoll.io/hold': 'disk replacement, OPS-1234' });
    await noderoll(['hold', 'node-2', '--reason', 'firmware case 4711']);
    expect(await annotations('node-2')).to.include({ 'noderoll.io/hold': 'firmware case 4711' });
    expect(await annotations('node-1')).to.not.have.property('noderoll.io/hold');

    const released = await noderoll(['release', 'node-2', '-o', 'json']);
    expect(JSON.parse(released.stdout)).to.include({ type: 'release', node: 'node-2', released: true, previousReason: 'firmware case 4711' });
    expect(await annotations('node-2')).to.not.have.property('noderoll.io/hold');
    expect((await noderoll(['release', 'node-2'])).stdout).to.contain('was not on hold');

    const missing = await noderoll(['hold', 'node-9', '--reason', 'x'], [2]);
    expect(missing.stderr).to.match(/error: node node-9 does not exist in the cluster/);
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
