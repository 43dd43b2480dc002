import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandSpec } from '../../shared/exec/command-runner.js';
import { KubectlClient, NO_LOCAL_DATA_FLAG_WARNING } from '../../coordinator/cluster/kubectl.js';
import { createLogger } from '../../shared/log/logger.js';
import { PodsRunningGate } from '../../coordinator/gates/cluster-gates.js';
import { waitForGatesToPass } from '../../coordinator/gates/run-gates.js';
import { StepFailure } from '../../coordinator/engine/step-failure.js';
import { systemClock } from '../../coordinator/ports/clock.js';
import { DrainError } from '../../coordinator/ports/cluster.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { factory, fillFreeCpu, makeKubectlCacheDir, seedRealisticWorkload, startKubeApiServer, writeKubeconfig, type KubeApiServer, type SeededWorkload } from '../kube-api/index.js';

const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const NODES = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];

interface Setup {
  api: KubeApiServer;
  seeded: SeededWorkload;
  client: KubectlClient;
  calls: string[][];
  dir: string;
  /** What the client logged (JSON lines). */
  logged: string[];
  close(): Promise<void>;
}

interface SetupOptions {
  version?: { major: string; minor: string; gitVersion: string };
  /** Writes a program into the temp dir and returns the kubectl the client should run instead of the real one. */
  kubectl?: (dir: string) => Promise<string>;
}

async function setUp(options: SetupOptions = {}): Promise<Setup> {
  const { version } = options;
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
  const logged: string[] = [];
  const kubectl = options.kubectl ? await options.kubectl(dir) : KUBECTL;
  const client = new KubectlClient({
    kubectl,
    kubeconfig,
    env: { ...process.env, KUBECACHEDIR: cacheDir, PATH: `${dir}:${process.env.PATH ?? ''}` },
    log: createLogger('kubectl-test', { level: 'debug' }, { write: (chunk: string) => logged.push(chunk) } as unknown as NodeJS.WritableStream),
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
    logged,
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

    it('with directRequests, reads the same Nodes and Pods and annotates Nodes straight through the API server, with no kubectl process but one `config view`', async () => {
      const directCalls: string[][] = [];
      const direct = new KubectlClient({ kubectl: KUBECTL, kubeconfig: join(s.dir, 'config'), env: { ...process.env }, callTimeoutMs: 30_000, directRequests: true, runner: (spec: CommandSpec) => {
        directCalls.push([...spec.args]);
        return runCommand(spec);
      } });
      const node = s.seeded.budgeted.nodeWithTwo;
      expect(await direct.listNodes()).to.deep.equal(await s.client.listNodes());
      expect(await direct.getNode(node)).to.deep.equal(await s.client.getNode(node));
      expect(await direct.getNode('nope')).to.equal(undefined);
      const byName = (pods: { namespace: string; name: string }[]) => pods.map((p) => `${p.namespace}/${p.name}`).sort();
      expect(await direct.listPods()).to.have.deep.members(await s.client.listPods());
      expect(byName(await direct.listPodsOnNode(node))).to.deep.equal(byName(await s.client.listPodsOnNode(node)));
      expect(byName(await direct.listPodsWithLabels('k8s-app=kube-proxy'))).to.deep.equal(byName(await s.client.listPodsWithLabels('k8s-app=kube-proxy')));
      expect((await direct.listPodsWithLabels('k8s-app=kube-proxy')).length).to.be.greaterThan(0);
      await direct.annotateNode(node, { 'noderoll.io/phase': 'draining', 'noderoll.io/test': 'x=y, z' });
      expect(s.api.store.nodes.get(node)!.metadata.annotations).to.include({ 'noderoll.io/phase': 'draining', 'noderoll.io/test': 'x=y, z' });
      await direct.annotateNode(node, { 'noderoll.io/test': null });
      expect(s.api.store.nodes.get(node)!.metadata.annotations).to.not.have.property('noderoll.io/test');
      expect(s.api.store.nodes.get(node)!.metadata.annotations?.['noderoll.io/phase']).to.equal('draining');
      expect(directCalls.map((c) => c.slice(-7).join(' '))).to.deep.equal(['config view --minify --flatten --raw -o json']);
      expect((await direct.directApi()).how).to.match(/^directly to the API server at http:\/\/127\.0\.0\.1:\d+ /);
    });

    it('drains a node (evicting through the budget), annotates it, uncordons it', async () => {
      const node = s.seeded.budgeted.nodeWithTwo;
      const lines: string[] = [];
      await s.client.drainNode(node, { timeoutMs: 60_000, onOutput: (l) => lines.push(l) });
      const drainCall = s.calls.find((c) => c.includes('drain') && !c.includes('--help'))!;
      expect(drainCall).to.include.members(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s']);
      expect(lines).to.include(`node/${node} drained`);
      expect(lines.join('\n') + s.logged.join('')).to.not.contain('lists neither');
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
      s = await setUp({ version: { major: '1', minor: '30', gitVersion: 'v1.30.9' } });
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

  describe('a kubectl whose `drain --help` lists neither emptyDir flag', () => {
    let s: Setup;
    before(async () => {
      // A program named kubectl first on PATH: the real kubectl's drain help with both flags removed,
      // everything else the real kubectl (so the drain itself is real).
      const real = (await runCommand({ file: 'sh', args: ['-c', `command -v ${KUBECTL}`], timeoutMs: 5000 })).stdout.trim();
      s = await setUp({
        kubectl: async (dir) => {
          const script = join(dir, 'kubectl');
          await writeFile(
            script,
            `#!/bin/sh
case " $* " in
  *" drain "*"--help"*) "${real}" "$@" | grep -v -e '--delete-emptydir-data' -e '--delete-local-data'; exit 0 ;;
esac
exec "${real}" "$@"
`,
          );
          await chmod(script, 0o755);
          return 'kubectl';
        },
      });
    });
    after(async () => {
      await s?.close();
    });

    it('warns (log and drain output) what that means for emptyDir pods, and the real drain then refuses such a pod', async () => {
      expect(await s.client.detectLocalDataFlag()).to.equal(undefined);
      const node = s.seeded.emptyDir.node;
      const lines: string[] = [];
      const err = await s.client.drainNode(node, { timeoutMs: 20_000, onOutput: (l) => lines.push(l) }).catch((e: unknown) => e);
      expect(lines[0]).to.equal(`noderoll: warning: ${NO_LOCAL_DATA_FLAG_WARNING}`);
      expect(NO_LOCAL_DATA_FLAG_WARNING).to.contain('emptyDir').and.contain('lost');
      const warning = s.logged.map((l) => JSON.parse(l) as { level: number; msg: string; node?: string }).find((l) => l.msg === NO_LOCAL_DATA_FLAG_WARNING);
      expect(warning, s.logged.join('')).to.include({ level: 40, node });
      const drainCall = s.calls.find((c) => c.includes('drain') && !c.includes('--help'))!;
      expect(drainCall).to.not.include.oneOf(['--delete-emptydir-data', '--delete-local-data']);
      // What the warning announced: kubectl refuses the pod with an emptyDir volume.
      expect(err).to.be.instanceOf(DrainError);
      expect((err as DrainError).outputTail).to.match(/cannot delete Pods with local storage/);
    });
  });

  describe('the pods gate on a full cluster', () => {
    let s: Setup;
    const target = NODES[2]!;
    const unschedulable =
      'Unschedulable: 0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    before(async () => {
      s = await setUp();
      fillFreeCpu(s.api);
      await waitFor({ what: 'every pod of the full cluster Running', timeoutMs: 20_000, initialDelayMs: 100 }, async () => {
        const waiting = (await s.client.listPods()).filter((p) => p.phase !== 'Running');
        return waiting.length === 0 ? ready(undefined) : notYet(waiting.map((p) => `${p.name}:${p.phase}`).join(', '));
      });
    });
    after(async () => {
      await s?.close();
    });

    it('passes before the drain; after draining a node whose pods fit nowhere it fails, naming each Pending pod and why', async () => {
      const gate = new PodsRunningGate(s.client);
      expect((await gate.check()).passed).to.equal(true);
      await s.client.drainNode(target, { timeoutMs: 60_000 });
      const pending = (await s.client.listPods()).filter((p) => p.phase === 'Pending');
      expect(pending.length).to.be.at.least(1);
      const verdict = await gate.check();
      expect(verdict.passed).to.equal(false);
      for (const p of pending) expect(verdict.problems).to.include(`${p.namespace}/${p.name} is Pending (${unschedulable})`);
    });

    it('halts the rollout before the next node with a message that says why the pod is Pending', async () => {
      const err = await waitForGatesToPass([new PodsRunningGate(s.client)], systemClock, { passes: 1, intervalMs: 200, timeoutMs: 1000, purpose: `before node ${NODES[0]}` }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(StepFailure);
      const message = (err as StepFailure).message;
      expect(message).to.match(new RegExp(`^gates did not pass before node ${NODES[0]!.replace(/\./g, '\\.')} within 1s: pods: default/[a-z0-9-]+ is Pending \\(Unschedulable: 0/3 nodes are available: `));
      expect(message).to.contain('2 Insufficient cpu');
    });

    it('passes again once the drained node is uncordoned and the Pending pods run there', async () => {
      await s.client.uncordonNode(target);
      const report = await waitForGatesToPass([new PodsRunningGate(s.client)], systemClock, { passes: 1, intervalMs: 200, timeoutMs: 20_000, purpose: 'after uncordon' });
      expect(report.passed).to.equal(true);
    });
  });
});
