import { expect } from 'chai';
import { copyFile, mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { buildAgentPackages, type AgentPackages } from '../../packaging/agent-packages.js';
import { createLogger } from '../../shared/log/logger.js';
import { AgentClient, readAgentClientTls } from '../../shared/agent-api/agent-client.js';
import { notYet, ready, sleep, waitFor } from '../../shared/time/wait-for.js';
import { Lab, projectDir, type LabNode } from '../lab/lab.js';
import { NODE_PACKAGE_DIR } from '../lab/lab-packages.js';
import { LabPki } from '../lab/lab-pki.js';
import { AGENT_GRPC_PORT, AGENT_HTTP_PORT, labAgentConfigYaml } from '../lab/noderoll-config.js';
import type { NodeFile } from '../lab/node-rootfs.js';

/**
 * The agent's packages on a real systemd node that has no agent: what `dpkg -i`, `dpkg -r`,
 * `dpkg -P` and the tarball's install.sh leave behind, and that the running agent is the
 * self-contained binary (/proc/PID/exe), not a Node.js from the node.
 */

const logger = createLogger('agent-package-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });
const UNIT = 'noderoll-agent.service';
const CONFIG = '/etc/noderoll/agent.yaml';
const TLS_DIR = '/etc/noderoll/tls';
const STATE_DIR = '/var/lib/noderoll-agent';

describe('agent package on a lab node (dpkg -i / -r / -P, install.sh)', function () {
  this.timeout(600_000);
  let lab: Lab | undefined;
  let pki: LabPki | undefined;
  let packages: AgentPackages | undefined;
  const node = (): LabNode => {
    if (!lab) throw new Error('lab did not come up');
    return lab.node('node-1');
  };
  const inNode = (path: string): string => join(node().rootfs, path);
  const run = (file: string, args: string[], okExitCodes?: number[]) => node().exec(file, args, { timeoutMs: 120_000, ...(okExitCodes ? { okExitCodes } : {}) });
  const exists = async (path: string): Promise<boolean> => (await run('test', ['-e', path], [0, 1])).exitCode === 0;
  const modeOf = async (path: string): Promise<string> => (await run('stat', ['-c', '%a', path])).stdout.trim();
  const unitState = async (): Promise<{ active: string; enabled: string; mainPid: number }> => {
    const show = (await run('systemctl', ['show', '-p', 'ActiveState,UnitFileState,MainPID', UNIT])).stdout;
    const prop = (k: string): string => new RegExp(`^${k}=(.*)$`, 'm').exec(show)?.[1] ?? '';
    return { active: prop('ActiveState'), enabled: prop('UnitFileState'), mainPid: Number(prop('MainPID')) };
  };
  const readyz = async (): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`http://${node().names.nodeAddress}:${AGENT_HTTP_PORT}/readyz`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.json() };
  };
  const waitServing = (): Promise<unknown> =>
    waitFor({ what: 'the installed agent answering /readyz with ok', timeoutMs: 60_000, initialDelayMs: 200 }, async () => {
      const r = await readyz();
      return r.status === 200 ? ready(r.body) : notYet(`HTTP ${r.status} ${JSON.stringify(r.body)}`);
    });
  let agentFiles: Record<string, NodeFile> | undefined;
  /** The node's agent files, written as an operator copies a bundle (config and TLS, TLS key 0600). */
  const writeAgentBundle = async (): Promise<void> => {
    agentFiles ??= await pki!.agentNodeFiles({ name: node().name, nodeAddress: node().names.nodeAddress });
    const files = agentFiles;
    for (const [path, f] of Object.entries(files)) {
      await mkdir(join(inNode(path), '..'), { recursive: true });
      await writeFile(inNode(path), f.content);
      await chmod(inNode(path), f.mode);
    }
    await writeFile(inNode(CONFIG), labAgentConfigYaml(node().names));
  };

  before(async () => {
    packages = await buildAgentPackages({ outDir: join(projectDir, 'dist/packages'), logger });
    lab = await Lab.up({ nodes: 1, logger, seedWorkload: false });
    pki = await LabPki.create(join(lab.dir, 'agent-package-pki'), `lab-${lab.id}`);
    for (const file of [packages.deb, packages.tarball]) await copyFile(file, join(lab.packageDir, basename(file)));
  });
  after(async () => {
    await lab?.down();
  });

  it('dpkg -i on a node without configuration installs the layout but leaves the agent stopped and says what to do', async () => {
    const out = await run('dpkg', ['-i', `${NODE_PACKAGE_DIR}/${basename(packages!.deb)}`]);
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
    const client = new AgentClient(`${node().names.nodeAddress}:${AGENT_GRPC_PORT}`, { tls: await readAgentClientTls({ caFile: pki!.coordinator.ca, certFile: pki!.coordinator.cert, keyFile: pki!.coordinator.key }, node().name) });
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
    const status = (await run('cat', [`/proc/${mainPid}/status`])).stdout;
    logger.warn({ vmRss: /^VmRSS:\s*(.*)$/m.exec(status)?.[1], vmHwm: /^VmHWM:\s*(.*)$/m.exec(status)?.[1] }, 'packaged agent on a lab node, 10 s after its last call');
  });

  it('dpkg -i of the package again (an upgrade) restarts the running agent', async () => {
    const before = await unitState();
    await run('dpkg', ['-i', `${NODE_PACKAGE_DIR}/${basename(packages!.deb)}`]);
    const after = await unitState();
    expect(after.active).to.equal('active');
    expect(after.mainPid).to.not.equal(before.mainPid);
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
    const out = await run('dpkg', ['-i', `${NODE_PACKAGE_DIR}/${basename(packages!.deb)}`]);
    expect(out.stdout).to.include('agent enabled and started');
    expect(await unitState()).to.include({ active: 'active', enabled: 'enabled' });
    await waitServing();
  });

  it('dpkg -P removes configuration, TLS files and state', async () => {
    await run('dpkg', ['-P', 'noderoll-agent']);
    expect((await unitState()).active).to.equal('inactive');
    for (const path of ['/usr/bin/noderoll-agent', CONFIG, TLS_DIR, STATE_DIR, '/etc/noderoll']) expect(await exists(path), path).to.equal(false);
  });

  it('install.sh of the tarball: the same layout and behaviour; --uninstall keeps, --uninstall --purge removes', async () => {
    const dir = '/root/agent-tarball';
    await run('mkdir', ['-p', dir]);
    await run('tar', ['-xzf', `${NODE_PACKAGE_DIR}/${basename(packages!.tarball)}`, '-C', dir]);
    const installSh = `${dir}/${basename(packages!.tarball, '.tar.gz')}/install.sh`;
    const fresh = await run(installSh, []);
    expect(fresh.stdout).to.include('installed but NOT started');
    expect(await unitState()).to.include({ active: 'inactive' });
    expect(await modeOf(TLS_DIR)).to.equal('700');

    await writeAgentBundle();
    await run('systemctl', ['enable', '--now', UNIT]);
    await waitServing();
    const again = await run(installSh, []);
    expect(again.stdout).to.include(`kept your ${CONFIG}`);
    expect((await unitState()).active).to.equal('active');

    await run(installSh, ['--uninstall']);
    expect((await unitState()).active).to.equal('inactive');
    for (const path of [CONFIG, `${TLS_DIR}/agent.key`, STATE_DIR]) expect(await exists(path), path).to.equal(true);
    expect(await exists('/usr/bin/noderoll-agent')).to.equal(false);
    await run(installSh, ['--uninstall', '--purge']);
    for (const path of [CONFIG, TLS_DIR, STATE_DIR, '/etc/noderoll']) expect(await exists(path), path).to.equal(false);
  });
});
