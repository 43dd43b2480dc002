import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcNodeAgent } from '../../coordinator/agents/grpc-node-agent.js';
import { AgentClient, readAgentClientTls } from '../../shared/agent-api/agent-client.js';
import { runCommand } from '../../shared/exec/command-runner.js';
import { createLogger } from '../../shared/log/logger.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { Lab, type LabNode } from '../lab/lab.js';
import { kubeadmAgentConfigYaml } from '../lab/kubeadm/kubeadm-agent-config.js';
import { CONTROL_PLANE_LABEL } from '../lab/kubeadm/kubeadm-node.js';
import { hostEtcdctl } from '../lab/tls-etcd.js';
import { CONTAINERD_UNIT, ETCD_STANDIN_UNIT, KUBELET_UNIT } from '../lab/kubeadm/kubeadm-units.js';
import { AGENT_GRPC_PORT } from '../lab/noderoll-config.js';

/**
 * A kubeadm lab (3 control-plane nodes, 1 worker) with noderoll-agent installed from its package
 * and `profile: kubeadm`: etcd runs with TLS client authentication and kubeadm's PKI; the agent asks
 * it with the healthcheck client certificate that stays on the node, and streams a verified
 * snapshot to the caller over mutual TLS.
 */

const logger = createLogger('kubeadm-etcd-lab-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });

function note(text: string): void {
  process.stdout.write(`      ${text}\n`);
}

describe('kubeadm lab: etcd with TLS client auth through the agent', function () {
  this.timeout(150_000);
  let lab: Lab | undefined;
  let dir = '';
  const clients = new Map<string, AgentClient>();

  before(async () => {
    const t0 = Date.now();
    dir = await mkdtemp(join(tmpdir(), 'noderoll-kubeadm-etcd-'));
    lab = await Lab.up({ nodes: 4, masters: 3, profile: 'kubeadm', logger, seedWorkload: false, agentConfig: (n) => kubeadmAgentConfigYaml(n) });
    note(`kubeadm lab (3 control-plane + 1 worker, agents installed) up in ${Date.now() - t0} ms: ${JSON.stringify(lab.timings)}`);
  });

  after(async () => {
    for (const c of clients.values()) c.close();
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const theLab = (): Lab => {
    if (!lab) throw new Error('lab did not come up');
    return lab;
  };
  const node = (name: string): LabNode => theLab().node(name);
  const coordinatorTls = (name: string) => {
    const c = theLab().pki!.coordinator;
    return readAgentClientTls({ caFile: c.ca, certFile: c.cert, keyFile: c.key }, name);
  };
  const agent = async (name: string): Promise<AgentClient> => {
    let c = clients.get(name);
    if (!c) {
      c = new AgentClient(`${node(name).names.nodeAddress}:${AGENT_GRPC_PORT}`, { tls: await coordinatorTls(name), defaultDeadlineMs: 30_000 });
      clients.set(name, c);
    }
    return c;
  };
  const unitActive = async (n: LabNode, unit: string): Promise<string> => (await n.exec('systemctl', ['is-active', unit], { okExitCodes: [0, 3, 4] })).stdout.trim();
  /** Bridge address (what members advertise) → node name. */
  const memberNode = (endpoint: string): string | undefined => theLab().nodes.find((n) => endpoint === `https://${n.names.bridgeAddress}:2379`)?.name;
  const hostClient = () => theLab().etcdPki!.hostClient;

  it('builds kubeadm nodes: kubelet and containerd units, etcd on control-plane nodes only, nothing of Gravity', async () => {
    for (const n of theLab().nodes) {
      expect(await unitActive(n, KUBELET_UNIT), `${n.name} ${KUBELET_UNIT}`).to.equal('active');
      expect(await unitActive(n, CONTAINERD_UNIT), `${n.name} ${CONTAINERD_UNIT}`).to.equal('active');
      expect(await unitActive(n, ETCD_STANDIN_UNIT), `${n.name} etcd`).to.equal(n.role === 'master' ? 'active' : 'inactive');
      const gravityUnits = await n.exec('systemctl', ['list-unit-files', '--no-legend', 'gravity__*'], { okExitCodes: [0, 1] });
      expect(gravityUnits.stdout.trim(), `${n.name} gravity units`).to.equal('');
      expect(existsSync(join(n.rootfs, 'usr/local/bin/gravity')), `${n.name} gravity program`).to.equal(false);
      expect(existsSync(join(n.rootfs, 'etc/kubernetes/pki/etcd/healthcheck-client.key')), `${n.name} etcd PKI`).to.equal(n.role === 'master');
    }
    const nodes = JSON.parse((await theLab().kubectl(['get', 'nodes', '-o', 'json'])).stdout) as {
      items: { metadata: { name: string; labels: Record<string, string> }; spec: { taints?: { key: string; effect: string }[] }; status: { nodeInfo: { containerRuntimeVersion: string } } }[];
    };
    for (const item of nodes.items) {
      const controlPlane = node(item.metadata.name).role === 'master';
      expect(CONTROL_PLANE_LABEL in item.metadata.labels, `${item.metadata.name} control-plane label`).to.equal(controlPlane);
      expect(item.spec.taints ?? [], `${item.metadata.name} taints`).to.deep.equal(controlPlane ? [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' }] : []);
      expect(Object.keys(item.metadata.labels).some((l) => l.startsWith('gravitational.io/'))).to.equal(false);
      expect(item.status.nodeInfo.containerRuntimeVersion).to.match(/^containerd:\/\//);
    }
  });

  it('etcd requires a client certificate: etcdctl without one is refused, with the healthcheck certificate every member is healthy', async () => {
    const endpoints = theLab().etcdEndpoints();
    expect(endpoints).to.have.length(3);
    const without = await hostEtcdctl(endpoints, undefined, hostClient().cacert, ['endpoint', 'health', '-w', 'json'], [0, 1]);
    const refused = JSON.parse(without.stdout) as { endpoint: string; health: boolean; error?: string }[];
    expect(refused).to.have.length(3);
    for (const m of refused) expect(m.health, m.endpoint).to.equal(false);
    // the TLS handshake itself is what fails: etcd asks for a client certificate and refuses to go on without one
    const url = `${endpoints[0]}/health`;
    // (curl's own error depends on when the alert arrives: 35, 55 or 56; etcd's log says why)
    const curl = (args: string[], okExitCodes: number[]) => runCommand({ file: 'curl', args: ['-sS', '--max-time', '5', '--cacert', hostClient().cacert, ...args, url], timeoutMs: 15_000, okExitCodes });
    const noCert = await curl([], [35, 55, 56]);
    note(`curl ${url} without a client certificate: exit ${noCert.exitCode}: ${noCert.stderr.trim()}`);
    const rejected = await waitFor({ what: `etcd on node-1 to log the rejected connection without a client certificate`, timeoutMs: 15_000, initialDelayMs: 200, maxDelayMs: 1000 }, async () => {
      const log = await node('node-1').exec('journalctl', ['-u', ETCD_STANDIN_UNIT, '-o', 'cat', '--no-pager'], { okExitCodes: [0, 1] });
      const line = log.stdout.split('\n').find((l) => l.includes('rejected connection') && l.includes("didn't provide a certificate"));
      return line ? ready(line) : notYet('no such line yet');
    });
    note(`etcd: ${rejected.slice(0, 240)}`);
    const withClientCert = await curl(['--cert', hostClient().cert, '--key', hostClient().key], [0]);
    expect(JSON.parse(withClientCert.stdout)).to.include({ health: 'true' });
    const withCert = JSON.parse((await hostEtcdctl(endpoints, hostClient(), hostClient().cacert, ['endpoint', 'health', '-w', 'json'])).stdout) as { health: boolean }[];
    expect(withCert.map((m) => m.health)).to.deep.equal([true, true, true]);
  });

  it('NodeInfo: profile kubeadm; etcd configured on control-plane nodes, not on the worker (no etcd certificates there)', async () => {
    const cp = await (await agent('node-1')).getNodeInfo();
    const worker = await (await agent('node-4')).getNodeInfo();
    expect([cp.profile, cp.etcdConfigured]).to.deep.equal(['kubeadm', true]);
    expect([worker.profile, worker.etcdConfigured]).to.deep.equal(['kubeadm', false]);
    expect(cp.planetUnits).to.deep.equal([]);
    const refused = await (await agent('node-4')).checkEtcdHealth().then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refused?.message).to.match(/FAILED_PRECONDITION.*etcd\.cacert/);
  });

  it('CheckEtcdHealth through the agent over mutual TLS lists every member healthy', async () => {
    const r = await (await agent('node-1')).checkEtcdHealth();
    note(`command: ${r.command.join(' ')}`);
    expect(r.problem).to.equal('');
    expect(r.allHealthy).to.equal(true);
    expect(r.members.map((m) => memberNode(m.endpoint)).sort()).to.deep.equal(['node-1', 'node-2', 'node-3']);
    expect(r.command).to.include('--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt');
  });

  it('SaveEtcdSnapshot streams a verified snapshot: sha256 matches, etcdctl snapshot status reads the host copy; a replay streams it again', async () => {
    // ~400 KB of data: the snapshot spans several 64 KiB chunks
    for (let i = 0; i < 4; i++) {
      await hostEtcdctl(theLab().etcdEndpoints().slice(0, 1), hostClient(), hostClient().cacert, ['put', `/noderoll/lab-test/${i}`, randomBytes(50 * 1024).toString('hex')]);
    }
    const opId = `etcd-snapshot-${randomBytes(3).toString('hex')}`;
    const c = theLab().pki!.coordinator;
    const adapter = new GrpcNodeAgent({ node: 'node-2', address: `${node('node-2').names.nodeAddress}:${AGENT_GRPC_PORT}` }, { tls: await readAgentClientTls({ caFile: c.ca, certFile: c.cert, keyFile: c.key }, 'node-2'), callTimeoutMs: 60_000 });
    try {
      const destination = join(dir, 'snapshot.db');
      const t0 = Date.now();
      const outcome = await adapter.saveEtcdSnapshot({ operationId: opId }, destination);
      note(`snapshot of ${outcome.sizeBytes} bytes (revision ${outcome.revision}, ${outcome.totalKeys} keys) streamed in ${Date.now() - t0} ms`);
      const bytes = await readFile(destination);
      expect(bytes.length).to.equal(outcome.sizeBytes);
      expect(createHash('sha256').update(bytes).digest('hex')).to.equal(outcome.sha256);
      expect(outcome.replayed).to.equal(false);
      expect(outcome.revision).to.be.greaterThan(0);
      expect(outcome.sizeBytes).to.be.greaterThan(4 * 64 * 1024);
      const status = JSON.parse((await runCommand({ file: 'etcdctl', args: ['snapshot', 'status', destination, '-w', 'json'], env: { ...process.env, ETCDCTL_API: '3' }, timeoutMs: 20_000 })).stdout) as { hash: number; revision: number };
      expect(status).to.include({ hash: outcome.etcdHash, revision: outcome.revision });

      const again = join(dir, 'snapshot-again.db');
      const replay = await adapter.saveEtcdSnapshot({ operationId: opId }, again);
      expect([replay.replayed, replay.sha256, (await stat(again)).size]).to.deep.equal([true, outcome.sha256, outcome.sizeBytes]);
      const op = await (await agent('node-2')).getOperation(opId);
      expect([op.kind, op.state]).to.deep.equal(['OPERATION_KIND_ETCD_SNAPSHOT', 'OPERATION_STATE_SUCCEEDED']);
    } finally {
      adapter.close();
    }
  });

  it('one member stopped: CheckEtcdHealth names it unhealthy, the others healthy', async () => {
    await node('node-3').exec('systemctl', ['stop', ETCD_STANDIN_UNIT]);
    try {
      const r = await (await agent('node-1')).checkEtcdHealth();
      const byNode = Object.fromEntries(r.members.map((m) => [memberNode(m.endpoint), m]));
      note(`node-3: ${byNode['node-3']?.error}`);
      expect(r.problem).to.equal('');
      expect(r.allHealthy).to.equal(false);
      expect([byNode['node-1']?.healthy, byNode['node-2']?.healthy, byNode['node-3']?.healthy]).to.deep.equal([true, true, false]);
      expect(byNode['node-3']?.error).to.not.equal('');
    } finally {
      await node('node-3').exec('systemctl', ['start', ETCD_STANDIN_UNIT]);
    }
  });
});
