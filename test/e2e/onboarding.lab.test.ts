import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { projectDir } from '../lab/lab.js';
import { randomLabId } from '../lab/lab-identity.js';
import { labDir, readLabState, type LabState } from '../lab/lab-state.js';
import { containerInitPid } from '../lab/node-machine.js';
import { docBlockScript } from '../docs/doc-commands.js';

/**
 * Acceptance of "Using noderoll on a cluster" (README): on a fresh lab whose nodes have no agent, the
 * README's onboarding block runs as it stands (README section: Using noderoll on a cluster) — build the
 * packages, install the coordinator with npm, `noderoll init`, copy each bundle and the .deb into its node
 * through the lab's node shell, `dpkg -i`, `systemctl enable --now`, `noderoll plan`, `noderoll update`.
 * The only things the test supplies are the site settings the README names (`eval` of the lab's env), a
 * HOME and an npm prefix of its own so `npm install -g` does not touch the machine's.
 */

const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);
const LAB_CLI = join(projectDir, 'dist/test/lab/cli.js');
const BLOCK_TIMEOUT_MS = 20 * 60_000;

function explain(what: string, r: CommandResult): string {
  return `${what}\nexit ${r.exitCode}\nstdout: ${r.stdout.slice(-6000)}\nstderr: ${r.stderr.slice(-6000)}`;
}

describe('onboarding: the README "Using noderoll on a cluster" block on a lab without agents', function () {
  this.timeout(BLOCK_TIMEOUT_MS + 10 * 60_000);
  const id = randomLabId();
  const labEnv = { ...process.env, NODEROLL_LAB_ID: id };
  let work = '';
  let state: LabState;
  let block: CommandResult | undefined;

  /** Runs a program in a node; reads the lab state each time, since a reboot gives the node a new nspawn PID. */
  async function inNode(node: string, args: string[], okExitCodes = [0]): Promise<CommandResult> {
    const n = (await readLabState(id)).nodes.find((x) => x.name === node)!;
    return runCommand({ file: 'nsenter', args: ['-t', String(containerInitPid(n.nspawnPid!, n.name)), '-a', '--', ...args], timeoutMs: 30_000, okExitCodes });
  }

  before(async function () {
    this.timeout(15 * 60_000);
    work = await mkdtemp(join(tmpdir(), 'noderoll-onboarding-'));
    const up = await runCommand({ file: process.execPath, args: [LAB_CLI, 'up', '--id', id, '--nodes', '3', '--no-agents'], cwd: projectDir, env: labEnv, timeoutMs: 12 * 60_000, okExitCodes: ALL_EXIT_CODES });
    expect(up.exitCode, explain('lab up --no-agents', up)).to.equal(0);
    state = await readLabState(id);
  });

  after(async function () {
    this.timeout(3 * 60_000);
    if (existsSync(labDir(id))) await runCommand({ file: process.execPath, args: [LAB_CLI, 'down', '--id', id], timeoutMs: 150_000, okExitCodes: ALL_EXIT_CODES });
    if (work) await rm(work, { recursive: true, force: true });
    await rm(join(projectDir, `noderoll-${JSON.parse(await readFile(join(projectDir, 'package.json'), 'utf8')).version}.tgz`), { force: true });
  });

  it('starts with nodes that have no agent and no Node.js', async () => {
    for (const n of state.nodes) {
      const agent = await inNode(n.name, ['systemctl', 'show', '-p', 'LoadState', '--value', 'noderoll-agent.service']);
      expect(agent.stdout.trim(), `${n.name}: noderoll-agent.service`).to.equal('not-found');
      const node = await inNode(n.name, ['/usr/bin/env', '-i', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'sh', '-c', 'command -v node'], [0, 1, 127]);
      expect(node.exitCode, `${n.name}: node on PATH at ${node.stdout.trim()}`).to.not.equal(0);
    }
  });

  it('runs the block as it stands: packages, npm install -g, init, bundles, dpkg -i, enable, plan, update', async () => {
    const script = docBlockScript(await readFile(join(projectDir, 'README.md'), 'utf8'), 'onboarding');
    const prefix = join(work, 'npm-global');
    block = await runCommand({
      file: 'bash',
      args: ['-c', `set -eo pipefail\neval "$(npm run -s lab -- env)"\nset -x\n${script}`],
      cwd: projectDir,
      env: { ...labEnv, HOME: work, npm_config_prefix: prefix, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}` },
      timeoutMs: BLOCK_TIMEOUT_MS,
      okExitCodes: ALL_EXIT_CODES,
    });
    expect(block.exitCode, explain('README onboarding block', block)).to.equal(0);
  });

  it('used the npm-installed noderoll, and plan showed every node green', () => {
    expect(block?.exitCode, 'the block failed: see the test above').to.equal(0);
    expect(block!.stderr).to.contain(`+ npm install -g ./noderoll-`);
    expect(existsSync(join(work, 'npm-global', 'bin', 'noderoll')), 'noderoll in the npm prefix').to.equal(true);
    expect(block!.stdout).to.contain('Preflight passed. Nothing was changed.');
    for (const n of state.nodes) {
      expect(block!.stdout, `plan: ${n.name} green`).to.match(new RegExp(`^  ✓ ${n.name}$`, 'm'));
      const agent = new RegExp(`✓ agent reachable: ${n.nodeAddress.replace(/\./g, '\\.')}:\\d+: agent \\S+ \\(.*runtime sea\\) on Debian GNU/Linux 12`, 'm');
      expect(block!.stdout, `plan: ${n.name}'s agent is the packaged one (a single executable), on the node's OS`).to.match(agent);
    }
  });

  it('left every node on the target version, running the packaged agent from /usr/bin/noderoll-agent', async () => {
    expect(block?.exitCode, 'the block failed: see the test above').to.equal(0);
    for (const n of state.nodes) {
      const version = await inNode(n.name, ['dpkg-query', '-W', '-f=${Version}', state.packages.name]);
      expect(version.stdout, `${n.name}: ${state.packages.name}`).to.equal(state.packages.update);
      const pkg = await inNode(n.name, ['dpkg-query', '-W', '-f=${Status}', 'noderoll-agent']);
      expect(pkg.stdout, `${n.name}: noderoll-agent package`).to.equal('install ok installed');
      const pid = await inNode(n.name, ['systemctl', 'show', '-p', 'MainPID', '--value', 'noderoll-agent.service']);
      const exe = await inNode(n.name, ['readlink', `/proc/${pid.stdout.trim()}/exe`]);
      expect(exe.stdout.trim(), `${n.name}: agent executable`).to.equal('/usr/bin/noderoll-agent');
      const enabled = await inNode(n.name, ['systemctl', 'is-enabled', 'noderoll-agent.service'], [0, 1]);
      expect(enabled.stdout.trim(), `${n.name}: enabled`).to.equal('enabled');
    }
  });
});
