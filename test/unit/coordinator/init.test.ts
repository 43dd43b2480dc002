import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { CertificateAuthority } from '../../../coordinator/certs/certificate-authority.js';
import { readNodeList } from '../../../coordinator/cluster/kube-objects.js';
import { loadConfig } from '../../../coordinator/config/load-config.js';
import { takeInventory } from '../../../coordinator/onboarding/cluster-inventory.js';
import { addNodesToConfigText } from '../../../coordinator/onboarding/coordinator-config-file.js';
import { CommandError, runCommand, type CommandResult, type CommandRunner, type CommandSpec } from '../../../shared/exec/command-runner.js';
import { parseGravityStatusJson, type GravityNode, type GravityStatus } from '../../../shared/gravity/status.js';
import { newNode } from '../../kube-api/object-factory.js';
import type { Node } from '../../kube-api/k8s-types.js';
import { JSON_6_1_27_DEGRADED } from '../fixtures/gravity-status-captures.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { FakeClock } from './fakes/fake-clock.js';

/**
 * `noderoll init` against fake kubectl and gravity that print the real formats: Node objects as
 * the API server serves them (test/kube-api's factory), `kubectl version -o json` as kubectl
 * 1.32 prints it, and a captured `gravity status --output=json` of a 3-master Gravity 6.1 cluster
 * (robotest) whose nodes are named after their advertise IPs, as Gravity names them.
 */

const MASTER_LABELS = { 'gravitational.io/k8s-role': 'master', 'node-role.kubernetes.io/master': '' };
const WORKER_LABELS = { 'gravitational.io/k8s-role': 'node' };

/** The three masters of the captured gravity status, as Nodes. */
function capturedClusterNodes(): Node[] {
  return ['10.138.0.56', '10.138.0.23', '10.138.0.53'].map((ip) => newNode(ip, { internalIP: ip, labels: MASTER_LABELS, kubeletVersion: 'v1.17.9' }));
}

function kubectlVersionJson(server: string): string {
  return JSON.stringify(
    {
      clientVersion: { major: '1', minor: '32+', gitVersion: 'v1.32.4-dispatcher', gitCommit: '4cb5f0764b8d5f425645c6f433394fede34a8a26', gitTreeState: 'clean', buildDate: '2025-05-15T20:09:34Z', goVersion: 'go1.23.8', compiler: 'gc', platform: 'linux/amd64' },
      kustomizeVersion: 'v5.5.0',
      serverVersion: { major: '1', minor: server.split('.')[1], gitVersion: server, gitCommit: 'abc', gitTreeState: 'clean', buildDate: '2020-07-15T16:10:45Z', goVersion: 'go1.13.9', compiler: 'gc', platform: 'linux/amd64' },
    },
    null,
    2,
  );
}

/** A cluster as kubectl and gravity print it; tests change it between runs. */
class FakeCluster {
  nodes: Node[] = capturedClusterNodes();
  gravity: GravityStatus | undefined = parseGravityStatusJson(JSON_6_1_27_DEGRADED);
  kubectlFails = false;
  readonly calls: string[] = [];

  runner: CommandRunner = async (spec: CommandSpec): Promise<CommandResult> => {
    const command = [spec.file, ...spec.args].join(' ');
    this.calls.push(command);
    const result = (stdout: string, exitCode = 0, stderr = ''): CommandResult => {
      const r = { command, exitCode, signal: null, stdout, stderr, truncated: false, durationMs: 1 };
      if (!(spec.okExitCodes ?? [0]).includes(exitCode)) throw new CommandError('exit', r);
      return r;
    };
    if (spec.file === 'kubectl') {
      if (this.kubectlFails) return result('', 1, 'The connection to the server localhost:8080 was refused - did you specify the right host or port?');
      const args = spec.args.filter((a) => !a.startsWith('--kubeconfig=') && !a.startsWith('--context='));
      if (args.join(' ') === 'get nodes -o json') return result(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: this.nodes, metadata: { resourceVersion: '' } }, null, 4));
      if (args.join(' ') === 'version -o json') return result(kubectlVersionJson('v1.17.9'));
    }
    if (spec.file === 'gravity' && spec.args.join(' ') === 'status --output=json') {
      if (!this.gravity) throw new CommandError('spawn', { command, exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 0 }, 'spawn gravity ENOENT');
      // The capture is of a degraded cluster: gravity prints it and exits 255.
      return result(JSON.stringify(this.gravity), this.gravity.cluster.system_status === 2 ? 255 : 0, '[ERROR]: degraded');
    }
    throw new Error(`unexpected command ${command}`);
  };

  addGravityNode(n: Partial<GravityNode> & { hostname: string; advertise_ip: string }): void {
    this.gravity?.cluster.nodes.push({ role: 'node', profile: 'node', status: 'healthy', ...n });
  }
}

async function run(cluster: FakeCluster, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = fakeCliEnv(new FakeClock(), undefined);
  io.env.runner = cluster.runner;
  const code = await runCli(['init', ...argv], io.env);
  return { code, out: io.out(), err: io.err() };
}

async function openssl(args: string[]): Promise<string> {
  return (await runCommand({ file: 'openssl', args, timeoutMs: 20_000 })).stdout;
}

/** Every file under dir (relative path → sha256), staging directories included. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out[relative(dir, p)] = createHash('sha256').update(await readFile(p)).digest('hex');
  }
  return out;
}

describe('noderoll init', function () {
  this.timeout(60_000);
  let work = '';
  let dir = '';
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'noderoll-init-'));
    dir = join(work, 'out');
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  describe('detection (pure)', () => {
    const nodes = (...items: Node[]) => readNodeList(JSON.stringify({ kind: 'List', items }));

    it('takes roles from the master/control-plane labels, Gravity\'s role label and gravity status; no role label is a worker', () => {
      const inv = takeInventory(
        nodes(
          newNode('cp-1', { internalIP: '10.0.0.1', labels: { 'node-role.kubernetes.io/control-plane': '' } }),
          newNode('old-master', { internalIP: '10.0.0.2', labels: { 'node-role.kubernetes.io/master': '' } }),
          newNode('g-worker', { internalIP: '10.0.0.3', labels: WORKER_LABELS }),
          newNode('plain', { internalIP: '10.0.0.4', kubeletVersion: 'v1.32.4' }),
        ),
        undefined,
      );
      expect(inv.refusals).to.deep.equal([]);
      expect(inv.nodes.map((n) => [n.name, n.internalIp, n.role, n.roleSource, n.kubeletVersion])).to.deep.equal([
        ['cp-1', '10.0.0.1', 'master', 'labels', 'v1.32.4'],
        ['old-master', '10.0.0.2', 'master', 'labels', 'v1.32.4'],
        ['g-worker', '10.0.0.3', 'node', 'labels', 'v1.32.4'],
        ['plain', '10.0.0.4', 'node', 'no role label (worker)', 'v1.32.4'],
      ]);
    });

    it('matches gravity nodes by advertise IP (Gravity names nodes after it) and agrees with the labels', () => {
      const inv = takeInventory(nodes(...capturedClusterNodes()), parseGravityStatusJson(JSON_6_1_27_DEGRADED));
      expect(inv.refusals).to.deep.equal([]);
      expect(inv.nodes.map((n) => [n.name, n.role, n.roleSource])).to.deep.equal([
        ['10.138.0.56', 'master', 'labels and gravity'],
        ['10.138.0.23', 'master', 'labels and gravity'],
        ['10.138.0.53', 'master', 'labels and gravity'],
      ]);
      expect(inv.warnings).to.deep.equal([]);
    });

    it('refuses a node whose labels and gravity disagree on its role, saying both and how to fix it', () => {
      const k = capturedClusterNodes();
      k[1] = newNode('10.138.0.23', { internalIP: '10.138.0.23', labels: WORKER_LABELS });
      const inv = takeInventory(nodes(...k), parseGravityStatusJson(JSON_6_1_27_DEGRADED));
      expect(inv.refusals).to.have.length(1);
      expect(inv.refusals[0]).to.match(/node 10\.138\.0\.23: its labels say node \(gravitational\.io\/k8s-role=node\) but gravity status says master/);
      expect(inv.refusals[0]).to.contain('kubectl label node 10.138.0.23 gravitational.io/k8s-role=master --overwrite');
    });

    it('refuses a node without InternalIP, an invalid node name and two nodes on one address', () => {
      const noIp = newNode('no-ip', { internalIP: '10.0.0.9' });
      noIp.status!.addresses = [{ type: 'Hostname', address: 'no-ip' }];
      const inv = takeInventory(
        nodes(noIp, newNode('Bad_Name', { internalIP: '10.0.0.7' }), newNode('a', { internalIP: '10.0.0.5' }), newNode('b', { internalIP: '10.0.0.5' })),
        undefined,
      );
      expect(inv.refusals).to.have.length(3);
      expect(inv.refusals[0]).to.match(/^node no-ip has no InternalIP address/);
      expect(inv.refusals[1]).to.match(/^node "Bad_Name" is not a Kubernetes node name/);
      expect(inv.refusals[2]).to.equal('nodes a and b both report InternalIP 10.0.0.5: two agents cannot share one address');
    });

    it('warns about nodes only one side knows, offline nodes and mixed kubelet versions', () => {
      const gravity = parseGravityStatusJson(JSON_6_1_27_DEGRADED);
      gravity.cluster.nodes[0]!.status = 'offline';
      gravity.cluster.nodes.push({ hostname: 'gone', advertise_ip: '10.138.0.99', role: 'node', status: 'offline' });
      const k = capturedClusterNodes();
      k.push(newNode('10.138.0.60', { internalIP: '10.138.0.60', labels: WORKER_LABELS, kubeletVersion: 'v1.18.0' }));
      const inv = takeInventory(nodes(...k), gravity);
      expect(inv.refusals).to.deep.equal([]);
      expect(inv.warnings.join('\n')).to.contain('gravity reports node 10.138.0.56 offline').and.contain('node 10.138.0.60 (10.138.0.60) is not in gravity status').and.contain('gravity status lists node gone (10.138.0.99) but Kubernetes has no Node').and.contain('different versions (v1.17.9, v1.18.0)');
    });
  });

  it('writes a config that passes the coordinator\'s validation, a CA, certificates naming each node and its IP, and one bundle per node', async () => {
    const cluster = new FakeCluster();
    const r = await run(cluster, ['--out', dir]);
    expect(r.code, r.err).to.equal(ExitCode.ok);

    const config = await loadConfig(join(dir, 'config.yaml'));
    expect(config.nodes).to.deep.equal([
      { name: '10.138.0.56', agent: '10.138.0.56:7443', role: 'master' },
      { name: '10.138.0.23', agent: '10.138.0.23:7443', role: 'master' },
      { name: '10.138.0.53', agent: '10.138.0.53:7443', role: 'master' },
    ]);
    expect(config.agents.tls).to.deep.equal({ ca: join(dir, 'pki/coordinator/ca.crt'), cert: join(dir, 'pki/coordinator/coordinator.crt'), key: join(dir, 'pki/coordinator/coordinator.key') });
    expect(config.agents.insecurePlaintext).to.equal(false);
    // The operation's state, log and backups live in DIR too: no root needed, no state file shared between clusters.
    expect(config.state.file).to.equal(join(dir, 'state/state.json'));
    expect(config.log.file).to.equal(join(dir, 'state/noderoll.log'));
    expect(config.backup.artifact).to.equal(join(dir, 'state/backups/{operation}.db'));
    // Gravity's defaults: gravity status gate, etcd through gravity exec.
    expect(config.gates.gravity.enabled).to.equal(true);
    expect(config.gates.etcd.argv).to.deep.equal(['gravity', 'exec', '--no-tty', '--no-interactive', '/usr/bin/etcdctl', 'cluster-health']);
    const text = await readFile(join(dir, 'config.yaml'), 'utf8');
    expect(text).to.contain('# noderoll coordinator configuration for cluster robotest-unit-test (Kubernetes v1.17.9), written by noderoll init.');
    expect(text, 'the example\'s comments are kept').to.contain('# roles: masters one at a time first, then workers');

    // The CA and the client certificates.
    const ca = join(dir, 'pki/ca.crt');
    expect((await stat(join(dir, 'pki/ca.key'))).mode & 0o777).to.equal(0o600);
    expect(await openssl(['x509', '-in', ca, '-noout', '-subject'])).to.contain('noderoll CA robotest-unit-test');
    expect(await openssl(['x509', '-in', join(dir, 'pki/coordinator/coordinator.crt'), '-noout', '-text'])).to.contain('URI:spiffe://noderoll/role/coordinator').and.contain('TLS Web Client Authentication');
    expect(await openssl(['x509', '-in', join(dir, 'pki/reader/reader.crt'), '-noout', '-text'])).to.contain('URI:spiffe://noderoll/role/reader');

    for (const node of config.nodes) {
      const bundle = join(dir, 'nodes', node.name);
      const certText = await openssl(['x509', '-in', join(bundle, 'tls/agent.crt'), '-noout', '-text']);
      expect(certText).to.contain(`IP Address:${node.name}`).and.contain(`URI:spiffe://noderoll/node/${node.name}`).and.contain('TLS Web Server Authentication');
      expect(await openssl(['verify', '-CAfile', ca, join(bundle, 'tls/agent.crt')])).to.contain(': OK');
      expect(await readFile(join(bundle, 'tls/ca.crt'), 'utf8')).to.equal(await readFile(ca, 'utf8'));
      expect((await stat(join(bundle, 'tls/agent.key'))).mode & 0o777, 'agent.key').to.equal(0o600);
      expect((await stat(join(bundle, 'tls'))).mode & 0o777, 'tls/').to.equal(0o700);
      const agent = parseAgentConfig(await readFile(join(bundle, 'agent.yaml'), 'utf8'), 'agent.yaml');
      expect([agent.grpc.listen.text, agent.http.listen?.text, agent.http.metrics.listen?.text, agent.http.metrics.tls]).to.deep.equal([`${node.name}:7443`, `${node.name}:7444`, `${node.name}:7445`, 'mutual']);
      expect([agent.tls.mode, agent.tls.caFile, agent.tls.certFile, agent.tls.keyFile]).to.deep.equal(['mutual', '/etc/noderoll/tls/ca.crt', '/etc/noderoll/tls/agent.crt', '/etc/noderoll/tls/agent.key']);
      expect(r.out).to.contain(
        [
          `# ${node.name} (master, ${node.name})`,
          `scp noderoll-agent_*.deb root@${node.name}:/tmp/`,
          `ssh root@${node.name} 'dpkg -i /tmp/noderoll-agent_*.deb'`,
          `scp -rp ${bundle}/agent.yaml ${bundle}/tls root@${node.name}:/etc/noderoll/`,
          `ssh root@${node.name} noderoll-agent --config /etc/noderoll/agent.yaml --check-config`,
          `ssh root@${node.name} systemctl enable --now noderoll-agent`,
        ].join('\n'),
      );
    }
    expect(r.out).to.contain(`noderoll plan --config ${dir}/config.yaml`);
    expect(r.out).to.contain('warning: the agent settings give no install.command');
    expect(await readdir(dir), 'no staging directory left').to.have.members(['config.yaml', 'pki', 'nodes']);
  });

  it('re-run with a new node adds only it: certificates byte-identical, the operator\'s config edits kept, a node that left reported and kept', async () => {
    const cluster = new FakeCluster();
    expect((await run(cluster, ['--out', dir])).code).to.equal(ExitCode.ok);
    // The operator edits the config: an aligned comment and a changed value.
    const configFile = join(dir, 'config.yaml');
    const edited = (await readFile(configFile, 'utf8')).replace('pauseBetween: 0s', 'pauseBetween: 5m          # ops: let the cluster settle') + '# edited by ops\n';
    await writeFile(configFile, edited);
    await chmod(configFile, 0o640);
    const before = await snapshot(dir);

    // The same cluster again: nothing changes.
    const same = await run(cluster, ['--out', dir, '-o', 'json']);
    expect(same.code, same.err).to.equal(ExitCode.ok);
    const sameDoc = JSON.parse(same.out) as { type: string; config: string; nodes: { status: string }[] };
    expect(sameDoc.type).to.equal('init');
    expect(sameDoc.config).to.equal('unchanged');
    expect(sameDoc.nodes.map((n) => n.status)).to.deep.equal(['existing', 'existing', 'existing']);
    expect(await snapshot(dir)).to.deep.equal(before);

    // A worker joins; a master leaves.
    cluster.nodes.push(newNode('10.138.0.61', { internalIP: '10.138.0.61', labels: WORKER_LABELS, kubeletVersion: 'v1.17.9' }));
    cluster.addGravityNode({ hostname: 'robotest-unit-test-node-3', advertise_ip: '10.138.0.61' });
    cluster.nodes = cluster.nodes.filter((n) => n.metadata.name !== '10.138.0.53');
    const again = await run(cluster, ['--out', dir, '-o', 'json']);
    expect(again.code, again.err).to.equal(ExitCode.ok);
    const doc = JSON.parse(again.out) as { config: string; disappeared: string[]; nodes: { name: string; role: string; status: string; configEntryAdded: boolean; commands: string[] }[] };
    expect(doc.config).to.equal('updated');
    expect(doc.disappeared).to.deep.equal(['10.138.0.53']);
    expect(doc.nodes.map((n) => [n.name, n.role, n.status, n.configEntryAdded])).to.deep.equal([
      ['10.138.0.56', 'master', 'existing', false],
      ['10.138.0.23', 'master', 'existing', false],
      ['10.138.0.61', 'node', 'added', true],
    ]);
    expect(doc.nodes[2]!.commands[4]).to.equal('ssh root@10.138.0.61 systemctl enable --now noderoll-agent');

    const after = await snapshot(dir);
    for (const [file, hash] of Object.entries(before)) {
      if (file === 'config.yaml' || file === 'pki/issued.jsonl') continue;
      expect(after[file], `${file} unchanged`).to.equal(hash);
    }
    expect(Object.keys(after).filter((f) => !(f in before)).sort()).to.deep.equal(['nodes/10.138.0.61/agent.yaml', 'nodes/10.138.0.61/tls/agent.crt', 'nodes/10.138.0.61/tls/agent.key', 'nodes/10.138.0.61/tls/ca.crt']);
    // The config: the operator's text with exactly one line added after the last node.
    const text = await readFile(configFile, 'utf8');
    const added = '  - { name: 10.138.0.61, agent: "10.138.0.61:7443", role: node }\n';
    const anchor = '  - { name: 10.138.0.53, agent: "10.138.0.53:7443", role: master }\n';
    expect(text).to.equal(edited.replace(anchor, anchor + added));
    const config = await loadConfig(configFile);
    expect(config.nodes.map((n) => n.name)).to.deep.equal(['10.138.0.56', '10.138.0.23', '10.138.0.53', '10.138.0.61']);
    expect(config.pauseBetweenMs).to.equal(300_000);
    expect((await stat(configFile)).mode & 0o777, 'the operator\'s mode').to.equal(0o640);
    // The new certificate comes from the same CA and names its node.
    expect(await openssl(['verify', '-CAfile', join(dir, 'pki/ca.crt'), join(dir, 'nodes/10.138.0.61/tls/agent.crt')])).to.contain(': OK');
    expect(await openssl(['x509', '-in', join(dir, 'nodes/10.138.0.61/tls/agent.crt'), '-noout', '-text'])).to.contain('IP Address:10.138.0.61');
    const issued = (await readFile(join(dir, 'pki/issued.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { certFile: string });
    expect(issued.map((i) => relative(dir, i.certFile))).to.deep.equal([
      'pki/coordinator/coordinator.crt',
      'pki/reader/reader.crt',
      'nodes/10.138.0.56/tls/agent.crt',
      'nodes/10.138.0.23/tls/agent.crt',
      'nodes/10.138.0.53/tls/agent.crt',
      'nodes/10.138.0.61/tls/agent.crt',
    ]);
  });

  it('adds nodes to a block list after its last entry, indented like it; a flow list is rewritten through the document', () => {
    const entry = { name: 'n3', agent: '10.0.0.3:7443', role: 'node' } as const;
    const block = 'apiVersion: noderoll.io/v1alpha1\nnodes:\n    - name: n1     # first\n      agent: "10.0.0.1:7443"\n    - { name: n2, agent: "10.0.0.2:7443" }  # second\norder: roles   # aligned\n';
    expect(addNodesToConfigText(block, [entry])).to.deep.equal({
      text: block.replace('# second\n', '# second\n    - { name: n3, agent: "10.0.0.3:7443", role: node }\n'),
      reformatted: false,
    });
    const flow = addNodesToConfigText('nodes: [{ name: n1, agent: "10.0.0.1:7443" }] # nodes\n', [entry]);
    expect(flow.reformatted).to.equal(true);
    expect(flow.text).to.contain('- { name: n3, agent: "10.0.0.3:7443", role: node }');
  });

  it('with --etcd-endpoints the etcd gate and the backup name them; --agent-settings are merged into every agent.yaml and validated', async () => {
    const cluster = new FakeCluster();
    const settings = join(work, 'site-agent.yaml');
    await writeFile(settings, '# site-wide\npackages:\n  watch: [gravity-planet]\ninstall:\n  command: [dpkg, -i, "/var/cache/planet/gravity-planet_{version}_amd64.deb"]\nhttp:\n  metrics:\n    tls: server-only\n');
    const r = await run(cluster, ['--out', dir, '--etcd-endpoints', 'https://10.138.0.56:2379,https://10.138.0.23:2379', '--agent-settings', settings, '--cluster', 'prod-east']);
    expect(r.code, r.err).to.equal(ExitCode.ok);
    const config = await loadConfig(join(dir, 'config.yaml'));
    expect(config.gates.etcd.argv).to.deep.equal(['etcdctl', '--endpoints=https://10.138.0.56:2379,https://10.138.0.23:2379', 'cluster-health']);
    expect(config.gates.etcd.env).to.deep.equal({ ETCDCTL_API: '2' });
    expect(config.backup.argv).to.deep.equal(['etcdctl', '--endpoints=https://10.138.0.56:2379', 'snapshot', 'save', '{artifact}']);
    expect(await openssl(['x509', '-in', join(dir, 'pki/ca.crt'), '-noout', '-subject'])).to.contain('noderoll CA prod-east');
    const agentText = await readFile(join(dir, 'nodes/10.138.0.23/agent.yaml'), 'utf8');
    const agent = parseAgentConfig(agentText, 'agent.yaml');
    expect(agent.install.command).to.deep.equal(['dpkg', '-i', '/var/cache/planet/gravity-planet_{version}_amd64.deb']);
    expect(agent.packages.watch).to.deep.equal(['gravity-planet']);
    expect(agent.http.metrics.tls).to.equal('server-only');
    expect(agent.grpc.listen.text).to.equal('10.138.0.23:7443');
    expect(agentText).to.contain('# site-wide');
    expect(r.out).to.not.contain('give no install.command');
  });

  it('a failure while making the files (here: no openssl) leaves DIR as it was, no staging directory behind', async () => {
    const cluster = new FakeCluster();
    const path = process.env.PATH;
    const withoutOpenssl = async (argv: string[]) => {
      process.env.PATH = join(work, 'empty-bin');
      try {
        return await run(cluster, argv);
      } finally {
        process.env.PATH = path;
      }
    };
    const first = await withoutOpenssl(['--out', dir]);
    expect(first.code).to.equal(ExitCode.internal);
    expect(first.err).to.match(/openssl/);
    expect(existsSync(dir), 'DIR not left behind').to.equal(false);

    expect((await run(cluster, ['--out', dir])).code).to.equal(ExitCode.ok);
    const before = await snapshot(dir);
    cluster.nodes.push(newNode('10.138.0.61', { internalIP: '10.138.0.61', labels: WORKER_LABELS }));
    const again = await withoutOpenssl(['--out', dir]);
    expect(again.code).to.equal(ExitCode.internal);
    expect(await snapshot(dir)).to.deep.equal(before);
    expect(await readdir(dir)).to.have.members(['config.yaml', 'pki', 'nodes']);
  });

  it('says which options a re-run cannot apply (they shape new files only); empty sections in the agent settings are filled', async () => {
    const cluster = new FakeCluster();
    const settings = join(work, 'site-agent.yaml');
    await writeFile(settings, 'grpc:\nhttp:\n');
    expect((await run(cluster, ['--out', dir, '--agent-settings', settings])).code).to.equal(ExitCode.ok);
    const agent = parseAgentConfig(await readFile(join(dir, 'nodes/10.138.0.56/agent.yaml'), 'utf8'), 'agent.yaml');
    expect([agent.grpc.listen.text, agent.http.listen?.text]).to.deep.equal(['10.138.0.56:7443', '10.138.0.56:7444']);
    const r = await run(cluster, ['--out', dir, '--cluster', 'other', '--etcd-endpoints', 'http://10.0.0.1:2379', '--context', 'prod', '--agent-settings', settings]);
    expect(r.code, r.err).to.equal(ExitCode.ok);
    expect(r.out).to.contain('warning: --cluster other is not used: the CA in').and.contain('(cluster robotest-unit-test)');
    expect(r.out).to.contain('warning: --etcd-endpoints, --context shape a new config.yaml only');
    expect(r.out).to.contain('warning: --agent-settings shape new bundles only');
  });

  it('uses an existing CA given with --ca-dir (the key stays there), and refuses a re-run with another CA', async () => {
    const caDir = join(work, 'ca');
    await CertificateAuthority.init(caDir, { cluster: 'existing' });
    const cluster = new FakeCluster();
    const r = await run(cluster, ['--out', dir, '--ca-dir', caDir]);
    expect(r.code, r.err).to.equal(ExitCode.ok);
    expect(existsSync(join(dir, 'pki/ca.key')), 'no CA key in DIR').to.equal(false);
    expect(await openssl(['verify', '-CAfile', join(caDir, 'ca.crt'), join(dir, 'nodes/10.138.0.56/tls/agent.crt')])).to.contain(': OK');
    expect(await openssl(['verify', '-CAfile', join(caDir, 'ca.crt'), join(dir, 'pki/coordinator/coordinator.crt')])).to.contain(': OK');

    const before = await snapshot(dir);
    cluster.nodes.push(newNode('10.138.0.61', { internalIP: '10.138.0.61', labels: WORKER_LABELS }));
    const other = await run(cluster, ['--out', dir]); // forgot --ca-dir: DIR/pki has no CA
    expect(other.code).to.equal(ExitCode.usage);
    expect(other.err, other.err).to.match(/ca\.crt is not the certificate of the CA in .*pki \(there is none yet\).*pass --ca-dir/);
    expect(await snapshot(dir)).to.deep.equal(before);
  });

  it('without gravity on PATH: roles from the labels, the gravity gate off, --cluster required for a new CA', async () => {
    const cluster = new FakeCluster();
    cluster.gravity = undefined;
    cluster.nodes = [newNode('cp-1', { internalIP: '192.0.2.10', labels: { 'node-role.kubernetes.io/control-plane': '' } }), newNode('worker-1', { internalIP: '192.0.2.11' })];
    const refused = await run(cluster, ['--out', dir]);
    expect(refused.code).to.equal(ExitCode.usage);
    expect(refused.err).to.contain('--cluster: is required to create the CA');
    expect(existsSync(dir)).to.equal(false);

    const r = await run(cluster, ['--out', dir, '--cluster', 'kubeadm-lab']);
    expect(r.code, r.err).to.equal(ExitCode.ok);
    const config = await loadConfig(join(dir, 'config.yaml'));
    expect(config.nodes).to.deep.equal([
      { name: 'cp-1', agent: '192.0.2.10:7443', role: 'master' },
      { name: 'worker-1', agent: '192.0.2.11:7443', role: 'node' },
    ]);
    expect(config.gates.gravity.enabled).to.equal(false);
    expect(await openssl(['x509', '-in', join(dir, 'nodes/cp-1/tls/agent.crt'), '-noout', '-text'])).to.match(/DNS:cp-1, IP Address:192\.0\.2\.10/);
    expect(r.out).to.contain('warning: no gravity on PATH');
  });

  describe('refuses bad input before writing anything', () => {
    const cases: [string, (c: FakeCluster) => Promise<string[]> | string[], number, RegExp][] = [
      ['no --out', () => [], ExitCode.usage, /--out: is required/],
      ['a bad etcd endpoint', () => ['--out', 'DIR', '--etcd-endpoints', 'https://10.0.0.1:2379,ftp://x'], ExitCode.usage, /--etcd-endpoints: must be an http or https URL/],
      ['an etcd endpoint with a path', () => ['--out', 'DIR', '--etcd-endpoints', 'https://10.0.0.1:2379/v2'], ExitCode.usage, /--etcd-endpoints: .* must be scheme:\/\/host:port only/],
      ['a bad cluster name', () => ['--out', 'DIR', '--cluster', 'prod;rm'], ExitCode.usage, /--cluster: "prod;rm" must be 1-64 letters/],
      ['a flag of another command', () => ['--out', 'DIR', '--to', '1.0'], ExitCode.usage, /--to: unknown flag for noderoll init/],
      ['a missing --agent-settings file', () => ['--out', 'DIR', '--agent-settings', '/nonexistent/agent.yaml'], ExitCode.usage, /--agent-settings: \/nonexistent\/agent\.yaml does not exist/],
      ['a missing --kubeconfig', () => ['--out', 'DIR', '--kubeconfig', '/nonexistent/kubeconfig'], ExitCode.usage, /--kubeconfig: \/nonexistent\/kubeconfig does not exist/],
      [
        'site-wide agent settings that set a per-node key',
        async () => {
          await writeFile(join(work, 'bad.yaml'), 'grpc:\n  listen: "0.0.0.0:7443"\n');
          return ['--out', 'DIR', '--agent-settings', join(work, 'bad.yaml')];
        },
        ExitCode.usage,
        /grpc\.listen \(line 2\): is set by noderoll init for each node/,
      ],
      [
        'agent settings the agent would refuse',
        async () => {
          await writeFile(join(work, 'bad.yaml'), 'install:\n  command: [dpkg, -i, /tmp/planet.deb]\n');
          return ['--out', 'DIR', '--agent-settings', join(work, 'bad.yaml')];
        },
        ExitCode.usage,
        /invalid configuration in .*bad\.yaml:.*install\.command \(line 2\): must contain the placeholder \{version\}/,
      ],
      ['--out under a file', async () => (await writeFile(join(work, 'file'), 'x'), ['--out', join(work, 'file', 'out')]), ExitCode.usage, /--out: .*file \(the parent of .*\) does not exist/],
      ['--out that is a file', async () => (await writeFile(join(work, 'file'), 'x'), ['--out', join(work, 'file')]), ExitCode.usage, /--out: .*file exists and is not a directory/],
      [
        'a node without InternalIP',
        (c) => {
          c.nodes[1]!.status!.addresses = [{ type: 'Hostname', address: 'x' }];
          return ['--out', 'DIR'];
        },
        ExitCode.notHealthy,
        /refuses this cluster \(nothing was written\): node 10\.138\.0\.23 has no InternalIP address/,
      ],
      [
        'a node name that is not a file name',
        (c) => {
          c.nodes.push(newNode('../../etc', { internalIP: '10.138.0.70' }));
          return ['--out', 'DIR'];
        },
        ExitCode.notHealthy,
        /node "\.\.\/\.\.\/etc" is not a Kubernetes node name/,
      ],
      [
        'kubectl that cannot reach the cluster',
        (c) => {
          c.kubectlFails = true;
          return ['--out', 'DIR'];
        },
        ExitCode.notHealthy,
        /cannot read the cluster through kubectl: .*connection to the server localhost:8080 was refused.*\(nothing was written\)/,
      ],
    ];
    for (const [what, argv, exit, message] of cases) {
      it(`refuses ${what}`, async () => {
        const cluster = new FakeCluster();
        const args = (await argv(cluster)).map((a) => (a === 'DIR' ? dir : a));
        const before = await snapshot(work);
        const r = await run(cluster, args);
        expect(r.code, r.err).to.equal(exit);
        expect(r.err, r.err).to.match(message);
        expect(existsSync(dir), 'DIR not created').to.equal(false);
        expect(await snapshot(work)).to.deep.equal(before);
      });
    }

    it('refuses a DIR it cannot write, naming it', async function () {
      if (process.getuid?.() === 0) {
        // root writes anywhere: a read-only bind is the honest test, a chmod is not; use a directory of /proc that root may not write instead.
        const r = await run(new FakeCluster(), ['--out', '/proc/sys/noderoll-init-test']);
        expect(r.code).to.equal(ExitCode.usage);
        expect(r.err).to.match(/--out: \/proc\/sys is not writable by this user/);
        return;
      }
      await mkdir(dir);
      await chmod(dir, 0o500);
      const r = await run(new FakeCluster(), ['--out', dir]);
      expect(r.code).to.equal(ExitCode.usage);
      expect(r.err).to.match(/--out: .* is not writable/);
    });

    it('refuses an existing config.yaml that does not validate, before adding to it', async () => {
      const cluster = new FakeCluster();
      expect((await run(cluster, ['--out', dir])).code).to.equal(ExitCode.ok);
      await writeFile(join(dir, 'config.yaml'), (await readFile(join(dir, 'config.yaml'), 'utf8')).replace('pauseBetween: 0s', 'pauseBetween: soon'));
      cluster.nodes.push(newNode('10.138.0.61', { internalIP: '10.138.0.61', labels: WORKER_LABELS }));
      const before = await snapshot(dir);
      const r = await run(cluster, ['--out', dir]);
      expect(r.code).to.equal(ExitCode.usage);
      expect(r.err).to.match(/pauseBetween \(line \d+\): "soon" is not a duration/);
      expect(await snapshot(dir)).to.deep.equal(before);
    });
  });

  it('is in the command table with help and examples', async () => {
    const io = fakeCliEnv(new FakeClock(), undefined);
    expect(await runCli(['init', '--help'], io.env)).to.equal(ExitCode.ok);
    expect(io.out()).to.contain('Usage: noderoll init --out DIR').and.contain('--etcd-endpoints URL[,URL…]').and.contain('noderoll init --out ./noderoll-prod');
    const main = fakeCliEnv(new FakeClock(), undefined);
    await runCli(['--help'], main.env);
    expect(main.out()).to.match(/^ {2}init +onboard a cluster/m);
  });
});
