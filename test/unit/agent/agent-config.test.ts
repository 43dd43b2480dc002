import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../shared/agent-api/codegen.js';
import { runCommand } from '../../../shared/exec/command-runner.js';
import { installArgv, parseAgentConfig } from '../../../agent/config/agent-config.js';
import { ConfigError } from '../../../shared/config/config-error.js';
import { parseAgentFlags } from '../../../agent/config/flags.js';
import { FieldError } from '../../../shared/validation/field-error.js';
import { agentTlsYaml, TestPki } from '../../security/test-pki.js';

/** The configuration the lab gives its nodes. */
export const LAB_AGENT_YAML = `
grpc:
  listen: "127.12.1.2:7443"
http:
  listen: "127.12.1.2:7444"
packages:
  watch: [noderoll-lab-planet]
install:
  command: ["dpkg", "-i", "/var/lib/noderoll-lab/packages/noderoll-lab-planet_{version}_all.deb"]
planetChecks:
  checks:
    - name: failed-units
      command: ["gravity", "exec", "--no-tty", "--no-interactive", "systemctl", "--failed", "--plain", "--no-legend"]
      expect: no-failed-units
`;

function problemsOf(yaml: string): string[] {
  try {
    parseAgentConfig(yaml, 'test.yaml');
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    // The field and its problem (the line is checked on its own below).
    return (err as ConfigError).problems.map((p) => `${p.field}: ${p.problem}`);
  }
  expect.fail('configuration was accepted');
}

describe('agent configuration', () => {
  it('has defaults for a Gravity node', () => {
    const c = parseAgentConfig('', 'defaults');
    expect(c.grpc.listen).to.deep.equal({ host: '0.0.0.0', port: 7443, text: '0.0.0.0:7443' });
    expect(c.http.listen?.text).to.equal('127.0.0.1:7444');
    expect(c.stateDir).to.equal('/var/lib/noderoll-agent');
    expect(c.units.allow).to.deep.equal(['gravity__*']);
    expect(c.units.planet).to.deep.equal(['gravity__gravitational*planet*']);
    expect(c.reboot.command).to.deep.equal(['systemctl', 'reboot']);
    expect(c.install.command, 'no install without a configured command').to.deep.equal([]);
    expect(c.planetChecks.checks.map((k) => k.command.slice(0, 4))).to.deep.equal([
      ['gravity', 'exec', '--no-tty', '--no-interactive'],
      ['gravity', 'exec', '--no-tty', '--no-interactive'],
    ]);
    expect(c.grpc.maxReceiveMessageBytes).to.equal(65536);
  });

  it('reads the lab configuration and fills the install template with a version', () => {
    const c = parseAgentConfig(LAB_AGENT_YAML, 'lab.yaml');
    expect(c.grpc.listen.port).to.equal(7443);
    expect(c.packages.watch).to.deep.equal(['noderoll-lab-planet']);
    expect(installArgv(c.install.command, '7.0.68')).to.deep.equal(['dpkg', '-i', '/var/lib/noderoll-lab/packages/noderoll-lab-planet_7.0.68_all.deb']);
    expect(c.planetChecks.checks).to.have.length(1);
  });

  it('lets flags override the file, naming the flag when a value is bad', () => {
    const c = parseAgentConfig(LAB_AGENT_YAML, 'lab.yaml', { grpcListen: '127.0.0.1:0', httpListen: '', stateDir: '/tmp/x', logLevel: 'debug' });
    expect(c.grpc.listen.port).to.equal(0);
    expect(c.http.listen).to.equal(undefined);
    expect(c.stateDir).to.equal('/tmp/x');
    expect(c.logLevel).to.equal('debug');
    expect(() => parseAgentConfig('', 'x', { grpcListen: 'nohost' })).to.throw(ConfigError, /--grpc-listen: "nohost" must be host:port/);
    expect(() => parseAgentConfig('', 'x', { stateDir: 'relative' })).to.throw(ConfigError, /--state-dir: "relative" must be an absolute path/);
  });

  const cases: [string, string, RegExp][] = [
    ['unknown top-level key', 'grcp: {}', /^grcp: unknown field \(did you mean "grpc"\?\); allowed: grpc, tls, http/],
    ['unknown nested key', 'units:\n  alow: ["x*"]', /^units.alow: unknown field \(did you mean "allow"\?\); allowed: allow, planet, watch/],
    ['wrong type', 'grpc:\n  listen: 7443', /^grpc.listen: must be a string, got number 7443/],
    ['bad listen', 'grpc:\n  listen: "0.0.0.0"', /^grpc.listen: "0.0.0.0" must be host:port/],
    ['port out of range', 'http:\n  listen: "127.0.0.1:70000"', /^http.listen: port 70000 is out of range/],
    ['glob with shell syntax', 'units:\n  allow: ["gravity__*", "x;reboot"]', /^units.allow\[1\]: "x;reboot" contains characters/],
    ['empty planet globs', 'units:\n  planet: []', /^units.planet: must not be empty/],
    ['install without placeholder', 'install:\n  command: ["dpkg", "-i", "/x.deb"]', /^install.command: must contain the placeholder \{version\}/],
    ['install without a watched package', 'install:\n  command: ["dpkg", "-i", "/x_{version}.deb"]', /^packages.watch: must name the package install.command installs/],
    ['install with other braces', 'install:\n  command: ["dpkg", "-i", "/x_{version}_{arch}.deb"]', /^install.command\[2\]: .*braces other than/],
    ['program from the version', 'install:\n  command: ["{version}"]', /^install.command\[0\]: the program itself must not come from the version/],
    ['relative program path', 'reboot:\n  command: ["bin/reboot"]', /^reboot.command\[0\]: .*absolute path or a name/],
    ['NUL in argv', 'reboot:\n  command: ["systemctl", "re\\0boot"]', /^reboot.command\[1\]: .*NUL/],
    ['empty reboot command', 'reboot:\n  command: []', /^reboot.command: must not be empty: name a program/],
    ['unanchored version pattern', 'install:\n  versionPattern: "[0-9.]+"', /^install.versionPattern: .*anchored/],
    ['bad env name', 'install:\n  env: {"A-B": "1"}', /^install.env.A-B: is not a valid environment variable name/],
    ['check without command', 'planetChecks:\n  checks:\n    - name: x', /^planetChecks.checks\[0\].command: is required/],
    ['check with bad expectation', 'planetChecks:\n  checks:\n    - {name: x, command: [true], expect: maybe}', /^planetChecks.checks\[0\].expect: "maybe" must be one of/],
    ['duplicate check names', 'planetChecks:\n  checks:\n    - {name: x, command: ["true"]}\n    - {name: x, command: ["false"]}', /^planetChecks.checks\[1\].name: "x" is used by another check/],
    ['integer out of range', 'journal:\n  maxEntries: 0', /^journal.maxEntries: must be between 1 and \d+, got 0/],
    ['inconsistent limits', 'journal:\n  defaultMaxEntries: 500\n  maxEntries: 100', /^journal.defaultMaxEntries: 500 exceeds journal.maxEntries 100/],
    ['bad log level', 'logLevel: loud', /^logLevel: "loud" must be one of/],
    ['relative state dir', 'stateDir: var/lib', /^stateDir: "var\/lib" must be an absolute path/],
    ['section of wrong type', 'units: [a, b]', /^units: must be a mapping, got a list/],
    ['not YAML', 'grpc: [unclosed', /^\(file\): not valid YAML/],
    ['duplicate keys', 'stateDir: /a\nstateDir: /b', /^\(file\): not valid YAML/],
    ['not a mapping', '- a\n- b', /^\(file\): must be a YAML mapping/],
  ];
  for (const [name, yaml, re] of cases) {
    it(`refuses ${name}, naming the field`, () => {
      const problems = problemsOf(yaml);
      expect(problems.some((p) => re.test(p)), problems.join('\n')).to.equal(true);
    });
  }

  it('names the line of each problem in the file, in the order of the file; a flag has none', () => {
    let err: unknown;
    try {
      parseAgentConfig('grpc:\n  listen: "127.0.0.1:7443"\nlogLevel: loud\nunits:\n  maxListed: 0\n', 'test.yaml', { stateDir: 'relative' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.message)).to.deep.equal([
      'logLevel (line 3): "loud" must be one of fatal, error, warn, info, debug, trace, silent',
      'units.maxListed (line 5): must be between 1 and 10000, got 0',
      '--state-dir: "relative" must be an absolute path',
    ]);
    expect((err as ConfigError).message).to.equal(`invalid configuration in test.yaml:\n${(err as ConfigError).problems.map((p) => `  - ${p.message}`).join('\n')}`);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf('grpc:\n  listen: x\nlogLevel: loud\nunits:\n  maxListed: -1');
    expect(problems).to.have.length(3);
  });

  describe('flags', () => {
    it('parses --config, --check-config and overrides in both spellings', () => {
      const f = parseAgentFlags(['--config', '/etc/x.yaml', '--check-config', '--grpc-listen=127.0.0.1:1', '--http-listen', '', '--log-level=debug']);
      expect(f).to.deep.equal({ configPath: '/etc/x.yaml', checkConfig: true, help: false, version: false, overrides: { grpcListen: '127.0.0.1:1', httpListen: '', logLevel: 'debug' } });
    });
    it('refuses unknown, repeated, valueless and malformed flags, naming them', () => {
      expect(() => parseAgentFlags(['--grpc'])).to.throw(FieldError, /^--grpc: unknown flag for noderoll-agent \(did you mean --grpc-listen\?\)/);
      expect(() => parseAgentFlags(['--config', 'a', '--config', 'b'])).to.throw(FieldError, /^--config: given more than once/);
      expect(() => parseAgentFlags(['--state-dir'])).to.throw(FieldError, /^--state-dir: needs a value/);
      expect(() => parseAgentFlags(['--check-config=yes'])).to.throw(FieldError, /^--check-config: takes no value/);
      expect(() => parseAgentFlags(['--config='])).to.throw(FieldError, /^--config: must not be empty/);
      expect(() => parseAgentFlags(['--log-level', 'a\nb'])).to.throw(FieldError, /^--log-level: .*line break/);
    });
  });

  describe('noderoll-agent --check-config', () => {
    const main = join(projectRoot, 'dist/agent/main.js');
    const check = async (yaml: string, extra: string[] = []): Promise<{ code: number | null; out: string; err: string }> => {
      const dir = await mkdtemp(join(tmpdir(), 'noderoll-check-config-'));
      try {
        await writeFile(join(dir, 'agent.yaml'), yaml);
        const r = await runCommand({ file: process.execPath, args: [main, '--config', join(dir, 'agent.yaml'), '--check-config', ...extra], timeoutMs: 20_000, okExitCodes: [0, 1, 2] });
        return { code: r.exitCode, out: r.stdout, err: r.stderr };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    };

    it('exits 0 and prints the effective settings for a valid file, with its TLS files checked', async () => {
      const pki = await TestPki.create();
      try {
        const agent = await pki.agent('node-1', { ips: ['127.12.1.2'] });
        const r = await check(LAB_AGENT_YAML + agentTlsYaml(agent));
        expect(r.code, r.err).to.equal(0);
        const effective = JSON.parse(r.out) as { grpc: { listen: string }; install: { command: string[]; versionPattern: string }; tls: { mode: string }; tlsFiles: { node: string } };
        expect(effective.grpc.listen).to.equal('127.12.1.2:7443');
        expect(effective.install.command[0]).to.equal('dpkg');
        expect(effective.tls.mode).to.equal('mutual');
        expect(effective.tlsFiles.node).to.equal('node-1');
        expect(r.err).to.match(/is valid/);
      } finally {
        await pki.cleanup();
      }
    });

    it('exits 2 naming the TLS file that is missing (mutual TLS is the default)', async () => {
      const r = await check(LAB_AGENT_YAML);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/tls\.caFile: cannot read \/etc\/noderoll\/tls\/ca\.crt/);
      expect(r.err).to.match(/tls\.keyFile: cannot read/);
    });

    it('exits 2 and names every bad field, or the bad flag', async () => {
      const bad = await check('grpc:\n  listen: nowhere\nunits:\n  allow: ["$(reboot)"]\n');
      expect(bad.code).to.equal(2);
      expect(bad.err).to.match(/grpc\.listen \(line 2\): "nowhere" must be host:port/);
      expect(bad.err).to.match(/units\.allow\[0\] \(line 4\): "\$\(reboot\)" contains characters/);
      const unwatched = await check('install:\n  command: ["dpkg", "-i", "/x_{version}.deb"]\n');
      expect(unwatched.code).to.equal(2);
      expect(unwatched.err).to.match(/packages\.watch: must name the package install\.command installs/);
      const flag = await check('', ['--log-level', 'loud']);
      expect(flag.code).to.equal(2);
      expect(flag.err).to.match(/--log-level: "loud" must be one of/);
    });
  });
});

