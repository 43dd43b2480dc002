import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandSpec } from '../../shared/exec/command-runner.js';
import { KubectlClient } from '../../coordinator/cluster/kubectl.js';
import { DrainError } from '../../coordinator/ports/cluster.js';
import { factory, makeKubectlCacheDir, seedRealisticWorkload, startKubeApiServer, writeKubeconfig, type KubeApiServer, type SeededWorkload } from '../kube-api/index.js';

const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const NODES = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];

interface Setup {
  api: KubeApiServer;
  seeded: SeededWorkload;
  client: KubectlClient;
  calls: string[][];
  dir: string;
  close(): Promise<void>;
}

async function setUp(version?: { major: string; minor: string; gitVersion: string }): Promise<Setup> {
  await runCommand({ file: KUBECTL, args: ['version', '--client'], timeoutMs: 10_000 }).catch((err: unknown) => {
    throw new Error(`these tests need the real kubectl on PATH (or KUBECTL=/path): ${err instanceof Error ? err.message : String(err)}`);
  });
  // Nodes stay Ready for the whole test: no kubelet heartbeats here.
  const api = await startKubeApiServer({ host: '127.0.0.1', port: 0, nodeHeartbeatGraceMs: 600_000, podStartDelayMs: 200, podTerminationDelayMs: 100, ...(version ? { version } : {}) });
  const seeded = seedRealisticWorkload(api, NODES);
  const dir = await mkdtemp(join(tmpdir(), 'noderoll-kubectl-'));
  const kubeconfig = await writeKubeconfig(dir, api.url);
  const cacheDir = await makeKubectlCacheDir(dir);
  const calls: string[][] = [];
  const client = new KubectlClient({
    kubectl: KUBECTL,
    kubeconfig,
    env: { ...process.env, KUBECACHEDIR: cacheDir },
    callTimeoutMs: 30_000,
    runner: (spec: CommandSpec) => {
      calls.push([...spec.args]);
      return runCommand(spec);
    },
  });
  return {
    api,
    seeded,
    client,
    calls,
    dir,
    close: async () => {
      await api.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('KubectlClient with the real kubectl against the test API server', function () {
  this.timeout(120_000);

  describe('reading and acting on nodes', () => {
    let s: Setup;
    before(async () => {
      s = await setUp();
    });
    after(async () => {
      await s?.close();
    });

    it('detects the emptyDir flag from `kubectl drain --help` (once)', async () => {
      expect(await s.client.detectLocalDataFlag()).to.equal('--delete-emptydir-data');
      expect(await s.client.detectLocalDataFlag()).to.equal('--delete-emptydir-data');
      expect(s.calls.filter((c) => c.includes('--help'))).to.have.length(1);
    });

    it('reads Nodes and Pods from -o json', async () => {
      const nodes = await s.client.listNodes();
      expect(nodes.map((n) => n.name)).to.deep.equal(NODES);
      expect(nodes.every((n) => n.ready && !n.unschedulable && n.lastHeartbeatMs !== undefined && n.bootId !== undefined)).to.equal(true);
      const pods = await s.client.listPods();
      expect(pods.length).to.equal(s.api.store.pods.list().length);
      expect(pods.every((p) => p.phase === 'Running')).to.equal(true);
      expect(pods.find((p) => p.name.startsWith('kube-proxy-'))?.controllerKind).to.equal('DaemonSet');
      expect(await s.client.getNode('nope')).to.equal(undefined);
    });

    it('drains a node (evicting through the budget), annotates it, uncordons it', async () => {
      const node = s.seeded.budgeted.nodeWithTwo;
      const lines: string[] = [];
      await s.client.drainNode(node, { timeoutMs: 60_000, onOutput: (l) => lines.push(l) });
      const drainCall = s.calls.find((c) => c.includes('drain') && !c.includes('--help'))!;
      expect(drainCall).to.include.members(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s']);
      expect(lines).to.include(`node/${node} drained`);
      const drained = (await s.client.getNode(node))!;
      expect(drained.unschedulable).to.equal(true);
      const left = (await s.client.listPodsOnNode(node)).map((p) => p.controllerKind).sort();
      expect(left).to.deep.equal(['DaemonSet', 'DaemonSet', 'Node']);

      await s.client.annotateNode(node, { 'noderoll.io/phase': 'draining', 'noderoll.io/operation': 'nr-20261127-020000-abcd12' });
      expect((await s.client.getNode(node))!.annotations).to.include({ 'noderoll.io/phase': 'draining', 'noderoll.io/operation': 'nr-20261127-020000-abcd12' });
      await s.client.annotateNode(node, { 'noderoll.io/phase': null });
      expect((await s.client.getNode(node))!.annotations).to.not.have.property('noderoll.io/phase');

      await s.client.uncordonNode(node);
      expect((await s.client.getNode(node))!.unschedulable).to.equal(false);
      await s.client.cordonNode(node);
      expect((await s.client.getNode(node))!.unschedulable).to.equal(true);
      await s.client.uncordonNode(node);
    });
  });

  describe('a PodDisruptionBudget that can never be satisfied', () => {
    let s: Setup;
    before(async () => {
      s = await setUp();
      s.api.store.poddisruptionbudgets.create(factory.newPodDisruptionBudget('default', 'web-strict', { app: 'web' }, { minAvailable: 3 }));
      s.api.reconcile();
    });
    after(async () => {
      await s?.close();
    });

    it('makes the drain time out, naming the pod and the budget; the node stays cordoned', async () => {
      const node = NODES[1]!;
      const webPod = s.api.store.pods.list('default').find((p) => p.metadata.labels?.app === 'web' && p.spec.nodeName === node)!.metadata.name;
      const err = await s.client.drainNode(node, { timeoutMs: 3000 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(DrainError);
      const drain = err as DrainError;
      expect(drain.timedOut).to.equal(true);
      expect(drain.message).to.contain(`drain of node ${node} timed out`);
      const blocker = drain.blockers.find((b) => b.pod === webPod);
      expect(blocker, JSON.stringify(drain.blockers)).to.not.equal(undefined);
      expect(blocker!.namespace).to.equal('default');
      expect(blocker!.budget?.name).to.equal('web-strict');
      expect(drain.message).to.contain(`pod default/${webPod} is protected by PodDisruptionBudget default/web-strict`);
      expect((await s.client.getNode(node))!.unschedulable).to.equal(true);
    });
  });

  describe('an older server version', () => {
    let s: Setup;
    before(async () => {
      s = await setUp({ major: '1', minor: '30', gitVersion: 'v1.30.9' });
    });
    after(async () => {
      await s?.close();
    });

    it('still finds a drain flag the selected kubectl accepts, and drains with it', async () => {
      const flag = await s.client.detectLocalDataFlag();
      expect(flag).to.be.oneOf(['--delete-emptydir-data', '--delete-local-data']);
      await s.client.drainNode(NODES[2]!, { timeoutMs: 60_000 });
      expect((await s.client.getNode(NODES[2]!))!.unschedulable).to.equal(true);
    });
  });
});
