import { expect } from 'chai';
import { toAgentIdentity } from '../../../coordinator/agents/grpc-node-agent.js';
import { AgentsReachableGate } from '../../../coordinator/gates/cluster-gates.js';
import { parseConfigText } from '../../../coordinator/config/load-config.js';
import { describeAgent, preflightNode, type NodePreflight } from '../../../coordinator/plan/preflight.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';
import { TARGET, testConfigYaml, THREE_NODES } from './fakes/engine-harness.js';

/** Preflight refuses, before any node is drained, what would otherwise fail only after the drain or the reboot. */
describe('preflight (plan and the start of update)', () => {
  const config = parseConfigText(testConfigYaml('/tmp/noderoll-preflight-test', THREE_NODES), '/tmp/noderoll-preflight-test/config.yaml');
  let world: FakeWorld;

  beforeEach(() => {
    world = new FakeWorld(new FakeClock(Date.parse('2026-11-27T02:00:00Z')), THREE_NODES);
  });

  async function preflight(node = 'node-1', target: string | undefined = TARGET): Promise<NodePreflight> {
    const kube = await world.cluster.getNode(node);
    return preflightNode({ name: node, agent: `${node}:7443`, role: 'master' }, world.agent(node), kube, config, target, { clock: world.clock });
  }

  function check(p: NodePreflight, name: string): { passed: boolean; detail: string } {
    const c = p.checks.find((x) => x.name === name);
    if (!c) throw new Error(`no check "${name}" in ${JSON.stringify(p.checks)}`);
    return c;
  }

  it('passes a healthy node, every check saying what it saw', async () => {
    const p = await preflight();
    expect(p.checks.filter((c) => !c.passed), JSON.stringify(p.checks)).to.deep.equal([]);
    expect(check(p, 'agent identity').detail).to.contain('runs on node-1');
    expect(check(p, 'agent contract').detail).to.equal('API v1');
    expect(check(p, 'target version').detail).to.contain(`${TARGET} matches`);
  });

  it("refuses a target the agent's own version rule would refuse at install time", async () => {
    world.node('node-1').identityOverrides = { installVersionPattern: '^[0-9]+\\.[0-9]+\\.[0-9]+-[0-9]+$' };
    const p = await preflight('node-1', '7.0.68');
    expect(p.passed).to.equal(false);
    expect(check(p, 'target version').detail).to.match(/the agent would refuse to install it: --to: "7\.0\.68" does not match the agent's version pattern/);
    // the fixed safe alphabet holds under any pattern
    world.node('node-1').identityOverrides = { installVersionPattern: '^.*$' };
    expect(check(await preflight('node-1', '-rf'), 'target version').passed).to.equal(false);
  });

  it('refuses an agent that does not report its version rule (cannot be checked)', async () => {
    world.node('node-1').identityOverrides = { installVersionPattern: undefined };
    const p = await preflight();
    expect(check(p, 'target version')).to.deep.include({ passed: false });
    expect(check(p, 'target version').detail).to.contain('does not report its version rule');
  });

  it('refuses an agent with an install command but no watched package', async () => {
    world.node('node-2').identityOverrides = { updatePackage: '', packages: {} };
    const p = await preflight('node-2');
    expect(check(p, 'install command')).to.deep.equal({ name: 'install command', passed: false, detail: 'the agent watches no package (its packages.watch is empty), so the installed version cannot be read before or after the install' });
  });

  it("checks the agent's identity against the Node: a boot ID other than the kubelet's fails", async () => {
    world.node('node-1').identityOverrides = { bootId: world.node('node-3').bootId, hostname: 'node-3' };
    const p = await preflight('node-1');
    expect(p.passed).to.equal(false);
    expect(check(p, 'agent identity').detail).to.match(/reports host node-3, boot .*but Node node-1's kubelet reports boot/);
  });

  it('checks the contract version the agent reports, and fails when it reports none', async () => {
    world.node('node-1').identityOverrides = { apiVersion: 'v2' };
    expect(check(await preflight(), 'agent contract')).to.deep.include({ passed: false, detail: 'API v2; this coordinator supports v1' });
    world.node('node-1').identityOverrides = { apiVersion: '' };
    expect(check(await preflight(), 'agent contract').detail).to.match(/does not report its API version/);
  });

  it("shows a node clock 20 minutes off as a notice, never a failure; an in-sync clock plainly", async () => {
    world.node('node-2').clockOffsetMs = -20 * 60_000;
    world.node('node-3').clockOffsetMs = +20 * 60_000;
    const behind = await preflight('node-2');
    expect(behind.passed, JSON.stringify(behind.checks)).to.equal(true);
    expect(check(behind, 'clock')).to.deep.include({ passed: true, notice: true });
    expect(check(behind, 'clock').detail).to.match(/^node clock is 20m behind the coordinator's \(agent time 2026-11-27T01:40:00\.\d{3}Z, coordinator time 2026-11-27T02:00:00\.\d{3}Z\); noderoll does not rely on it, but check the node's NTP$/);
    expect(check(await preflight('node-3'), 'clock').detail).to.match(/^node clock is 20m ahead of the coordinator's/);
    const inSync = check(await preflight('node-1'), 'clock');
    expect(inSync).to.deep.equal({ name: 'clock', passed: true, detail: "within 1m of the coordinator's" });
    world.node('node-1').identityOverrides = { nodeTimeMs: undefined };
    expect(check(await preflight('node-1'), 'clock')).to.deep.include({ passed: true });
  });

  it('fails the disk-space check closed when the agent could not read its filesystems, saying why', async () => {
    world.node('node-1').identityOverrides = { disk: [], diskProblem: 'could not read the filesystems: filesystem sizes not read within 3000 ms' };
    const p = await preflight();
    expect(p.passed).to.equal(false);
    expect(check(p, 'disk space').detail).to.contain('unknown: could not read the filesystems: filesystem sizes not read within 3000 ms');
    world.node('node-1').identityOverrides = { disk: [] };
    expect(check(await preflight(), 'disk space')).to.deep.include({ passed: false });
  });
});

describe('the agents gate', () => {
  it("fails on the contract version the agent itself reports (it used to be fixed to v1 by the coordinator's adapter)", async () => {
    const world = new FakeWorld(new FakeClock(Date.parse('2026-11-27T02:00:00Z')), THREE_NODES);
    const gate = new AgentsReachableGate(THREE_NODES.map((n) => ({ endpoint: { node: n.name, address: `${n.name}:7443` }, agent: world.agent(n.name) })), 1000);
    expect((await gate.check()).passed).to.equal(true);
    world.node('node-3').identityOverrides = { apiVersion: '' };
    const verdict = await gate.check();
    expect(verdict.passed).to.equal(false);
    expect(verdict.problems).to.deep.equal(['agent of node-3 speaks API (none reported); this coordinator supports v1']);
  });

  it('warns (and still passes) about node clocks 20 minutes off, naming each node', async () => {
    const world = new FakeWorld(new FakeClock(Date.parse('2026-11-27T02:00:00Z')), THREE_NODES);
    world.node('node-2').clockOffsetMs = -20 * 60_000;
    world.node('node-3').clockOffsetMs = +20 * 60_000;
    const gate = new AgentsReachableGate(THREE_NODES.map((n) => ({ endpoint: { node: n.name, address: `${n.name}:7443` }, agent: world.agent(n.name) })), 1000, world.clock);
    const verdict = await gate.check();
    expect(verdict.passed).to.equal(true);
    expect(verdict.warnings).to.have.length(2);
    expect(verdict.warnings[0]).to.match(/^node-2: node clock is 20m behind the coordinator's \(agent time .*\); noderoll does not rely on it, but check the node's NTP$/);
    expect(verdict.warnings[1]).to.match(/^node-3: node clock is 20m ahead of the coordinator's/);
  });

  it('the gRPC adapter passes on what the agent reports, not a constant', () => {
    const info = { apiVersion: 'v2', hostname: 'h', bootId: 'b', agentVersion: '0.1.0', updatePackage: 'p', packages: [], installConfigured: true, filesystems: [], filesystemsProblem: 'df hung', installVersionPattern: '' };
    const id = toAgentIdentity('node-1', info as unknown as Parameters<typeof toAgentIdentity>[1]);
    expect(id).to.deep.include({ apiVersion: 'v2', diskProblem: 'df hung' });
    expect(id.installVersionPattern).to.equal(undefined);
  });

  it('plan names the agent build and the node OS as the agent reports them; older agents show the version only', () => {
    const base = { apiVersion: 'v1', hostname: 'h', bootId: 'b', agentVersion: '0.2.0', updatePackage: 'p', packages: [], installConfigured: true, filesystems: [], filesystemsProblem: '', installVersionPattern: '', nowUnixMs: 0 };
    const packaged = toAgentIdentity('node-1', {
      ...base,
      agentCommit: '1a2b3c4d5e6f',
      agentBuiltAt: '2026-12-01T19:00:00Z',
      agentRuntime: 'sea',
      osPrettyName: 'Debian GNU/Linux 12 (bookworm)',
      osName: 'Debian GNU/Linux',
      osVersion: '12 (bookworm)',
      kernel: '6.1.0-28-amd64',
    } as unknown as Parameters<typeof toAgentIdentity>[1]);
    expect(describeAgent(packaged)).to.equal('agent 0.2.0 (commit 1a2b3c4d5e6f, built 2026-12-01T19:00:00Z, runtime sea) on Debian GNU/Linux 12 (bookworm), kernel 6.1.0-28-amd64');
    const fromCheckout = toAgentIdentity('node-1', { ...base, agentCommit: '', agentBuiltAt: '', agentRuntime: 'node', osPrettyName: '', osName: 'CentOS Linux', osVersion: '7', kernel: '3.10.0' } as unknown as Parameters<typeof toAgentIdentity>[1]);
    expect(describeAgent(fromCheckout)).to.equal('agent 0.2.0 (runtime node) on CentOS Linux 7, kernel 3.10.0');
    const older = toAgentIdentity('node-1', { ...base, agentCommit: '', agentBuiltAt: '', agentRuntime: '', osPrettyName: '', osName: '', osVersion: '', kernel: '' } as unknown as Parameters<typeof toAgentIdentity>[1]);
    expect(describeAgent(older)).to.equal('agent 0.2.0');
  });
});
