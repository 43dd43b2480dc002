import { expect } from 'chai';
import { GravityStatusGate, NodesReadyGate, PodsRunningGate, toleratedGravityProblems } from '../../../coordinator/gates/cluster-gates.js';
import type { KubeNode, KubePod, KubernetesCluster } from '../../../coordinator/ports/cluster.js';
import { assertOnlyNodeOutOfService } from '../../../coordinator/steps/out-of-service.js';

function node(name: string, over: Partial<KubeNode> = {}): KubeNode {
  return { name, ready: true, readyStatus: 'True', unschedulable: false, labels: {}, annotations: {}, ...over };
}

function pod(name: string, over: Partial<KubePod> = {}): KubePod {
  return { namespace: 'default', name, phase: 'Running', terminating: false, notReadyContainers: [], waitingReasons: [], labels: {}, ...over };
}

function cluster(nodes: KubeNode[], pods: KubePod[] = []): KubernetesCluster {
  return { listNodes: async () => nodes, listPods: async () => pods } as unknown as KubernetesCluster;
}

const W1_DOWN = node('w1', { unschedulable: true, ready: false, readyStatus: 'Unknown' });
const W3_CORDONED = node('w3', { unschedulable: true });

describe('gates and out-of-service checks with nodes of the operation in flight', () => {
  it('nodes gate: the operation\'s own nodes out of service are warnings; any other is a problem', async () => {
    const gate = new NodesReadyGate(cluster([node('m1'), W1_DOWN, W3_CORDONED]), ['m1', 'w1', 'w3']);
    const verdict = await gate.check(undefined, { expectedOutOfService: ['w1'] });
    expect(verdict.passed).to.equal(false);
    expect(verdict.problems).to.deep.equal(['node w3 is cordoned (spec.unschedulable)']);
    expect(verdict.warnings).to.deep.equal(['node w1 is out of service by this operation (cordoned, Ready=Unknown)']);
    expect((await gate.check()).problems, 'without a scope: both').to.have.length(3);
  });

  it('pods gate: pods on in-flight nodes and Pending pods while one is out are warnings; a crashing pod elsewhere is not', async () => {
    const pods = [pod('evicted-1', { nodeName: 'w1', phase: 'Pending', terminating: true }), pod('web-2', { phase: 'Pending', reason: 'Unschedulable' }), pod('db-0', { nodeName: 'm1', waitingReasons: ['CrashLoopBackOff'] })];
    const gate = new PodsRunningGate(cluster([], pods));
    const verdict = await gate.check(undefined, { expectedOutOfService: ['w1'] });
    expect(verdict.problems).to.deep.equal(['default/db-0 on m1 is Running but CrashLoopBackOff']);
    expect(verdict.warnings.join('\n')).to.contain('default/evicted-1 on w1 is Pending (Terminating)').and.contain('default/web-2 is Pending');
    const alone = await gate.check(undefined, { expectedOutOfService: [] });
    expect(alone.problems, 'nothing in flight: Pending fails again').to.include('default/web-2 is Pending (Unschedulable)');
  });

  it('gravity gate: a degraded cluster passes only when every unhealthy node is one the operation took out', async () => {
    const problems = ['system status is degraded', 'node w1 (10.0.0.4) is degraded: planet is not running'];
    expect(toleratedGravityProblems(problems, ['10.0.0.4'])).to.deep.equal({ tolerated: problems, remaining: [] });
    expect(toleratedGravityProblems([...problems, 'node w3 (10.0.0.6) is offline'], ['10.0.0.4']).remaining).to.deep.equal(['system status is degraded', 'node w3 (10.0.0.6) is offline']);
    expect(toleratedGravityProblems(['cluster state is missing (the cluster controller could not be queried)', ...problems], ['w1']).remaining).to.deep.equal(['cluster state is missing (the cluster controller could not be queried)']);
    const gate = new GravityStatusGate({ read: async () => ({ healthy: false, problems, warnings: [], command: 'gravity status', evidence: '' }) });
    expect((await gate.check(undefined, { expectedOutOfService: ['w1'] })).passed).to.equal(true);
    expect((await gate.check()).passed).to.equal(false);
  });

  it('drain refuses while a node the operation did not take out is out of service, not for its own in flight', async () => {
    const c = cluster([node('w2'), W1_DOWN, W3_CORDONED]);
    await assertOnlyNodeOutOfService(c, 'w2', 'drain node w2', undefined, ['w1', 'w3']);
    let refused = '';
    await assertOnlyNodeOutOfService(c, 'w2', 'drain node w2', undefined, ['w1']).catch((e: Error) => (refused = e.message));
    expect(refused).to.equal('refusing to drain node w2: node w3 is already out of service (cordoned)');
  });
});
