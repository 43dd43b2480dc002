import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startAgent, type RunningAgent } from '../../../agent/agent-daemon.js';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import { projectRoot } from '../../../shared/agent-api/codegen.js';
import { runCommand, type CommandResult } from '../../../shared/exec/command-runner.js';
import { silentLogger } from '../../../shared/log/logger.js';
import { FakeHost } from '../agent/fake-host.js';

/**
 * The coordinator as an operator installs it (README "Using noderoll on a cluster"): `npm pack` in
 * the checkout (its prepack builds), then `npm install -g` of the tarball with no registry at all
 * (--offline, and a registry address nothing listens on), into a prefix of its own. The installed
 * `noderoll` runs from that prefix only: no checkout on its PATH or in its working directory.
 *
 * npm pack runs in a copy of the checkout: its prepack build rewrites dist/ file by file, and CI's
 * other half runs coordinators from the checkout's dist/ at the same time (one imported a module
 * while it was being rewritten: "does not provide an export named ..."). The copy has the checkout's
 * packed dist/ directories as they are, so stale build output there would still be caught.
 */

interface PackageJson {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  bundleDependencies: string[];
}

/** A registry address nothing listens on: any registry request fails at once. */
const NO_REGISTRY = 'http://127.0.0.1:9';
const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);
/** What the checkout's build and pack do not need: its git history and its build output but the packed part. */
const NOT_COPIED = new Set(['.git', 'dist']);
const PACKED_DIST = ['dist/coordinator', 'dist/shared', 'dist/agent/config'];

/** A copy of the checkout to pack in: sources, node_modules (bundled), and the packed dist/ directories as they are. */
async function copyCheckout(to: string): Promise<void> {
  await mkdir(join(to, 'dist', 'agent'), { recursive: true });
  const entries = (await readdir(projectRoot)).filter((e) => !NOT_COPIED.has(e)).map((e) => join(projectRoot, e));
  await runCommand({ file: 'cp', args: ['-a', '--', ...entries, to], timeoutMs: 120_000 });
  for (const d of PACKED_DIST.filter((d) => existsSync(join(projectRoot, d)))) {
    await runCommand({ file: 'cp', args: ['-a', '--', join(projectRoot, d), join(to, dirname(d))], timeoutMs: 60_000 });
  }
}

function explain(r: CommandResult): string {
  return `${r.command}\nexit ${r.exitCode}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`;
}

describe('the coordinator npm package: npm pack, then npm install -g without a registry', function () {
  this.timeout(300_000);
  let pkg: PackageJson;
  let work = '';
  let prefix = '';
  let tarball = '';
  let files: string[] = [];
  /** The copy of the checkout npm pack runs in. */
  let checkout = '';
  let packStartedMs = 0;
  let agent: RunningAgent | undefined;
  // npm and node, the operator's tools; no project directory.
  const env = (): NodeJS.ProcessEnv => ({ PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: work, LANG: 'C.UTF-8' });
  const npm = (args: string[], cwd: string): Promise<CommandResult> => runCommand({ file: 'npm', args, cwd, env: env(), timeoutMs: 150_000, okExitCodes: ALL_EXIT_CODES });
  const noderoll = (...args: string[]): Promise<CommandResult> => runCommand({ file: join(prefix, 'bin', 'noderoll'), args, cwd: work, env: env(), timeoutMs: 60_000, okExitCodes: ALL_EXIT_CODES });

  before(async () => {
    pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as PackageJson;
    work = await mkdtemp(join(tmpdir(), 'noderoll-npm-package-'));
    prefix = join(work, 'prefix');
    checkout = join(work, 'checkout');
    await copyCheckout(checkout);
    packStartedMs = Date.now();
    const packed = await npm(['pack', '--pack-destination', work], checkout);
    expect(packed.exitCode, explain(packed)).to.equal(0);
    tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
    expect(existsSync(tarball), `npm pack wrote ${tarball}\n${explain(packed)}`).to.equal(true);
    files = (await runCommand({ file: 'tar', args: ['-tzf', tarball], timeoutMs: 60_000 })).stdout.split('\n').filter((l) => l !== '' && !l.endsWith('/'));
    // HOME is $WORK: no ~/.npmrc, an empty cache; --offline and a dead registry: a registry request fails the install.
    const installed = await npm(['install', '-g', '--prefix', prefix, '--cache', join(work, 'npm-cache'), '--offline', '--registry', NO_REGISTRY, '--no-audit', '--no-fund', tarball], work);
    expect(installed.exitCode, explain(installed)).to.equal(0);
  });

  after(async () => {
    await agent?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('npm pack builds first (prepack: npm run build)', async () => {
    expect((await stat(join(checkout, 'dist/coordinator/main.js'))).mtimeMs).to.be.at.least(packStartedMs - 100);
  });

  it("leaves the checkout's own dist/ alone: the build ran in the copy (CI's other half runs coordinators from that dist/)", async () => {
    expect((await stat(join(projectRoot, 'dist/coordinator/main.js'))).mtimeMs).to.be.below(packStartedMs);
  });

  it("packs the coordinator only: dist/coordinator, dist/shared, the agent's config reader (init validates agent.yaml with it), proto, the example config, deploy/ (RBAC manifests), README and LICENSE; no tests, no agent, no sources", () => {
    const own = files.filter((f) => !f.startsWith('package/node_modules/')).map((f) => f.slice('package/'.length));
    const allowed = /^(package\.json|README\.md|LICENSE|coordinator\/config\/example-config\.yaml|deploy\/[^/]+\.yaml|proto\/.+\.proto|dist\/(coordinator|shared|agent\/config)\/.+\.js)$/;
    expect(own.filter((f) => !allowed.test(f)), 'files outside the coordinator').to.deep.equal([]);
    expect(own.filter((f) => /(^|\/)test(\/|$)|\.test\.js$/.test(f)), 'tests').to.deep.equal([]);
    for (const f of ['dist/coordinator/main.js', 'proto/noderoll/agent/v1/agent.proto', 'coordinator/config/example-config.yaml', 'deploy/20-coordinator-clusterrole.yaml', 'README.md', 'LICENSE']) expect(own, f).to.include(f);
  });

  it('ships no stale build output: every dist file has its TypeScript source (else: npm run clean, then npm pack)', () => {
    const stale = files.filter((f) => f.startsWith('package/dist/')).filter((f) => !existsSync(join(checkout, f.slice('package/dist/'.length).replace(/\.js$/, '.ts'))));
    expect(stale).to.deep.equal([]);
  });

  it('bundles every runtime dependency, and bin names only the coordinator', () => {
    expect([...pkg.bundleDependencies].sort(), 'bundleDependencies = dependencies').to.deep.equal(Object.keys(pkg.dependencies).sort());
    for (const dep of Object.keys(pkg.dependencies)) expect(files, dep).to.include(`package/node_modules/${dep}/package.json`);
    expect(pkg.bin).to.deep.equal({ noderoll: 'dist/coordinator/main.js' });
  });

  it("the README's install command names the tarball npm pack writes", async () => {
    expect(await readFile(join(projectRoot, 'README.md'), 'utf8')).to.contain(`npm install -g ./${pkg.name}-${pkg.version}.tgz`);
  });

  it('the installed noderoll: --version, --help, certs --help, completion', async () => {
    const version = await noderoll('--version');
    expect(version.exitCode, explain(version)).to.equal(0);
    expect(version.stdout).to.equal(`noderoll ${pkg.version}\n`);
    const help = await noderoll('--help');
    expect(help.exitCode, explain(help)).to.equal(0);
    for (const command of ['check', 'plan', 'update', 'status', 'resume', 'abort', 'report', 'init', 'certs', 'completion']) expect(help.stdout).to.match(new RegExp(`^  ${command} `, 'm'));
    const certs = await noderoll('certs', '--help');
    expect(certs.exitCode, explain(certs)).to.equal(0);
    expect(certs.stdout).to.contain('usage: noderoll certs <init|issue|show>');
    // init loads the onboarding code (and the agent's config reader) when it runs: here it gets as far as kubectl.
    const init = await noderoll('init', '--out', join(work, 'init-out'));
    expect(init.exitCode, explain(init)).to.equal(3);
    expect(init.stderr).to.match(/cannot read the cluster through kubectl/);
    const completion = await noderoll('completion', 'bash');
    expect(completion.exitCode, explain(completion)).to.equal(0);
    expect(completion.stdout).to.contain('complete -F _noderoll noderoll');
  });

  it('the installed noderoll issues certificates and runs `check` against a real agent over mutual TLS (proto and dependencies from its install directory)', async () => {
    const ca = join(work, 'ca');
    for (const args of [
      ['certs', 'init', '--cluster', 'package-test', '--dir', ca],
      ['certs', 'issue', '--role', 'agent', '--node', 'node-1', '--ip', '127.0.0.1', '--out', join(work, 'agent-tls'), '--dir', ca],
      ['certs', 'issue', '--role', 'coordinator', '--name', 'ops', '--out', join(work, 'tls'), '--dir', ca],
    ]) {
      const r = await noderoll(...args);
      expect(r.exitCode, explain(r)).to.equal(0);
    }
    // A real agent (gRPC, mutual TLS) whose host commands are faked: the coordinator's side is what is tested.
    const tls = join(work, 'agent-tls');
    const agentYaml = `tls:\n  caFile: ${tls}/ca.crt\n  certFile: ${tls}/agent.crt\n  keyFile: ${tls}/agent.key\ngrpc: { listen: "127.0.0.1:0" }\nhttp: { listen: "" }\nstateDir: ${join(work, 'agent-state')}\nlogLevel: silent\n`;
    agent = await startAgent(parseAgentConfig(agentYaml, 'agent.yaml'), { logger: silentLogger, runner: new FakeHost().runner, boot: { bootId: 'boot-1', bootTimeUnixMs: 1 }, machineId: 'machine-1' });
    const config = join(work, 'config.yaml');
    await writeFile(
      config,
      [
        'apiVersion: noderoll.io/v1alpha1',
        'kind: CoordinatorConfig',
        'nodes:',
        `  - { name: node-1, agent: "127.0.0.1:${agent.grpcPort}", role: master }`,
        'agents:',
        `  tls: { ca: ${join(work, 'tls/ca.crt')}, cert: ${join(work, 'tls/coordinator.crt')}, key: ${join(work, 'tls/coordinator.key')} }`,
        '# Only the agents gate: the others need a cluster (gravity, etcd, the API server).',
        'gates: { gravity: { enabled: false }, etcd: { enabled: false }, pods: { enabled: false }, nodes: { enabled: false }, agents: { enabled: true } }',
        `state: { file: ${join(work, 'state.json')} }`,
        `log: { file: ${join(work, 'noderoll.log')} }`,
        '',
      ].join('\n'),
    );
    const check = await noderoll('check', '--config', config);
    expect(check.exitCode, explain(check)).to.equal(0);
    expect(check.stdout).to.match(/✓ agents +1 agents reachable/);
    expect(check.stdout).to.contain('All gates pass.');
  });
});
