/**
 * Runs the compiled `gravity` stand-in as a child process against a tiny local HTTP server that
 * plays both the Kubernetes API (/api/v1/nodes) and the etcd members (/etcd/<name>/health).
 */

import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { assessGravityStatus, parseGravityStatusJson, parseGravityStatusText } from '../../shared/gravity/status.js';
import type { GravityLabState } from '../lab/gravity-standin/lab-state.js';

const STANDIN = fileURLToPath(new URL('../lab/gravity-standin/main.js', import.meta.url));

interface FakeNode {
  name: string;
  ready: 'True' | 'False' | 'Unknown';
  message?: string;
}

/** What the fake API server and etcd members answer; tests change it between runs. */
const world = {
  nodes: [] as FakeNode[],
  etcd: {} as Record<string, { status: number; body: string }>,
};

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('gravity stand-in process (compiled main.js)', function () {
  this.timeout(30_000);
  let server: Server;
  let port: number;
  let deadPort: number;
  let dir: string;

  const labState = (overrides: Partial<GravityLabState> = {}): GravityLabState => ({
    clusterName: 'lab-test.noderoll.local',
    apiServerUrl: `http://127.0.0.1:${port}`,
    installedAt: '2026-11-27T09:30:00Z',
    nodes: [
      { name: 'node-1', advertiseIp: '127.123.1.2', role: 'master', etcdClientUrl: `http://127.0.0.1:${port}/etcd/node-1` },
      { name: 'node-2', advertiseIp: '127.123.2.2', role: 'master', etcdClientUrl: `http://127.0.0.1:${port}/etcd/node-2` },
      { name: 'node-3', advertiseIp: '127.123.3.2', role: 'node' },
    ],
    ...overrides,
  });

  async function gravity(args: string[], options: { state?: GravityLabState; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
    const file = join(dir, `lab-state-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(options.state ?? labState()));
    const env: NodeJS.ProcessEnv = { ...process.env, NODEROLL_LAB_STATE: file };
    delete env.NODEROLL_STANDIN_ERROR_STREAM;
    Object.assign(env, options.env);
    return runCommand({ file: process.execPath, args: [STANDIN, ...args], env, timeoutMs: 15_000, okExitCodes: [0, 255] });
  }

  before(async () => {
    server = createServer((req, res) => {
      const json = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      if (req.url === '/api/v1/nodes') {
        const items = world.nodes.map((n) => ({
          metadata: { name: n.name },
          status: { conditions: [{ type: 'Ready', status: n.ready, ...(n.message ? { message: n.message } : {}) }] },
        }));
        return json(200, JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', items }));
      }
      const member = /^\/etcd\/([^/]+)\/health$/.exec(req.url ?? '');
      const answer = member ? world.etcd[member[1] ?? ''] : undefined;
      if (answer) return json(answer.status, answer.body);
      json(404, '{"kind":"Status","code":404}');
    });
    port = await listen(server);
    deadPort = await closedPort();
    dir = await mkdtemp(join(tmpdir(), 'gravity-standin-test-'));
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    world.nodes = [
      { name: 'node-1', ready: 'True' },
      { name: 'node-2', ready: 'True' },
      { name: 'node-3', ready: 'True' },
    ];
    world.etcd = {
      'node-1': { status: 200, body: '{"health":"true"}' },
      'node-2': { status: 200, body: '{"health":"true"}' },
    };
  });

  it('healthy cluster: JSON without trailing newline, nothing on stderr, exit 0', async () => {
    const r = await gravity(['status', '--output=json']);
    expect(r.exitCode).to.equal(0);
    expect(r.stderr).to.equal('');
    expect(r.stdout.endsWith('}')).to.equal(true);
    const status = parseGravityStatusJson(r.stdout);
    expect(status.cluster.state).to.equal('active');
    expect(status.cluster.system_status).to.equal(1);
    expect(status.cluster.nodes.map((n) => `${n.hostname}:${n.role}:${n.status}`)).to.deep.equal([
      'node-1:master:healthy',
      'node-2:master:healthy',
      'node-3:node:healthy',
    ]);
    expect(assessGravityStatus(status).healthy).to.equal(true);
  });

  it('`--output json` (space) and the default text form agree', async () => {
    const json = await gravity(['status', '--output', 'json']);
    const text = await gravity(['status']);
    expect(json.exitCode).to.equal(0);
    expect(text.exitCode).to.equal(0);
    expect(text.stdout.endsWith('\n')).to.equal(true);
    const parsed = parseGravityStatusText(text.stdout);
    expect(parsed.clusterStatus).to.equal('active');
    expect(parsed.nodes.map((n) => n.status)).to.deep.equal(parseGravityStatusJson(json.stdout).cluster.nodes.map((n) => n.status));
  });

  it('NotReady node and unhealthy etcd member: status on stdout, `[ERROR]: degraded` on stderr, exit 255', async () => {
    world.nodes[1] = { name: 'node-2', ready: 'False', message: 'Kubelet stopped posting node status.' };
    world.etcd['node-1'] = { status: 503, body: '{"health":"false"}' };
    const r = await gravity(['status', '--output=json']);
    expect(r.exitCode).to.equal(255);
    expect(r.stderr).to.equal('[ERROR]: degraded\n');
    const status = parseGravityStatusJson(r.stdout);
    expect(status.cluster).to.deep.include({ state: 'degraded', reason: 'cluster_degraded', system_status: 2 });
    expect(status.cluster.nodes.map((n) => [n.hostname, n.status, n.failed_probes])).to.deep.equal([
      ['node-1', 'degraded', ['etcd member on 127.0.0.1 is unhealthy (HTTP 503 Service Unavailable: {"health":"false"})']],
      ['node-2', 'degraded', ['node NotReady: Kubelet stopped posting node status.']],
      ['node-3', 'healthy', undefined],
    ]);
  });

  it('a node whose Node is gone and whose etcd member does not answer is offline', async () => {
    world.nodes = world.nodes.filter((n) => n.name !== 'node-2');
    const state = labState();
    state.nodes[1] = { ...state.nodes[1]!, etcdClientUrl: `http://127.0.0.1:${deadPort}` };
    const r = await gravity(['status', '--output=json'], { state });
    expect(r.exitCode).to.equal(255);
    const node = parseGravityStatusJson(r.stdout).cluster.nodes[1];
    expect(node).to.deep.equal({ hostname: 'node-2', advertise_ip: '127.123.2.2', role: '', profile: '', status: 'offline' });
  });

  it('degraded text form ends with the node list; the error line is separate', async () => {
    world.nodes[2] = { name: 'node-3', ready: 'Unknown', message: 'Kubelet stopped posting node status.' };
    const r = await gravity(['status', '--output=text']);
    expect(r.exitCode).to.equal(255);
    expect(r.stderr).to.equal('[ERROR]: degraded\n');
    const text = parseGravityStatusText(r.stdout);
    expect(text.statusReason).to.equal('one or more of cluster nodes are not healthy');
    expect(text.nodes[2]).to.deep.include({ hostname: 'node-3', status: 'offline', remoteAccess: 'offline' });
  });

  it('NODEROLL_STANDIN_ERROR_STREAM=stdout puts `[ERROR]: degraded` right after the JSON, as real gravity does', async () => {
    world.etcd['node-2'] = { status: 503, body: '{"health":"false"}' };
    const r = await gravity(['status', '--output=json'], { env: { NODEROLL_STANDIN_ERROR_STREAM: 'stdout' } });
    expect(r.exitCode).to.equal(255);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.match(/\}\[ERROR\]: degraded\n$/);
    expect(parseGravityStatusJson(r.stdout).cluster.state).to.equal('degraded');
  });

  it('API server unreachable: an error, no status, exit 255', async () => {
    const r = await gravity(['status', '--output=json'], { state: labState({ apiServerUrl: `http://127.0.0.1:${deadPort}` }) });
    expect(r.exitCode).to.equal(255);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(new RegExp(`^\\[ERROR\\]: failed to list Kubernetes nodes from http://127\\.0\\.0\\.1:${deadPort}/api/v1/nodes: .*ECONNREFUSED`));
  });

  it('`-o json` is an operation ID, not the output format', async () => {
    const r = await gravity(['status', '-o', 'json']);
    expect(r.exitCode).to.equal(255);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.equal('[ERROR]: operation json not found\n');
  });

  it('unknown flags and commands: exit 255', async () => {
    const flag = await gravity(['status', '--format=json']);
    expect([flag.exitCode, flag.stderr]).to.deep.equal([255, "[ERROR]: unknown long flag '--format'\n"]);
    const command = await gravity(['plan']);
    expect(command.exitCode).to.equal(255);
    expect(command.stderr).to.contain('unsupported command "plan"');
  });

  it('no lab state: a clear error', async () => {
    const env = { ...process.env };
    delete env.NODEROLL_LAB_STATE;
    const r = await runCommand({ file: process.execPath, args: [STANDIN, 'status'], env, timeoutMs: 15_000, okExitCodes: [255] });
    expect(r.stderr).to.equal('[ERROR]: no lab state: pass --lab-state PATH or set NODEROLL_LAB_STATE\n');
  });

  it('--lab-state takes precedence over the environment; --token prints only the token', async () => {
    const file = join(dir, 'explicit.json');
    await writeFile(file, JSON.stringify(labState({ clusterName: 'explicit.local' })));
    const r = await gravity(['status', '--output=json', '--lab-state', file]);
    expect(parseGravityStatusJson(r.stdout).cluster.domain).to.equal('explicit.local');
    const token = await gravity(['status', '--token', `--lab-state=${file}`]);
    expect(token.exitCode).to.equal(0);
    expect(token.stdout).to.match(/^[0-9a-f]{12}$/);
    expect(token.stdout).to.equal(parseGravityStatusJson(r.stdout).cluster.token?.token);
  });
});
