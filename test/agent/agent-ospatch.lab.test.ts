import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { AgentClient } from '../../shared/agent-api/agent-client.js';
import { createLogger } from '../../shared/log/logger.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { GrpcNodeAgent } from '../../coordinator/agents/grpc-node-agent.js';
import { Lab, type LabNode } from '../lab/lab.js';
import { LAB_APT_INITIAL, LAB_APT_PACKAGES, LAB_APT_UPDATE, LAB_KERNEL_PACKAGE, LAB_LIB_PACKAGE, LAB_TOOL_PACKAGE, LAB_TOOL_UNIT } from '../lab/lab-apt-repository.js';
import { AGENT_GRPC_PORT, AGENT_HTTP_PORT } from '../lab/noderoll-config.js';
import { expectCode } from './expect-call-code.js';
import { clientTls, TestPki, type IssuedPem } from '../security/test-pki.js';

/**
 * OS patching through the real agent (its .deb, mutual TLS) on two lab nodes that share the lab's
 * local apt repository (noderoll-lab-tool/-lib/-kernel 1.0 installed, 1.1 on offer):
 * - node-1, install.mode upgrade-all: a real `apt-get update && apt-get upgrade` brings all three
 *   to 1.1; the kernel package's postinst asks for a reboot, the tool's running service maps the
 *   executable the upgrade replaced;
 * - node-2, install.mode packages (allowed: tool and lib): through the coordinator's adapter,
 *   tool=1.1 and lib=1.1 only, so no reboot is needed, only the tool service's restart (RestartUnit).
 */

const logger = createLogger('agent-ospatch-lab-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });

function agentYaml(n: { name: string; nodeAddress: string }): string {
  const install =
    n.name === 'node-1'
      ? 'install:\n  mode: upgrade-all\n  upgradeAll:\n    policy: upgrade\n'
      : `install:\n  mode: packages\n  packages: [${LAB_TOOL_PACKAGE}, "noderoll-lab-l*"]\n`;
  return `# noderoll-agent, OS patching lab
grpc:
  listen: "${n.nodeAddress}:${AGENT_GRPC_PORT}"
http:
  listen: "${n.nodeAddress}:${AGENT_HTTP_PORT}"
units:
  allow: ["gravity__*", "${LAB_TOOL_UNIT}"]
packages:
  manager: dpkg
  watch: [${LAB_TOOL_PACKAGE}]
${install}`;
}

function note(text: string): void {
  process.stdout.write(`      ${text}\n`);
}

describe('OS patching through the agent on lab nodes (local apt repository, real apt-get)', function () {
  this.timeout(240_000);
  let lab: Lab | undefined;
  let pki: TestPki | undefined;
  let coordinator: IssuedPem;
  const clients: AgentClient[] = [];
  let started = 0;

  before(async () => {
    started = Date.now();
    pki = await TestPki.create('ospatch-lab');
    coordinator = await pki.client('coordinator', 'ospatch-lab-test');
    lab = await Lab.up({ nodes: 2, masters: 1, seedWorkload: false, aptRepository: true, logger, agentConfig: agentYaml, agentFiles: (n) => pki!.agentNodeFiles(n) });
    note(`lab up in ${Date.now() - started} ms`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && lab) {
      for (const n of lab.nodes) {
        const j = await n.exec('journalctl', ['-u', 'noderoll-agent', '--no-pager', '-n', '30', '-o', 'cat'], { okExitCodes: [0, 1] }).catch((e: Error) => ({ stdout: e.message }));
        note(`${n.name} agent journal:\n${j.stdout}`);
      }
    }
  });

  after(async () => {
    for (const c of clients) c.close();
    await lab?.down();
    await pki?.cleanup();
    note(`suite took ${Date.now() - started} ms`);
  });

  const node = (name: string): LabNode => {
    if (!lab) throw new Error('lab did not come up');
    return lab.node(name);
  };
  const address = (name: string): string => `${node(name).names.nodeAddress}:${AGENT_GRPC_PORT}`;
  const client = (name: string): AgentClient => {
    const c = new AgentClient(address(name), { defaultDeadlineMs: 30_000, tls: clientTls(coordinator, name) });
    clients.push(c);
    return c;
  };
  const opId = (what: string): string => `${what}-${randomBytes(3).toString('hex')}`;
  /** name → version of the lab packages as dpkg on the node has them. */
  const installed = async (name: string): Promise<Record<string, string>> => {
    const out = (await node(name).exec('dpkg-query', ['-W', '-f', '${Package}\\t${Version}\\n', ...LAB_APT_PACKAGES])).stdout;
    return Object.fromEntries(out.trim().split('\n').map((l) => l.split('\t') as [string, string]));
  };
  const allAt = (version: string): Record<string, string> => Object.fromEntries(LAB_APT_PACKAGES.map((p) => [p, version]));

  it('before any install: NodeInfo names the install mode, GetRebootAdvice says no reboot and nothing to restart', async () => {
    for (const [name, mode] of [['node-1', 'upgrade-all'], ['node-2', 'packages']] as const) {
      const c = client(name);
      const info = await c.getNodeInfo();
      expect(info.installMode, name).to.equal(mode);
      expect(info.installConfigured, `${name}: apt-get is there`).to.equal(true);
      const advice = await c.getRebootAdvice();
      expect(advice, name).to.deep.include({ required: false, reasons: [], problem: '' });
      expect(advice.servicesToRestart, name).to.not.include(LAB_TOOL_UNIT);
      expect(await installed(name), name).to.deep.equal(allAt(LAB_APT_INITIAL));
    }
    expect((await node('node-1').exec('systemctl', ['is-active', LAB_TOOL_UNIT])).stdout.trim()).to.equal('active');
  });

  it('refuses a request for another mode, a package outside install.packages, and a version in mode upgrade-all: nothing runs', async () => {
    const one = client('node-1');
    const two = client('node-2');
    const mismatch = await expectCode(one.install(opId('cmd'), '1.1').then((r) => Promise.reject(r.error ?? new Error('install ran'))), 'FAILED_PRECONDITION');
    expect(mismatch.message).to.match(/install mode command but this agent's install.mode is upgrade-all/);
    const denied = await two.install(opId('kernel'), '', { mode: 'packages', packages: [{ name: LAB_KERNEL_PACKAGE, version: LAB_APT_UPDATE }] });
    expect(denied.error?.codeName).to.equal('PERMISSION_DENIED');
    expect(denied.error?.message).to.match(/packages\[0\]\.name: "noderoll-lab-kernel" is not allowed by this agent's install\.packages/);
    const badVersion = await two.install(opId('ver'), '', { mode: 'packages', packages: [{ name: LAB_TOOL_PACKAGE, version: '1.1; reboot' }] });
    expect(badVersion.error?.codeName).to.equal('INVALID_ARGUMENT');
    expect(badVersion.error?.message).to.match(/^.*packages\[0\]\.version/);
    expect(await one.listOperations()).to.deep.equal([]);
    expect(await two.listOperations()).to.deep.equal([]);
    expect(await installed('node-2')).to.deep.equal(allAt(LAB_APT_INITIAL));
  });

  it('node-1 upgrade-all while another apt run holds the dpkg lock (an operator at `apt-get upgrade`\'s prompt): apt-get waits for it, then a real upgrade, every change listed old → new, the reboot required by the kernel package, the tool service to restart; a replay returns the same', async () => {
    const c = client('node-1');
    const n1 = node('node-1');
    // A real apt run holding the lock: `apt-get upgrade` at its "Do you want to continue?" prompt, its stdin a pipe
    // that stays open until the test creates RELEASE (then it reads end of file, answers no and changes nothing),
    // in a transient unit as unattended-upgrades runs. The pipe closes by itself after 120 s at the latest.
    const holder = `lab-apt-prompt-${randomBytes(3).toString('hex')}`;
    const RELEASE = `/run/${holder}.release`;
    const LOCK = '/var/lib/dpkg/lock-frontend';
    await n1.exec('apt-get', ['update']);
    await n1.exec('systemd-run', [`--unit=${holder}`, '--collect', '--quiet', '/bin/sh', '-c', `i=0; while [ ! -e ${RELEASE} ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i+1)); done | apt-get upgrade`]);
    /** The command lines of the processes in the node with the dpkg frontend lock file open. */
    const lockOpeners = async (): Promise<string[]> =>
      (
        await n1.exec('sh', ['-c', `for p in /proc/[0-9]*; do ls -l $p/fd 2>/dev/null | grep -q ' -> ${LOCK}$' && tr '\\0' ' ' < $p/cmdline && echo; done`], { okExitCodes: [0, 1] })
      ).stdout
        .split('\n')
        .filter((l) => l.trim() !== '');
    // The prompt itself ends without a newline, so the journal shows the line before it.
    await waitFor({ timeoutMs: 60_000, what: `${holder}: apt-get upgrade at its prompt, holding the dpkg lock` }, async () => {
      const out = (await n1.exec('journalctl', ['-u', holder, '-o', 'cat', '--no-pager'], { okExitCodes: [0, 1] })).stdout;
      const atPrompt = out.includes('After this operation') && (await lockOpeners()).some((l) => l.trim() === 'apt-get upgrade');
      return atPrompt ? ready(true) : notYet(out.split('\n').slice(-2).join(' | '));
    });
    const id = opId('upgrade-all');
    const t0 = Date.now();
    const install = c.install(id, '', { mode: 'upgrade-all', deadlineMs: 120_000 });
    // Released only once the agent's apt-get upgrade has run for 2 s while the holder kept the lock: without the
    // wait it would have failed at once (apt retries the lock by opening the file now and then, so an open file
    // descriptor is no sign of the wait).
    const agentsUpgrade = async (): Promise<boolean> => {
      const cmdlines = (await n1.exec('sh', ['-c', "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done"])).stdout;
      return cmdlines.split('\n').some((l) => l.startsWith('apt-get upgrade -y'));
    };
    let waitedMs = 0;
    try {
      await waitFor({ timeoutMs: 60_000, what: "the agent's apt-get upgrade running while the holder keeps the lock" }, async () => ((await agentsUpgrade()) ? ready(true) : notYet('not started')));
      waitedMs = Date.now() - t0;
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(await agentsUpgrade(), "the agent's apt-get still waiting for the lock 2 s later").to.equal(true);
      expect((await lockOpeners()).some((l) => l.trim() === 'apt-get upgrade'), 'the holder still has the lock').to.equal(true);
    } finally {
      await n1.exec('touch', [RELEASE]);
    }
    const released = Date.now() - t0;
    const r = await install;
    const output = [...r.stdout, ...r.stderr].join('\n');
    note(`upgrade-all through the agent while ${holder} held the lock: the agent's apt-get was waiting at ${waitedMs} ms, the lock released at ${released} ms, install done at ${Date.now() - t0} ms; apt said: ${output.match(/Waiting for cache lock[^\n]*/)?.[0] ?? '(no waiting line)'}`);
    // Without the wait, apt-get fails at once: "Could not get lock /var/lib/dpkg/lock-frontend. It is held by process …"
    expect(r.error, r.error?.message).to.equal(undefined);
    expect(output, "apt-get's own words for the wait").to.match(/Waiting for cache lock: Could not get lock \/var\/lib\/dpkg\/lock-frontend\. It is held by process \d+ \(apt-get\)/);
    expect((await n1.exec('journalctl', ['-u', holder, '-o', 'cat', '--no-pager'], { okExitCodes: [0, 1] })).stdout, 'the holder answered no and changed nothing').to.match(/Abort\./);
    expect(r.started?.command).to.deep.equal(['apt-get', 'upgrade', '-y', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', '-o', 'DPkg::Lock::Timeout=300']);
    expect(r.stdout).to.include('$ apt-get -o DPkg::Lock::Timeout=300 update');
    expect(r.stdout.join('\n')).to.match(/Unpacking noderoll-lab-kernel \(1\.1\) over \(1\.0\)/);
    const expected = LAB_APT_PACKAGES.map((name) => ({ name, versionBefore: LAB_APT_INITIAL, versionAfter: LAB_APT_UPDATE }));
    expect(r.finished?.packageChanges).to.deep.equal(expected);
    const advice = r.finished?.rebootAdvice;
    expect(advice).to.deep.include({ required: true, problem: '' });
    expect(advice?.reasons).to.deep.equal([`/var/run/reboot-required (${LAB_KERNEL_PACKAGE})`]);
    expect(advice?.servicesToRestart).to.include(LAB_TOOL_UNIT);
    expect(await installed('node-1')).to.deep.equal(allAt(LAB_APT_UPDATE));
    expect((await node('node-1').exec('cat', ['/var/run/reboot-required.pkgs'])).stdout.trim()).to.equal(LAB_KERNEL_PACKAGE);

    const again = await c.install(id, '', { mode: 'upgrade-all' });
    expect(again.started?.replayed).to.equal(true);
    expect(again.finished?.packageChanges).to.deep.equal(expected);
    expect(again.finished?.rebootAdvice?.required).to.equal(true);
    const op = await c.getOperation(id);
    expect(op.install?.mode).to.equal('upgrade-all');
    expect(op.install?.packageChanges).to.deep.equal(expected);
    expect((await c.getRebootAdvice()).required).to.equal(true);
  });

  it('node-2 packages through the coordinator adapter: tool and lib at 1.1, no reboot required, the tool service restarted with RestartUnit', async () => {
    const agent = new GrpcNodeAgent({ node: 'node-2', address: address('node-2') }, { callTimeoutMs: 30_000, tls: clientTls(coordinator, 'node-2') });
    try {
      const lines: string[] = [];
      const outcome = await agent.install(
        {
          operationId: opId('packages'),
          version: '',
          mode: 'packages',
          packages: [
            { name: LAB_TOOL_PACKAGE, version: LAB_APT_UPDATE },
            { name: LAB_LIB_PACKAGE, version: LAB_APT_UPDATE },
          ],
        },
        (l) => lines.push(l.line),
        { timeoutMs: 120_000 },
      );
      expect(outcome.succeeded, outcome.detail).to.equal(true);
      expect(outcome.packageChanges).to.deep.equal([
        { name: LAB_LIB_PACKAGE, before: LAB_APT_INITIAL, after: LAB_APT_UPDATE },
        { name: LAB_TOOL_PACKAGE, before: LAB_APT_INITIAL, after: LAB_APT_UPDATE },
      ]);
      expect(outcome.rebootAdvice).to.deep.include({ required: false, reasons: [] });
      expect(outcome.rebootAdvice?.servicesToRestart).to.include(LAB_TOOL_UNIT);
      expect(lines.join('\n')).to.match(/apt-get install -y .* noderoll-lab-tool=1\.1 noderoll-lab-lib=1\.1/);
      expect(await installed('node-2')).to.deep.equal({ ...allAt(LAB_APT_UPDATE), [LAB_KERNEL_PACKAGE]: LAB_APT_INITIAL });

      const pidBefore = (await node('node-2').exec('systemctl', ['show', '-p', 'MainPID', '--value', LAB_TOOL_UNIT])).stdout.trim();
      const unit = await agent.restartUnit(LAB_TOOL_UNIT, { operationId: opId('restart'), timeoutMs: 30_000 });
      expect(unit.activeState).to.equal('active');
      expect((await node('node-2').exec('systemctl', ['show', '-p', 'MainPID', '--value', LAB_TOOL_UNIT])).stdout.trim()).to.not.equal(pidBefore);
      const after = await agent.rebootAdvice();
      expect(after.required).to.equal(false);
      expect(after.servicesToRestart).to.not.include(LAB_TOOL_UNIT);
    } finally {
      agent.close();
    }
  });

  it('node-1 after the reboot the advice asked for: not required any more (the marker was on /run), the upgrade kept', async () => {
    const c = client('node-1');
    const bootsBefore = node('node-1').machine.boots;
    const id = opId('reboot');
    await c.reboot(id, 'reboot required by noderoll-lab-kernel');
    await waitFor({ what: 'node-1 to report the reboot completed', timeoutMs: 90_000, initialDelayMs: 200, maxDelayMs: 500 }, async () => {
      // a fresh connection per attempt: the old one went down with the node
      const fresh = new AgentClient(address('node-1'), { tls: clientTls(coordinator, 'node-1') });
      try {
        const op = await fresh.getOperation(id, 1000);
        return op.state === 'OPERATION_STATE_SUCCEEDED' ? ready(op) : notYet(op.state);
      } catch (err) {
        return notYet((err as Error).message);
      } finally {
        fresh.close();
      }
    });
    expect(node('node-1').machine.boots).to.equal(bootsBefore + 1);
    const advice = await client('node-1').getRebootAdvice();
    expect(advice).to.deep.include({ required: false, reasons: [], problem: '' });
    expect(advice.servicesToRestart).to.not.include(LAB_TOOL_UNIT);
    expect(await installed('node-1')).to.deep.equal(allAt(LAB_APT_UPDATE));
  });
});
