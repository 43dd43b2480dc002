import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAgentConfig } from '../../agent/config/agent-config.js';
import { loadConfig } from '../../coordinator/config/load-config.js';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { createLogger } from '../../shared/log/logger.js';
import { newNode } from '../kube-api/object-factory.js';
import { Lab, projectDir } from '../lab/lab.js';
import { NODE_LAB_NODE_BINARY, NODE_LAB_PROJECT_DIR } from '../lab/node-rootfs.js';
import { KUBELET_VERSION } from '../lab/planet/kubelet-heartbeat.js';
import { PLANET_PACKAGE } from '../lab/lab-packages.js';
import { labAgentConfigYaml } from '../lab/noderoll-config.js';

/**
 * `noderoll init` against a lab cluster without agents, as an operator runs it on the
 * coordinator's host: the real binary, the real kubectl against the lab API server and the lab's
 * gravity stand-in on PATH (lab.hostEnv()). Then a new Node registers and init runs again.
 * The acceptance test (README "Using noderoll on a cluster") installs the bundles and runs plan.
 */

const logger = createLogger('init-lab-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });

interface InitSummary {
  type: string;
  config: string;
  kubernetesVersion: string;
  gravity: boolean;
  ca: { dir: string; created: boolean; cluster: string };
  nodes: { name: string; internalIp: string; role: string; roleSource: string; kubeletVersion: string; status: string; bundle: string; commands: string[] }[];
  disappeared: string[];
  warnings: string[];
  next: string;
}

describe('noderoll init on a lab cluster (real kubectl, gravity stand-in)', function () {
  this.timeout(300_000);
  let lab: Lab | undefined;
  let work = '';

  before(async () => {
    lab = await Lab.up({ nodes: 2, masters: 1, logger, seedWorkload: false });
    work = await mkdtemp(join(tmpdir(), 'noderoll-init-lab-'));
  });
  after(async () => {
    await lab?.down();
    if (work) await rm(work, { recursive: true, force: true });
  });
  const theLab = (): Lab => {
    if (!lab) throw new Error('lab did not come up');
    return lab;
  };

  const init = (args: string[]): Promise<CommandResult> =>
    runCommand({ file: process.execPath, args: [join(projectDir, 'dist/coordinator/main.js'), 'init', ...args], env: theLab().hostEnv(), timeoutMs: 120_000, okExitCodes: [0, 2, 3, 70] });

  async function fileHashes(dir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) out[relative(dir, join(e.parentPath, e.name))] = createHash('sha256').update(await readFile(join(e.parentPath, e.name))).digest('hex');
    }
    return out;
  }

  it('detects every node with its name, InternalIP, role and kubelet version as the lab has them, writes a bundle the agent accepts on its node and a config the coordinator runs on', async () => {
    const l = theLab();
    const dir = join(work, 'cluster');
    // The site-wide part of the lab's own agent config (packages, install command, planet checks):
    // what an operator writes once for all nodes.
    const labAgent = parseDocument(labAgentConfigYaml({ nodeAddress: l.nodes[0]!.names.nodeAddress }));
    labAgent.delete('grpc');
    labAgent.delete('http');
    const settings = join(work, 'site-agent.yaml');
    await writeFile(settings, labAgent.toString());
    const r = await init(['--out', dir, '-o', 'json', '--etcd-endpoints', l.etcdEndpoints().join(','), '--agent-settings', settings]);
    expect(r.exitCode, r.stderr).to.equal(0);
    const summary = JSON.parse(r.stdout) as InitSummary;
    const server = JSON.parse((await l.kubectl(['version', '-o', 'json'])).stdout) as { serverVersion: { gitVersion: string } };
    expect(summary.kubernetesVersion).to.equal(server.serverVersion.gitVersion);
    expect(summary.gravity, 'gravity status was read').to.equal(true);
    expect(summary.ca).to.deep.include({ created: true, cluster: `lab-${l.id}.noderoll.local` });
    expect(summary.nodes.map((n) => [n.name, n.internalIp, n.role, n.roleSource, n.kubeletVersion, n.status])).to.deep.equal(
      l.nodes.map((n) => [n.name, n.names.nodeAddress, n.role, 'labels and gravity', KUBELET_VERSION, 'added']),
    );
    expect(summary.warnings).to.deep.equal([]);

    const config = await loadConfig(join(dir, 'config.yaml'));
    expect(config.nodes).to.deep.equal(l.nodes.map((n) => ({ name: n.name, agent: `${n.names.nodeAddress}:7443`, role: n.role })));

    // The bundle as the printed scp puts it on the node; the agent's own --check-config reads it there.
    for (const n of l.nodes) {
      const bundle = join(dir, 'nodes', n.name);
      const agent = parseAgentConfig(await readFile(join(bundle, 'agent.yaml'), 'utf8'), 'agent.yaml');
      expect(agent.grpc.listen.text).to.equal(`${n.names.nodeAddress}:7443`);
      const onNode = join(n.rootfs, 'etc/noderoll');
      await runCommand({ file: 'mkdir', args: ['-p', onNode], timeoutMs: 10_000 });
      await runCommand({ file: 'cp', args: ['-rp', join(bundle, 'agent.yaml'), join(bundle, 'tls'), `${onNode}/`], timeoutMs: 10_000 });
      const check = await n.exec(NODE_LAB_NODE_BINARY, [join(NODE_LAB_PROJECT_DIR, 'dist/agent/main.js'), '--config', '/etc/noderoll/agent.yaml', '--check-config'], { timeoutMs: 60_000 });
      const effective = JSON.parse(check.stdout) as { grpc: { listen: string }; install: { command: string[] }; tlsFiles: { node: string } };
      expect(effective.grpc.listen).to.equal(`${n.names.nodeAddress}:7443`);
      expect(effective.install.command.join(' ')).to.contain(PLANET_PACKAGE);
      expect(effective.tlsFiles.node, 'the certificate names the node').to.equal(n.name);
    }

    // The coordinator runs on the generated config as it stands: every gate but the agents' passes
    // (no agent is installed yet; the acceptance test installs them and runs plan).
    const check = await runCommand({
      file: process.execPath,
      args: [join(projectDir, 'dist/coordinator/main.js'), 'check', '--config', join(dir, 'config.yaml'), '--log-file', join(work, 'check.log'), '-o', 'json'],
      env: l.hostEnv(),
      timeoutMs: 120_000,
      okExitCodes: [3],
    });
    const gates = (JSON.parse(check.stdout) as { results: { gate: string; passed: boolean; problems: string[] }[] }).results;
    expect(gates.filter((g) => !g.passed).map((g) => g.gate), check.stdout).to.deep.equal(['agents']);
    expect(gates.map((g) => g.gate)).to.include.members(['gravity', 'etcd', 'nodes']);
  });

  it('after a new Node registers, a re-run adds only that node (config entry, bundle, certificate) and leaves every other file as it was', async () => {
    const l = theLab();
    const dir = join(work, 'cluster');
    const before = await fileHashes(dir);
    const configBefore = await readFile(join(dir, 'config.yaml'), 'utf8');
    // A worker joining: its Node object, as its kubelet would register it (cordoned here: the lab
    // has no machine behind it, so nothing must be scheduled onto it).
    const joiner = l.identity.node(9);
    const node = newNode(joiner.name, { internalIP: joiner.nodeAddress, labels: { 'gravitational.io/k8s-role': 'node', 'gravitational.io/advertise-ip': joiner.nodeAddress } });
    node.spec = { unschedulable: true };
    l.api!.store.nodes.create(node);
    try {
      const r = await init(['--out', dir]);
      expect(r.exitCode, r.stderr).to.equal(0);
      expect(r.stdout).to.contain(`+ ${joiner.name}  node (labels)  InternalIP ${joiner.nodeAddress}`);
      expect(r.stdout).to.contain(`warning: node ${joiner.name} (${joiner.nodeAddress}) is not in gravity status`);
      expect(r.stdout).to.contain(`# ${joiner.name} (node, ${joiner.nodeAddress})\nscp noderoll-agent_*.deb root@${joiner.nodeAddress}:/tmp/`);
      for (const n of l.nodes) expect(r.stdout).to.contain(`= ${n.name}  ${n.role}`);

      const after = await fileHashes(dir);
      for (const [file, hash] of Object.entries(before)) {
        if (file !== 'config.yaml' && file !== 'pki/issued.jsonl') expect(after[file], file).to.equal(hash);
      }
      expect(Object.keys(after).filter((f) => !(f in before)).sort()).to.deep.equal(['agent.yaml', 'tls/agent.crt', 'tls/agent.key', 'tls/ca.crt'].map((f) => `nodes/${joiner.name}/${f}`));
      const last = l.nodes[l.nodes.length - 1]!;
      const lastLine = `  - { name: ${last.name}, agent: "${last.names.nodeAddress}:7443", role: ${last.role} }\n`;
      expect(await readFile(join(dir, 'config.yaml'), 'utf8')).to.equal(configBefore.replace(lastLine, `${lastLine}  - { name: ${joiner.name}, agent: "${joiner.nodeAddress}:7443", role: node }\n`));
      expect((await loadConfig(join(dir, 'config.yaml'))).nodes.map((n) => n.name)).to.deep.equal([...l.nodes.map((n) => n.name), joiner.name]);
    } finally {
      l.api!.store.nodes.delete(joiner.name);
    }

    // It left again: reported, nothing removed.
    const gone = await init(['--out', dir, '-o', 'json']);
    expect(gone.exitCode, gone.stderr).to.equal(0);
    expect((JSON.parse(gone.stdout) as InitSummary).disappeared).to.deep.equal([joiner.name]);
    expect(Object.keys(await fileHashes(dir))).to.include(`nodes/${joiner.name}/tls/agent.crt`);
  });
});
