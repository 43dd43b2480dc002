import { expect } from 'chai';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { findCondition, isPodReady } from './k8s-predicates.js';
import type { Node } from './k8s-types.js';
import { requireKubectl, type PodList } from './kubectl-support.js';
import { startTestCluster, type TestCluster } from './test-cluster.js';

describe('node lifecycle: heartbeats seen through the real kubectl', function () {
  this.timeout(30_000);
  let cluster: TestCluster;
  const getNode = (name: string) => cluster.kubectl.json<Node>(['get', 'node', name]);
  const readyOf = (node: Node) => findCondition(node.status?.conditions, 'Ready');

  before(async () => {
    await requireKubectl();
    cluster = await startTestCluster({ nodes: ['node-1', 'node-2'], nodeHeartbeatGraceMs: 1000, heartbeatIntervalMs: 200 });
  });
  after(async () => {
    await cluster?.close();
  });

  it('marks a silent node Ready=Unknown with the unreachable taint, and its pods unready but Running', async () => {
    const t0 = Date.now();
    cluster.kubelets.get('node-2')!.stop();
    const node = await waitFor({ what: 'node-2 Ready=Unknown', timeoutMs: 5000, initialDelayMs: 100 }, async () => {
      const n = await getNode('node-2');
      return readyOf(n)?.status === 'Unknown' ? ready(n) : notYet(JSON.stringify(readyOf(n)));
    });
    // Grace runs from when the server last saw a new heartbeat, up to one interval (200 ms) before t0.
    expect(Date.now() - t0).to.be.at.least(700);
    expect(readyOf(node)).to.include({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    await waitFor({ what: 'the unreachable taint and unready pods on node-2', timeoutMs: 3000, initialDelayMs: 50 }, async () => {
      const n = await getNode('node-2');
      const pods = (await cluster.kubectl.json<PodList>(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-2'])).items;
      const tainted = n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule');
      const stillReady = pods.filter(isPodReady).map((p) => p.metadata.name);
      if (!tainted || stillReady.length > 0) return notYet(`taints ${JSON.stringify(n.spec?.taints)}, ready pods ${stillReady.join(',')}`);
      expect(pods.length).to.be.greaterThan(0);
      expect(pods.every((p) => p.status?.phase === 'Running')).to.equal(true);
      return ready(undefined);
    });
    expect(readyOf(await getNode('node-1'))?.status, 'the other node keeps beating').to.equal('True');
  });

  it('marks the node Ready=True again when heartbeats resume: taint gone, pods ready', async () => {
    const resumedAt = Date.now();
    cluster.kubelets.get('node-2')!.start();
    await waitFor({ what: 'node-2 Ready=True without the unreachable taint, pods ready', timeoutMs: 5000, initialDelayMs: 100 }, async () => {
      const n = await getNode('node-2');
      const pods = (await cluster.kubectl.json<PodList>(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-2'])).items;
      const ok = readyOf(n)?.status === 'True' && !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable') && pods.every(isPodReady);
      return ok ? ready(undefined) : notYet(`${JSON.stringify(readyOf(n))} taints ${JSON.stringify(n.spec?.taints)}`);
    });
    const node = await getNode('node-2');
    // the transition is the one after the restart, not an old one (Kubernetes times have whole seconds)
    expect(Date.parse(readyOf(node)!.lastTransitionTime!), 'the transition to True came after the heartbeats resumed').to.be.at.least(Math.floor(resumedAt / 1000) * 1000);
    expect(cluster.api.activity.find({ type: 'NodeReadyChanged', name: 'node-2', detail: 'Unknown' })).to.have.length(1);
  });
});
