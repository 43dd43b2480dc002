import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { buildAgentPackages, type AgentPackages } from '../../packaging/agent-packages.js';
import { AgentClient, readAgentClientTls } from '../../shared/agent-api/agent-client.js';
import { createLogger } from '../../shared/log/logger.js';
import { notYet, ready, sleep, waitFor } from '../../shared/time/wait-for.js';
import { Lab, projectDir, type LabNode } from '../lab/lab.js';
import { LabPki } from '../lab/lab-pki.js';
import { NODE_PACKAGE_DIR } from '../lab/lab-packages.js';
import { AGENT_GRPC_PORT, labAgentConfigYaml } from '../lab/noderoll-config.js';
import { AGENT_CONFIG as CONFIG, AGENT_UNIT as UNIT, AgentOnNode } from './agent-on-node.js';

/**
 * The agent's packages on a real systemd node that has no agent: what `dpkg -i`, `dpkg -r`,
 * `dpkg -P` and the tarball's install.sh leave behind, and that the running agent is the
 * self-contained binary (/proc/PID/exe), not a Node.js from the node.
 */

const logger = createLogger('agent-package-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });
const TLS_DIR = '/etc/noderoll/tls';
const STATE_DIR = '/var/lib/noderoll-agent';

describe('agent package on a lab node (dpkg -i / -r / -P, install.sh)', function () {
  this.timeout(600_000);
  let lab: Lab | undefined;
  let on: AgentOnNode | undefined;
  let packages: AgentPackages | undefined;
  let files = { deb: '', tarball: '' };
  const agent = (): AgentOnNode => {
    if (!on) throw new Error('lab did not come up');
    return on;
  };
  const node = (): LabNode => agent().node;
  const inNode = (path: string): string => join(node().rootfs, path);
  const run = (file: string, args: string[], okExitCodes?: number[]) => agent().run(file, args, okExitCodes);
  const exists = async (path: string): Promise<boolean> => (await run('test', ['-e', path], [0, 1])).exitCode === 0;
  const modeOf = async (path: string): Promise<string> => (await run('stat', ['-c', '%a', path])).stdout.trim();
  const unitState = () => agent().unitState();
  const waitServing = () => agent().waitServing();
  const writeAgentBundle = () => agent().writeBundle();

  before(async () => {
    packages = await buildAgentPackages({ outDir: join(projectDir, 'dist/packages'), logger });
    lab = await Lab.up({ nodes: 1, logger, seedWorkload: false });
    on = new AgentOnNode(lab, lab.node('node-1'), await LabPki.create(join(lab.dir, 'agent-package-pki'), `lab-${lab.id}`));
    files = await on.provide(packages);
  });
  after(async () => {
    await lab?.down();
  });

  it('dpkg -i on a node without configuration installs the layout but leaves the agent stopped and says what to do', async () => {
    const out = await run('dpkg', ['-i', files.deb]);
    expect(out.stdout).to.include(`wrote the commented defaults to ${CONFIG}`);
    expect(out.stdout).to.include('installed but NOT started');
    expect(out.stdout).to.include('tls.caFile');
    expect(out.stdout).to.include('systemctl enable --now noderoll-agent');
    expect(await unitState()).to.include({ active: 'inactive', enabled: 'disabled' });
    expect(await modeOf(TLS_DIR)).to.equal('700');
    expect(await modeOf(STATE_DIR)).to.equal('700');
    expect(await readFile(inNode(CONFIG), 'utf8')).to.include('#tls:');
    const version = await run('/usr/bin/noderoll-agent', ['--version']);
    expect(version.stdout).to.match(/^noderoll-agent \S+ \(commit \S+, built \S+, runtime sea\)\n$/);
  });

  it('with the node bundle in place: --check-config passes from the installed binary; enable --now serves, and the process is /usr/bin/noderoll-agent itself', async () => {
    await writeAgentBundle();
    const check = await run('/usr/bin/noderoll-agent', ['--config', CONFIG, '--check-config']);
    expect(check.stderr).to.include(`configuration ${CONFIG} is valid`);
    await run('systemctl', ['enable', '--now', UNIT]);
    expect(await waitServing()).to.deep.include({ ok: true });
    const state = await unitState();
    expect(state).to.include({ active: 'active', enabled: 'enabled' });
    expect((await run('readlink', [`/proc/${state.mainPid}/exe`])).stdout.trim()).to.equal('/usr/bin/noderoll-agent');
  });

  it('over gRPC it reports the packaged build (runtime sea) and the OS; journal patterns run in the worker bundled into the binary', async () => {
    const c = agent().pki.coordinator;
    const client = new AgentClient(`${node().names.nodeAddress}:${AGENT_GRPC_PORT}`, { tls: await readAgentClientTls({ caFile: c.ca, certFile: c.cert, keyFile: c.key }, node().name) });
    try {
      const info = await client.getNodeInfo();
      expect(info.agentRuntime).to.equal('sea');
      expect(info.agentVersion).to.equal(packages!.version);
      expect(info.agentCommit).to.not.equal('');
      expect(info.agentBuiltAt).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(info.osPrettyName).to.equal(/^PRETTY_NAME="(.*)"$/m.exec(await readFile(inNode('/etc/os-release'), 'utf8'))?.[1]);
      const scan = await client.scanJournal({ units: [UNIT], includePatterns: ['serving'], maxEntries: 5 });
      expect(scan.entries.length, JSON.stringify(scan.summary)).to.be.greaterThan(0);
    } finally {
      client.close();
    }
    // Idle footprint of the packaged agent on a node (reported, not asserted: the machine is shared).
    const { mainPid } = await unitState();
    await sleep(10_000);
    logger.warn(await agent().memoryKib(mainPid), 'packaged agent on a lab node, 10 s after its last call (bench: agent-package)');
  });

  it('dpkg -i of the package again (an upgrade) restarts the running agent', async () => {
    const before = await unitState();
    await run('dpkg', ['-i', files.deb]);
    const after = await unitState();
    expect(after.active).to.equal('active');
    expect(after.mainPid).to.not.equal(before.mainPid);
    await waitServing();
  });

  it('the agent installing its own package (Install runs dpkg -i of the agent .deb): the install finishes and is recorded, then the agent restarts', async () => {
    // What `noderoll update` does when the agent package is the update: the postinst runs inside the
    // agent's cgroup, where a blocking restart would wait for the agent, which waits for the install.
    const selfUpdate = labAgentConfigYaml(node().names)
      .replace(/^install:\n {2}command: .*$/m, `install:\n  command: ["dpkg", "-i", "${NODE_PACKAGE_DIR}/noderoll-agent_{version}_amd64.deb"]`)
      .replace(/^packages:\n {2}watch: .*$/m, 'packages:\n  watch: [noderoll-agent]');
    expect(selfUpdate).to.include('noderoll-agent_{version}_amd64.deb').and.include('watch: [noderoll-agent]');
    await agent().writeBundle(selfUpdate);
    await run('systemctl', ['restart', UNIT]);
    await waitServing();
    const before = await unitState();
    const c = agent().pki.coordinator;
    const tls = await readAgentClientTls({ caFile: c.ca, certFile: c.cert, keyFile: c.key }, node().name);
    const id = `self-update-${Date.now()}`;
    const client = new AgentClient(`${node().names.nodeAddress}:${AGENT_GRPC_PORT}`, { tls });
    let streamed;
    try {
      streamed = await client.install(id, packages!.version, { deadlineMs: 300_000 });
    } finally {
      client.close();
    }
    expect(streamed.stdout.join('\n')).to.include(`Setting up noderoll-agent (${packages!.version})`);
    const after = await waitFor({ what: 'the agent restarted by its own package upgrade', timeoutMs: 120_000, initialDelayMs: 200 }, async () => {
      const s = await unitState();
      return s.active === 'active' && s.mainPid !== before.mainPid ? ready(s) : notYet(`${s.active}, MainPID ${s.mainPid}`);
    });
    expect(after.mainPid).to.not.equal(before.mainPid);
    await waitServing();
    const again = new AgentClient(`${node().names.nodeAddress}:${AGENT_GRPC_PORT}`, { tls });
    try {
      const op = await again.getOperation(id);
      expect(op.state, JSON.stringify(op)).to.equal('OPERATION_STATE_SUCCEEDED');
    } finally {
      again.close();
    }
    await agent().writeBundle();
    await run('systemctl', ['restart', UNIT]);
    await waitServing();
  });

  it('dpkg -r stops and disables the agent and keeps configuration, TLS files and state', async () => {
    await run('dpkg', ['-r', 'noderoll-agent']);
    expect((await unitState()).active).to.equal('inactive');
    expect(await exists('/usr/bin/noderoll-agent')).to.equal(false);
    for (const path of [CONFIG, `${TLS_DIR}/agent.key`, STATE_DIR]) expect(await exists(path), path).to.equal(true);
    expect((await run('dpkg-query', ['-W', '-f', '${db:Status-Status}', 'noderoll-agent'])).stdout).to.equal('config-files');
  });

  it('dpkg -i after a removal starts the still-configured agent again', async () => {
    const out = await run('dpkg', ['-i', files.deb]);
    expect(out.stdout).to.include('agent enabled and started');
    expect(await unitState()).to.include({ active: 'active', enabled: 'enabled' });
    await waitServing();
  });

  it('dpkg -P removes configuration, TLS files and state', async () => {
    await run('dpkg', ['-P', 'noderoll-agent']);
    expect((await unitState()).active).to.equal('inactive');
    for (const path of ['/usr/bin/noderoll-agent', CONFIG, TLS_DIR, STATE_DIR, '/etc/noderoll']) expect(await exists(path), path).to.equal(false);
  });

  it('the node bundle copied first, then dpkg -i (as `noderoll init` bundles go): no conffile prompt, the agent.yaml kept, the agent started by the install', async () => {
    await writeAgentBundle();
    const config = await readFile(inNode(CONFIG), 'utf8');
    const out = await run('dpkg', ['-i', files.deb]);
    expect(out.stdout).to.include(`keeping ${CONFIG}`);
    expect(out.stdout).to.include('agent enabled and started');
    expect(await readFile(inNode(CONFIG), 'utf8')).to.equal(config);
    expect(await unitState()).to.include({ active: 'active', enabled: 'enabled' });
    await waitServing();
    await run('dpkg', ['-P', 'noderoll-agent']);
    for (const path of [CONFIG, TLS_DIR, STATE_DIR]) expect(await exists(path), path).to.equal(false);
  });

  it('install.sh of the tarball: the same layout and behaviour; --uninstall keeps, --uninstall --purge removes', async () => {
    const dir = '/root/agent-tarball';
    await run('mkdir', ['-p', dir]);
    await run('tar', ['-xzf', files.tarball, '-C', dir]);
    const installSh = `${dir}/${basename(packages!.tarball, '.tar.gz')}/install.sh`;
    const fresh = await run(installSh, []);
    expect(fresh.stdout).to.include('installed but NOT started');
    expect(await unitState()).to.include({ active: 'inactive' });
    expect(await modeOf(TLS_DIR)).to.equal('700');

    await writeAgentBundle();
    await run('systemctl', ['enable', '--now', UNIT]);
    await waitServing();
    const before = await unitState();
    await run(installSh, []);
    const after = await unitState();
    expect(after.active).to.equal('active');
    expect(after.mainPid, 'restarted by the upgrade').to.not.equal(before.mainPid);
    expect(await readFile(inNode(CONFIG), 'utf8')).to.not.include('#tls:');

    await run(installSh, ['--uninstall']);
    expect((await unitState()).active).to.equal('inactive');
    for (const path of [CONFIG, `${TLS_DIR}/agent.key`, STATE_DIR]) expect(await exists(path), path).to.equal(true);
    expect(await exists('/usr/bin/noderoll-agent')).to.equal(false);
    await run(installSh, ['--uninstall', '--purge']);
    for (const path of [CONFIG, TLS_DIR, STATE_DIR, '/etc/noderoll']) expect(await exists(path), path).to.equal(false);
  });
});
