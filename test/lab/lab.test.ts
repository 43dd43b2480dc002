import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../shared/exec/command-runner.js';
import { parseClusterHealthV2 } from '../../shared/etcd/cluster-health.js';
import { assessGravityStatusText, parseGravityStatusJson, parseGravityStatusText } from '../../shared/gravity/status.js';
import { createLogger } from '../../shared/log/logger.js';
import { notYet, ready, sleep, waitFor } from '../../shared/time/wait-for.js';
import { Lab, projectDir } from './lab.js';
import { labDir, readLabState } from './lab-state.js';
import { randomLabId } from './lab-identity.js';
import { LabIdentity } from './lab-identity.js';
import { labNetworkLeftovers } from './lab-network.js';
import { pidAlive } from './lab-sweep.js';
import { KubectlClient } from '../../coordinator/cluster/kubectl.js';
import { NodesReadyGate } from '../../coordinator/gates/cluster-gates.js';
import { labAgentPackage } from './lab-agent.js';
import { labAgentConfigYaml } from './noderoll-config.js';
import { CONTAINER_RUNTIME_UNIT, NODE_LAB_NODE_BINARY, PLANET_UNIT } from './node-rootfs.js';

/**
 * Acceptance of the lab cluster against real systemd (systemd-nspawn), real etcd, real kubectl
 * and the gravity stand-in. One 3-node lab serves the whole suite; it is torn down in `after`.
 */

const logger = createLogger('lab-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });

interface PodItem {
  metadata: { name: string; namespace: string; ownerReferences?: { kind: string; name: string }[]; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase: string };
}

describe('lab cluster: real systemd nodes, etcd, kubectl', function () {
  this.timeout(180_000);
  let lab: Lab | undefined;
  let upMs = 0;

  before(async () => {
    const t0 = Date.now();
    lab = await Lab.up({ nodes: 3, logger });
    upMs = Date.now() - t0;
    process.stdout.write(`      lab up (3 nodes): ${upMs} ms; timings ${JSON.stringify(lab.timings)}\n`);
  });

  after(async () => {
    await lab?.down();
  });

  const theLab = (): Lab => {
    if (!lab) throw new Error('lab did not come up');
    return lab;
  };

  it('nodes without agentConfig have no agent, no Node.js on the login PATH and no checkout where one would be installed; the stand-ins run the lab-only runtime', async () => {
    for (const n of theLab().nodes) {
      const login = await n.loginShell('command -v node || echo "no node on PATH=$PATH"; ls -d /usr/bin/node /usr/local/bin/node /opt/noderoll 2>&1 || true', { okExitCodes: [0] });
      expect(login.stdout, n.name).to.match(/^no node on PATH=\/.*\/usr\/bin/);
      expect(login.stdout.match(/No such file or directory/g), `${n.name}: ${login.stdout}`).to.have.length(3);
      const agent = await n.exec('dpkg-query', ['-W', '-f=${db:Status-Status}', 'noderoll-agent'], { okExitCodes: [0, 1] });
      expect(agent.stdout, `${n.name}: noderoll-agent not installed`).to.not.equal('installed');
      const planetPid = (await n.exec('systemctl', ['show', '-p', 'MainPID', '--value', PLANET_UNIT])).stdout.trim();
      expect((await n.exec('readlink', [`/proc/${planetPid}/exe`])).stdout.trim(), `${n.name} planet stand-in`).to.equal(NODE_LAB_NODE_BINARY);
    }
  });

  it('boots 3 nodes to systemd "running" with etcd healthy and every Node Ready', async () => {
    const l = theLab();
    expect(l.nodes.map((n) => n.name)).to.deep.equal(['node-1', 'node-2', 'node-3']);
    for (const n of l.nodes) {
      expect(await n.machine.systemState(), n.name).to.equal('running');
      const units = await n.exec('systemctl', ['show', l.state().planetUnit, '-p', 'ActiveState,SubState']);
      expect(units.stdout).to.contain('ActiveState=active').and.contain('SubState=running');
    }
    const machineIds = await Promise.all(l.nodes.map(async (n) => (await n.exec('cat', ['/etc/machine-id'])).stdout.trim()));
    expect(new Set(machineIds).size, 'distinct machine-ids').to.equal(3);
    const cgroups = l.nodes.map((n) => readFileSync(`/proc/${n.machine.systemdPid()}/cgroup`, 'utf8'));
    expect(new Set(cgroups).size, 'each node in a cgroup of its own').to.equal(3);
    const bootIds = l.nodes.map((n) => n.bootId());
    expect(new Set(bootIds).size, 'distinct boot IDs').to.equal(3);

    const health = await l.etcdctlClusterHealth();
    const parsed = parseClusterHealthV2(health.stdout, health.exitCode ?? -1);
    expect(parsed.healthy, health.stdout).to.equal(true);
    expect(parsed.members).to.have.length(3);

    const nodes = JSON.parse((await l.kubectl(['get', 'nodes', '-o', 'json'])).stdout) as {
      items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[]; nodeInfo: { bootID: string } } }[];
    };
    expect(nodes.items.map((i) => i.metadata.name).sort()).to.deep.equal(['node-1', 'node-2', 'node-3']);
    for (const item of nodes.items) {
      expect(item.status.conditions.find((c) => c.type === 'Ready')?.status, item.metadata.name).to.equal('True');
      expect(item.status.nodeInfo.bootID).to.equal(l.node(item.metadata.name).bootId());
    }
  });

  it('installs the lab planet package with dpkg and can install the next version', async () => {
    const l = theLab();
    const n = l.node('node-2');
    const state = l.state();
    expect((await n.exec('dpkg-query', ['-W', '-f=${Version}', state.packages.name])).stdout).to.equal(state.packages.installed);
    await n.exec('dpkg', ['-i', `${state.packages.nodeDir}/${state.packages.name}_${state.packages.update}_all.deb`], { timeoutMs: 60_000 });
    expect((await n.exec('dpkg-query', ['-W', '-f=${Version}', state.packages.name])).stdout).to.equal(state.packages.update);
  });

  it('gravity stand-in reports a healthy cluster in gravity JSON', async () => {
    const r = await theLab().gravity(['status', '--output=json']);
    expect(r.exitCode).to.equal(0);
    const status = parseGravityStatusJson(r.stdout);
    expect(status.cluster.state).to.equal('active');
    expect(status.cluster.nodes.map((x) => x.status)).to.deep.equal(['healthy', 'healthy', 'healthy']);
  });

  it('container runtime down: the kubelet stand-in reports Ready=False (KubeletNotReady), the coordinator\'s nodes gate and gravity status catch it', async () => {
    const l = theLab();
    const n = l.node('node-1');
    const readyCondition = () => l.api!.store.nodes.get('node-1')?.status?.conditions?.find((c) => c.type === 'Ready');
    const gate = new NodesReadyGate(new KubectlClient({ kubectl: 'kubectl', kubeconfig: l.kubeconfig, env: l.hostEnv(), callTimeoutMs: 30_000 }), l.nodes.map((x) => x.name));
    expect((await gate.check()).passed).to.equal(true);
    await n.exec('systemctl', ['stop', CONTAINER_RUNTIME_UNIT]);
    try {
      await waitFor({ what: 'node-1 reported Ready=False by its kubelet', timeoutMs: 30_000, initialDelayMs: 200, maxDelayMs: 500 }, async () =>
        readyCondition()?.status === 'False' ? ready(undefined) : notYet(`Ready=${readyCondition()?.status}`),
      );
      expect(readyCondition()).to.include({ status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' });
      expect(l.api!.store.nodes.get('node-1')?.spec?.taints?.map((t) => t.key)).to.include('node.kubernetes.io/not-ready');
      const verdict = await gate.check();
      expect(verdict.passed).to.equal(false);
      expect(verdict.summary).to.equal('node node-1 is not Ready (Ready=False, KubeletNotReady: container runtime is down)');
      const gravity = await l.gravity(['status', '--output=json'], { okExitCodes: [255] });
      const node1 = parseGravityStatusJson(gravity.stdout).cluster.nodes.find((x) => x.hostname === 'node-1');
      expect(node1?.status).to.equal('degraded');
      expect(node1?.failed_probes).to.deep.equal(['node NotReady: container runtime is down']);
    } finally {
      await n.exec('systemctl', ['start', CONTAINER_RUNTIME_UNIT]);
    }
    await l.waitNodesReady(30_000);
    expect((await gate.check()).passed).to.equal(true);
  });

  it('planet stopped: gravity exec on the node fails as the real one does and gravity status says offline at once; teleport stopped: degraded, in the real format', async function () {
    this.timeout(120_000);
    const l = theLab();
    const n = l.node('node-2');
    const state = l.state();
    const gravityExec = ['exec', '--no-tty', '--no-interactive', 'true'];
    expect((await n.exec('gravity', gravityExec)).exitCode).to.equal(0);
    await n.exec('systemctl', ['stop', state.planetUnit]);
    try {
      const refused = await n.exec('gravity', gravityExec, { okExitCodes: [255] });
      expect(refused.stderr).to.contain('[ERROR]: planet container is not running').and.contain(`${state.planetUnit} is inactive`);
      // planet's agent is gone with planet: no report, so offline, before the API server's grace has even run out
      const status = await l.gravity(['status', '--output=json'], { okExitCodes: [255] });
      expect(parseGravityStatusJson(status.stdout).cluster.nodes.find((x) => x.hostname === 'node-2')?.status).to.equal('offline');
    } finally {
      await n.exec('systemctl', ['start', state.planetUnit]);
    }
    await l.waitEtcdHealthy(60_000);
    await l.waitNodesReady(60_000);
    await n.exec('systemctl', ['stop', state.teleportUnit]);
    try {
      const json = await l.gravity(['status', '--output=json'], { okExitCodes: [255] });
      expect(json.stderr).to.contain('[ERROR]: degraded');
      const node2 = parseGravityStatusJson(json.stdout).cluster.nodes.find((x) => x.hostname === 'node-2');
      expect(node2?.status).to.equal('degraded');
      // (a probe of planet's restart a moment ago, e.g. "node NotReady: container runtime is down", may still be listed on a busy machine)
      expect(node2?.failed_probes).to.include(`teleport is not running: ${state.teleportUnit} is inactive (dead)`);
      const text = await l.gravity(['status'], { okExitCodes: [255] });
      const assessed = assessGravityStatusText(parseGravityStatusText(text.stdout));
      expect(assessed.healthy).to.equal(false);
      expect(assessed.problems.join('\n')).to.contain('teleport is not running');
      expect(text.stdout).to.match(/\[×\]\s+teleport is not running: \S+ is inactive \(dead\)/);
    } finally {
      await n.exec('systemctl', ['start', state.teleportUnit]);
    }
    // healthy again once the restarted teleport answers its probe (not at once on a busy machine)
    await waitFor({ what: 'gravity status healthy after teleport started again', timeoutMs: 60_000, initialDelayMs: 200, maxDelayMs: 1000 }, async () => {
      const r = await l.gravity(['status', '--output=json'], { okExitCodes: [0, 255] });
      return r.exitCode === 0 ? ready(true) : notYet(r.stderr.trim().split('\n').at(-1) ?? `exit ${r.exitCode}`);
    });
  });

  it('reboot: new boot ID, Node NotReady then Ready with the new bootID, etcd degraded then healthy', async () => {
    const l = theLab();
    const n = l.node('node-2');
    const oldBoot = n.bootId();
    const seen = { nodeNotReady: false, etcdDegraded: false, etcdReport: '' };
    await n.exec('systemctl', ['reboot'], { okExitCodes: [0, 1] });
    const newBoot = await waitFor({ what: 'node-2 to come back with a new boot ID, Ready, etcd healthy', timeoutMs: 60_000, initialDelayMs: 200, maxDelayMs: 400 }, async () => {
      const health = await l.etcdctlClusterHealth();
      const parsed = parseClusterHealthV2(health.stdout, health.exitCode ?? -1);
      if (!parsed.healthy && !seen.etcdDegraded) {
        seen.etcdDegraded = true;
        seen.etcdReport = health.stdout;
      }
      const readiness = (await l.nodeReadiness()).get('node-2');
      if (readiness && !readiness.ready) seen.nodeNotReady = true;
      let boot = '';
      try {
        boot = n.bootId();
      } catch {
        return notYet('node-2 is down');
      }
      if (boot === oldBoot) return notYet('old boot ID still');
      if (!readiness?.ready || readiness.bootID !== boot) return notYet(`Node not Ready with the new boot ID (${readiness?.bootID})`);
      if (!parsed.healthy) return notYet('etcd not yet healthy');
      return ready(boot);
    });
    expect(newBoot).to.not.equal(oldBoot);
    expect(seen.nodeNotReady, 'Node went NotReady during the reboot').to.equal(true);
    expect(seen.etcdDegraded, 'etcd cluster-health was degraded during the reboot').to.equal(true);
    expect(seen.etcdReport).to.match(/member \w+ is unreachable|cluster is degraded/);
    expect(n.machine.boots).to.equal(2);
    // the update installed before the reboot is still there, and planet reports it
    const state = l.state();
    expect((await n.exec('dpkg-query', ['-W', '-f=${Version}', state.packages.name])).stdout).to.equal(state.packages.update);
    const node = JSON.parse((await l.kubectl(['get', 'node', 'node-2', '-o', 'json'])).stdout) as { metadata: { labels: Record<string, string> } };
    expect(node.metadata.labels['planet.noderoll.io/version']).to.equal(state.packages.update);
  });

  it('real kubectl drains a lab node: DaemonSets ignored, PDB pod evicted after its replacement runs (429 retry), node stays cordoned; uncordon works', async function () {
    this.timeout(120_000);
    const l = theLab();
    const pods = JSON.parse((await l.kubectl(['get', 'pods', '-A', '-o', 'json'])).stdout) as { items: PodItem[] };
    const pdbPods = (node: string): PodItem[] =>
      pods.items.filter((p) => p.spec.nodeName === node && p.metadata.labels?.['app'] !== undefined && p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet');
    // drain the node the seed placed two PDB-protected pods on, which forces the 429 path
    const target = ['node-1', 'node-2', 'node-3'].find((name) => {
      const byApp = new Map<string, number>();
      for (const p of pdbPods(name)) byApp.set(p.metadata.labels!['app']!, (byApp.get(p.metadata.labels!['app']!) ?? 0) + 1);
      return [...byApp.values()].some((c) => c >= 2);
    });
    expect(target, 'a node with two pods of one app').to.be.a('string');
    const drain = await l.kubectl(['drain', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s', target!], { timeoutMs: 120_000 });
    expect(drain.stdout).to.contain(`node/${target} drained`);
    expect(drain.stderr).to.contain('will retry after 5s');
    expect(drain.stderr).to.contain('ignoring DaemonSet-managed Pods');

    const after = JSON.parse((await l.kubectl(['get', 'pods', '-A', '-o', 'json', '--field-selector', `spec.nodeName=${target}`])).stdout) as { items: PodItem[] };
    const left = after.items.map((p) => p.metadata.ownerReferences?.[0]?.kind ?? 'none');
    expect(left.every((k) => k === 'DaemonSet' || k === 'Node'), `only DaemonSet and mirror pods remain: ${left}`).to.equal(true);
    const node = JSON.parse((await l.kubectl(['get', 'node', target!, '-o', 'json'])).stdout) as { spec: { unschedulable?: boolean } };
    expect(node.spec.unschedulable).to.equal(true);

    await waitFor({ what: 'every pod Running after the drain', timeoutMs: 30_000 }, async () => {
      const all = JSON.parse((await l.kubectl(['get', 'pods', '-A', '-o', 'json'])).stdout) as { items: PodItem[] };
      const notRunning = all.items.filter((p) => p.status.phase !== 'Running').map((p) => p.metadata.name);
      return notRunning.length === 0 ? ready(undefined) : notYet(`not Running: ${notRunning.join(', ')}`);
    });
    await l.kubectl(['uncordon', target!]);
    const uncordoned = JSON.parse((await l.kubectl(['get', 'node', target!, '-o', 'json'])).stdout) as { spec: { unschedulable?: boolean } };
    expect(uncordoned.spec.unschedulable).to.equal(undefined);
  });

  it('a second lab runs beside the first through the CLI (up, status, env, down) without collisions', async function () {
    this.timeout(240_000);
    const id = randomLabId();
    const cli = join(projectDir, 'dist/test/lab/cli.js');
    const run = (args: string[], ok = [0]) => runCommand({ file: process.execPath, args: [cli, ...args], timeoutMs: 200_000, okExitCodes: ok });
    try {
      const up = await run(['up', '--id', id, '--nodes', '1']);
      expect(up.stdout).to.match(/node-1\s+master\s+\S+\s+running\s+running\s+healthy\s+Ready/);
      const status = JSON.parse((await run(['status', '--id', id, '-o', 'json'])).stdout) as { nodes: { kubeReady: string; agent: string }[] };
      expect(status.nodes.map((x) => x.kubeReady)).to.deep.equal(['Ready']);
      // the CLI's lab has agents, installed from the package
      expect(status.nodes.map((x) => x.agent)).to.deep.equal([`${(await labAgentPackage()).version} active`]);
      expect((await run(['env', '--id', id])).stdout).to.contain('KUBECONFIG=');
      // the first lab is untouched
      expect(await theLab().node('node-1').machine.systemState()).to.equal('running');
    } finally {
      const state = await readLabState(id).catch(() => undefined);
      await run(['down', '--id', id], [0, 1]);
      if (state) {
        expect(await labNetworkLeftovers(new LabIdentity(state.id, state.octet))).to.deep.equal([]);
        expect(state.daemonPid !== undefined && pidAlive(state.daemonPid), 'daemon exited').to.equal(false);
      }
      expect(existsSync(labDir(id))).to.equal(false);
      expect(existsSync(`${labDir(id)}.daemon.log`), 'daemon log removed').to.equal(false);
    }
  });

  it('poweroff stays down and the gravity stand-in reports degraded with exit 255', async function () {
    this.timeout(90_000);
    const l = theLab();
    const n = l.node('node-3');
    await n.exec('systemctl', ['poweroff'], { okExitCodes: [0, 1] });
    await n.machine.waitDown(30_000);
    expect(n.machine.state).to.equal('off');
    await sleep(6000); // longer than the reboot delay: a poweroff must not come back
    expect(n.machine.state).to.equal('off');
    expect(n.machine.nspawnPid).to.equal(undefined);
    const gravity = await waitFor({ what: 'gravity status to report node-3 not healthy', timeoutMs: 30_000 }, async () => {
      const r = await l.gravity(['status', '--output=json'], { okExitCodes: [0, 255] });
      return r.exitCode === 255 ? ready(r) : notYet(`exit ${r.exitCode}`);
    });
    expect(gravity.stderr).to.contain('[ERROR]: degraded');
    const status = parseGravityStatusJson(gravity.stdout);
    expect(status.cluster.state).to.equal('degraded');
    expect(status.cluster.nodes.find((x) => x.hostname === 'node-3')?.status).to.not.equal('healthy');
    // real gravity prints `[ERROR]: degraded` on stdout after the JSON (fatih/color writes to stdout): parsing copes
    const realStyle = await l.gravity(['status', '--output=json'], { okExitCodes: [255], env: { NODEROLL_STANDIN_ERROR_STREAM: 'stdout' } });
    expect(realStyle.stdout).to.match(/\}\s*\[ERROR\]: degraded\s*$/);
    expect(parseGravityStatusJson(realStyle.stdout).cluster.state).to.equal('degraded');
    const health = await l.etcdctlClusterHealth();
    expect(parseClusterHealthV2(health.stdout, health.exitCode ?? -1).healthy).to.equal(false);

    n.machine.start();
    await n.machine.waitRunning(60_000);
    await l.waitEtcdHealthy(60_000);
    await l.waitNodesReady(60_000);
    const back = await l.gravity(['status', '--output=json']);
    expect(parseGravityStatusJson(back.stdout).cluster.state).to.equal('active');
  });

  it('an agent whose package installs but does not start (no TLS files for its mutual TLS) fails Lab.up with what dpkg said, and the lab is torn down', async function () {
    this.timeout(180_000);
    const id = randomLabId();
    const failed = await Lab.up({ id, nodes: 1, logger, seedWorkload: false, agentConfig: labAgentConfigYaml, agentPki: false, agentReadyTimeoutMs: 5000 }).then(
      (l) => l.down().then(() => undefined),
      (err: Error) => err,
    );
    expect(failed?.message).to.match(/gave up waiting for the agent of node-1 to be active/);
    expect(failed?.message).to.contain('installed but NOT started').and.contain('tls.caFile');
    expect(existsSync(labDir(id)), 'torn down').to.equal(false);
  });

  it('lab down leaves no process, netns, veth, mount or directory behind', async function () {
    this.timeout(120_000);
    const l = theLab();
    const problems = await l.down();
    expect(problems).to.deep.equal([]);
    expect(await l.leftovers()).to.deep.equal([]);
  });
});
