import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentError } from '../../../agent/agent-error.js';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import { packagesInstallSteps, upgradeAllSteps } from '../../../agent/install/install-commands.js';
import { checkModeMatches, planPackageInstall } from '../../../agent/install/install-request.js';
import { NodeOperations } from '../../../agent/node/node-operations.js';
import type { RebootAdviceRecord } from '../../../agent/node/reboot-advice.js';
import { OperationLedger } from '../../../agent/operations/operation-ledger.js';
import { OperationStore } from '../../../agent/operations/operation-store.js';
import { Systemctl } from '../../../agent/systemd/systemctl.js';
import type { CommandResult, CommandSpec } from '../../../shared/exec/command-runner.js';
import { FakeApt } from './fake-apt.js';
import { silentLogger } from '../../../shared/log/logger.js';
import { ConfigError } from '../../../shared/config/config-error.js';
import { FieldError } from '../../../shared/validation/field-error.js';

const APT_OPTS = ['-y', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];
/** The default install.lockWaitMs (5 min) as apt-get's option. */
const LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=300'];

function config(installYaml: string, extra = ''): ReturnType<typeof parseAgentConfig> {
  return parseAgentConfig(`install:\n${installYaml}\n${extra}`, 'test');
}

function configProblems(text: string): string[] {
  try {
    parseAgentConfig(text, 'test');
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message.split('\n');
  }
  return [];
}

describe('agent install modes (packages, upgrade-all)', () => {
  describe('argv', () => {
    it('apt: `apt-get update` first, then install name=version or upgrade/dist-upgrade, never prompting, each waiting for a dpkg lock held by another apt run', () => {
      const wait = ['-o', 'DPkg::Lock::Timeout=300'];
      expect(packagesInstallSteps('dpkg', [{ name: 'nginx', version: '1.24.0-1' }, { name: 'libssl3', version: '3.0.11-1~deb12u2' }], 300_000)).to.deep.equal([
        ['apt-get', ...wait, 'update'],
        ['apt-get', 'install', ...APT_OPTS, ...wait, 'nginx=1.24.0-1', 'libssl3=3.0.11-1~deb12u2'],
      ]);
      expect(upgradeAllSteps('dpkg', 'upgrade', 300_000)).to.deep.equal([['apt-get', ...wait, 'update'], ['apt-get', 'upgrade', ...APT_OPTS, ...wait]]);
      expect(upgradeAllSteps('dpkg', 'dist-upgrade', 300_000)).to.deep.equal([['apt-get', ...wait, 'update'], ['apt-get', 'dist-upgrade', ...APT_OPTS, ...wait]]);
      // whole seconds, rounded up; 0 = fail at once (apt-get's own default)
      expect(upgradeAllSteps('dpkg', 'upgrade', 1_500)[1]).to.include('DPkg::Lock::Timeout=2');
      expect(upgradeAllSteps('dpkg', 'upgrade', 0)[1]).to.include('DPkg::Lock::Timeout=0');
    });

    it('dnf: install name-version, upgrade -y (the policy is apt-only; dnf waits for the rpm lock by itself)', () => {
      expect(packagesInstallSteps('rpm', [{ name: 'nginx', version: '1:1.24.0-1.el9' }], 300_000)).to.deep.equal([['dnf', 'install', '-y', 'nginx-1:1.24.0-1.el9']]);
      expect(upgradeAllSteps('rpm', 'dist-upgrade', 300_000)).to.deep.equal([['dnf', 'upgrade', '-y']]);
    });
  });

  describe('configuration', () => {
    it('defaults to mode command with today’s behaviour; reads packages and upgradeAll', () => {
      const d = parseAgentConfig('', 'test');
      expect(d.install).to.deep.include({ mode: 'command', packages: [], upgradeAll: { policy: 'upgrade' } });
      const c = config('  mode: packages\n  packages: [nginx, "libssl*"]\n  upgradeAll: { policy: dist-upgrade }');
      expect(c.install).to.deep.include({ mode: 'packages', packages: ['nginx', 'libssl*'], upgradeAll: { policy: 'dist-upgrade' } });
      // mode packages/upgrade-all needs no install.command and no watched package
      expect(config('  mode: upgrade-all').install.mode).to.equal('upgrade-all');
    });

    it('waits 5 min for a dpkg lock by default (at most half of a shorter install.timeoutMs); lockWaitMs set by hand must be under install.timeoutMs', () => {
      expect(parseAgentConfig('', 'test').install.lockWaitMs).to.equal(300_000);
      expect(config('  timeoutMs: 120000').install.lockWaitMs).to.equal(60_000);
      expect(config('  lockWaitMs: 0').install.lockWaitMs).to.equal(0);
      expect(config('  lockWaitMs: 900000\n  timeoutMs: 3600000').install.lockWaitMs).to.equal(900_000);
      expect(configProblems('install:\n  lockWaitMs: 120000\n  timeoutMs: 60000\n').join('\n')).to.match(/install\.lockWaitMs.*must be less than install\.timeoutMs \(60000\)/);
      expect(configProblems('install:\n  lockWaitMs: -1\n').join('\n')).to.match(/install\.lockWaitMs/);
    });

    it('refuses a bad mode, a packages mode without packages, a bad glob and a bad policy, naming each field', () => {
      expect(configProblems('install:\n  mode: yolo\n').join('\n')).to.match(/install\.mode.*"yolo"/);
      expect(configProblems('install:\n  mode: packages\n').join('\n')).to.match(/install\.packages.*must name the packages/);
      expect(configProblems('install:\n  mode: packages\n  packages: ["-o Dpkg::Pre-Invoke=x"]\n').join('\n')).to.match(/install\.packages\[0\].*not a package name or glob/);
      expect(configProblems('install:\n  upgradeAll: { policy: full-upgrade }\n').join('\n')).to.match(/install\.upgradeAll\.policy/);
      expect(configProblems('install:\n  upgradeAll: { polcy: upgrade }\n').join('\n')).to.match(/install\.upgradeAll\.polcy/);
    });
  });

  describe('requests', () => {
    const packagesCfg = config('  mode: packages\n  packages: [nginx, "libssl*"]');
    const upgradeCfg = config('  mode: upgrade-all');

    it('refuses a request for another mode (FAILED_PRECONDITION naming both), "" meaning command', () => {
      expect(checkModeMatches({ version: '', mode: 'packages' }, 'packages')).to.equal('packages');
      expect(checkModeMatches({ version: '1.2.3' }, 'command')).to.equal('command');
      const e = (() => {
        try {
          checkModeMatches({ version: '1.2.3', mode: '' }, 'upgrade-all');
        } catch (err) {
          return err as AgentError;
        }
        return undefined;
      })();
      expect(e).to.be.instanceOf(AgentError);
      expect(e?.code).to.equal('FAILED_PRECONDITION');
      expect(e?.message).to.equal("mode: the request is for install mode command but this agent's install.mode is upgrade-all; configure the same mode on both sides");
      expect(() => checkModeMatches({ version: '', mode: 'all' }, 'upgrade-all')).to.throw(FieldError, /^mode: "all" is not an install mode/);
    });

    it('packages: allowed names at exact versions become argv; others are refused before anything runs', () => {
      const plan = planPackageInstall({ version: '', packages: [{ name: 'nginx', version: '1.24.0-1' }, { name: 'libssl3', version: '3.0.11-1' }] }, 'packages', packagesCfg);
      expect(plan.steps.at(-1)).to.deep.equal(['apt-get', 'install', ...APT_OPTS, ...LOCK_WAIT, 'nginx=1.24.0-1', 'libssl3=3.0.11-1']);
      expect(plan.args).to.deep.equal({ mode: 'packages', packages: ['nginx=1.24.0-1', 'libssl3=3.0.11-1'] });
      const refused = (packages: { name: string; version: string }[], version = ''): Error => {
        try {
          planPackageInstall({ version, packages }, 'packages', packagesCfg);
        } catch (err) {
          return err as Error;
        }
        throw new Error('not refused');
      };
      expect(refused([{ name: 'openssh-server', version: '1:9.2p1-2' }])).to.deep.include({ code: 'PERMISSION_DENIED' });
      expect(refused([{ name: 'openssh-server', version: '1:9.2p1-2' }]).message).to.match(/^packages\[0\]\.name: "openssh-server" is not allowed by this agent's install\.packages \(nginx, libssl\*\)/);
      expect(refused([{ name: 'nginx', version: '1.24; reboot' }]).message).to.match(/^packages\[0\]\.version: /);
      expect(refused([{ name: 'nginx', version: '' }]).message).to.match(/^packages\[0\]\.version: must not be empty/);
      expect(refused([{ name: '-oDpkg::Pre-Invoke=x', version: '1' }]).message).to.match(/^packages\[0\]\.name: .* is not a package name/);
      expect(refused([{ name: 'nginx', version: '1' }, { name: 'nginx', version: '2' }]).message).to.match(/^packages\[1\]\.name: "nginx" is named twice/);
      expect(refused([]).message).to.match(/^packages: name at least one package/);
      expect(refused([{ name: 'nginx', version: '1' }], '1.2').message).to.match(/^version: "1\.2": install mode packages takes no version/);
    });

    it('upgrade-all takes neither packages nor a version', () => {
      expect(planPackageInstall({ version: '' }, 'upgrade-all', upgradeCfg)).to.deep.include({ args: { mode: 'upgrade-all' }, packagesRequested: [] });
      expect(() => planPackageInstall({ version: '', packages: [{ name: 'nginx', version: '1' }] }, 'upgrade-all', upgradeCfg)).to.throw(FieldError, /^packages: install mode upgrade-all takes no packages/);
    });
  });

  describe('NodeOperations.install in the package modes (fake host)', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'noderoll-ospatch-'));
    });
    afterEach(async () => rm(dir, { recursive: true, force: true }));

    async function ops(yaml: string, runner: (s: CommandSpec) => Promise<CommandResult>, advice: RebootAdviceRecord): Promise<NodeOperations> {
      const cfg = parseAgentConfig(`${yaml}\nstateDir: ${dir}\n`, 'test');
      const boot = { bootId: 'aaaaaaaa-0000-4000-8000-000000000001', bootTimeUnixMs: 1000 };
      const ledger = new OperationLedger(new OperationStore(dir, 20), boot);
      await ledger.open();
      return new NodeOperations({ config: cfg, systemctl: new Systemctl({ runner }), ledger, boot, machineId: 'm', agentVersion: '0.1.0', logger: silentLogger, runner, rebootAdvice: async () => advice });
    }

    const required: RebootAdviceRecord = { required: true, reasons: ['/var/run/reboot-required (linux-image-6.1.0-29-amd64)'], servicesToRestart: ['nginx.service'], problem: '' };

    it('upgrade-all: runs apt-get update then upgrade, records every change (sorted) and the reboot advice; a replay returns them', async () => {
      const db = new Map([['zlib1g', '1:1.2.13'], ['nginx', '1.22.1-9'], ['linux-image-amd64', '6.1.76-1'], ['bash', '5.2.15-2']]);
      const host = new FakeApt(db, { nginx: '1.22.1-9+deb12u1', 'linux-image-amd64': '6.1.90-1', 'linux-image-6.1.0-29-amd64': '6.1.90-1' });
      const o = await ops('install:\n  mode: upgrade-all\n', host.runner, required);
      const out: string[] = [];
      let started: string[] = [];
      const op = await o.install({ operationId: 'up-1', version: '', mode: 'upgrade-all' }, (s) => (started = s.command), (l) => out.push(l.text));
      expect(op.state).to.equal('succeeded');
      expect(started).to.deep.equal(['apt-get', 'upgrade', ...APT_OPTS, ...LOCK_WAIT]);
      expect(host.calls.filter((c) => c.startsWith('apt-get'))).to.deep.equal([`apt-get ${LOCK_WAIT.join(' ')} update`, `apt-get upgrade ${[...APT_OPTS, ...LOCK_WAIT].join(' ')}`]);
      expect(out).to.include(`$ apt-get ${LOCK_WAIT.join(' ')} update`);
      expect(out).to.include('Unpacking nginx (1.22.1-9+deb12u1) over (1.22.1-9) ...');
      expect(op.install?.packageChanges).to.deep.equal([
        { name: 'linux-image-6.1.0-29-amd64', before: '', after: '6.1.90-1' },
        { name: 'linux-image-amd64', before: '6.1.76-1', after: '6.1.90-1' },
        { name: 'nginx', before: '1.22.1-9', after: '1.22.1-9+deb12u1' },
      ]);
      expect(op.install?.rebootAdvice).to.deep.equal(required);
      expect(op.install?.mode).to.equal('upgrade-all');
      const replay = await o.install({ operationId: 'up-1', version: '', mode: 'upgrade-all' }, () => undefined, () => undefined);
      expect(replay.install?.packageChanges).to.have.length(3);
      expect(host.calls.filter((c) => c.startsWith('apt-get'))).to.have.length(2);
    });

    it('packages: a refused request runs nothing and records nothing; an allowed one installs exactly what was asked', async () => {
      const db = new Map([['nginx', '1.22.1-9']]);
      const host = new FakeApt(db);
      const o = await ops('install:\n  mode: packages\n  packages: [nginx]\n', host.runner, { required: false, reasons: [], servicesToRestart: ['nginx.service'], problem: '' });
      for (const req of [
        { operationId: 'p-1', version: '', mode: 'packages', packages: [{ name: 'openssl', version: '3.0.11-1' }] },
        { operationId: 'p-1', version: '', mode: 'upgrade-all' },
        { operationId: 'p-1', version: '1.24.0', mode: 'packages', packages: [{ name: 'nginx', version: '1.24.0-1' }] },
        { operationId: 'p-1', version: '1.24.0' },
      ]) {
        let refused: unknown;
        await o.install(req, () => undefined, () => undefined).catch((e: unknown) => (refused = e));
        expect(refused, JSON.stringify(req)).to.be.instanceOf(Error);
      }
      expect(host.calls).to.deep.equal([]);
      expect(o.listOperations(0)).to.deep.equal([]);
      const op = await o.install({ operationId: 'p-2', version: '', mode: 'packages', packages: [{ name: 'nginx', version: '1.24.0-1' }] }, () => undefined, () => undefined);
      expect(op.state).to.equal('succeeded');
      expect(op.install?.packageChanges).to.deep.equal([{ name: 'nginx', before: '1.22.1-9', after: '1.24.0-1' }]);
      expect(op.install?.packagesRequested).to.deep.equal([{ name: 'nginx', version: '1.24.0-1' }]);
      expect(op.install?.rebootAdvice?.required).to.equal(false);
      // the same ID for other packages is another request
      let reused: unknown;
      await o.install({ operationId: 'p-2', version: '', mode: 'packages', packages: [{ name: 'nginx', version: '1.25.0-1' }] }, () => undefined, () => undefined).catch((e: unknown) => (reused = e));
      expect((reused as AgentError).code).to.equal('ALREADY_EXISTS');
    });

    it('command mode is unchanged: no apt, no package database, no reboot advice in the record', async () => {
      const db = new Map([['noderoll-lab-planet', '7.0.67']]);
      const host = new FakeApt(db);
      const o = await ops('packages: { watch: [noderoll-lab-planet] }\ninstall:\n  command: ["apt-get", "install", "-y", "noderoll-lab-planet={version}"]\n', host.runner, required);
      const op = await o.install({ operationId: 'c-1', version: '7.0.68' }, () => undefined, () => undefined);
      expect(op.state).to.equal('succeeded');
      const watched = "dpkg-query -W -f '${Package}\\t${Version}\\t${db:Status-Status}\\n' -- noderoll-lab-planet";
      expect(host.calls).to.deep.equal([watched, 'apt-get install -y noderoll-lab-planet=7.0.68', watched]);
      expect(op.install).to.not.have.any.keys('packageChanges', 'rebootAdvice', 'mode', 'steps');
    });
  });
});
