import { expect } from 'chai';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { parseClusterHealthV2 } from '../../shared/etcd/cluster-health.js';
import { createLogger } from '../../shared/log/logger.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { isNodeReady, isPodReady } from '../kube-api/k8s-predicates.js';
import { Lab, PLANET_VERSIONS_LATER, PLANET_VERSION_UPDATE, projectDir } from '../lab/lab.js';
import { TELEPORT_UNIT } from '../lab/node-rootfs.js';
import { INSTALL_HELD_MARKER, INSTALL_HOLD_FILE } from '../lab/lab-packages.js';
import { AGENT_GRPC_PORT, AGENT_HTTP_PORT, labAgentConfigYaml, writeLabCoordinatorConfig, type CoordinatorConfigOptions } from '../lab/noderoll-config.js';
import { AGENT_PACKAGE, agentUnitState, dpkgInstallAgent, labAgentPackage, stageAgentPackage, waitAgentReady, type LabAgentPackage } from '../lab/lab-agent.js';
import { AgentClient, readAgentClientTls, type NodeInfo } from '../../shared/agent-api/agent-client.js';

/**
 * The coordinator end to end on a 3-node lab: real systemd nodes with agents, real etcd, real
 * kubectl against the lab API server, the gravity stand-in. One lab serves every scenario; each
 * scenario rolls the cluster to the next release the lab offers.
 */

const logger = createLogger('e2e-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });
const NODEROLL = join(projectDir, 'dist/coordinator/main.js');
const PDB_APP = 'payments';
const PDB_MIN_AVAILABLE = 2;
/** Node clocks off by 20 minutes either way (their kubelet stand-in and agent see it): the update must not care. */
const CLOCK_OFFSET_MS: Record<string, number> = { 'node-2': -20 * 60_000, 'node-3': +20 * 60_000 };

interface Event {
  type: string;
  node?: string;
  step?: string;
  note?: string;
  reason?: string;
  details?: string[];
  resumeCommand?: string;
  durationMs?: number;
  waitingMs?: number;
  overheadMs?: number;
}

interface Run {
  result: CommandResult;
  events: Event[];
}

function note(text: string): void {
  process.stdout.write(`      ${text}\n`);
}

/** Samples the lab API server through a whole run: nodes out of service, NotReady nodes, PDB app availability. */
class ClusterSampler {
  maxOutOfService = 0;
  outOfServiceSeen = new Set<string>();
  /** Nodes seen with Ready other than True, and how (status/reason). */
  notReadySeen = new Map<string, string>();
  minPdbReady = Number.POSITIVE_INFINITY;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly lab: Lab) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), 100);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private sample(): void {
    const store = this.lab.api!.store;
    const out = store.nodes.list().filter((n) => n.spec?.unschedulable === true || !isNodeReady(n));
    out.forEach((n) => this.outOfServiceSeen.add(n.metadata.name));
    for (const n of store.nodes.list()) {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      if (!isNodeReady(n) && !this.notReadySeen.has(n.metadata.name)) this.notReadySeen.set(n.metadata.name, `${ready?.status ?? 'missing'}/${ready?.reason ?? ''}`);
    }
    this.maxOutOfService = Math.max(this.maxOutOfService, out.length);
    const pdbReady = store.pods.list('default').filter((p) => p.metadata.labels?.['app'] === PDB_APP && p.status?.phase === 'Running' && isPodReady(p)).length;
    this.minPdbReady = Math.min(this.minPdbReady, pdbReady);
    this.samples += 1;
  }
}

describe('noderoll end to end on a 3-node lab', function () {
  this.timeout(300_000);
  let lab: Lab | undefined;
  let config = '';
  const versions = [PLANET_VERSION_UPDATE, ...PLANET_VERSIONS_LATER];
  let nextVersion = 0;

  const theLab = (): Lab => {
    if (!lab) throw new Error('lab did not come up');
    return lab;
  };
  const takeVersion = (): string => {
    const version = versions[nextVersion++];
    if (version === undefined) throw new Error(`the lab offers ${versions.length} update versions; add more to PLANET_VERSIONS_LATER (test/lab/lab.ts)`);
    return version;
  };

  async function writeConfig(options: CoordinatorConfigOptions = {}): Promise<void> {
    config = await writeLabCoordinatorConfig(theLab(), options);
  }

  async function noderoll(args: string[], options: { okExitCodes?: number[]; signal?: AbortSignal; onEvent?: (e: Event) => void } = {}): Promise<Run> {
    const events: Event[] = [];
    const result = await runCommand({
      file: process.execPath,
      args: [NODEROLL, ...args, '--config', config, '-o', 'json'],
      env: theLab().hostEnv(),
      timeoutMs: 280_000,
      okExitCodes: options.okExitCodes ?? [0],
      ...(options.signal ? { signal: options.signal, abortKillSignal: 'SIGKILL' as const } : {}),
      onStdoutLine: (line) => {
        if (!line.startsWith('{')) return;
        const e = JSON.parse(line) as Event;
        events.push(e);
        options.onEvent?.(e);
      },
    });
    return { result, events };
  }

  /** The coordinator's view of one agent: GetNodeInfo and the operation ledger over mutual TLS. */
  async function agentOf(node: string): Promise<{ info: NodeInfo; operationIds: string[] }> {
    const l = theLab();
    const files = l.pki!.coordinator;
    const client = new AgentClient(`${l.node(node).names.nodeAddress}:${AGENT_GRPC_PORT}`, { tls: await readAgentClientTls({ caFile: files.ca, certFile: files.cert, keyFile: files.key }, node), defaultDeadlineMs: 10_000 });
    try {
      return { info: await client.getNodeInfo(), operationIds: (await client.listOperations()).map((o) => `${o.id} ${o.state}`) };
    } finally {
      client.close();
    }
  }

  /** A newer build of the agent's package than the lab installed (same code, version <installed>+lab.1). */
  async function newerAgentPackage(): Promise<{ pkg: LabAgentPackage; debInNode: string }> {
    const pkg = await labAgentPackage({ version: `${theLab().agentPackage!.version}+lab.1`, logger });
    return { pkg, debInNode: await stageAgentPackage(pkg, theLab().packageDir) };
  }

  /** `dpkg -i` of an agent package on a node, as an operator upgrades it; resolves when the new agent process is ready. */
  async function upgradeAgent(node: string, debInNode: string): Promise<{ pidBefore: string; pidAfter: string; dpkgOutput: string }> {
    const n = theLab().node(node);
    const pidBefore = (await agentUnitState(n)).mainPid;
    const dpkg = await dpkgInstallAgent(n, debInNode);
    const after = await waitAgentReady(n, { readyzUrl: `http://${n.names.nodeAddress}:${AGENT_HTTP_PORT}/readyz`, timeoutMs: 60_000, notPid: pidBefore });
    return { pidBefore, pidAfter: after.mainPid, dpkgOutput: dpkg.stdout + dpkg.stderr };
  }

  async function installedVersion(node: string): Promise<string> {
    return (await theLab().node(node).exec('dpkg-query', ['-W', '-f=${Version}', 'noderoll-lab-planet'])).stdout;
  }

  async function planetInstalls(node: string, version: string): Promise<number> {
    const log = (await theLab().node(node).exec('cat', ['/var/log/dpkg.log'])).stdout;
    return log.split('\n').filter((l) => / install noderoll-lab-planet:all /.test(l) || (/ upgrade noderoll-lab-planet:all /.test(l) && l.endsWith(` ${version}`))).length;
  }

  async function unitFile(node: string, unit: string): Promise<string> {
    return (await theLab().node(node).exec('systemctl', ['show', '--property=UnitFileState,ActiveState,SubState', '--', unit])).stdout.trim().split('\n').sort().join(' ');
  }

  /** Every node at the target, its gravity units enabled and running, Ready and schedulable; etcd healthy; every pod Running. */
  async function expectClusterHealthy(version: string): Promise<void> {
    const l = theLab();
    for (const n of l.nodes) {
      expect(await installedVersion(n.name), `${n.name} version`).to.equal(version);
      for (const u of [l.state().planetUnit, TELEPORT_UNIT]) expect(await unitFile(n.name, u), `${n.name} ${u}`).to.equal('ActiveState=active SubState=running UnitFileState=enabled');
      const node = l.api!.store.nodes.get(n.name)!;
      expect(isNodeReady(node), `${n.name} Ready`).to.equal(true);
      expect(node.spec?.unschedulable, `${n.name} schedulable`).to.not.equal(true);
    }
    const health = await l.etcdctlClusterHealth();
    expect(parseClusterHealthV2(health.stdout, health.exitCode).healthy, health.stdout).to.equal(true);
    const notRunning = l.api!.store.pods.list().filter((p) => p.status?.phase !== 'Running' && p.status?.phase !== 'Succeeded');
    expect(notRunning.map((p) => p.metadata.name)).to.deep.equal([]);
  }

  before(async () => {
    const t0 = Date.now();
    lab = await Lab.up({ nodes: 3, logger, agentConfig: labAgentConfigYaml, clockOffsetMs: CLOCK_OFFSET_MS });
    await writeConfig();
    note(`lab with agents up in ${Date.now() - t0} ms`);
  });

  // A failed scenario must not leave an unfinished operation or a cordoned node to the next one.
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !lab) return;
    await writeConfig();
    await noderoll(['abort', '--yes'], { okExitCodes: [0, 1, 2, 3, 4, 5] }).catch(() => undefined);
    for (const n of lab.nodes) await lab.kubectl(['uncordon', n.name]).catch(() => undefined);
  });

  after(async () => {
    await lab?.down();
  });

  it('updates all 3 nodes one at a time (node-2 20 min behind, node-3 20 min ahead): new boot IDs, each NotReady during its reboot, target version, uncordoned, Ready, etcd healthy, PDB app always available', async () => {
    const l = theLab();
    const version = takeVersion();
    // the skew is real where it matters: the kubelet stand-ins stamp their heartbeats with it
    for (const [name, offset] of Object.entries(CLOCK_OFFSET_MS)) {
      const beat = l.api!.store.nodes.get(name)!.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
      expect(Date.parse(beat ?? '') - Date.now(), `${name} heartbeat stamped by its own clock`).to.be.closeTo(offset, 60_000);
    }
    const bootsBefore = new Map(l.nodes.map((n) => [n.name, n.bootId()]));
    const sampler = new ClusterSampler(l);
    sampler.start();
    const t0 = Date.now();
    let run: Run;
    try {
      run = await noderoll(['update', '--to', version, '--yes']);
    } finally {
      sampler.stop();
    }
    const wall = Date.now() - t0;
    const done = run.events.find((e) => e.type === 'operation-completed');
    expect(done, run.result.stderr).to.not.equal(undefined);
    note(`update of 3 nodes: ${wall} ms wall; coordinator reports waiting ${done!.waitingMs} ms, own overhead ${done!.overheadMs} ms`);
    for (const n of l.nodes) expect(n.bootId(), `${n.name} rebooted`).to.not.equal(bootsBefore.get(n.name));
    await expectClusterHealthy(version);
    const order = run.events.filter((e) => e.type === 'node-started').map((e) => e.node);
    expect(order).to.deep.equal(['node-1', 'node-2', 'node-3']);
    note(`sampler: ${sampler.samples} samples, max nodes out of service ${sampler.maxOutOfService}, min ready ${PDB_APP} pods ${sampler.minPdbReady}`);
    expect(sampler.maxOutOfService, 'never more than one node cordoned or NotReady').to.equal(1);
    expect([...sampler.outOfServiceSeen].sort()).to.deep.equal(['node-1', 'node-2', 'node-3']);
    note(`NotReady seen: ${JSON.stringify(Object.fromEntries(sampler.notReadySeen))}`);
    expect([...sampler.notReadySeen.keys()].sort(), 'each node seen NotReady during its reboot').to.deep.equal(['node-1', 'node-2', 'node-3']);
    const waitNote = (node: string): string => run.events.find((e) => e.type === 'step-completed' && e.node === node && e.step === 'waitForReboot')?.note ?? '';
    expect(waitNote('node-2')).to.match(/node clock is 20m behind the coordinator's/);
    expect(waitNote('node-3')).to.match(/node clock is 20m ahead of the coordinator's/);
    expect(waitNote('node-1')).to.not.contain('clock');
    expect(sampler.minPdbReady, `${PDB_APP} kept its PDB minimum`).to.be.at.least(PDB_MIN_AVAILABLE);
  });

  it('a unit failing after reboot on node-1 halts before node-2 with node-1 cordoned; resume completes after the fix', async () => {
    const l = theLab();
    const version = takeVersion();
    const n1 = l.node('node-1');
    // a unit that starts fine now and fails on the next boot (while the marker file exists)
    await writeFile(
      join(n1.rootfs, 'etc/systemd/system/lab-flaky.service'),
      [
        '[Unit]',
        'Description=noderoll e2e: fails at boot while /etc/lab-flaky-fail exists',
        '[Service]',
        'Type=oneshot',
        'RemainAfterExit=yes',
        "ExecStart=/bin/sh -c 'test ! -e /etc/lab-flaky-fail'",
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
    );
    await n1.exec('systemctl', ['daemon-reload']);
    await n1.exec('systemctl', ['enable', '--now', 'lab-flaky.service']);
    await n1.exec('touch', ['/etc/lab-flaky-fail']);

    const halted = await noderoll(['update', '--to', version, '--yes'], { okExitCodes: [1] });
    const halt = halted.events.find((e) => e.type === 'operation-halted');
    expect(halt?.node).to.equal('node-1');
    expect(halt?.step).to.equal('verifyNodeHealthy');
    expect(JSON.stringify(halt)).to.contain('lab-flaky.service');
    expect(halt?.resumeCommand).to.contain('noderoll resume');
    expect(halted.events.some((e) => e.type === 'node-started' && e.node === 'node-2'), 'node-2 never started').to.equal(false);
    expect(l.api!.store.nodes.get('node-1')!.spec?.unschedulable, 'node-1 left cordoned').to.equal(true);
    expect(await installedVersion('node-2')).to.not.equal(version);

    const status = await noderoll(['status'], { okExitCodes: [1] });
    expect(status.result.stdout).to.contain('verifyNodeHealthy').and.contain('lab-flaky.service');

    await n1.exec('rm', ['-f', '/etc/lab-flaky-fail']);
    await n1.exec('systemctl', ['restart', 'lab-flaky.service']);
    await n1.exec('systemctl', ['reset-failed']);
    // the failure stays in this boot's journal: the operator accepts it explicitly, as the runbook's journal check asks
    await writeConfig({ journalIgnore: ['Failed to start lab-flaky\\.service'] });
    const resumed = await noderoll(['resume', '--yes']);
    expect(resumed.events.some((e) => e.type === 'operation-completed'), resumed.result.stderr).to.equal(true);
    await expectClusterHealthy(version);
    await n1.exec('systemctl', ['disable', '--now', 'lab-flaky.service']);
    await writeConfig();
  });

  it('SIGKILL while waiting for node-2 to reboot: resume finishes without a second reboot or a reinstall', async () => {
    const l = theLab();
    const version = takeVersion();
    const n2 = l.node('node-2');
    const bootsBefore = n2.machine.boots;
    const installsBefore = await planetInstalls('node-2', version);
    const killer = new AbortController();
    const crashed = await noderoll(['update', '--to', version, '--yes'], {
      signal: killer.signal,
      onEvent: (e) => {
        if (e.type === 'step-started' && e.node === 'node-2' && e.step === 'waitForReboot') killer.abort();
      },
    }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(crashed?.message).to.match(/aborted|SIGKILL/);
    const resumed = await noderoll(['resume', '--yes']);
    expect(resumed.events.some((e) => e.type === 'operation-completed'), resumed.result.stderr).to.equal(true);
    expect(n2.machine.boots - bootsBefore, 'node-2 rebooted exactly once').to.equal(1);
    expect((await planetInstalls('node-2', version)) - installsBefore, 'node-2 installed exactly once').to.equal(1);
    await expectClusterHealthy(version);
  });

  it('a PDB that can never be satisfied makes the drain time out; the halt names the PDB and the pod', async () => {
    const l = theLab();
    const version = takeVersion();
    await writeConfig({ drainTimeout: '10s' });
    const manifest = join(l.dir, 'strict-pdb.json');
    await writeFile(
      manifest,
      JSON.stringify({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'web-strict', namespace: 'default' },
        spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } },
      }),
    );
    await l.kubectl(['create', '--validate=false', '-f', manifest]);
    try {
      const halted = await noderoll(['update', '--to', version, '--yes'], { okExitCodes: [1] });
      const halt = halted.events.find((e) => e.type === 'operation-halted');
      expect(halt?.step).to.equal('drainNode');
      const text = JSON.stringify(halt);
      expect(text).to.contain('web-strict');
      expect(text).to.match(/web-[a-z0-9]{5}/);
      expect(l.api!.store.nodes.get(halt!.node!)!.spec?.unschedulable).to.equal(true);
    } finally {
      await l.kubectl(['delete', 'pdb', 'web-strict', '-n', 'default']);
      await writeConfig();
    }
    const resumed = await noderoll(['resume', '--yes']);
    expect(resumed.events.some((e) => e.type === 'operation-completed'), resumed.result.stderr).to.equal(true);
    await expectClusterHealthy(version);
  });

  it('a node that powers off instead of rebooting: the wait hits its deadline and halts with a clear message', async () => {
    const l = theLab();
    const version = takeVersion();
    await writeConfig({ rebootTimeout: '20s' });
    const n1 = l.node('node-1');
    // `systemctl reboot` on this node now powers it off
    await n1.exec('ln', ['-sf', '/lib/systemd/system/poweroff.target', '/etc/systemd/system/reboot.target']);
    try {
      const halted = await noderoll(['update', '--to', version, '--yes'], { okExitCodes: [1] });
      const halt = halted.events.find((e) => e.type === 'operation-halted');
      expect(halt?.node).to.equal('node-1');
      expect(halt?.step).to.equal('waitForReboot');
      note(`halt message: ${halt?.reason}`);
      expect(halt?.reason).to.match(/did not come back within 20s of the reboot request/);
      expect(n1.machine.state).to.equal('off');
    } finally {
      // the node's disk is the rootfs on the host: repair it while powered off, then power on
      await rm(join(n1.rootfs, 'etc/systemd/system/reboot.target'), { force: true });
      if (n1.machine.state === 'off') n1.machine.start();
      await n1.machine.waitRunning(60_000);
      await writeConfig();
    }
    const resumed = await noderoll(['resume', '--yes']);
    expect(resumed.events.some((e) => e.type === 'operation-completed'), resumed.result.stderr).to.equal(true);
    await expectClusterHealthy(version);
  });

  it('refuses to start on a degraded cluster (one etcd member down) and says why', async () => {
    const l = theLab();
    const n3 = l.node('node-3');
    const planet = l.state().planetUnit;
    await n3.exec('systemctl', ['stop', planet]);
    try {
      await waitFor({ what: 'etcd to report node-3 unhealthy', timeoutMs: 20_000 }, async () => {
        const h = await l.etcdctlClusterHealth();
        return parseClusterHealthV2(h.stdout, h.exitCode).healthy ? notYet('still healthy') : ready(undefined);
      });
      const refused = await noderoll(['update', '--to', versions[nextVersion]!, '--yes'], { okExitCodes: [3] });
      const text = refused.result.stdout + refused.result.stderr;
      expect(text).to.match(/etcd/);
      expect(refused.events.some((e) => e.type === 'node-started')).to.equal(false);
      for (const n of l.nodes) expect(l.api!.store.nodes.get(n.name)!.spec?.unschedulable).to.not.equal(true);
    } finally {
      await n3.exec('systemctl', ['start', planet]);
      await l.waitEtcdHealthy(60_000);
      await l.waitNodesReady(60_000);
    }
  });

  it('node-2 with a long-failed unit and a disabled planet unit: the update completes, the failed unit is reported as known, every gravity unit ends enabled and active', async () => {
    const l = theLab();
    const version = takeVersion();
    const n2 = l.node('node-2');
    const planet = l.state().planetUnit;
    // kdump on a host without crashkernel memory: fails at every boot, long before any update
    await writeFile(
      join(n2.rootfs, 'etc/systemd/system/kdump.service'),
      [
        '[Unit]',
        'Description=noderoll e2e: kdump stand-in (no memory reserved for the crash kernel)',
        '[Service]',
        'Type=oneshot',
        "ExecStart=/bin/sh -c 'echo \"kdump: no memory reserved for crash kernel\" >&2; exit 1'",
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
    );
    await n2.exec('systemctl', ['daemon-reload']);
    await n2.exec('systemctl', ['enable', 'kdump.service']);
    await n2.exec('systemctl', ['start', 'kdump.service'], { okExitCodes: [1] });
    // planet runs but is disabled: without noderoll it would not come back after the reboot
    await n2.exec('systemctl', ['disable', planet]);
    expect(await unitFile('node-2', planet)).to.equal('ActiveState=active SubState=running UnitFileState=disabled');
    expect(await unitFile('node-2', 'kdump.service')).to.match(/ActiveState=failed/);
    try {
      const run = await noderoll(['update', '--to', version, '--yes']);
      expect(run.events.some((e) => e.type === 'operation-completed'), `${run.result.stderr}\n${JSON.stringify(run.events.find((e) => e.type === 'operation-halted'))}`).to.equal(true);
      await expectClusterHealthy(version);
      type FailedUnits = Event & { when: string; failed: string[]; known: string[]; ignored: string[]; new: string[] };
      const failed = run.events.filter((e): e is FailedUnits => e.type === 'failed-units' && e.node === 'node-2');
      expect(failed.map((e) => [e.when, e.failed])).to.deep.equal([
        ['before-update', ['kdump.service']],
        ['after-reboot', ['kdump.service']],
      ]);
      expect(failed[1]).to.deep.include({ known: ['kdump.service'], ignored: [], new: [] });
      type UnitsChanged = Event & { changes: { unit: string; action: string; before: string }[] };
      const changed = run.events.filter((e): e is UnitsChanged => e.type === 'units-changed' && e.node === 'node-2');
      expect(changed.map((e) => [e.step, e.changes.map((c) => `${c.action} ${c.unit}`)])).to.deep.equal([['enableGravityUnits', [`enable ${planet}`]]]);
      expect(changed[0]!.changes[0]!.before).to.match(/disabled$/);
      expect(run.events.some((e) => e.type === 'units-changed' && e.node !== 'node-2'), 'nothing to change elsewhere').to.equal(false);
      const status = await noderoll(['status']);
      expect(status.result.stdout).to.contain('kdump.service');
      note(`node-2 events: ${failed.map((e) => `${e.when}: known ${e.known.join(',') || '-'}, new ${e.new.join(',') || '-'}`).join('; ')}; ${changed[0]!.changes.map((c) => `${c.action} ${c.unit} (was ${c.before})`).join('; ')}`);
    } finally {
      await n2.exec('systemctl', ['disable', 'kdump.service']);
      await n2.exec('rm', ['-f', '/etc/systemd/system/kdump.service']);
      await n2.exec('systemctl', ['daemon-reload']);
      await n2.exec('systemctl', ['reset-failed']);
      await n2.exec('systemctl', ['enable', planet]);
    }
  });

  it('the agent on node-2 is killed in the middle of its install: resume re-reads the node and completes with a fresh attempt', async () => {
    const l = theLab();
    const version = takeVersion();
    const n2 = l.node('node-2');
    // node-2's install waits in its postinst while the hold file exists (a slow real maintainer script)
    await n2.exec('mkdir', ['-p', dirname(INSTALL_HOLD_FILE)]);
    await n2.exec('touch', [INSTALL_HOLD_FILE]);
    let killed: Promise<void> | undefined;
    const killAgentDuringInstall = async (): Promise<void> => {
      await waitFor({ what: `node-2's install to be held in its postinst (${INSTALL_HELD_MARKER})`, timeoutMs: 60_000 }, async () =>
        (await n2.exec('test', ['-e', INSTALL_HELD_MARKER], { okExitCodes: [0, 1] })).exitCode === 0 ? ready(undefined) : notYet('not held yet'),
      );
      const mainPid = async (): Promise<string> => (await n2.exec('systemctl', ['show', '-p', 'MainPID', '--value', 'noderoll-agent'])).stdout.trim();
      const killedPid = await mainPid();
      // the agent and the install it runs die at once, as on a power loss; systemd restarts the agent
      await n2.exec('systemctl', ['kill', '--signal=SIGKILL', 'noderoll-agent.service']);
      await n2.exec('rm', ['-f', INSTALL_HOLD_FILE]);
      // the operator resumes once the agent is back (before that, resume halts: the agent is unreachable)
      await waitFor({ what: "node-2's restarted agent to serve", timeoutMs: 60_000 }, async () => {
        const pid = await mainPid();
        if (pid === killedPid || pid === '0') return notYet(`MainPID ${pid}`);
        const log = (await n2.exec('journalctl', ['-u', 'noderoll-agent', '--no-pager', '-o', 'cat', `_PID=${pid}`], { okExitCodes: [0, 1] })).stdout;
        return log.includes('noderoll-agent is serving') ? ready(undefined) : notYet(`agent ${pid} not serving yet`);
      });
    };
    try {
      const halted = await noderoll(['update', '--to', version, '--yes'], {
        okExitCodes: [1],
        onEvent: (e) => {
          if (e.type === 'step-started' && e.node === 'node-2' && e.step === 'installUpdate') killed ??= killAgentDuringInstall();
        },
      });
      await killed;
      const halt = halted.events.find((e) => e.type === 'operation-halted');
      note(`halt message: ${halt?.reason}`);
      expect(halt?.node).to.equal('node-2');
      expect(halt?.step).to.equal('installUpdate');
      expect(halt?.reason).to.match(/lost the agent of node-2 during install attempt 1 of 3/);
      // dpkg was killed in the postinst: the package is unpacked at the target but not configured
      const dpkgState = (await n2.exec('dpkg-query', ['-W', '-f=${Version} ${db:Status-Status}', 'noderoll-lab-planet'])).stdout;
      note(`node-2 after the kill: noderoll-lab-planet ${dpkgState}`);
      expect(dpkgState, 'the interrupted install left node-2 short of the target').to.not.equal(`${version} installed`);
    } finally {
      await n2.exec('rm', ['-f', INSTALL_HOLD_FILE]);
    }

    const resumed = await noderoll(['resume', '--yes'], { okExitCodes: [0, 1] });
    expect(resumed.events.some((e) => e.type === 'operation-completed'), JSON.stringify(resumed.events.find((e) => e.type === 'operation-halted'))).to.equal(true);
    const progress = resumed.events.filter((e) => e.type === 'step-progress' && e.node === 'node-2').map((e) => (e as Event & { message?: string }).message ?? '');
    expect(progress.some((m) => /install attempt 2 of 3: attempt 1 \(operation .*\.install\) ended interrupted/.test(m)), progress.join('\n')).to.equal(true);
    const status = await noderoll(['status']);
    const record = (status.events.find((e) => e.type === 'status') as Event & { operation?: { nodes: { name: string; facts: { installAttempts?: { attempt: number; agentOperationId: string; outcome?: string }[] } }[] } }).operation!;
    const attempts = record.nodes.find((n) => n.name === 'node-2')!.facts.installAttempts ?? [];
    note(`node-2 install attempts: ${attempts.map((a) => `${a.attempt} ${a.agentOperationId} ${a.outcome}`).join('; ')}`);
    expect(attempts.map((a) => a.outcome)).to.deep.equal(['interrupted', 'succeeded']);
    expect(attempts[1]!.agentOperationId).to.match(/\.install-2$/);
    for (const other of ['node-1', 'node-3']) expect(record.nodes.find((n) => n.name === other)!.facts.installAttempts?.map((a) => a.outcome)).to.deep.equal(['succeeded']);
    await expectClusterHealthy(version);
  });
  it('upgrading the agent package with no operation running (dpkg -i of a newer .deb on node-1): the agent restarts, reports the new version, keeps its operation ledger, noderoll plan stays green', async () => {
    const l = theLab();
    const { pkg, debInNode } = await newerAgentPackage();
    const before = await agentOf('node-1');
    expect(before.info.agentVersion).to.equal(l.agentPackage!.version);
    expect(before.operationIds.length, 'the earlier updates left operations in the ledger').to.be.above(0);
    const stateBefore = (await l.node('node-1').exec('ls', ['-l', '--time-style=+%s', '/var/lib/noderoll-agent'])).stdout;
    const bootBefore = l.node('node-1').bootId();
    const upgrade = await upgradeAgent('node-1', debInNode);
    note(`node-1: agent ${before.info.agentVersion} (PID ${upgrade.pidBefore}) -> ${pkg.version} (PID ${upgrade.pidAfter}); dpkg: ${upgrade.dpkgOutput.trim().split('\n').slice(-2).join(' | ')}`);
    expect(upgrade.pidAfter).to.not.equal(upgrade.pidBefore);
    expect((await l.node('node-1').exec('dpkg-query', ['-W', '-f=${Version} ${db:Status-Status}', AGENT_PACKAGE])).stdout).to.equal(`${pkg.version} installed`);
    const after = await agentOf('node-1');
    expect(after.info.agentVersion).to.equal(pkg.version);
    expect(after.info.bootId, 'no reboot').to.equal(bootBefore);
    expect(after.operationIds, 'the ledger survived the upgrade').to.deep.equal(before.operationIds);
    expect((await l.node('node-1').exec('ls', ['-l', '--time-style=+%s', '/var/lib/noderoll-agent'])).stdout.split('\n')[0], 'state directory kept').to.equal(stateBefore.split('\n')[0]);
    const plan = await noderoll(['plan', '--to', versions[nextVersion]!]);
    const result = plan.events.find((e) => e.type === 'plan') as (Event & { passed: boolean; preflight: { node: string; passed: boolean; checks: { name: string; detail: string }[] }[] }) | undefined;
    expect(result?.passed, plan.result.stdout).to.equal(true);
    const reachable = result!.preflight.find((p) => p.node === 'node-1')!.checks.find((c) => c.name === 'agent reachable');
    expect(reachable?.detail).to.contain(`agent ${pkg.version}`);
  });

  it('upgrading the agent package of node-3 during `noderoll update`, right after node-1 completed and while node-2 is worked on: the update continues and every node reaches the target', async () => {
    const version = takeVersion();
    const { pkg, debInNode } = await newerAgentPackage();
    const timeline: string[] = [];
    let upgrade: Promise<Awaited<ReturnType<typeof upgradeAgent>>> | undefined;
    const run = await noderoll(['update', '--to', version, '--yes'], {
      onEvent: (e) => {
        if (e.type === 'node-started' || e.type === 'node-completed' || (e.type === 'step-started' && e.node === 'node-2')) timeline.push(`${e.type} ${e.node}${e.step ? ` ${e.step}` : ''}`);
        // between two nodes: node-1 is done, node-2 not started yet; node-3 is not worked on until node-2 completes
        if (e.type === 'node-completed' && e.node === 'node-1') {
          timeline.push('agent upgrade of node-3 started (dpkg -i)');
          upgrade = upgradeAgent('node-3', debInNode).then((u) => {
            timeline.push(`agent upgrade of node-3 done: new agent PID ${u.pidAfter} ready`);
            return u;
          });
          upgrade.catch(() => undefined);
        }
      },
    });
    expect(upgrade, 'node-1 completed, so the upgrade ran').to.not.equal(undefined);
    const u = await upgrade!;
    note(`timeline: ${timeline.join(' → ')}`);
    expect(run.events.some((e) => e.type === 'operation-completed'), `${run.result.stderr}\n${JSON.stringify(run.events.find((e) => e.type === 'operation-halted'))}`).to.equal(true);
    const started = timeline.indexOf('agent upgrade of node-3 started (dpkg -i)');
    const done = timeline.findIndex((t) => t.startsWith('agent upgrade of node-3 done'));
    expect(timeline.indexOf('node-completed node-1'), 'upgrade started right after node-1 completed').to.equal(started - 1);
    expect(started, 'before node-2 started').to.be.below(timeline.indexOf('node-started node-2'));
    expect(done, 'the new agent was ready before node-3 was worked on').to.be.below(timeline.indexOf('node-started node-3'));
    expect(u.pidAfter).to.not.equal(u.pidBefore);
    expect((await agentOf('node-3')).info.agentVersion, 'node-3 was updated by the upgraded agent').to.equal(pkg.version);
    expect(run.events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.deep.equal(['node-1', 'node-2', 'node-3']);
    await expectClusterHealthy(version);
  });
});
