import { toAgentIdentity } from '../../../coordinator/agents/grpc-node-agent.js';
import { DEFAULT_VERSION_PATTERN } from '../../../shared/validation/version.js';
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../../agent/agent-daemon.js';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import { STATE_FILE_NAME } from '../../../agent/operations/operation-store.js';
import { AgentCallError, AgentClient } from '../../../shared/agent-api/agent-client.js';
import { silentLogger } from '../../../shared/log/logger.js';
import { expectPromtoolCleanMetrics } from '../../monitoring/promtool-check.js';
import { agentTlsYaml, clientTls, useAgentTestPki, type IssuedPem } from '../../security/test-pki.js';
import { FakeHost } from './fake-host.js';

/**
 * The whole agent in-process (gRPC service, operations, ledger, HTTP) against a fake host behind
 * the command-runner seam: fast checks of the contract that the lab suite proves on real systemd.
 */

const PLANET = 'gravity__gravitational.io__planet__7.0.67-11709.service';
const BOOT_1 = { bootId: '11111111-1111-4111-8111-111111111111', bootTimeUnixMs: 1_795_744_600_000 };
const BOOT_2 = { bootId: '22222222-2222-4222-8222-222222222222', bootTimeUnixMs: 1_795_744_700_000 };

function configYaml(stateDir: string, agentCert: IssuedPem): string {
  return `
${agentTlsYaml(agentCert)}
grpc: { listen: "127.0.0.1:0", maxReceiveMessageBytes: 4096 }
http: { listen: "127.0.0.1:0" }
stateDir: ${stateDir}
logLevel: silent
packages: { watch: [noderoll-lab-planet] }
install:
  command: ["dpkg", "-i", "/var/lib/noderoll-lab/packages/noderoll-lab-planet_{version}_all.deb"]
reboot: { command: ["systemctl", "reboot"], delayMs: 20 }
planetChecks:
  checks:
    - { name: failed-units, command: [gravity, exec, --no-tty, --no-interactive, systemctl, --failed, --plain, --no-legend], expect: no-failed-units }
operations: { shutdownGraceMs: 0 }
`;
}

async function expectCallError(p: Promise<unknown>, code: string, message: RegExp): Promise<AgentCallError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(AgentCallError);
    const e = err as AgentCallError;
    expect(e.codeName, e.message).to.equal(code);
    expect(e.details).to.match(message);
    return e;
  }
  expect.fail(`expected ${code}`);
}

describe('agent over gRPC (in-process, fake host, mutual TLS)', function () {
  this.timeout(20_000);
  const certs = useAgentTestPki();
  let dir: string;
  let host: FakeHost;
  let agent: RunningAgent | undefined;
  let client: AgentClient | undefined;

  const start = async (boot = BOOT_1): Promise<AgentClient> => {
    agent = await startAgent(parseAgentConfig(configYaml(dir, certs.agentCert), 'test'), { logger: silentLogger, runner: host.runner, boot, machineId: 'feedfacefeedfacefeedfacefeedface' });
    client = new AgentClient(`127.0.0.1:${agent.grpcPort}`, { defaultDeadlineMs: 10_000, tls: clientTls(certs.coordinatorCert, 'test-node') });
    return client;
  };
  const stop = async (): Promise<void> => {
    client?.close();
    client = undefined;
    await agent?.stop();
    agent = undefined;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-agent-grpc-'));
    host = new FakeHost();
  });
  afterEach(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports node identity, watched package versions and the planet unit', async () => {
    const c = await start();
    const info = await c.getNodeInfo();
    expect(info).to.include({ bootId: BOOT_1.bootId, bootTimeUnixMs: BOOT_1.bootTimeUnixMs, machineId: 'feedfacefeedfacefeedfacefeedface', systemdVersion: 252, agentVersion: '0.1.0' });
    // Run from dist/ by this Node.js: no package build stamp (the packaged binary's: agent-package.lab.test).
    expect(info).to.include({ agentRuntime: 'node', agentCommit: '', agentBuiltAt: '' });
    expect(info.packages).to.deep.equal([{ name: 'noderoll-lab-planet', version: '7.0.67', installed: true }]);
    expect(info.planetUnits).to.deep.equal([PLANET]);
    expect(info.currentOperation).to.equal(null);
    expect(info.kernel).to.be.a('string').and.not.equal('');
    // what preflight checks comes from the agent itself: its contract version, its version rule, its disk facts
    expect(info.apiVersion).to.equal('v1');
    expect(info.installVersionPattern).to.equal(DEFAULT_VERSION_PATTERN);
    expect(info.filesystemsProblem, 'the filesystems of this machine are readable').to.equal('');
    // disk facts come through the command runner (argv, deadline), not a library's own shell
    expect(host.commands().filter((c) => c.startsWith('df '))).to.have.length(1);
    expect(info.filesystems).to.deep.equal([{ mount: '/', device: '/dev/sda1', type: 'ext4', sizeBytes: 107374182400, usedBytes: 42949672960, usePercent: 40 }]);
    const identity = toAgentIdentity('node-1', info);
    expect(identity).to.deep.include({ apiVersion: 'v1', installVersionPattern: DEFAULT_VERSION_PATTERN, bootId: BOOT_1.bootId });
    expect(identity.diskProblem).to.equal(undefined);
  });

  it('lists units by glob with their states, and failed units', async () => {
    const c = await start();
    const r = await c.listUnits(['gravity__gravitational*']);
    expect(r.units.map((u) => [u.name, u.activeState, u.unitFileState])).to.deep.equal([
      [PLANET, 'active', 'enabled'],
      ['gravity__gravitational.io__teleport__3.2.17.service', 'active', 'enabled'],
    ]);
    host.units.get('sshd.service')!.active = 'failed';
    expect((await c.listFailedUnits()).units.map((u) => u.name)).to.deep.equal(['sshd.service']);
    await expectCallError(c.listUnits([]), 'INVALID_ARGUMENT', /^patterns: /);
    await expectCallError(c.listUnits(['gravity__*', 'x;reboot']), 'INVALID_ARGUMENT', /^patterns\[1\]: /);
  });

  it('stops an allowed unit once per operation ID; a repeat replays the record without running systemctl stop again', async () => {
    const c = await start();
    const r = await c.stopUnit({ operationId: 'stop-1', unit: PLANET });
    expect(r.replayed).to.equal(false);
    expect(r.unit).to.include({ activeState: 'inactive', subState: 'dead' });
    expect(r.operation).to.include({ id: 'stop-1', kind: 'OPERATION_KIND_STOP_UNIT', state: 'OPERATION_STATE_SUCCEEDED', unit: PLANET, bootId: BOOT_1.bootId });
    const stops = (): number => host.commands().filter((x) => x.startsWith('systemctl stop')).length;
    expect(stops()).to.equal(1);
    const again = await c.stopUnit({ operationId: 'stop-1', unit: PLANET });
    expect(again.replayed).to.equal(true);
    expect(again.operation?.finishedUnixMs).to.equal(r.operation?.finishedUnixMs);
    expect(stops()).to.equal(1);
    const enabled = await c.enableUnit({ operationId: 'enable-1', unit: PLANET, now: true });
    expect(enabled.unit).to.include({ activeState: 'active' });
    expect(host.commands()).to.include(`systemctl enable --now -- ${PLANET}`);
  });

  it('refuses bad or disallowed units before running anything, naming the field', async () => {
    const c = await start();
    const before = host.calls.length;
    await expectCallError(c.stopUnit({ operationId: 'x-1', unit: 'sshd.service' }), 'PERMISSION_DENIED', /^unit: "sshd.service" is not in the agent's allow-list/);
    await expectCallError(c.stopUnit({ operationId: 'x-2', unit: 'gravity__$(reboot).service' }), 'INVALID_ARGUMENT', /^unit: /);
    await expectCallError(c.stopUnit({ operationId: '', unit: PLANET }), 'INVALID_ARGUMENT', /^operation_id: is required/);
    await expectCallError(c.startUnit({ operationId: 'x-3', unit: PLANET, timeoutMs: 99_999_999 }), 'INVALID_ARGUMENT', /^timeout_ms: /);
    // install is a stream: the client resolves with the call's error instead of rejecting
    const inst = await c.install('x-4', '7.0.68; reboot');
    expect(inst.error).to.be.instanceOf(AgentCallError);
    expect(inst.error?.codeName).to.equal('INVALID_ARGUMENT');
    expect(inst.error?.details).to.match(/^version: /);
    expect(inst.started).to.equal(undefined);
    expect(host.calls.length, host.commands().slice(before).join('\n')).to.equal(before);
    expect(await c.listOperations()).to.deep.equal([]);
  });

  it('reports NOT_FOUND for an allowed but unknown unit, with the failure recorded', async () => {
    const c = await start();
    await expectCallError(c.stopUnit({ operationId: 'nf-1', unit: 'gravity__nothing.service' }), 'NOT_FOUND', /not known to systemd/);
    const op = await c.getOperation('nf-1');
    expect(op).to.include({ state: 'OPERATION_STATE_FAILED', errorCode: 'NOT_FOUND' });
    await expectCallError(c.stopUnit({ operationId: 'nf-1', unit: 'gravity__nothing.service' }), 'NOT_FOUND', /not known to systemd/);
  });

  it('streams an install (started, output lines, finished) and replays it for the same operation ID without reinstalling', async () => {
    const c = await start();
    const events: string[] = [];
    const r = await c.install('install-1', '7.0.68', { onEvent: (e) => events.push(e.event ?? '?') });
    expect(r.error).to.equal(undefined);
    expect(events[0]).to.equal('started');
    expect(events.at(-1)).to.equal('finished');
    expect(r.started?.command).to.deep.equal(['dpkg', '-i', '/var/lib/noderoll-lab/packages/noderoll-lab-planet_7.0.68_all.deb']);
    expect(r.started?.packagesBefore).to.deep.equal([{ name: 'noderoll-lab-planet', version: '7.0.67', installed: true }]);
    expect(r.stdout).to.include('Setting up noderoll-lab-planet (7.0.68) ...');
    expect(r.finished?.exitCode).to.equal(0);
    expect(r.finished?.operation?.install?.packagesAfter).to.deep.equal([{ name: 'noderoll-lab-planet', version: '7.0.68', installed: true }]);
    const dpkgRuns = (): number => host.calls.filter((x) => x.file === 'dpkg').length;
    expect(dpkgRuns()).to.equal(1);

    const again = await c.install('install-1', '7.0.68');
    expect(again.started).to.include({ replayed: true, attached: false });
    expect(again.stdout).to.deep.equal([]);
    expect(again.finished?.operation?.state).to.equal('OPERATION_STATE_SUCCEEDED');
    expect(dpkgRuns()).to.equal(1);

    const reused = await c.install('install-1', '7.0.69');
    expect(reused.error?.codeName).to.equal('ALREADY_EXISTS');
    expect(reused.error?.details).to.match(/^operation_id: "install-1" was already used for install version 7.0.68/);
  });

  it('allows one mutating operation at a time; a second caller with the same ID follows the running one', async () => {
    const c = await start();
    host.installDelayMs = 400;
    const first = c.install('install-slow', '7.0.68');
    await new Promise((r) => setTimeout(r, 100));
    await expectCallError(c.stopUnit({ operationId: 'stop-while-busy', unit: PLANET }), 'FAILED_PRECONDITION', /another operation is running: install version 7.0.68 \(operation install-slow\)/);
    const follower = await c.install('install-slow', '7.0.68');
    expect(follower.started).to.include({ attached: true, replayed: false });
    expect(follower.stdout[0]).to.match(/Reading database/);
    expect(follower.finished?.operation?.state).to.equal('OPERATION_STATE_SUCCEEDED');
    expect((await first).finished?.exitCode).to.equal(0);
    expect(host.calls.filter((x) => x.file === 'dpkg')).to.have.length(1);
  });

  it('ends a failed install with its output, the exit code, and a status naming command, exit code and stderr', async () => {
    const c = await start();
    host.installExitCode = 2;
    const r = await c.install('install-bad', '7.0.99');
    expect(r.stderr).to.include(' cannot access archive: No such file or directory');
    expect(r.finished?.exitCode).to.equal(2);
    expect(r.finished?.operation?.state).to.equal('OPERATION_STATE_FAILED');
    expect(r.error?.codeName).to.equal('INTERNAL');
    expect(r.error?.details).to.match(/command `dpkg -i \/var\/lib\/noderoll-lab\/packages\/noderoll-lab-planet_7.0.99_all.deb` exited with code 2; stderr: .*cannot access archive/s);
    const replay = await c.install('install-bad', '7.0.99');
    expect(replay.error?.details).to.equal(r.error?.details);
  });

  it('records a reboot with the boot ID, reboots after replying, and the next boot completes it', async () => {
    let c = await start(BOOT_1);
    const r = await c.reboot('reboot-1', 'planet 7.0.68 installed');
    expect(r.replayed).to.equal(false);
    expect(r.operation).to.include({ kind: 'OPERATION_KIND_REBOOT', state: 'OPERATION_STATE_RUNNING' });
    expect(r.operation?.reboot).to.include({ bootIdBefore: BOOT_1.bootId, bootIdAfter: '' });
    await new Promise((res) => setTimeout(res, 150));
    expect(host.rebootCount).to.equal(1);
    expect((await c.reboot('reboot-1')).replayed).to.equal(true);
    expect(host.rebootCount).to.equal(1);
    await expectCallError(c.stopUnit({ operationId: 'during-reboot', unit: PLANET }), 'FAILED_PRECONDITION', /reboot \(operation reboot-1\)/);
    await stop();

    c = await start(BOOT_2);
    const op = await c.getOperation('reboot-1');
    expect(op.state).to.equal('OPERATION_STATE_SUCCEEDED');
    expect(op.reboot).to.include({ bootIdBefore: BOOT_1.bootId, bootIdAfter: BOOT_2.bootId, bootTimeUnixMs: BOOT_2.bootTimeUnixMs });
    expect(op.reboot?.commandIssuedUnixMs).to.be.above(0);
  });

  it('on shutdown records a running install as interrupted, and the record survives the restart', async () => {
    const c = await start();
    host.installDelayMs = 5000;
    const pending = c.install('install-cut', '7.0.68');
    await new Promise((r) => setTimeout(r, 150));
    await stop();
    const cut = await pending;
    expect(cut.error).to.not.equal(undefined);
    const disk = JSON.parse(await readFile(join(dir, STATE_FILE_NAME), 'utf8')) as { operations: { id: string; state: string }[] };
    expect(disk.operations.find((o) => o.id === 'install-cut')?.state).to.equal('interrupted');
    const c2 = await start();
    const op = await c2.getOperation('install-cut');
    expect(op.state).to.equal('OPERATION_STATE_INTERRUPTED');
    expect(op.errorMessage).to.match(/shut down/);
  });

  it('streams a journal scan with a summary; refuses a request over the message size cap', async () => {
    const c = await start();
    host.journalLines = [
      JSON.stringify({ __CURSOR: 's=1;i=1', __REALTIME_TIMESTAMP: '1795744600000000', PRIORITY: '3', MESSAGE: 'etcd failed', _SYSTEMD_UNIT: PLANET }),
      JSON.stringify({ __CURSOR: 's=1;i=2', __REALTIME_TIMESTAMP: '1795744600000001', PRIORITY: '6', MESSAGE: 'all good' }),
    ];
    const r = await c.scanJournal({ priority: 'info' });
    expect(r.entries.map((e) => [e.message, e.priority, e.unit])).to.deep.equal([
      ['etcd failed', 3, PLANET],
      ['all good', 6, ''],
    ]);
    expect(r.summary).to.include({ entriesRead: 2, entriesSent: 2, errorsMatched: 1, lastCursor: 's=1;i=2' });
    await expectCallError(c.scanJournal({ includePatterns: ['x'.repeat(5000)] }), 'RESOURCE_EXHAUSTED', /./);
  });

  it('runs the configured planet checks and judges them by content', async () => {
    const c = await start();
    expect((await c.runPlanetChecks()).allOk).to.equal(true);
    host.units.get('sshd.service')!.active = 'failed';
    const r = await c.runPlanetChecks(['failed-units']);
    expect(r.allOk).to.equal(false);
    expect(r.checks[0]).to.include({ name: 'failed-units', ok: false, exitCode: 0 });
    expect(r.checks[0]?.failedUnits).to.deep.equal(['sshd.service']);
    await expectCallError(c.runPlanetChecks(['rm-rf']), 'INVALID_ARGUMENT', /^names\[0\]: "rm-rf" is not a configured check/);
  });

  it('serves /healthz, /readyz, /status and Prometheus /metrics (promtool-clean)', async () => {
    const c = await start();
    await c.install('install-m', '7.0.68');
    const base = `http://127.0.0.1:${agent!.httpPort}`;
    expect((await fetch(`${base}/healthz`)).status).to.equal(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ ok: true, checks: { systemd: 'ok', journal: 'ok' } });
    const status = (await (await fetch(`${base}/status`)).json()) as { node: { hostname: string }; recentOperations: { id: string }[] };
    expect(status.recentOperations.map((o) => o.id)).to.deep.equal(['install-m']);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).to.match(/^noderoll_agent_info\{version="0.1.0",node="[^"]+",machine_id="feedface[0-9a-f]+",boot_id="11111111-1111-4111-8111-111111111111"\} 1$/m);
    expect(metrics).to.match(/^noderoll_agent_unit_state\{unit="gravity__gravitational.io__planet__7.0.67-11709.service",state="active"\} 1$/m);
    expect(metrics).to.match(/^noderoll_agent_operations_total\{kind="install",state="succeeded"\} 1$/m);
    expect(metrics).to.match(/^noderoll_agent_rpc_duration_seconds_count\{method="Install",code="OK"\} 1$/m);
    expect(metrics).to.match(/^noderoll_agent_watched_package_info\{package="noderoll-lab-planet",version="7.0.68"\} 1$/m);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).to.equal(405);
    await expectPromtoolCleanMetrics(metrics);
  });

  it('SetUpdatePhase: validated, shown one-hot on /metrics with its start and deadline, kept across a restart (reboot), refused to readers', async () => {
    const c = await start();
    const base = (): string => `http://127.0.0.1:${agent!.httpPort}`;
    const metrics = async (): Promise<string> => (await fetch(`${base()}/metrics`)).text();
    let m = await metrics();
    expect(m).to.match(/^noderoll_agent_update_phase\{phase="idle"\} 1$/m);
    expect(m).to.match(/^noderoll_agent_update_phase\{phase="drainNode"\} 0$/m);
    expect(m).to.match(/^noderoll_agent_update_phase_started_timestamp_seconds 0$/m);

    await expectCallError(c.setUpdatePhase({ operationId: 'op-1', phase: 'rm -rf /' }), 'INVALID_ARGUMENT', /^phase: "rm -rf \/" is not an update phase; one of idle, verifyClusterHealthy, /);
    await expectCallError(c.setUpdatePhase({ operationId: '', phase: 'drainNode' }), 'INVALID_ARGUMENT', /^operation_id: is required/);
    await expectCallError(c.setUpdatePhase({ operationId: 'op-1', phase: 'drainNode', deadlineMs: 200_000_000 }), 'INVALID_ARGUMENT', /^deadline_ms: /);

    const before = Date.now();
    const first = await c.setUpdatePhase({ operationId: 'op-1', phase: 'drainNode', deadlineMs: 120_000 });
    expect(first.unchanged).to.equal(false);
    expect(first.phase).to.include({ operationId: 'op-1', phase: 'drainNode', deadlineMs: 120_000 });
    const started = Number(first.phase?.startedUnixMs);
    expect(started).to.be.within(before, Date.now());
    const again = await c.setUpdatePhase({ operationId: 'op-1', phase: 'drainNode', deadlineMs: 120_000 });
    expect(again.unchanged).to.equal(true);
    expect(Number(again.phase?.startedUnixMs)).to.equal(started);
    await c.setUpdatePhase({ operationId: 'op-1', phase: 'rebootNode' });

    m = await metrics();
    expect(m).to.match(/^noderoll_agent_update_phase\{phase="rebootNode"\} 1$/m);
    expect(m).to.match(/^noderoll_agent_update_phase\{phase="drainNode"\} 0$/m);
    expect(m).to.match(/^noderoll_agent_update_phase\{phase="idle"\} 0$/m);
    expect(m).to.match(/^noderoll_agent_update_operation_info\{operation_id="op-1"\} 1$/m);
    expect(m).to.match(/^noderoll_agent_update_phase_deadline_seconds 0$/m);
    const ones = m.split('\n').filter((l) => l.startsWith('noderoll_agent_update_phase{') && l.endsWith(' 1'));
    expect(ones).to.have.length(1);

    // The node reboots in the middle of its update: the next boot's agent still shows the phase.
    await stop();
    await start(BOOT_2);
    m = await metrics();
    expect(m).to.match(/^noderoll_agent_update_phase\{phase="rebootNode"\} 1$/m);
    expect(m).to.match(/^noderoll_agent_update_phase_started_timestamp_seconds \d{10}/m);
    await expectPromtoolCleanMetrics(m);

    const readerCert = await certs.pki.client('reader');
    const reader = new AgentClient(`127.0.0.1:${agent!.grpcPort}`, { defaultDeadlineMs: 10_000, tls: clientTls(readerCert, 'test-node') });
    try {
      await expectCallError(reader.setUpdatePhase({ operationId: 'op-1', phase: 'done' }), 'PERMISSION_DENIED', /SetUpdatePhase changes the node; role reader may call only read RPCs/);
    } finally {
      reader.close();
    }
    expect(await metrics()).to.match(/^noderoll_agent_update_phase\{phase="rebootNode"\} 1$/m);
  });
});
