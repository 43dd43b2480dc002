import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubectlClient } from '../../../coordinator/cluster/kubectl.js';
import { NodesReadyGate, PodsRunningGate } from '../../../coordinator/gates/cluster-gates.js';
import { DrainError } from '../../../coordinator/ports/cluster.js';
import { KubernetesStateStore } from '../../../coordinator/state/kubernetes-state-store.js';
import type { AuthorizedRequest } from '../../kube-api/activity-log.js';
import { coordinatorRules, permission, permissionsOf } from '../../kube-api/deploy-rbac.js';
import { controllerOf } from '../../kube-api/k8s-predicates.js';
import type { PolicyRule, Role } from '../../kube-api/k8s-types.js';
import { requireKubectl } from '../../kube-api/kubectl-support.js';
import { DEPLOY_DIR, applyManifests, serviceAccountIdentity, type ServiceAccountIdentity } from '../../kube-api/service-account-fixture.js';
import { startTestCluster, type TestCluster } from '../../kube-api/test-cluster.js';
import { contractRecord, OWNER_A } from './state-store-contract.js';

const NODES = ['node-1', 'node-2', 'node-3'];
const COORDINATOR_ROLE = join(DEPLOY_DIR, '20-coordinator-clusterrole.yaml');

/** deploy/'s ClusterRole with its rules changed, as a manifest kubectl applies over the shipped one. */
async function coordinatorRoleWith(edit: (rules: PolicyRule[]) => PolicyRule[]): Promise<string> {
  const role = parseAllDocuments(await readFile(COORDINATOR_ROLE, 'utf8'))[0]?.toJS() as Role;
  return JSON.stringify({ ...role, rules: edit(role.rules ?? []) });
}

/**
 * The coordinator's own Kubernetes code (KubectlClient, the cluster gates, KubernetesStateStore) run
 * as deploy/'s ServiceAccount through the real kubectl against the secure test API server, which
 * records every request it authorizes: the run must succeed, and what it asked for must be exactly
 * what deploy/ grants.
 */
describe("the coordinator's Kubernetes calls with only deploy/'s RBAC (measured least privilege)", function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let dir: string;
  let identity: ServiceAccountIdentity;
  let kube: KubectlClient;

  const requestsOfAccount = (): { at: number; request: AuthorizedRequest }[] =>
    cluster.api.activity
      .find({ type: 'ApiRequest' })
      .filter((a) => a.request?.user === identity.username)
      .map((a) => ({ at: a.at, request: a.request as AuthorizedRequest }));
  const describeRequest = (r: AuthorizedRequest): string => (r.path !== undefined ? `${r.path} ${r.verb}` : permission(r.apiGroup ?? '', r.subresource ? `${r.resource}/${r.subresource}` : (r.resource ?? ''), r.verb));
  const podsOn = (node: string): string[] =>
    cluster.api.store.pods
      .list()
      .filter((p) => p.spec.nodeName === node && !p.metadata.deletionTimestamp && controllerOf(p)?.kind === 'ReplicaSet')
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

  before(async () => {
    await requireKubectl();
    cluster = await startTestCluster({ nodes: NODES, secure: true });
    dir = await mkdtemp(join(tmpdir(), 'noderoll-least-privilege-'));
    identity = await serviceAccountIdentity(cluster.api, { dir, manifests: [DEPLOY_DIR] });
    kube = new KubectlClient({ kubectl: process.env.KUBECTL ?? 'kubectl', kubeconfig: identity.kubeconfig, env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') }, callTimeoutMs: 30_000 });
  });
  after(async () => {
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('a rolling update’s calls as the ServiceAccount', () => {
    it('the pods and nodes gates pass', async () => {
      const pods = await new PodsRunningGate(kube).check();
      expect(pods.passed, pods.summary).to.equal(true);
      const nodes = await new NodesReadyGate(kube, NODES).check();
      expect(nodes.passed, nodes.summary).to.equal(true);
    });

    it('cordons and drains a node with ordinary pods, an emptyDir pod, DaemonSet pods and two pods of a PDB-protected app', async () => {
      const target = cluster.seeded!.budgeted.nodeWithTwo;
      expect(podsOn(target).filter((p) => p.includes('/payments-'))).to.have.length(2);
      expect((await kube.getNode(target))?.unschedulable).to.equal(false);
      await kube.cordonNode(target);
      const output: string[] = [];
      await kube.drainNode(target, { timeoutMs: 90_000, onOutput: (l) => output.push(l) });
      expect(output).to.include(`node/${target} drained`);
      expect(podsOn(target)).to.deep.equal([]);
      expect(cluster.api.activity.find({ type: 'EvictionRefused' }).length, 'the budget refused an eviction (429) that kubectl retried').to.be.at.least(1);
      const left = cluster.api.store.pods.list().filter((p) => p.spec.nodeName === target && !p.metadata.deletionTimestamp);
      expect([...new Set(left.map((p) => controllerOf(p)?.kind))].sort()).to.deep.equal(['DaemonSet', 'Node']);
    });

    it('annotates the node with its phase, removes the annotation and uncordons it', async () => {
      const target = cluster.seeded!.budgeted.nodeWithTwo;
      await kube.annotateNode(target, { 'noderoll.io/phase': 'verified', 'noderoll.io/operation': 'op-1' });
      expect((await kube.getNode(target))?.annotations['noderoll.io/phase']).to.equal('verified');
      await kube.annotateNode(target, { 'noderoll.io/phase': null, 'noderoll.io/operation': null });
      await kube.uncordonNode(target);
      const node = await kube.getNode(target);
      expect(node?.unschedulable).to.equal(false);
      expect(node?.annotations).to.not.have.property('noderoll.io/phase');
    });

    it('explains a drain the budget blocks by naming the PodDisruptionBudget (a cluster-wide list)', async () => {
      const budgeted = cluster.seeded!.budgeted;
      const setMinAvailable = (n: number): void => void cluster.api.store.poddisruptionbudgets.update(budgeted.pdb, budgeted.namespace, (pdb) => void (pdb.spec = { ...pdb.spec, minAvailable: n }));
      setMinAvailable(budgeted.replicas);
      const target = NODES.find((n) => n !== budgeted.nodeWithTwo && podsOn(n).some((p) => p.includes(`/${budgeted.app}-`)))!;
      try {
        const err = await kube.drainNode(target, { timeoutMs: 2_000 }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(DrainError);
        expect((err as DrainError).blockers.map((b) => b.budget?.name)).to.include(budgeted.pdb);
      } finally {
        setMinAvailable(budgeted.minAvailable);
        await kube.uncordonNode(target);
      }
    });

    it('foresees what would stop a drain (pods, budgets, server-side dry-run evictions) with the same rights, changing nothing', async () => {
      const budgeted = cluster.seeded!.budgeted;
      const target = NODES.find((n) => podsOn(n).some((p) => p.includes(`/${budgeted.app}-`)))!;
      const evictionsBefore = cluster.api.activity.find({ type: 'EvictionAccepted' }).length;
      const found = await kube.foreseeDrainBlockers(target);
      // Whatever the budget allows at this moment, the API judged each budgeted pod and nothing was evicted.
      expect(found.every((b) => b.reason === 'disruption-budget' && b.budgets.includes(`${budgeted.namespace}/${budgeted.pdb}`))).to.equal(true);
      expect(cluster.api.activity.find({ type: 'EvictionDryRun' }).length).to.be.at.least(1);
      expect(cluster.api.activity.find({ type: 'EvictionAccepted' }).length).to.equal(evictionsBefore);
    });

    it('the state store locks, saves, loads, takes and clears an abort request, and releases', async () => {
      const store = new KubernetesStateStore({ kubectl: kube, keepAlive: false });
      const lock = await store.acquireLock(OWNER_A);
      const record = contractRecord();
      await store.save(record, lock);
      expect((await store.load())?.id).to.equal(record.id);
      await store.requestAbort({ operationId: record.id, requestedAt: '2026-11-27T02:05:00.000Z', by: OWNER_A, mode: 'graceful' });
      await store.clearAbortRequest(lock);
      await lock.release();
      const again = await store.acquireLock(OWNER_A);
      await again.release();
      expect(await store.lockHolder()).to.equal(undefined);
    });

    it('asked for exactly what deploy/ grants: every request allowed, every granted permission used', async () => {
      const requests = requestsOfAccount().map((a) => a.request);
      const refused = [...new Set(requests.filter((r) => !r.allowed).map(describeRequest))];
      // The state store talks to the API server directly here (the ServiceAccount's kubeconfig has a token), so
      // nothing is refused. Through kubectl (a kubeconfig with an exec plugin), `kubectl get` asks after a
      // NotFound whether the namespace exists, to word its message; refused, it still prints the NotFound the
      // store reads, so granting it would change nothing.
      expect(refused).to.deep.equal([]);
      const used = [...new Set(requests.filter((r) => r.allowed).map(describeRequest))].sort();
      expect(used).to.deep.equal(permissionsOf(await coordinatorRules()));
      expect(used).to.not.include(permission('', 'pods', 'delete'));
    });
  });

  describe('each rule the drain needs is needed: without it the drain fails with the API server’s 403', () => {
    const user = 'system:serviceaccount:noderoll-system:noderoll';
    const cases: { rule: string; edit: (rules: PolicyRule[]) => PolicyRule[]; refused: RegExp }[] = [
      {
        rule: 'apps daemonsets get',
        edit: (rules) => rules.filter((r) => !r.resources?.includes('daemonsets')),
        refused: new RegExp(`daemonsets\\.apps "[a-z-]+" is forbidden: User "${user}" cannot get resource "daemonsets" in API group "apps" in the namespace "(kube-system|monitoring)"`),
      },
      {
        rule: 'pods/eviction create',
        edit: (rules) => rules.filter((r) => !r.resources?.includes('pods/eviction')),
        refused: new RegExp(`pods "[a-z0-9-]+" is forbidden: User "${user}" cannot create resource "pods/eviction" in API group "" in the namespace "[a-z-]+"`),
      },
      {
        rule: 'pods get (waiting for an evicted pod to go)',
        edit: (rules) => rules.map((r) => (r.resources?.includes('pods') ? { ...r, verbs: ['list'] } : r)),
        refused: new RegExp(`pods "[a-z0-9-]+" is forbidden: User "${user}" cannot get resource "pods" in API group "" in the namespace "[a-z-]+"`),
      },
    ];
    for (const c of cases) {
      it(`without ${c.rule}`, async () => {
        const target = NODES.filter((n) => podsOn(n).length > 0).sort((a, b) => podsOn(b).length - podsOn(a).length)[0]!;
        await writeFile(join(dir, 'narrowed.yaml'), await coordinatorRoleWith(c.edit));
        await applyManifests(cluster.api, [join(dir, 'narrowed.yaml')]);
        try {
          const err = await kube.drainNode(target, { timeoutMs: 30_000 }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, `the drain of ${target} failed`).to.be.instanceOf(DrainError);
          expect((err as DrainError).outputTail).to.match(c.refused);
        } finally {
          await applyManifests(cluster.api, [DEPLOY_DIR]);
          await kube.uncordonNode(target);
        }
      });
    }
  });
});
