import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Node, Pod, PodDisruptionBudget } from './k8s-types.js';
import { requireKubectl } from './kubectl-support.js';
import { startTestCluster, type TestCluster } from './test-cluster.js';

const DRAIN = ['drain', '--ignore-daemonsets', '--delete-emptydir-data'];
const MORE_THAN_ONE = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

function evictionBody(pod: Pod, dryRun: boolean): string {
  return JSON.stringify({
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
    deleteOptions: dryRun ? { dryRun: ['All'] } : {},
  });
}

describe('server-side dry-run eviction (dryRun=All) against the test API server, with the real kubectl', function () {
  this.timeout(60_000);
  let cluster: TestCluster;

  /** `kubectl create --raw …/eviction[?dryRun=All] -f -`: how the coordinator asks for the API's judgement. */
  const evict = (pod: Pod, how: { query: boolean; body: boolean }) =>
    cluster.kubectl.run(
      ['create', '--raw', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/eviction${how.query ? '?dryRun=All' : ''}`, '-f', '-'],
      { input: evictionBody(pod, how.body), okExitCodes: [0, 1] },
    );
  const podOf = (app: string, node: string): Pod => {
    const pod = cluster.api.store.pods.list().find((p) => p.spec.nodeName === node && p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);
    if (!pod) throw new Error(`no ${app} pod on ${node}`);
    return pod;
  };
  const createBudget = async (name: string, spec: PodDisruptionBudget['spec']): Promise<void> => {
    const manifest = join(cluster.kubectl.dir, `${name}.json`);
    await writeFile(manifest, JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec }));
    await cluster.kubectl.run(['create', '--validate=false', '-f', manifest]);
  };
  const budgetSnapshot = (name: string) => JSON.stringify(cluster.api.store.poddisruptionbudgets.get(name, 'default'));

  beforeEach(async () => {
    await requireKubectl();
    cluster = await startTestCluster({ nodes: ['node-1', 'node-2', 'node-3'], podStartDelayMs: 300, podTerminationDelayMs: 100 });
  });
  afterEach(async () => {
    await cluster?.close();
  });

  it('answers a dry run as the real eviction would (201 where the budget allows, 429 where it refuses) and changes nothing', async () => {
    await createBudget('web-all', { minAvailable: 3, selector: { matchLabels: { app: 'web' } } });
    const web = podOf('web', 'node-1');
    const payments = podOf('payments', 'node-1');
    const paymentsBudget = budgetSnapshot('payments');

    for (const how of [{ query: true, body: true }, { query: true, body: false }, { query: false, body: true }]) {
      const refused = await evict(web, how);
      expect(refused.exitCode, JSON.stringify(how)).to.equal(1);
      expect(refused.stderr).to.contain("Error from server (TooManyRequests): Cannot evict pod as it would violate the pod's disruption budget.");
      const allowed = await evict(payments, how);
      expect(allowed.exitCode, `${JSON.stringify(how)}: ${allowed.stderr}`).to.equal(0);
      expect(JSON.parse(allowed.stdout)).to.include({ kind: 'Status', status: 'Success', code: 201 });
    }
    for (const pod of [web, payments]) {
      const still = cluster.api.store.pods.get(pod.metadata.name, 'default');
      expect(still?.metadata.deletionTimestamp, pod.metadata.name).to.equal(undefined);
      expect(still?.metadata.resourceVersion).to.equal(pod.metadata.resourceVersion);
    }
    expect(budgetSnapshot('payments'), 'no disruption taken from the budget').to.equal(paymentsBudget);
    expect(cluster.api.activity.find({ type: 'EvictionAccepted' })).to.deep.equal([]);
    expect(cluster.api.activity.find({ type: 'EvictionRefused' })).to.deep.equal([]);
    expect(cluster.api.activity.find({ type: 'EvictionDryRun', name: web.metadata.name }).map((a) => a.detail)).to.deep.equal(
      Array(3).fill('The disruption budget web-all needs 3 healthy pods and has 3 currently'),
    );

    // The real evictions then judge the same way.
    expect((await evict(web, { query: false, body: false })).exitCode).to.equal(1);
    expect((await evict(payments, { query: false, body: false })).exitCode).to.equal(0);
    expect(cluster.api.store.pods.get(payments.metadata.name, 'default')?.metadata.deletionTimestamp).to.be.a('string');
    expect(cluster.api.activity.find({ type: 'EvictionAccepted' }).map((a) => a.name)).to.deep.equal([payments.metadata.name]);
  });

  it('refuses a dryRun value other than All, and a body that disagrees with the query', async () => {
    const web = podOf('web', 'node-1');
    const base = `/api/v1/namespaces/default/pods/${web.metadata.name}/eviction`;
    const unknown = await cluster.kubectl.run(['create', '--raw', `${base}?dryRun=Some`, '-f', '-'], { input: evictionBody(web, false), okExitCodes: [1] });
    expect(unknown.stderr).to.contain('Error from server (BadRequest): Invalid dryRun: ["Some"]: supported values: "All"');
    const body = JSON.stringify({ kind: 'Eviction', apiVersion: 'policy/v1', metadata: { name: web.metadata.name }, deleteOptions: { dryRun: ['Other'] } });
    const mismatch = await cluster.kubectl.run(['create', '--raw', `${base}?dryRun=All`, '-f', '-'], { input: body, okExitCodes: [1] });
    expect(mismatch.stderr).to.contain('DryRun in DeleteOptions in Eviction ([Other]) does not match the dryRun in CreateOptions ([All])');
    expect(cluster.api.store.pods.get(web.metadata.name, 'default')?.metadata.deletionTimestamp).to.equal(undefined);
  });

  it('answers 500 with the real message for a pod covered by more than one budget, dry run or not', async () => {
    await createBudget('web-a', { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } });
    await createBudget('web-b', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } });
    const web = podOf('web', 'node-2');
    for (const dryRun of [true, false]) {
      const r = await evict(web, { query: dryRun, body: dryRun });
      expect(r.exitCode).to.equal(1);
      expect(r.stderr.trim()).to.equal(`Error from server: ${MORE_THAN_ONE}`);
    }
    expect(cluster.api.store.pods.get(web.metadata.name, 'default')?.metadata.deletionTimestamp).to.equal(undefined);
  });

  it('serves `kubectl drain --dry-run=server`: every eviction judged, the node not cordoned, no pod touched', async () => {
    const target = cluster.seeded!.budgeted.nodeWithTwo;
    const before = cluster.api.store.pods.list().map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).sort();
    const budget = budgetSnapshot('payments');
    const r = await cluster.kubectl.run([...DRAIN, '--dry-run=server', '--timeout=30s', target], { timeoutMs: 60_000 });
    expect(r.stdout).to.contain(`node/${target} cordoned (server dry run)`);
    expect(r.stdout).to.match(/evicting pod default\/payments-[a-z0-9]{5} \(server dry run\)/);
    expect(r.stdout).to.contain(`node/${target} drained (server dry run)`);
    // Both payments pods are judged against the untouched budget, so neither waits for the other (a dry run takes no disruption).
    expect(r.stderr).to.not.contain('will retry');
    const node = await cluster.kubectl.json<Node>(['get', 'node', target]);
    expect(node.spec?.unschedulable).to.equal(undefined);
    expect(cluster.api.store.pods.list().map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).sort()).to.deep.equal(before);
    expect(budgetSnapshot('payments')).to.equal(budget);
    const judged = cluster.api.activity.find({ type: 'EvictionDryRun' }).map((a) => a.name);
    expect(judged.filter((n) => n.startsWith('payments-'))).to.have.length(2);
    expect(cluster.api.activity.find({ type: 'EvictionAccepted' })).to.deep.equal([]);
  });

  it('makes `kubectl drain --dry-run=server` retry and time out on a budget that refuses, leaving the node uncordoned', async () => {
    await createBudget('web-all', { minAvailable: 3, selector: { matchLabels: { app: 'web' } } });
    const web = podOf('web', 'node-1');
    const r = await cluster.kubectl.run([...DRAIN, '--dry-run=server', '--timeout=3s', 'node-1'], { okExitCodes: [1], timeoutMs: 60_000 });
    expect(r.stderr).to.contain(`error when evicting pods/"${web.metadata.name}" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`);
    expect(r.stderr).to.contain('global timeout reached: 3s');
    expect((await cluster.kubectl.json<Node>(['get', 'node', 'node-1'])).spec?.unschedulable).to.equal(undefined);
    expect(cluster.api.store.pods.get(web.metadata.name, 'default')?.metadata.deletionTimestamp).to.equal(undefined);
    expect(cluster.api.activity.find({ type: 'EvictionAccepted' }), 'the pods the budget allowed were judged, not evicted').to.deep.equal([]);
  });
});
