import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubectlClient } from '../../coordinator/cluster/kubectl.js';
import { NodesReadyGate } from '../../coordinator/gates/cluster-gates.js';
import { judgeNodeHealth } from '../lab/gravity-standin/judge-node-health.js';
import type { GravityLabState } from '../lab/gravity-standin/lab-state.js';
import { parseUnitBlocks, type NodeUnits } from '../lab/gravity-standin/observe-node-units.js';
import { makeKubectlCacheDir, startKubeApiServer, writeKubeconfig, type KubeApiServer } from '../kube-api/index.js';
import { LAB_DEFAULT_TOLERATION_SECONDS } from '../kube-api/pod-admission.js';
import { Lab } from '../lab/lab.js';
import { LAB_TIME_SCALE, LAB_TIMING, REAL_CLUSTER_TIMING, rebootPauseProblem } from '../lab/lab-timing.js';
import { clockDropIn } from '../lab/node-rootfs.js';
import { serveContainerRuntime } from '../lab/planet/container-runtime-standin.js';
import { KubeletHeartbeat, RUNTIME_DOWN_MESSAGE } from '../lab/planet/kubelet-heartbeat.js';

describe('lab realism: timing', () => {
  it('scales a real cluster\'s heartbeat, grace and reboot pause by one factor; the pause outlasts grace + one heartbeat', () => {
    expect(REAL_CLUSTER_TIMING.nodeHeartbeatGraceMs).to.equal(40_000);
    expect(REAL_CLUSTER_TIMING.heartbeatIntervalMs).to.equal(10_000);
    for (const key of Object.keys(LAB_TIMING) as (keyof typeof LAB_TIMING)[]) expect(LAB_TIMING[key] * LAB_TIME_SCALE, key).to.equal(REAL_CLUSTER_TIMING[key]);
    expect(rebootPauseProblem(LAB_TIMING)).to.equal(undefined);
    // the API server's default tolerationSeconds for the NoExecute taints runs on the same scale (real: 300 s)
    expect(LAB_DEFAULT_TOLERATION_SECONDS * LAB_TIME_SCALE).to.equal(300);
    expect(rebootPauseProblem({ ...LAB_TIMING, rebootPauseMs: LAB_TIMING.nodeHeartbeatGraceMs })).to.match(/^rebootDelayMs: .* never be seen NotReady/);
  });

  it('Lab.up refuses a reboot pause that would hide NotReady, before creating anything', async () => {
    const err = await Lab.up({ nodes: 1, rebootDelayMs: 3000 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/^rebootDelayMs: 3000 must exceed nodeHeartbeatGraceMs \+ heartbeatIntervalMs/);
  });

  it('a skewed node clock is a libfaketime drop-in with the offset in seconds, monotonic clocks untouched', () => {
    const dropIn = clockDropIn(-20 * 60_000);
    expect(dropIn).to.contain('Environment=FAKETIME=-1200\n').and.contain('Environment=FAKETIME_DONT_FAKE_MONOTONIC=1').and.match(/LD_PRELOAD=\S+libfaketimeMT\.so\.1/);
    expect(clockDropIn(20 * 60_000)).to.contain('FAKETIME=+1200\n');
    expect(() => clockDropIn(1500)).to.throw(/clockOffsetMs: 1500 must be whole seconds/);
  });
});

describe('lab realism: the kubelet stand-in reports its container runtime', function () {
  this.timeout(60_000);
  let api: KubeApiServer;
  let dir: string;
  let runtime: Server | undefined;
  let gate: NodesReadyGate;

  before(async () => {
    // the grace is long: only the kubelet's own report can make the node NotReady here
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0, nodeHeartbeatGraceMs: 600_000 });
    dir = await mkdtemp(join(tmpdir(), 'noderoll-kubelet-'));
    const kubeconfig = await writeKubeconfig(dir, api.url);
    const cacheDir = await makeKubectlCacheDir(dir);
    gate = new NodesReadyGate(new KubectlClient({ kubectl: process.env.KUBECTL ?? 'kubectl', kubeconfig, env: { ...process.env, KUBECACHEDIR: cacheDir }, callTimeoutMs: 30_000 }), ['node-1']);
  });
  after(async () => {
    await new Promise((resolve) => (runtime ? runtime.close(resolve) : resolve(undefined)));
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('Ready while the runtime answers; Ready=False KubeletNotReady "container runtime is down" when not, and the nodes gate says so', async () => {
    const socket = join(dir, 'runtime.sock');
    runtime = await serveContainerRuntime(socket);
    const kubelet = new KubeletHeartbeat(
      { nodeName: 'node-1', role: 'master', apiServerUrl: api.url, nodeAddress: '127.0.1.1', heartbeatIntervalMs: 1000, versionFile: '/nonexistent', containerRuntimeSocket: socket },
      () => undefined,
    );
    const ready = () => api.store.nodes.get('node-1')?.status?.conditions?.find((c) => c.type === 'Ready');

    await kubelet.beat();
    expect(ready()?.status).to.equal('True');
    expect((await gate.check()).passed).to.equal(true);

    await new Promise((resolve) => runtime!.close(resolve));
    runtime = undefined;
    await kubelet.beat();
    expect(ready()).to.include({ status: 'False', reason: 'KubeletNotReady', message: RUNTIME_DOWN_MESSAGE });
    const verdict = await gate.check();
    expect(verdict.passed).to.equal(false);
    expect(verdict.summary).to.equal('node node-1 is not Ready (Ready=False, KubeletNotReady: container runtime is down)');

    runtime = await serveContainerRuntime(socket);
    await kubelet.beat();
    expect(ready()?.status).to.equal('True');
    expect((await gate.check()).passed).to.equal(true);
  });
});

describe('lab realism: the host gravity stand-in judges planet and teleport', () => {
  const lab: GravityLabState = {
    clusterName: 'lab.noderoll.local',
    apiServerUrl: 'http://127.0.0.1:6443',
    nodes: [
      { name: 'node-1', advertiseIp: '127.1.1.2', role: 'master', etcdClientUrl: 'http://127.1.1.2:2379' },
      { name: 'node-2', advertiseIp: '127.1.2.2', role: 'node' },
    ],
  };
  const unit = (name: string, activeState: string, subState: string) => ({ unit: name, activeState, subState });
  const units = (planet: string, teleport: string): NodeUnits => ({
    planet: unit('gravity__gravitational.io__planet__7.0.67-11709.service', planet, planet === 'active' ? 'running' : 'dead'),
    teleport: unit('gravity__gravitational.io__teleport__3.2.17.service', teleport, teleport === 'active' ? 'running' : 'dead'),
  });
  const observe = (u: Record<string, NodeUnits>) => ({
    nodes: new Map([
      ['node-1', { ready: 'True' as const }],
      ['node-2', { ready: 'True' as const }],
    ]),
    etcdMembers: new Map([['node-1', { kind: 'healthy' as const }]]),
    units: new Map(Object.entries(u)),
  });

  it('planet stopped: offline at once (no agent report), even while the Node still shows Ready', () => {
    const v = judgeNodeHealth(lab, observe({ 'node-1': units('inactive', 'active'), 'node-2': units('active', 'active') }));
    expect(v.map((x) => x.status)).to.deep.equal(['offline', 'healthy']);
  });

  it('teleport stopped: degraded with a failed probe naming the unit', () => {
    const v = judgeNodeHealth(lab, observe({ 'node-1': units('active', 'active'), 'node-2': units('active', 'inactive') }));
    expect(v[1]!.status).to.equal('degraded');
    expect(v[1]!.failedProbes).to.deep.equal(['teleport is not running: gravity__gravitational.io__teleport__3.2.17.service is inactive (dead)']);
  });

  it('reads systemctl show blocks', () => {
    expect(parseUnitBlocks('Id=a.service\nActiveState=active\nSubState=running\n\nId=b.service\nActiveState=failed\nSubState=failed\n')).to.deep.equal([
      unit('a.service', 'active', 'running'),
      unit('b.service', 'failed', 'failed'),
    ]);
  });
});
