import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { AgentClient, type Operation } from '../../shared/agent-api/agent-client.js';
import { runCommand } from '../../shared/exec/command-runner.js';
import { createLogger } from '../../shared/log/logger.js';
import { notYet, ready, sleep, waitFor } from '../../shared/time/wait-for.js';
import { Lab, PLANET_VERSION_INSTALLED, PLANET_VERSION_UPDATE, type LabNode } from '../lab/lab.js';
import { INSTALL_HELD_MARKER, INSTALL_HOLD_FILE } from '../lab/lab-packages.js';
import { NODE_LAB_DIR, PLANET_UNIT, TELEPORT_UNIT } from '../lab/node-rootfs.js';
import { AGENT_PACKAGE, agentUnitState, NODE_AGENT_BINARY } from '../lab/lab-agent.js';
import { expectPromtoolCleanMetrics } from '../monitoring/promtool-check.js';
import { AGENT_GRPC_PORT, AGENT_HTTP_PORT, AGENT_METRICS_PORT, labAgentConfigYaml } from '../lab/noderoll-config.js';
import { DEFAULT_VERSION_PATTERN } from '../../shared/validation/version.js';
import { expectCode } from './expect-call-code.js';
import { clientTls, TestPki, type IssuedPem } from '../security/test-pki.js';
import { httpsGet } from '../security/tls-http.js';

/**
 * noderoll-agent against real systemd: one lab node (systemd-nspawn, Debian 12, systemd 252) with
 * the agent installed from its .deb with dpkg -i exactly as a user would — mutual TLS
 * with certificates from `noderoll certs` code (the agent's names node-1 and its address), a
 * planet unit carrying a real etcd member, and the lab's planet package (7.0.67 installed, 7.0.68
 * on offer). Every RPC is exercised over gRPC from the host as the coordinator; /metrics and
 * /status are read over HTTPS with a reader certificate, as Prometheus would; the last test
 * reboots the node.
 */

const logger = createLogger('agent-lab-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });
const GRPC_PORT = AGENT_GRPC_PORT;
const HTTP_PORT = AGENT_HTTP_PORT;
const METRICS_PORT = AGENT_METRICS_PORT;
const SLOW_UNIT = 'gravity__noderoll.test__slowstop__1.service';
/** Named like a unit of planet: the lab's planet check looks at planet's units only (test/lab/noderoll-config.ts). */
const FAILING_UNIT = 'gravity__gravitational.io__planet-selftest.service';
/** The lab's WatchdogSec= (drop-in, LabOptions.agentWatchdogSec); production is 120 s. */
const WATCHDOG_SEC = 5;

/** The lab agent with its defaults: a graceful stop waits for a running install up to install.timeoutMs. */
function agentYaml(n: { nodeAddress: string }): string {
  return labAgentConfigYaml(n);
}

function note(text: string): void {
  process.stdout.write(`      ${text}\n`);
}

describe('noderoll-agent on a lab node (real systemd)', function () {
  this.timeout(180_000);
  let lab: Lab | undefined;
  let client: AgentClient | undefined;
  let pki: TestPki | undefined;
  let coordinator: IssuedPem;
  let reader: IssuedPem;
  /** Before the lab came up: the node booted after it. */
  let labStartedAt = 0;

  const newClient = (deadlineMs?: number): AgentClient =>
    new AgentClient(`${node().names.nodeAddress}:${GRPC_PORT}`, { ...(deadlineMs ? { defaultDeadlineMs: deadlineMs } : {}), tls: clientTls(coordinator, 'node-1') });

  before(async () => {
    const t0 = Date.now();
    labStartedAt = t0;
    pki = await TestPki.create('agent-lab');
    coordinator = await pki.client('coordinator', 'agent-lab-test');
    reader = await pki.client('reader', 'prometheus');
    // The agent's certificate names the node and its lab address (DNS node-1, IP 127.x.1.2).
    lab = await Lab.up({ nodes: 1, logger, agentConfig: agentYaml, agentFiles: (n) => pki!.agentNodeFiles(n), agentWatchdogSec: WATCHDOG_SEC });
    client = newClient(15_000);
    const t1 = Date.now();
    await client.waitUntilServing(30_000);
    note(`lab up in ${t1 - t0} ms; agent answering ${Date.now() - t1} ms later`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && lab) {
      const j = await lab
        .node('node-1')
        .exec('journalctl', ['-u', 'noderoll-agent', '--no-pager', '-n', '40', '-o', 'cat'], { okExitCodes: [0, 1] })
        .catch((e: Error) => ({ stdout: e.message }));
      note(`agent journal:\n${j.stdout}`);
    }
  });

  after(async () => {
    client?.close();
    await lab?.down();
    await pki?.cleanup();
  });

  const theLab = (): Lab => {
    if (!lab) throw new Error('lab did not come up');
    return lab;
  };
  const node = (): LabNode => theLab().node('node-1');
  const agent = (): AgentClient => {
    if (!client) throw new Error('no agent client');
    return client;
  };
  const opId = (what: string): string => `${what}-${randomBytes(3).toString('hex')}`;
  const etcdHealthy = (): Promise<boolean> => theLab().etcdMemberHealthy(node().etcdClientUrl!);
  /** systemctl show of the agent unit, as KEY → value. */
  const agentUnit = async (): Promise<Record<string, string>> => {
    const props = 'MainPID,NRestarts,ActiveState,SubState,Result,WatchdogUSec,WatchdogTimestampMonotonic';
    const out = (await node().exec('systemctl', ['show', '-p', props, 'noderoll-agent'])).stdout;
    return Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  };
  /** The journal's newest cursor: read what came after it with --after-cursor. */
  const journalCursor = async (): Promise<string> => (JSON.parse((await node().exec('journalctl', ['-n', '1', '-o', 'json', '--no-pager'])).stdout) as { __CURSOR: string }).__CURSOR;
  const unitActive = async (unit: string): Promise<string> => (await node().exec('systemctl', ['is-active', unit], { okExitCodes: [0, 3, 4] })).stdout.trim();

  it('GetNodeInfo: identity, boot, OS, versions, watched package, planet unit', async () => {
    const info = await agent().getNodeInfo();
    const machineId = (await node().exec('cat', ['/etc/machine-id'])).stdout.trim();
    expect(info).to.include({ hostname: 'node-1', machineId, bootId: node().bootId(), systemdVersion: 252, osName: 'Debian GNU/Linux', agentVersion: '0.1.0' });
    expect(info.osVersion).to.match(/^12/);
    expect(info.kernel).to.equal((await runCommand({ file: 'uname', args: ['-r'], timeoutMs: 5000 })).stdout.trim());
    expect(info.systemdVersionText).to.match(/^systemd 252 /);
    expect(info.packages).to.deep.equal([{ name: 'noderoll-lab-planet', version: PLANET_VERSION_INSTALLED, installed: true }]);
    expect(info.planetUnits).to.deep.equal([PLANET_UNIT]);
    // the node booted during this suite (boot time has whole-second resolution)
    expect(info.bootTimeUnixMs).to.be.within(labStartedAt - 1000, Date.now());
    expect(info.filesystems.map((f) => f.mount)).to.include('/');
    // what the coordinator's preflight checks is the agent's own word
    expect(info).to.include({ apiVersion: 'v1', installVersionPattern: DEFAULT_VERSION_PATTERN, filesystemsProblem: '' });
  });

  it('the agent runs from its .deb alone: installed by dpkg, the packaged unit enabled, no node on the login PATH, nothing of the lab runtime or a checkout in its process', async () => {
    const l = theLab();
    const pkg = l.agentPackage!;
    expect((await node().exec('dpkg-query', ['-W', '-f=${Version} ${db:Status-Status}', AGENT_PACKAGE])).stdout).to.equal(`${pkg.version} installed`);
    const unit = await agentUnitState(node());
    expect(unit).to.include({ activeState: 'active', unitFileState: 'enabled', fragmentPath: '/lib/systemd/system/noderoll-agent.service' });
    // an operator's login shell on the node finds no Node.js (the lab's stand-ins use a lab-only runtime)
    const login = await node().loginShell('echo "PATH=$PATH"; command -v node', { okExitCodes: [0, 1] });
    expect(login.exitCode, `command -v node in a login shell: ${login.stdout}`).to.equal(1);
    expect(login.stdout).to.match(/^PATH=\/.*\/usr\/bin/m);
    const read = async (args: string[]): Promise<string> => (await node().exec(args[0]!, args.slice(1))).stdout;
    const exe = (await read(['readlink', `/proc/${unit.mainPid}/exe`])).trim();
    const cwd = (await read(['readlink', `/proc/${unit.mainPid}/cwd`])).trim();
    const maps = await read(['cat', `/proc/${unit.mainPid}/maps`]);
    const environ = (await read(['cat', `/proc/${unit.mainPid}/environ`])).split('\0');
    const cmdline = (await read(['cat', `/proc/${unit.mainPid}/cmdline`])).split('\0').filter(Boolean);
    note(`agent PID ${unit.mainPid}: exe ${exe}, cwd ${cwd}, cmdline ${cmdline.join(' ')}, ${maps.split('\n').length} mappings`);
    expect(exe).to.equal(NODE_AGENT_BINARY);
    expect(cwd).to.equal('/');
    expect(cmdline).to.deep.equal([NODE_AGENT_BINARY, '--config', '/etc/noderoll/agent.yaml']);
    for (const [what, text] of [['exe', exe], ['cwd', cwd], ['cmdline', cmdline.join(' ')], ['maps', maps], ['environ', environ.join('\n')]] as const) {
      expect(text, `agent ${what}`).to.not.include(NODE_LAB_DIR);
      expect(text, `agent ${what}`).to.not.match(/\/opt\/noderoll(\/|$)|node_modules|\/dist\/agent\//m);
    }
    // the lab's drop-in hides the stand-ins' runtime and checkout from the agent's mount namespace
    const seen = await node().exec('nsenter', ['-t', unit.mainPid, '-m', '--', 'ls', '-A', NODE_LAB_DIR], { okExitCodes: [0, 2] });
    expect(seen.stdout.trim(), `${NODE_LAB_DIR} as the agent sees it`).to.equal('');
    expect((await node().exec('ls', ['-A', NODE_LAB_DIR])).stdout.trim().split('\n'), 'the stand-ins still have theirs').to.deep.equal(['bin', 'project']);
    const agentPath = environ.find((e) => e.startsWith('PATH='))?.slice(5) ?? '';
    // dash's `command -v` exits 127 when it finds nothing
    const nodeOnAgentPath = await node().exec('env', ['-i', `PATH=${agentPath}`, 'sh', '-c', 'command -v node'], { okExitCodes: [0, 1, 127] });
    expect(nodeOnAgentPath.exitCode, `node on the agent's PATH (${agentPath}): ${nodeOnAgentPath.stdout}`).to.not.equal(0);
    expect(nodeOnAgentPath.stdout).to.equal('');
  });

  it('ListUnits: the gravity units with load/active/sub/unit-file state', async () => {
    const r = await agent().listUnits(['gravity__gravitational*']);
    expect(r.units.map((u) => [u.name, u.loadState, u.activeState, u.subState, u.unitFileState])).to.deep.equal([
      [PLANET_UNIT, 'loaded', 'active', 'running', 'enabled'],
      [TELEPORT_UNIT, 'loaded', 'active', 'running', 'enabled'],
    ]);
    expect(r.units[0]?.mainPid).to.be.above(0);
  });

  it('StopUnit planet → really inactive and its etcd member down; EnableUnit --now brings both back', async () => {
    expect(await etcdHealthy(), 'etcd healthy before').to.equal(true);
    const stopped = await agent().stopUnit({ operationId: opId('stop-planet'), unit: PLANET_UNIT, timeoutMs: 60_000 });
    expect(stopped.operation?.state).to.equal('OPERATION_STATE_SUCCEEDED');
    expect(stopped.unit).to.include({ activeState: 'inactive', subState: 'dead', mainPid: 0 });
    expect(await unitActive(PLANET_UNIT)).to.equal('inactive');
    expect(await etcdHealthy(), 'etcd member must be down with planet stopped').to.equal(false);
    const etcdProcs = await node().exec('pgrep', ['-x', 'etcd'], { okExitCodes: [0, 1] });
    expect(etcdProcs.stdout.trim(), 'no etcd process left').to.equal('');

    const enabled = await agent().enableUnit({ operationId: opId('enable-planet'), unit: PLANET_UNIT, now: true, timeoutMs: 60_000 });
    expect(enabled.unit).to.include({ activeState: 'active', unitFileState: 'enabled' });
    expect(await unitActive(PLANET_UNIT)).to.equal('active');
    await waitFor({ what: 'etcd member healthy again', timeoutMs: 20_000, initialDelayMs: 100 }, async () => ((await etcdHealthy()) ? ready(true) : notYet('unhealthy')));
  });

  it('StartUnit waits for a unit to be active; a disallowed unit is refused before anything runs', async () => {
    await node().exec('sh', ['-c', `printf '[Unit]\\nDescription=noderoll test: slow to stop\\n[Service]\\nExecStart=/bin/sleep infinity\\nExecStop=/bin/sleep 3\\n' > /etc/systemd/system/${SLOW_UNIT} && systemctl daemon-reload`]);
    const started = await agent().startUnit({ operationId: opId('start-slow'), unit: SLOW_UNIT });
    expect(started.unit).to.include({ activeState: 'active', subState: 'running' });
    const e = await expectCode(agent().stopUnit({ operationId: opId('stop-dbus'), unit: 'dbus.service' }), 'PERMISSION_DENIED');
    expect(e.details).to.match(/^unit: "dbus.service" is not in the agent's allow-list/);
    expect(await unitActive('dbus.service')).to.equal('active');
    await expectCode(agent().stopUnit({ operationId: opId('stop-bad'), unit: 'gravity__x;reboot.service' }), 'INVALID_ARGUMENT');
  });

  it('ListFailedUnits and RunPlanetChecks show a deliberately failing unit', async () => {
    await node().exec('sh', ['-c', `printf '[Unit]\\nDescription=noderoll test: always fails\\n[Service]\\nExecStart=/bin/false\\n' > /etc/systemd/system/${FAILING_UNIT} && systemctl daemon-reload`]);
    await node().exec('systemctl', ['start', FAILING_UNIT], { okExitCodes: [0, 1, 3] });
    await waitFor({ what: `${FAILING_UNIT} to fail`, timeoutMs: 10_000, initialDelayMs: 50 }, async () => ((await unitActive(FAILING_UNIT)) === 'failed' ? ready(true) : notYet('not failed yet')));
    const failed = await agent().listFailedUnits();
    expect(failed.units.map((u) => [u.name, u.activeState, u.subState])).to.deep.equal([[FAILING_UNIT, 'failed', 'failed']]);
    const checks = await agent().runPlanetChecks();
    expect(checks.allOk).to.equal(false);
    const byName = new Map(checks.checks.map((c) => [c.name, c]));
    expect(byName.get('failed-units')).to.include({ ok: false, exitCode: 0 });
    expect(byName.get('failed-units')?.failedUnits).to.deep.equal([FAILING_UNIT]);
    expect(byName.get('etcd-health'), byName.get('etcd-health')?.stderrTail).to.include({ ok: true, exitCode: 0 });

    await node().exec('sh', ['-c', `systemctl reset-failed ${FAILING_UNIT}; rm -f /etc/systemd/system/${FAILING_UNIT}; systemctl daemon-reload`]);
    expect((await agent().listFailedUnits()).units).to.deep.equal([]);
    expect((await agent().runPlanetChecks()).allOk).to.equal(true);
  });

  it('ScanJournal: a logger -p err message is found in the current boot and not after the returned cursor', async () => {
    const marker = `noderoll-agent-test-${randomBytes(4).toString('hex')}`;
    await node().exec('logger', ['-p', 'err', '-t', 'noderoll-test', `${marker} planet check failed`]);
    const found = await waitFor({ what: 'the marker in the journal', timeoutMs: 10_000, initialDelayMs: 50 }, async () => {
      const r = await agent().scanJournal({ boot: 'BOOT_SELECTOR_CURRENT', priority: 'err', includePatterns: [marker] });
      return r.entries.length > 0 ? ready(r) : notYet(`summary ${JSON.stringify(r.summary)}`);
    });
    expect(found.entries).to.have.length(1);
    expect(found.entries[0]).to.include({ priority: 3, identifier: 'noderoll-test', message: `${marker} planet check failed` });
    expect(found.entries[0]?.bootId).to.equal(node().bootId().replace(/-/g, ''));
    expect(found.summary.lastCursor).to.not.equal('');
    expect(found.summary.errorsMatched).to.equal(1);

    const later = await agent().scanJournal({ afterCursor: found.summary.lastCursor, includePatterns: [marker] });
    expect(later.entries, 'nothing after the cursor carries the marker').to.deep.equal([]);
    await node().exec('logger', ['-p', 'warning', '-t', 'noderoll-test', `${marker} second`]);
    const second = await waitFor({ what: 'the second marker', timeoutMs: 10_000, initialDelayMs: 50 }, async () => {
      const r = await agent().scanJournal({ afterCursor: found.summary.lastCursor, includePatterns: [marker] });
      return r.entries.length > 0 ? ready(r) : notYet('not yet');
    });
    expect(second.entries.map((e) => e.message)).to.deep.equal([`${marker} second`]);

    const bounded = await agent().scanJournal({ maxEntries: 3 });
    expect(bounded.entries).to.have.length(3);
    expect(bounded.summary).to.include({ truncatedByCount: true, entriesSent: 3 });
    expect(bounded.summary.lastCursor).to.equal(bounded.entries[2]?.cursor);
    const unit = await agent().scanJournal({ units: [PLANET_UNIT], includePatterns: ['etcd'], maxEntries: 5 });
    expect(unit.entries.length).to.be.above(0);
    expect(unit.entries.every((e) => e.unit === PLANET_UNIT)).to.equal(true);
  });

  it('ScanJournal: oversized errors arrive cut with a digest that tells them apart; newest reads from the tail, newest first', async () => {
    const marker = `noderoll-agent-big-${randomBytes(4).toString('hex')}`;
    const big = (tail: string): string => `${marker} ${'x'.repeat(6000)} ${tail}`;
    // journald keeps a 6 kB stdout line whole (LineMax 48K); journalctl -o json writes it as null unless --all
    await node().exec('sh', ['-c', 'printf "%s\\n" "$1" | systemd-cat -p err -t noderoll-test && printf "%s\\n" "$2" | systemd-cat -p err -t noderoll-test', 'sh', big('volume A'), big('volume B')]);
    await node().exec('logger', ['-p', 'err', '-t', 'noderoll-test', `${marker} last`]);
    const found = await waitFor({ what: 'the three marked errors in the journal', timeoutMs: 10_000, initialDelayMs: 50 }, async () => {
      const r = await agent().scanJournal({ priority: 'err', includePatterns: [marker] });
      return r.entries.length >= 3 ? ready(r) : notYet(`${r.entries.length} entries`);
    });
    const [a, b, last] = found.entries;
    for (const e of [a!, b!]) {
      expect(e).to.include({ messageTruncated: true, messageBinary: false });
      expect(e.message.startsWith(`${marker} xxx`), 'the start of the message, not an empty one').to.equal(true);
      expect(Buffer.byteLength(e.message)).to.be.at.most(4096);
      expect(e.messageDigest).to.match(/^sha256:[0-9a-f]{16}$/);
    }
    expect(a!.message).to.equal(b!.message);
    expect(a!.messageDigest, 'two oversized errors that share their start').not.to.equal(b!.messageDigest);
    expect(last).to.include({ message: `${marker} last`, messageTruncated: false, messageDigest: '' });

    const newest = await agent().scanJournal({ priority: 'err', includePatterns: [marker], newest: true, maxEntries: 3 });
    expect(newest.summary.command).to.contain('--reverse');
    expect(newest.entries[0]?.message, 'the newest entry comes first').to.equal(`${marker} last`);
  });

  it('Install 7.0.68 streams dpkg output live, changes the watched version, and the same operation ID does not reinstall', async () => {
    const id = opId('install');
    const events: { kind: string; at: number; text?: string }[] = [];
    const r = await agent().install(id, PLANET_VERSION_UPDATE, {
      onEvent: (e) => events.push({ kind: e.event ?? '?', at: Date.now(), ...(e.stdout ? { text: e.stdout.text } : {}) }),
    });
    expect(r.error, r.error?.message).to.equal(undefined);
    expect(r.started?.command).to.deep.equal(['dpkg', '-i', `/var/lib/noderoll-lab/packages/noderoll-lab-planet_${PLANET_VERSION_UPDATE}_all.deb`]);
    expect(r.started?.packagesBefore).to.deep.equal([{ name: 'noderoll-lab-planet', version: PLANET_VERSION_INSTALLED, installed: true }]);
    expect(r.stdout).to.include(`Unpacking noderoll-lab-planet (${PLANET_VERSION_UPDATE}) over (${PLANET_VERSION_INSTALLED}) ...`);
    expect(r.stdout).to.include(`Setting up noderoll-lab-planet (${PLANET_VERSION_UPDATE}) ...`);
    expect(events[0]?.kind).to.equal('started');
    expect(events.at(-1)?.kind).to.equal('finished');
    expect(events.filter((e) => e.kind === 'stdout').length).to.equal(r.stdout.length);
    expect(r.finished?.exitCode).to.equal(0);
    expect(r.finished?.operation?.install?.packagesAfter).to.deep.equal([{ name: 'noderoll-lab-planet', version: PLANET_VERSION_UPDATE, installed: true }]);
    const info = await agent().getNodeInfo();
    expect(info.packages[0]?.version).to.equal(PLANET_VERSION_UPDATE);
    expect((await node().exec('dpkg-query', ['-W', '-f', '${Version}', 'noderoll-lab-planet'])).stdout).to.equal(PLANET_VERSION_UPDATE);

    const dpkgLogBefore = (await node().exec('cat', ['/var/log/dpkg.log'])).stdout;
    const again = await agent().install(id, PLANET_VERSION_UPDATE);
    expect(again.started).to.include({ replayed: true, attached: false });
    expect(again.stdout).to.deep.equal([]);
    expect(again.finished?.operation?.finishedUnixMs).to.equal(r.finished?.operation?.finishedUnixMs);
    const dpkgLogAfter = (await node().exec('cat', ['/var/log/dpkg.log'])).stdout;
    expect(dpkgLogAfter, 'dpkg ran again').to.equal(dpkgLogBefore);
    const reused = await agent().install(id, '7.0.69');
    expect(reused.error?.codeName).to.equal('ALREADY_EXISTS');
    const missing = await agent().install(opId('install-missing'), '7.0.99');
    expect(missing.error?.codeName).to.equal('INTERNAL');
    expect(missing.error?.details).to.match(/command `dpkg -i .*noderoll-lab-planet_7\.0\.99_all\.deb` exited with code 2; stderr: .*cannot access archive/s);
    expect(missing.stderr.join('\n')).to.match(/cannot access archive/);
    note(`install: ${r.stdout.length} stdout lines streamed; first ${events.find((e) => e.kind === 'stdout')!.at - events[0]!.at} ms after started, finished ${events.at(-1)!.at - events[0]!.at} ms after`);
  });

  it('systemctl restart noderoll-agent mid-operation: the in-flight stop finishes and is recorded; state survives the restart', async () => {
    const installed = (await agent().listOperations(50)).find((o) => o.kind === 'OPERATION_KIND_INSTALL' && o.state === 'OPERATION_STATE_SUCCEEDED');
    expect(installed, 'an install recorded earlier').to.not.equal(undefined);
    const id = opId('stop-slow');
    const pending = agent()
      .stopUnit({ operationId: id, unit: SLOW_UNIT, timeoutMs: 30_000 })
      .then(
        (r) => r.operation as Operation | null,
        (e: Error) => e,
      );
    await sleep(700);
    const busy = await expectCode(agent().stopUnit({ operationId: opId('stop-teleport'), unit: TELEPORT_UNIT }), 'FAILED_PRECONDITION');
    expect(busy.details).to.match(new RegExp(`another operation is running: stop-unit ${SLOW_UNIT.replace(/\./g, '\\.')} \\(operation ${id}\\)`));
    const pidBefore = (await node().exec('systemctl', ['show', '-p', 'MainPID', '--value', 'noderoll-agent'])).stdout.trim();
    await node().exec('systemctl', ['restart', 'noderoll-agent'], { timeoutMs: 60_000 });
    const pidAfter = (await node().exec('systemctl', ['show', '-p', 'MainPID', '--value', 'noderoll-agent'])).stdout.trim();
    expect(pidAfter).to.not.equal(pidBefore);
    await pending;
    await agent().waitUntilServing(15_000);
    const op = await agent().getOperation(id);
    expect(op.state, op.errorMessage).to.equal('OPERATION_STATE_SUCCEEDED');
    expect(op.unitAfter).to.include({ activeState: 'inactive' });
    expect(await unitActive(SLOW_UNIT)).to.equal('inactive');
    const same = await agent().getOperation(installed!.id);
    expect(same).to.deep.equal(installed);
    const replay = await agent().install(installed!.id, PLANET_VERSION_UPDATE);
    expect(replay.started?.replayed).to.equal(true);
    const log = (await node().exec('journalctl', ['-u', 'noderoll-agent', '--no-pager', '-o', 'cat', '-n', '200'])).stdout;
    expect(log).to.match(/shutting down: waiting for the running operation/);
    expect(log).to.include('noderoll-agent.service: Deactivated successfully.');
  });

  it('SIGTERM: the agent exits cleanly (exit 0, unit inactive, not failed) and comes back', async () => {
    await node().exec('systemctl', ['stop', 'noderoll-agent'], { timeoutMs: 60_000 });
    const show = (await node().exec('systemctl', ['show', '-p', 'ActiveState,Result,ExecMainCode,ExecMainStatus', 'noderoll-agent'])).stdout;
    expect(show).to.include('ActiveState=inactive').and.include('Result=success').and.include('ExecMainStatus=0');
    expect(await unitActive('noderoll-agent')).to.equal('inactive');
    const log = (await node().exec('journalctl', ['-u', 'noderoll-agent', '--no-pager', '-o', 'cat', '-n', '20'])).stdout;
    expect(log).to.match(/"signal":"SIGTERM".*signal received/);
    expect(log).to.match(/"msg":"stopped"/);
    await node().exec('systemctl', ['start', 'noderoll-agent']);
    await agent().waitUntilServing(15_000);
  });

  it('HTTP: /healthz, /readyz answer; /status and /metrics (over mutual TLS, reader certificate) answer and /metrics passes promtool check metrics', async () => {
    const base = `http://${node().names.nodeAddress}:${HTTP_PORT}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).to.equal(200);
    const readyz = await fetch(`${base}/readyz`);
    expect(readyz.status).to.equal(200);
    expect(await readyz.json()).to.deep.equal({ ok: true, checks: { systemd: 'ok', journal: 'ok' } });
    expect((await fetch(`${base}/metrics`)).status, '/metrics is not on the plain listener').to.equal(404);
    const secure = `https://${node().names.nodeAddress}:${METRICS_PORT}`;
    const statusAnswer = await httpsGet(`${secure}/status`, reader.pem);
    expect(statusAnswer.status, statusAnswer.body).to.equal(200);
    const status = JSON.parse(statusAnswer.body) as { node: { hostname: string; bootId: string }; recentOperations: { id: string }[]; currentOperation: unknown };
    expect(status.node).to.include({ hostname: 'node-1', bootId: node().bootId() });
    expect(status.currentOperation).to.equal(null);
    expect(status.recentOperations.length).to.be.above(3);
    const metricsAnswer = await httpsGet(`${secure}/metrics`, reader.pem);
    expect(metricsAnswer.status).to.equal(200);
    const metrics = metricsAnswer.body;
    await expectPromtoolCleanMetrics(metrics);
    expect(metrics).to.match(new RegExp(`^noderoll_agent_unit_state\\{unit="${PLANET_UNIT.replace(/\./g, '\\.')}",state="active"\\} 1$`, 'm'));
    expect(metrics).to.match(/^noderoll_agent_failed_units 0$/m);
    expect(metrics).to.match(/^noderoll_agent_node_boot_time_seconds \d+/m);
    expect(metrics).to.match(/^noderoll_agent_watched_package_info\{package="noderoll-lab-planet",version="7\.0\.68"\} 1$/m);
    expect(metrics).to.match(/^noderoll_agent_rpc_duration_seconds_count\{method="GetNodeInfo",code="OK"\} \d+$/m);
    note(`/metrics: ${metrics.split('\n').filter((l) => l && !l.startsWith('#')).length} samples, promtool check metrics: OK`);
  });

  it('--check-config on the node refuses an install command without a watched package (exit 2, naming packages.watch)', async () => {
    const good = (await node().exec('cat', ['/etc/noderoll/agent.yaml'])).stdout;
    expect(good).to.match(/^  watch: \[noderoll-lab-planet\]$/m);
    await node().exec('sh', ['-c', 'cat > /etc/noderoll/agent-unwatched.yaml'], { input: good.replace(/^  watch: \[noderoll-lab-planet\]$/m, '  watch: []') });
    const check = (file: string) => node().exec(NODE_AGENT_BINARY, ['--config', file, '--check-config'], { okExitCodes: [0, 2] });
    expect((await check('/etc/noderoll/agent.yaml')).exitCode, 'the lab config itself is valid').to.equal(0);
    const bad = await check('/etc/noderoll/agent-unwatched.yaml');
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr).to.match(/packages\.watch \(line \d+\): must name the package install\.command installs/);
    await node().exec('rm', ['-f', '/etc/noderoll/agent-unwatched.yaml']);
  });

  it('systemctl restart during a running install: the agent waits for the install (not 60 s), records it succeeded, then restarts', async () => {
    await node().exec('mkdir', ['-p', dirname(INSTALL_HOLD_FILE)]);
    await node().exec('touch', [INSTALL_HOLD_FILE]);
    const id = opId('install-held');
    try {
      const pending = agent().install(id, PLANET_VERSION_UPDATE);
      await waitFor({ what: `the install to be held in its postinst (${INSTALL_HELD_MARKER})`, timeoutMs: 30_000 }, async () =>
        (await node().exec('test', ['-e', INSTALL_HELD_MARKER], { okExitCodes: [0, 1] })).exitCode === 0 ? ready(true) : notYet('not held yet'),
      );
      const pidBefore = (await node().exec('systemctl', ['show', '-p', 'MainPID', '--value', 'noderoll-agent'])).stdout.trim();
      await node().exec('systemctl', ['restart', '--no-block', 'noderoll-agent']);
      await waitFor({ what: 'the agent to wait for the running install while stopping', timeoutMs: 30_000 }, async () => {
        const log = (await node().exec('journalctl', ['-u', 'noderoll-agent', '--no-pager', '-o', 'cat', '-n', '30'])).stdout;
        return /"kind":"install".*"msg":"shutting down: waiting for the running operation"/.test(log) ? ready(true) : notYet('no shutdown wait logged yet');
      });
      const state = (await node().exec('systemctl', ['show', '-p', 'ActiveState', '--value', 'noderoll-agent'])).stdout.trim();
      expect(state, 'the agent is still stopping, its install still running').to.equal('deactivating');
      expect((await node().exec('test', ['-e', INSTALL_HELD_MARKER], { okExitCodes: [0, 1] })).exitCode, 'the install was not killed').to.equal(0);
      await node().exec('rm', ['-f', INSTALL_HOLD_FILE]);
      await pending.catch(() => undefined);
      await waitFor({ what: 'the agent to come back after the restart', timeoutMs: 60_000 }, async () => {
        const pid = (await node().exec('systemctl', ['show', '-p', 'MainPID', '--value', 'noderoll-agent'])).stdout.trim();
        return pid !== pidBefore && pid !== '0' ? ready(pid) : notYet(`MainPID ${pid}`);
      });
      await agent().waitUntilServing(15_000);
      const op = await agent().getOperation(id);
      expect(op.state, op.errorMessage).to.equal('OPERATION_STATE_SUCCEEDED');
      expect(op.install?.exitCode).to.equal(0);
    } finally {
      await node().exec('rm', ['-f', INSTALL_HOLD_FILE]);
    }
  });

  it(`watchdog: a healthy agent keeps its MainPID over 2.5 watchdog periods (WatchdogSec=${WATCHDOG_SEC} in the lab); systemd accepts every ping from the main PID`, async () => {
    const before = await agentUnit();
    expect(before, 'the lab drop-in shortens WatchdogSec').to.include({ ActiveState: 'active', WatchdogUSec: `${WATCHDOG_SEC}s` });
    const cursor = await journalCursor();
    // PID 1 at debug level logs every notification with its sender and every one it refuses
    await node().exec('systemd-analyze', ['log-level', 'debug']);
    try {
      await sleep(WATCHDOG_SEC * 2500);
    } finally {
      await node().exec('systemd-analyze', ['log-level', 'info']);
    }
    const after = await agentUnit();
    expect(after.MainPID, 'not restarted').to.equal(before.MainPID);
    expect(after.NRestarts).to.equal(before.NRestarts);
    expect(after.WatchdogTimestampMonotonic, 'systemd took a ping since').to.not.equal(before.WatchdogTimestampMonotonic);
    await agent().getNodeInfo();
    const pid1 = (await node().exec('journalctl', ['--after-cursor', cursor, '_PID=1', '-o', 'cat', '--no-pager'])).stdout.split('\n');
    const accepted = pid1.filter((l) => l.startsWith('noderoll-agent.service: Got notification message from PID') && l.includes('WATCHDOG=1'));
    const senders = new Set(accepted.map((l) => /from PID (\d+)/.exec(l)?.[1]));
    const refused = pid1.filter((l) => /noderoll-agent\.service: Got notification message from PID \d+, but reception (only permitted|is disabled)/.test(l));
    const agentLog = (await node().exec('journalctl', ['--after-cursor', cursor, '-u', 'noderoll-agent', '-o', 'cat', '--no-pager'])).stdout;
    const skipped = agentLog.split('\n').filter((l) => /watchdog: (ping skipped|systemd-notify failed)/.test(l));
    note(`${WATCHDOG_SEC * 2.5} s: systemd accepted ${accepted.length} WATCHDOG=1 (expected about ${(WATCHDOG_SEC * 2.5) / (WATCHDOG_SEC / 4)}), all from ${[...senders].join(',')} (MainPID ${before.MainPID}); refused ${refused.length}; skips/failures logged ${skipped.length}`);
    expect([...senders], 'every ping is attributed to the main process, not to the short-lived systemd-notify').to.deep.equal([before.MainPID]);
    expect(refused, 'no notification refused').to.deep.equal([]);
    expect(accepted.length, 'pings reached systemd (at least one per watchdog period)').to.be.at.least(2);
  });

  it('watchdog: SIGSTOP on the agent stalls it; systemd logs the watchdog timeout, kills it and restarts it (new MainPID, NRestarts + 1) and the new agent serves', async () => {
    const before = await agentUnit();
    // counted over the whole boot: what the watchdog adds is one more of each
    const agentLog = async (): Promise<string> => (await node().exec('journalctl', ['-b', '-u', 'noderoll-agent', '-o', 'cat', '--no-pager'])).stdout;
    const count = (log: string, line: string): number => log.split('\n').filter((l) => l === line).length;
    const watchdogLines = [`noderoll-agent.service: Watchdog timeout (limit ${WATCHDOG_SEC}s)!`, `noderoll-agent.service: Killing process ${before.MainPID} (noderoll-agent) with signal SIGABRT.`, "noderoll-agent.service: Failed with result 'watchdog'."];
    const logBefore = await agentLog();
    await node().exec('kill', ['-STOP', before.MainPID!]);
    try {
      const after = await waitFor({ what: `systemd to restart the stopped agent (WatchdogSec=${WATCHDOG_SEC} + 30 s margin)`, timeoutMs: (WATCHDOG_SEC + 30) * 1000 }, async () => {
        const u = await agentUnit();
        return u.MainPID !== before.MainPID && u.MainPID !== '0' && u.ActiveState === 'active' ? ready(u) : notYet(`MainPID ${u.MainPID} ${u.ActiveState}/${u.SubState} NRestarts ${u.NRestarts}`);
      });
      expect(Number(after.NRestarts)).to.equal(Number(before.NRestarts) + 1);
      const logAfter = await agentLog();
      for (const line of watchdogLines) expect(count(logAfter, line), line).to.equal(count(logBefore, line) + 1);
      // Type=notify: active again means the new agent sent READY=1 once it served
      await agent().waitUntilServing(15_000);
      expect((await agent().getNodeInfo()).hostname).to.equal('node-1');
    } finally {
      await node().exec('kill', ['-CONT', before.MainPID!], { okExitCodes: [0, 1] });
    }
  });

  it('watchdog during a running install: the install dies with the hung agent; the restarted agent reports it interrupted', async () => {
    await node().exec('mkdir', ['-p', dirname(INSTALL_HOLD_FILE)]);
    await node().exec('touch', [INSTALL_HOLD_FILE]);
    const id = opId('install-hung');
    const before = await agentUnit();
    try {
      const pending = agent().install(id, PLANET_VERSION_UPDATE).catch((e: Error) => e);
      await waitFor({ what: `the install to be held in its postinst (${INSTALL_HELD_MARKER})`, timeoutMs: 30_000 }, async () =>
        (await node().exec('test', ['-e', INSTALL_HELD_MARKER], { okExitCodes: [0, 1] })).exitCode === 0 ? ready(true) : notYet('not held yet'),
      );
      expect((await node().exec('pgrep', ['-x', 'dpkg'], { okExitCodes: [0, 1] })).exitCode, 'dpkg runs').to.equal(0);
      await node().exec('kill', ['-STOP', before.MainPID!]);
      await waitFor({ what: `systemd to restart the stopped agent (WatchdogSec=${WATCHDOG_SEC} + 30 s margin)`, timeoutMs: (WATCHDOG_SEC + 30) * 1000 }, async () => {
        const u = await agentUnit();
        return u.MainPID !== before.MainPID && u.MainPID !== '0' && u.ActiveState === 'active' ? ready(u) : notYet(`MainPID ${u.MainPID} ${u.ActiveState}/${u.SubState}`);
      });
      await pending;
      // the hold file is still there: had the install survived, its postinst would still be looping
      expect((await node().exec('pgrep', ['-x', 'dpkg'], { okExitCodes: [0, 1] })).exitCode, 'no dpkg left running').to.equal(1);
      await agent().waitUntilServing(15_000);
      const op = await agent().getOperation(id);
      expect(op.state).to.equal('OPERATION_STATE_INTERRUPTED');
      expect(op.errorMessage).to.match(/the agent stopped while .* was running .*its outcome is unknown/);
    } finally {
      await node().exec('kill', ['-CONT', before.MainPID!], { okExitCodes: [0, 1] });
      await node().exec('rm', ['-f', INSTALL_HOLD_FILE, INSTALL_HELD_MARKER]);
      await waitFor({ what: 'no dpkg running on the node', timeoutMs: 30_000 }, async () =>
        (await node().exec('pgrep', ['-x', 'dpkg'], { okExitCodes: [0, 1] })).exitCode === 1 ? ready(true) : notYet('dpkg still runs'),
      );
      // what the coordinator's fresh attempt would repair: the package the killed dpkg left half-configured
      await node().exec('dpkg', ['--configure', '-a'], { timeoutMs: 60_000 });
    }
  });

  it('Reboot: the call returns, the node reboots, the agent reports the operation completed with both boot IDs', async () => {
    const bootBefore = node().bootId();
    const bootsBefore = node().machine.boots;
    const id = opId('reboot');
    const r = await agent().reboot(id, 'planet 7.0.68 installed');
    const replied = Date.now();
    expect(r.replayed).to.equal(false);
    expect(r.operation).to.include({ kind: 'OPERATION_KIND_REBOOT', state: 'OPERATION_STATE_RUNNING', bootId: bootBefore });
    expect(r.operation?.reboot).to.include({ bootIdBefore: bootBefore, bootIdAfter: '' });
    await expectCode(agent().stopUnit({ operationId: opId('stop-during-reboot'), unit: TELEPORT_UNIT }), 'FAILED_PRECONDITION');

    await waitFor({ what: 'the node to go down for reboot', timeoutMs: 30_000, initialDelayMs: 50, maxDelayMs: 100 }, async () =>
      node().machine.boots > bootsBefore || node().machine.state === 'rebooting' ? ready(true) : notYet(`state ${node().machine.state}`),
    );
    const down = Date.now();
    // A fresh client per attempt: no reconnect backoff inflates the measurement.
    const done = await waitFor({ what: 'the agent to report the reboot completed', timeoutMs: 60_000, initialDelayMs: 50, maxDelayMs: 50 }, async () => {
      const c = newClient();
      try {
        const op = await c.getOperation(id, 500);
        return op.state === 'OPERATION_STATE_SUCCEEDED' ? ready({ op, at: Date.now() }) : notYet(op.state);
      } finally {
        c.close();
      }
    });
    const info = await agent().waitUntilServing(10_000);
    expect(node().machine.boots).to.equal(bootsBefore + 1);
    expect(info.bootId).to.equal(node().bootId());
    expect(info.bootId).to.not.equal(bootBefore);
    expect(done.op.reboot).to.include({ bootIdBefore: bootBefore, bootIdAfter: info.bootId, bootTimeUnixMs: info.bootTimeUnixMs });
    expect(done.op.reboot?.commandIssuedUnixMs).to.be.within(replied - 5000, down);
    const reconnectMs = done.at - info.bootTimeUnixMs;
    // how soon the agent is back after the boot is a timing claim: bench/reboot-detection measures it
    note(`reboot: reply→node down ${down - replied} ms; node boot→agent reports completion ${reconnectMs} ms (agent recorded it ${done.op.reboot!.completedUnixMs - info.bootTimeUnixMs} ms after boot)`);
    expect(done.op.reboot!.completedUnixMs, 'recorded as completed after the new boot').to.be.at.least(info.bootTimeUnixMs);

    const again = await agent().reboot(id);
    expect(again.replayed).to.equal(true);
    expect(again.operation?.state).to.equal('OPERATION_STATE_SUCCEEDED');
    expect(info.packages[0]?.version, 'the install survived the reboot').to.equal(PLANET_VERSION_UPDATE);
    const prev = await agent().scanJournal({ boot: 'BOOT_SELECTOR_PREVIOUS', includePatterns: ['noderoll-agent-test-.* planet check failed'] });
    expect(prev.entries.length, 'the previous boot is still scannable').to.be.above(0);
    expect(prev.entries[0]?.bootId).to.equal(bootBefore.replace(/-/g, ''));
    await waitFor({ what: 'planet and etcd back after reboot', timeoutMs: 30_000, initialDelayMs: 100 }, async () =>
      (await unitActive(PLANET_UNIT)) === 'active' && (await etcdHealthy()) ? ready(true) : notYet('planet/etcd not yet'),
    );
  });
});
