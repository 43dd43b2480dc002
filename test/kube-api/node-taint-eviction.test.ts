import { expect } from 'chai';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { controllerOf, findCondition, isPodReady } from './k8s-predicates.js';
import type { Node, Pod, Taint } from './k8s-types.js';
import { requireKubectl, type PodList } from './kubectl-support.js';
import { LAB_DEFAULT_TOLERATION_SECONDS } from './pod-admission.js';
import { seedRealisticWorkload } from './seed-workload.js';
import { startKubeApiServer, type KubeApiServer } from './server.js';
import { startTestCluster, type TestCluster } from './test-cluster.js';
import { Kubectl } from './kubectl.js';

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';

const noExecute = (node: Node): Taint[] => (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
const describePods = (pods: Pod[]): string => pods.map((p) => `${p.metadata.name}@${p.spec.nodeName ?? '-'}/${p.status?.phase}${p.metadata.deletionTimestamp ? '/terminating' : ''}`).join(', ');

describe('node lifecycle: NoExecute taints and taint-based eviction, through the real kubectl', function () {
  this.timeout(60_000);

  describe('a node that stops heartbeating (Ready=Unknown)', () => {
    const TOLERATION_SECONDS = 4;
    let cluster: TestCluster;
    const getNode = (name: string) => cluster.kubectl.json<Node>(['get', 'node', name]);
    const podsOn = async (node: string) => (await cluster.kubectl.json<PodList>(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${node}`])).items;
    const waitNodeReadyWithoutNoExecute = (name: string) =>
      waitFor({ what: `${name} Ready=True without NoExecute taints`, timeoutMs: 10_000, initialDelayMs: 100 }, async () => {
        const n = await getNode(name);
        const ok = findCondition(n.status?.conditions, 'Ready')?.status === 'True' && noExecute(n).length === 0;
        return ok ? ready(n) : notYet(`taints ${JSON.stringify(n.spec?.taints)}`);
      });
    const waitNoExecuteTaint = (name: string) =>
      waitFor({ what: `${name} tainted ${UNREACHABLE}:NoExecute`, timeoutMs: 10_000, initialDelayMs: 100 }, async () => {
        const n = await getNode(name);
        return noExecute(n).some((t) => t.key === UNREACHABLE) ? ready(n) : notYet(`taints ${JSON.stringify(n.spec?.taints)}`);
      });

    before(async () => {
      await requireKubectl();
      cluster = await startTestCluster({
        nodes: ['node-1', 'node-2', 'node-3'],
        nodeHeartbeatGraceMs: 1000,
        heartbeatIntervalMs: 200,
        podStartDelayMs: 300,
        podTerminationDelayMs: 100,
        defaultTolerationSeconds: TOLERATION_SECONDS,
      });
    });
    after(async () => {
      await cluster?.close();
    });

    it('gives pods the default not-ready/unreachable tolerations (admission) and DaemonSet pods unlimited ones', async () => {
      const pods = (await cluster.kubectl.json<PodList>(['get', 'pods', '-A'])).items;
      const web = pods.find((p) => p.metadata.labels?.app === 'web')!;
      expect(web.spec.tolerations).to.deep.include.members([
        { key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS },
        { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS },
      ]);
      const proxy = pods.find((p) => controllerOf(p)?.kind === 'DaemonSet')!;
      const proxyNoExecute = (proxy.spec.tolerations ?? []).filter((t) => t.effect === 'NoExecute');
      expect(proxyNoExecute.map((t) => t.key).sort()).to.deep.equal([NOT_READY, UNREACHABLE]);
      expect(proxyNoExecute.every((t) => t.tolerationSeconds === undefined)).to.equal(true);
      expect(LAB_DEFAULT_TOLERATION_SECONDS, 'the lab default (300 s scaled like the 40 s grace)').to.equal(30);
      expect(cluster.api.timing.defaultTolerationSeconds).to.equal(TOLERATION_SECONDS);
    });

    it('a short outage: the unreachable NoExecute taint comes with timeAdded and goes when the node is back; no pod is evicted', async () => {
      const before = await podsOn('node-3');
      cluster.kubelets.get('node-3')!.stop();
      const tainted = await waitNoExecuteTaint('node-3');
      expect(tainted.spec?.taints).to.deep.include({ key: UNREACHABLE, effect: 'NoSchedule' });
      const taint = noExecute(tainted).find((t) => t.key === UNREACHABLE)!;
      expect(taint.timeAdded).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      cluster.kubelets.get('node-3')!.start();
      const back = await waitNodeReadyWithoutNoExecute('node-3');
      expect((back.spec?.taints ?? []).map((t) => t.key)).to.not.include(UNREACHABLE);
      const after = await podsOn('node-3');
      expect(after.map((p) => p.metadata.uid).sort()).to.deep.equal(before.map((p) => p.metadata.uid).sort());
      expect(after.some((p) => p.metadata.deletionTimestamp)).to.equal(false);
      expect(cluster.api.activity.find({ type: 'PodEvictedByTaint' })).to.have.length(0);
    });

    it('a long outage: after tolerationSeconds the ReplicaSet pods are evicted and recreated elsewhere; DaemonSet and static pods stay', async () => {
      const before = await podsOn('node-2');
      const replicated = before.filter((p) => controllerOf(p)?.kind === 'ReplicaSet');
      const staying = before.filter((p) => controllerOf(p)?.kind !== 'ReplicaSet');
      expect(replicated.length, describePods(before)).to.be.at.least(2);
      expect(staying.map((p) => controllerOf(p)?.kind).sort()).to.deep.equal(['DaemonSet', 'DaemonSet', 'Node']);

      cluster.kubelets.get('node-2')!.stop();
      await waitNoExecuteTaint('node-2');
      const evicted = await waitFor({ what: 'the ReplicaSet pods on node-2 Terminating', timeoutMs: 20_000, initialDelayMs: 200 }, async () => {
        const pods = await podsOn('node-2');
        const gone = pods.filter((p) => p.metadata.deletionTimestamp);
        return gone.length === replicated.length ? ready(pods) : notYet(describePods(pods));
      });
      for (const p of evicted.filter((x) => x.metadata.deletionTimestamp)) {
        expect(controllerOf(p)?.kind).to.equal('ReplicaSet');
        expect(findCondition(p.status?.conditions, 'DisruptionTarget')).to.include({ status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
      }
      expect(evicted.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.uid).sort()).to.deep.equal(staying.map((p) => p.metadata.uid).sort());

      const activity = cluster.api.activity;
      const taintedAt = activity.find({ type: 'NodeTaintsChanged', name: 'node-2' }).find((a) => a.detail?.includes(`${UNREACHABLE}:NoExecute`))!.at;
      for (const p of replicated) {
        const at = activity.find({ type: 'PodEvictedByTaint', name: p.metadata.name })[0]?.at;
        expect(at, `${p.metadata.name} evicted by the taint manager`).to.be.a('number');
        expect(at! - taintedAt, 'not before tolerationSeconds').to.be.at.least(TOLERATION_SECONDS * 1000);
      }

      const table = await cluster.kubectl.run(['get', 'pods', '-A', '-o', 'wide']);
      for (const p of replicated) expect(table.stdout).to.match(new RegExp(`${p.metadata.name}\\s+\\S+\\s+Terminating`));

      const apps = [...new Set(replicated.map((p) => p.metadata.labels?.app))];
      await waitFor({ what: 'replacements Running and Ready on the other nodes', timeoutMs: 15_000, initialDelayMs: 200 }, async () => {
        const all = (await cluster.kubectl.json<PodList>(['get', 'pods', '-A'])).items;
        const fresh = all.filter((p) => apps.includes(p.metadata.labels?.app) && !p.metadata.deletionTimestamp && !replicated.some((r) => r.metadata.uid === p.metadata.uid));
        const running = fresh.filter((p) => isPodReady(p) && p.spec.nodeName !== 'node-2');
        return running.length >= replicated.length ? ready(running) : notYet(describePods(fresh));
      });

      cluster.kubelets.get('node-2')!.start();
      await waitNodeReadyWithoutNoExecute('node-2');
      await waitFor({ what: 'the kubelet of node-2 to finish the evicted pods', timeoutMs: 10_000, initialDelayMs: 100 }, async () => {
        const pods = await podsOn('node-2');
        return pods.some((p) => p.metadata.deletionTimestamp) ? notYet(describePods(pods)) : ready(pods);
      });
    });
  });

  describe('Ready=False and full disruption (no kubelets; conditions written with kubectl)', () => {
    let api: KubeApiServer;
    let kubectl: Kubectl;
    const NODES = ['n1', 'n2', 'n3'];
    const setReady = (node: string, status: 'True' | 'False') =>
      kubectl.run([
        'patch',
        'node',
        node,
        '--subresource=status',
        '--type=strategic',
        '-p',
        JSON.stringify({ status: { conditions: [{ type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady', message: 'container runtime status check may not have completed yet', lastHeartbeatTime: new Date().toISOString() }] } }),
      ]);
    const taintsOf = async (node: string) => (await kubectl.json<Node>(['get', 'node', node])).spec?.taints ?? [];
    const waitTaints = (node: string, what: string, ok: (t: Taint[]) => boolean) =>
      waitFor({ what: `${node}: ${what}`, timeoutMs: 5000, initialDelayMs: 50 }, async () => {
        const t = await taintsOf(node);
        return ok(t) ? ready(t) : notYet(JSON.stringify(t));
      });

    before(async () => {
      await requireKubectl();
      api = await startKubeApiServer({ host: '127.0.0.1', port: 0, nodeHeartbeatGraceMs: 600_000, defaultTolerationSeconds: 600 });
      seedRealisticWorkload(api, NODES);
      kubectl = await Kubectl.forServer(api.url);
    });
    after(async () => {
      await kubectl?.dispose();
      await api?.close();
    });

    it('taints a Ready=False node node.kubernetes.io/not-ready (NoSchedule and NoExecute with timeAdded), and untaints it when Ready', async () => {
      await setReady('n1', 'False');
      const taints = await waitTaints('n1', 'not-ready taints', (t) => t.some((x) => x.key === NOT_READY && x.effect === 'NoExecute'));
      expect(taints).to.deep.include({ key: NOT_READY, effect: 'NoSchedule' });
      expect(taints.find((t) => t.key === NOT_READY && t.effect === 'NoExecute')?.timeAdded).to.be.a('string');
      expect(taints.map((t) => t.key)).to.not.include(UNREACHABLE);
      await setReady('n1', 'True');
      await waitTaints('n1', 'no not-ready taints', (t) => !t.some((x) => x.key === NOT_READY));
    });

    it('removes every NoExecute taint when no node is Ready (full disruption), keeping NoSchedule', async () => {
      for (const n of NODES.slice(0, 2)) await setReady(n, 'False');
      await waitTaints('n2', 'not-ready NoExecute', (t) => t.some((x) => x.key === NOT_READY && x.effect === 'NoExecute'));
      await setReady('n3', 'False');
      for (const n of NODES) {
        const t = await waitTaints(n, 'NoSchedule but no NoExecute', (x) => x.some((y) => y.key === NOT_READY) && !x.some((y) => y.effect === 'NoExecute'));
        expect(t).to.deep.include({ key: NOT_READY, effect: 'NoSchedule' });
      }
      await setReady('n3', 'True');
      await waitTaints('n1', 'the NoExecute taint back once a node is Ready', (t) => t.some((x) => x.key === NOT_READY && x.effect === 'NoExecute'));
      expect(await taintsOf('n3')).to.deep.equal([]);
    });
  });
});
