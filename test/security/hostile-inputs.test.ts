import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent-daemon.js';
import { isRefusalCode, REFUSAL_LINES_PER_MINUTE } from '../../agent/grpc/refusal-audit.js';
import { parseAgentConfig, type AgentTlsConfig } from '../../agent/config/agent-config.js';
import { ConfigError } from '../../shared/config/config-error.js';
import { parseAgentFlags } from '../../agent/config/flags.js';
import { loadTlsMaterial } from '../../agent/tls/tls-material.js';
import { runCertsCommand } from '../../coordinator/certs/certs-command.js';
import { AgentCallError, AgentClient } from '../../shared/agent-api/agent-client.js';
import { projectRoot } from '../../shared/agent-api/codegen.js';
import { runCommand } from '../../shared/exec/command-runner.js';
import { createLogger } from '../../shared/log/logger.js';
import { FieldError } from '../../shared/validation/field-error.js';
import { CapturedLog } from '../support/captured-log.js';
import { FakeHost } from '../unit/agent/fake-host.js';
import { hostileRequests, type HostileContext } from './hostile-requests.js';
import { agentTlsYaml, clientTls, TestPki, type IssuedPem } from './test-pki.js';
import { attemptRenegotiation } from './tls-renegotiation.js';

/**
 * Every bad input refused, and nothing run because of it. The agent runs in-process (gRPC over
 * mutual TLS, the real service, ledger and validation) against a fake host behind the
 * command-runner seam that records every process the agent would start: each hostile request
 * must be refused with its status and a message naming the field, with zero processes started,
 * no operation recorded, and (for mutating calls) an audit line of the refusal naming the caller.
 * Then malformed configuration files and TLS files, and invalid flags of noderoll-agent and of
 * `noderoll certs`, each refused naming the field, with nothing written.
 */

const PLANET = 'gravity__gravitational.io__planet__7.0.67-11709.service';
const TELEPORT = 'gravity__gravitational.io__teleport__3.2.17.service';
const counts = { grpc: 0, config: 0, tlsFiles: 0, agentFlags: 0, certsFlags: 0 };

function note(text: string): void {
  process.stdout.write(`      ${text}\n`);
}

/** The agent of the in-process gRPC cases: mutual TLS, a short handshake deadline, 8 concurrent reads. */
function hostileAgentYaml(agentCert: IssuedPem, stateDir: string): string {
  return `${agentTlsYaml(agentCert)}  handshakeTimeoutMs: 1000
grpc: { listen: "127.0.0.1:0", maxConcurrentReads: 8 }
http: { listen: "" }
stateDir: ${stateDir}
logLevel: info
packages: { watch: [noderoll-lab-planet] }
install:
  command: ["dpkg", "-i", "/var/lib/noderoll-lab/packages/noderoll-lab-planet_{version}_all.deb"]
planetChecks:
  checks:
    - { name: failed-units, command: [gravity, exec, --no-tty, --no-interactive, systemctl, --failed, --plain, --no-legend], expect: no-failed-units }
`;
}

/** The audit lines of refused calls of `method`. */
function refusalLines(lines: Record<string, unknown>[], method: string): Record<string, unknown>[] {
  return lines.filter((l) => l.audit === true && l.outcome === 'refused' && l.method === method);
}

/** An audit line names the peer, the caller and its certificate (subject, serial, SPIFFE URI). */
function expectCallerIdentity(line: Record<string, unknown> | undefined, code: string): void {
  expect(line).to.include({ code });
  expect(String(line?.caller)).to.match(/^(coordinator CN=hostile-test|reader CN=monitoring) \(serial [0-9a-f]+, sha256 [0-9a-f]+\)$/);
  expect(String(line?.peer)).to.match(/^127\.0\.0\.1:\d+$/);
  const cert = line?.certificate as { subject?: string; serial?: string; uris?: string[] } | undefined;
  expect(cert?.subject).to.match(/CN=(hostile-test|monitoring)/);
  expect(cert?.serial).to.match(/^[0-9A-Fa-f]+$/);
  expect(cert?.uris).to.satisfy((u: string[]) => u.some((x) => /^spiffe:\/\/noderoll\/role\/(coordinator|reader)$/.test(x)));
}

async function refusal(p: Promise<unknown>): Promise<AgentCallError> {
  try {
    await p;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(AgentCallError);
    return err as AgentCallError;
  }
  expect.fail('the agent accepted it');
}

describe('hostile inputs: every one refused, nothing executed', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let agentCert: IssuedPem;
  let dir: string;

  before(async () => {
    pki = await TestPki.create('hostile');
    agentCert = await pki.agent('test-node', { ips: ['127.0.0.1'] });
    dir = await mkdtemp(join(tmpdir(), 'noderoll-hostile-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await pki?.cleanup();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    note(
      `hostile inputs refused: ${total} (gRPC requests ${counts.grpc}, configuration files ${counts.config}, TLS files ${counts.tlsFiles}, noderoll-agent flags ${counts.agentFlags}, noderoll certs flags ${counts.certsFlags})`,
    );
  });

  describe('gRPC requests to an in-process agent (mutual TLS, fake host)', () => {
    let host: FakeHost;
    let agent: RunningAgent;
    let coordinator: AgentClient;
    let reader: AgentClient;
    let log: CapturedLog;
    let ctx: HostileContext;
    let spawnedDuringCases = 0;
    /** Makes journalctl take this long (to hold read calls open). */
    let journalDelayMs = 0;

    before(async () => {
      host = new FakeHost();
      log = new CapturedLog();
      const stateDir = join(dir, 'state');
      const yaml = hostileAgentYaml(agentCert, stateDir);
      agent = await startAgent(parseAgentConfig(yaml, 'hostile.yaml'), {
        logger: createLogger('agent', { level: 'info' }, log),
        // each case checks its own audit line: the rate limit is proved by the flood case, on an agent of its own
        refusalLinesPerMinute: 100_000,
        runner: async (spec) => {
          if (spec.file === 'journalctl' && journalDelayMs > 0) await new Promise((r) => setTimeout(r, journalDelayMs));
          return host.runner(spec);
        },
        boot: { bootId: '33333333-3333-4333-8333-333333333333', bootTimeUnixMs: 1_795_744_600_000 },
        machineId: 'feedfacefeedfacefeedfacefeedface',
      });
      const address = `127.0.0.1:${agent.grpcPort}`;
      coordinator = new AgentClient(address, { defaultDeadlineMs: 10_000, tls: clientTls(await pki.client('coordinator', 'hostile-test'), 'test-node') });
      reader = new AgentClient(address, { defaultDeadlineMs: 10_000, tls: clientTls(await pki.client('reader', 'monitoring'), 'test-node') });
      let n = 0;
      ctx = { allowedUnit: PLANET, otherAllowedUnit: TELEPORT, reader, opId: (what) => `${what}-${(n += 1)}` };
    });

    after(async () => {
      coordinator?.close();
      reader?.close();
      await agent?.stop();
      note(`gRPC: ${counts.grpc} hostile requests refused; processes the agent started because of them: ${spawnedDuringCases}`);
    });

    for (const hostile of hostileRequests()) {
      it(`${hostile.rpc}: ${hostile.what} → ${hostile.code}`, async () => {
        await hostile.prepare?.(coordinator, ctx);
        const callsBefore = host.calls.length;
        const operationsBefore = agent.ops.ledger.list(500);
        const logBefore = log.lines.length;
        const e = await refusal(hostile.send(coordinator, ctx));
        expect(e.codeName, e.message).to.equal(hostile.code);
        expect(e.details.slice(0, 300)).to.match(hostile.details);
        const spawned = host.calls.length - callsBefore;
        spawnedDuringCases += spawned;
        expect(spawned, `the agent started: ${host.commands().slice(callsBefore).join('; ')}`).to.equal(0);
        expect(agent.ops.ledger.list(500), 'no operation recorded').to.deep.equal(operationsBefore);
        // every refusal, read or mutating, in the handler or before it, is audited once with the caller
        // (an answer such as NOT_FOUND for an unknown operation is not a refusal)
        const audited = refusalLines(log.lines.slice(logBefore), hostile.rpc);
        expect(audited, `audit line of the refusal (${hostile.rpc} ${hostile.code})`).to.have.length(isRefusalCode(hostile.code) ? 1 : 0);
        if (audited.length > 0) {
          expectCallerIdentity(audited[0], hostile.code);
          const auditedId = hostile.auditedOperationId?.(ctx);
          if (auditedId !== undefined) expect(audited[0]?.args, 'arguments of the refused call').to.include({ operationId: auditedId });
          if (hostile.refusedBeforeHandler) expect(audited[0]).to.include({ stage: 'before-handler' });
        }
        counts.grpc += 1;
      });
    }

    it('slow clients (no TLS handshake, or garbage instead of one) neither block callers nor stay connected', async () => {
      const port = agent.grpcPort;
      const open = (garbage: boolean): Promise<Socket> =>
        new Promise((resolve, reject) => {
          // from another source than the coordinator's: up to grpc.maxConnectionsPerPeer are held until the
          // handshake deadline, the rest closed at accept
          const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => {
            if (garbage) s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + 'A'.repeat(4096));
            resolve(s);
          });
          s.on('error', () => undefined);
          s.once('error', reject);
        });
      const silent = await Promise.all(Array.from({ length: 40 }, () => open(false)));
      const noisy = await Promise.all(Array.from({ length: 10 }, () => open(true)));
      const closed = (s: Socket): Promise<void> => new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
      // a real caller is served while they hang on (how fast, and how soon after tls.handshakeTimeoutMs
      // the agent cuts them, are timing claims: bench/deadlines measures both)
      const info = await coordinator.getNodeInfo();
      expect(info.machineId).to.equal('feedfacefeedfacefeedfacefeedface');
      // the test never closes them: every one ends because the agent cut it (else the test times out)
      await Promise.all([...silent, ...noisy].map(closed));
      counts.grpc += 2;
    });

    it('more concurrent read calls than grpc.maxConcurrentReads are refused, not queued without bound', async () => {
      journalDelayMs = 500;
      const callsBefore = host.calls.length;
      try {
        const results = await Promise.all(Array.from({ length: 12 }, () => coordinator.scanJournal({ maxEntries: 1 }).then(() => 'ok', (e: AgentCallError) => e)));
        const refusedCalls = results.filter((r): r is AgentCallError => r instanceof AgentCallError);
        expect(refusedCalls.length, 'refused').to.equal(4);
        for (const r of refusedCalls) expect(r.message).to.match(/RESOURCE_EXHAUSTED: 8 read calls that run host commands are in progress \(grpc\.maxConcurrentReads 8\)/);
        expect(host.calls.length - callsBefore, 'journalctl ran only for the admitted calls').to.equal(8);
      } finally {
        journalDelayMs = 0;
      }
      counts.grpc += 1;
    });

    for (const [rpc, streaming] of [['StopUnit', false], ['Install', true]] as const) {
      it(`${rpc}: bytes that are not a request message → INTERNAL before any handler, audited with the caller`, async () => {
        const coordinatorPem = await pki.client('coordinator', 'hostile-test');
        const raw = new Client(`127.0.0.1:${agent.grpcPort}`, credentials.createSsl(Buffer.from(coordinatorPem.pem.ca), Buffer.from(coordinatorPem.pem.key), Buffer.from(coordinatorPem.pem.cert), { checkServerIdentity: () => undefined }), { 'grpc.ssl_target_name_override': 'test-node' });
        // a field tag whose varint never ends: protobuf cannot decode it
        const garbage = Buffer.from([0xff, 0xff, 0xff]);
        const callsBefore = host.calls.length;
        const logBefore = log.lines.length;
        const identity = (b: Buffer): Buffer => b;
        const path = `/noderoll.agent.v1.NodeAgent/${rpc}`;
        try {
          const err = await new Promise<ServiceError | undefined>((resolve) => {
            if (!streaming) return void raw.makeUnaryRequest(path, identity, identity, garbage, (e) => resolve(e ?? undefined));
            const stream = raw.makeServerStreamRequest(path, identity, identity, garbage);
            stream.on('data', () => undefined);
            stream.on('error', (e: ServiceError) => resolve(e));
            stream.on('end', () => resolve(undefined));
          });
          expect(err?.code, 'status').to.equal(status.INTERNAL);
        } finally {
          raw.close();
        }
        expect(host.calls.length - callsBefore, 'processes started').to.equal(0);
        const audited = refusalLines(log.lines.slice(logBefore), rpc);
        expect(audited, 'audit line of the refusal').to.have.length(1);
        expectCallerIdentity(audited[0], 'INTERNAL');
        expect(audited[0]).to.include({ stage: 'before-handler' });
        expect(String(audited[0]?.details)).to.match(/deserializ/i);
        counts.grpc += 1;
      });
    }

    it('a TLS 1.2 renegotiation attempt is refused (connection closed) and audited with the certificate', async () => {
      const coordinatorPem = await pki.client('coordinator', 'hostile-test');
      const logBefore = log.lines.length;
      const renegotiated = await attemptRenegotiation('127.0.0.1', agent.grpcPort, coordinatorPem.pem, 'test-node');
      expect(renegotiated).to.equal('closed by the server');
      const audited = log.lines.slice(logBefore).filter((l) => l.audit === true && l.kind === 'renegotiation');
      expect(audited, 'audit line of the renegotiation').to.have.length(1);
      expect(String(audited[0]?.peer)).to.match(/^127\.0\.0\.1:\d+$/);
      expect(String(audited[0]?.certificate)).to.match(/^coordinator CN=hostile-test \(serial [0-9a-f]+, sha256 [0-9a-f]+\)$/);
      // and the agent goes on serving
      expect((await coordinator.getNodeInfo()).machineId).to.equal('feedfacefeedfacefeedfacefeedface');
      counts.grpc += 1;
    });

    it('the agent still serves after all of them (and bounds what it logged of the 60,000-character name)', async () => {
      const info = await coordinator.getNodeInfo();
      expect(info.bootId).to.equal('33333333-3333-4333-8333-333333333333');
      const longest = Math.max(...log.lines.map((l) => JSON.stringify(l).length));
      expect(longest, 'longest log line').to.be.below(4000);
    });

    it(`a flood of 1000 refused calls leaves at most ${REFUSAL_LINES_PER_MINUTE} audit lines a minute and a count of the rest`, async () => {
      const floodLog = new CapturedLog();
      const flooded = await startAgent(parseAgentConfig(hostileAgentYaml(agentCert, join(dir, 'state-flood')), 'flood.yaml'), {
        logger: createLogger('agent', { level: 'info' }, floodLog),
        runner: host.runner,
        boot: { bootId: '44444444-4444-4444-8444-444444444444', bootTimeUnixMs: 1_795_744_600_000 },
        machineId: 'feedfacefeedfacefeedfacefeedface',
      });
      const floodReader = new AgentClient(`127.0.0.1:${flooded.grpcPort}`, { defaultDeadlineMs: 30_000, tls: clientTls(await pki.client('reader', 'monitoring'), 'test-node') });
      try {
        const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => refusal(floodReader.stopUnit({ operationId: `hostile-flood-${i}`, unit: PLANET }))));
        for (const r of results) expect(r.codeName).to.equal('PERMISSION_DENIED');
      } finally {
        floodReader.close();
        // stopping reports what the rate limit dropped (as a running agent does every minute)
        await flooded.stop();
      }
      const written = refusalLines(floodLog.lines, 'StopUnit');
      const suppressed = floodLog.lines.filter((l) => l.audit === true && typeof l.suppressed === 'number');
      expect(written.length, 'refusal lines written').to.be.at.most(2 * REFUSAL_LINES_PER_MINUTE);
      expectCallerIdentity(written[0], 'PERMISSION_DENIED');
      expect(suppressed, '"N more suppressed" line').to.have.length(1);
      expect(String(suppressed[0]?.msg)).to.match(/^\d+ more refusal lines suppressed by the audit rate limit$/);
      const counted = written.length + written.reduce((n, l) => n + Number(l.suppressedBefore ?? 0), 0) + Number(suppressed[0]?.suppressed);
      expect(counted, 'lines written plus lines counted as suppressed').to.equal(1000);
      note(`flood of 1000 refused calls: ${written.length} audit lines, ${1000 - written.length} counted as suppressed`);
      counts.grpc += 1;
    });
  });

  describe('configuration files', () => {
    const cases: [what: string, yaml: string, field: RegExp][] = [
      ['malformed YAML', 'grpc: [listen', /^\(file\): not valid YAML/],
      ['truncated file (cut inside a quoted string)', 'grpc:\n  listen: "127.0.0.1:74', /^\(file\): not valid YAML/],
      ['duplicate keys', 'stateDir: /a\nstateDir: /b\n', /^\(file\): not valid YAML/],
      ['alias bomb (billion laughs)', billionLaughs(), /^\(file\): cannot be read as settings: Excessive alias count/],
      ['a list instead of a mapping', '- grpc\n- http\n', /^\(file\): must be a YAML mapping/],
      ['binary garbage', '\u00ff\u00fe\u0000\u0001\u001b[2J', /^\(file\): /],
      ['1 MB of text', 'a'.repeat(1024 * 1024), /^\(file\): must be a YAML mapping of settings, got the string .*\(1048576 characters\)/],
      ['section of the wrong type', 'grpc: 7443\n', /^grpc: must be a mapping, got number/],
      ['listen address of the wrong type', 'grpc:\n  listen: 7443\n', /^grpc\.listen: must be a string, got number/],
      ['listen address with shell syntax', 'grpc:\n  listen: "0.0.0.0:7443; reboot"\n', /^grpc\.listen: .* must be host:port/],
      ['port out of range', 'grpc:\n  listen: "0.0.0.0:99999"\n', /^grpc\.listen: port 99999 is out of range/],
      ['message cap of 1 GiB', 'grpc:\n  maxReceiveMessageBytes: 1073741824\n', /^grpc\.maxReceiveMessageBytes: must be between 1024 and 16777216, got 1073741824/],
      ['unknown key (a typo)', 'grcp:\n  listen: "0.0.0.0:7443"\n', /^grcp: unknown field \(did you mean "grpc"\?\); allowed: grpc, tls, http/],
      ['allow-list of the wrong type', 'units:\n  allow: "gravity__*"\n', /^units\.allow: must be a list of strings, got the string/],
      ['allow-list glob with "$(..)"', 'units:\n  allow: ["$(reboot)"]\n', /^units\.allow\[0\]: "\$\(reboot\)" contains characters/],
      ['allow-list glob with a NUL', 'units:\n  allow: ["gravity__\\0*"]\n', /^units\.allow\[0\]: /],
      ['install command as a shell string', 'install:\n  command: "dpkg -i /x_{version}.deb"\n', /^install\.command: must be a list \(argv\).*never go through a shell/],
      ['install command without {version}', 'install:\n  command: ["dpkg", "-i", "/x.deb"]\n', /^install\.command: must contain the placeholder \{version\}/],
      ['install program from the version', 'install:\n  command: ["{version}", "x"]\n', /^install\.command\[0\]: the program itself must not come from the version/],
      ['install program as a relative path', 'install:\n  command: ["bin/dpkg", "-i", "{version}"]\n', /^install\.command\[0\]: "bin\/dpkg" must be an absolute path/],
      ['install argument with a newline', 'install:\n  command: ["dpkg", "-i\\n--force-all", "{version}"]\n', /^install\.command\[1\]: .*line break/],
      ['install argument with a terminal escape', 'install:\n  command: ["dpkg", "-i", "/x_{version}.deb\\e[2J"]\n', /^install\.command\[2\]: contains control characters/],
      ['unanchored version pattern', 'install:\n  versionPattern: ".*"\n', /^install\.versionPattern: ".\*" must be anchored/],
      ['environment variable with a bad name', 'install:\n  env: { "LD_PRELOAD=/x; Y": "1" }\n', /^install\.env\.LD_PRELOAD=\/x; Y: is not a valid environment variable name/],
      ['empty reboot command', 'reboot:\n  command: []\n', /^reboot\.command: must not be empty/],
      ['planet check of the wrong type', 'planetChecks:\n  checks: "etcdctl cluster-health"\n', /^planetChecks\.checks: must be a list/],
      ['tls.mode that is not one', 'tls:\n  mode: none\n', /^tls\.mode: "none" must be one of mutual, insecure-plaintext/],
      ['tls.mode "plaintext" (the insecure mode must be named as such)', 'tls:\n  mode: plaintext\n', /^tls\.mode: "plaintext" must be one of mutual, insecure-plaintext/],
      ['relative CA path', 'tls:\n  caFile: ca.crt\n', /^tls\.caFile: "ca.crt" must be an absolute path/],
      ['TLS 1.0 as the minimum', 'tls:\n  minVersion: TLSv1\n', /^tls\.minVersion: "TLSv1" must be one of TLSv1\.2, TLSv1\.3/],
      ['handshake timeout of the wrong type', 'tls:\n  handshakeTimeoutMs: "10s"\n', /^tls\.handshakeTimeoutMs: must be a whole number, got the string "10s"/],
      ['unknown key in tls', 'tls:\n  verify: false\n', /^tls\.verify: unknown field; allowed: mode, caFile/],
      ['metrics TLS mode that is not one', 'http:\n  metrics:\n    listen: "0.0.0.0:7445"\n    tls: optional\n', /^http\.metrics\.tls: "optional" must be one of mutual, server-only, plaintext/],
      ['metrics listener on the health address', 'http:\n  listen: "127.0.0.1:7444"\n  metrics:\n    listen: "127.0.0.1:7444"\n', /^http\.metrics\.listen: 127\.0\.0\.1:7444 is also http\.listen/],
      ['an empty install argument (a template slip)', 'install:\n  command: ["dpkg", "", "-i", "/x_{version}.deb"]\n', /^install\.command\[1\]: must not be empty/],
      ['an install environment value with a line break', 'install:\n  env: { DEBIAN_FRONTEND: "noninteractive\\nX=1" }\n', /^install\.env\.DEBIAN_FRONTEND: contains control characters/],
      ['a reboot command as a shell string', 'reboot:\n  command: "systemctl reboot"\n', /^reboot\.command: must be a list \(argv\)/],
      ['concurrent read cap of 0', 'grpc:\n  maxConcurrentReads: 0\n', /^grpc\.maxConcurrentReads: must be between 1 and 64, got 0/],
      ['allowFrom as a string, not a list', 'grpc:\n  allowFrom: "10.0.0.0/8"\n', /^grpc\.allowFrom: must be a list of strings, got the string/],
      ['allowFrom naming a host instead of a range', 'grpc:\n  allowFrom: ["10.0.0.0/8", "coordinator.example"]\n', /^grpc\.allowFrom\[1\]: "coordinator\.example" must be an IPv4 or IPv6 address range in CIDR notation/],
      ['allowFrom with an IPv4 prefix of 33', 'grpc:\n  allowFrom: ["10.1.0.0/33"]\n', /^grpc\.allowFrom\[0\]: "10\.1\.0\.0\/33" has prefix length 33; an IPv4 prefix is at most 32/],
      ['allowFrom with an IPv6 prefix of 129', 'grpc:\n  allowFrom: ["fd00::/129"]\n', /^grpc\.allowFrom\[0\]: "fd00::\/129" has prefix length 129; an IPv6 prefix is at most 128/],
      ['allowFrom with shell syntax', 'grpc:\n  allowFrom: ["10.0.0.0/8; reboot"]\n', /^grpc\.allowFrom\[0\]: "10\.0\.0\.0\/8; reboot" must be an IPv4 or IPv6 address range/],
      ['allowFrom with an IPv4 address out of range', 'grpc:\n  allowFrom: ["10.0.0.256/32"]\n', /^grpc\.allowFrom\[0\]: "10\.0\.0\.256\/32" must be an IPv4 or IPv6 address range/],
      ['per-peer connection cap of 0', 'grpc:\n  maxConnectionsPerPeer: 0\n', /^grpc\.maxConnectionsPerPeer: must be between 1 and 10000, got 0/],
      ['per-peer connection cap as a string', 'grpc:\n  maxConnectionsPerPeer: "16"\n', /^grpc\.maxConnectionsPerPeer: must be a whole number, got the string "16"/],
      ['per-peer connection cap above the total', 'grpc:\n  maxConnectionsPerPeer: 300\n', /^grpc\.maxConnectionsPerPeer: 300 exceeds tls\.maxConnections 256/],
    ];
    for (const [what, yaml, field] of cases) {
      it(`refuses ${what}, naming the field`, () => {
        let problems: string[] = [];
        try {
          parseAgentConfig(yaml, 'hostile.yaml');
        } catch (err) {
          expect(err).to.be.instanceOf(ConfigError);
          // The field and its problem; the line a file problem also carries is checked in agent-config.test.ts.
          problems = (err as ConfigError).problems.map((p) => `${p.field}: ${p.problem}`);
        }
        expect(problems.some((p) => field.test(p)), problems.join('\n') || 'accepted').to.equal(true);
        counts.config += 1;
      });
    }
  });

  describe('TLS files of the agent', () => {
    let other: TestPki;
    let tlsDir: string;
    const tls = (files: Partial<AgentTlsConfig>): AgentTlsConfig => ({
      mode: 'mutual',
      caFile: agentCert.caFile,
      certFile: agentCert.certFile,
      keyFile: agentCert.keyFile,
      minVersion: 'TLSv1.2',
      handshakeTimeoutMs: 10_000,
      maxConnections: 10,
      ...files,
    });
    const file = async (name: string, content: string, mode = 0o600): Promise<string> => {
      const path = join(tlsDir, name);
      await writeFile(path, content, { mode });
      await chmod(path, mode);
      return path;
    };

    before(async () => {
      other = await TestPki.create('other-cluster');
      tlsDir = join(dir, 'tls');
      await mkdir(tlsDir, { recursive: true });
    });
    after(async () => other?.cleanup());

    const cases: [what: string, files: () => Promise<Partial<AgentTlsConfig>>, field: RegExp][] = [
      ['a missing CA file', async () => ({ caFile: join(tlsDir, 'missing.crt') }), /^tls\.caFile: cannot read .*ENOENT/],
      ['an empty CA file', async () => ({ caFile: await file('empty.crt', '') }), /^tls\.caFile: .* holds no PEM certificate/],
      ['a leaf certificate as the CA', async () => ({ caFile: agentCert.certFile }), /^tls\.caFile: CN=test-node .* is not a CA certificate/],
      ['a truncated certificate', async () => ({ certFile: await file('truncated.crt', agentCert.pem.cert.slice(0, 200), 0o644) }), /^tls\.certFile: .* is not a PEM certificate/],
      ['a client certificate as the agent certificate', async () => {
        const c = await pki.client('coordinator', 'not-an-agent');
        return { certFile: c.certFile, keyFile: c.keyFile };
      }, /^tls\.certFile: CN=not-an-agent .* is a client certificate \(role coordinator\)/],
      ['an agent certificate from another cluster\'s CA', async () => {
        const a = await other.agent('test-node');
        return { certFile: a.certFile, keyFile: a.keyFile };
      }, /^tls\.certFile: CN=test-node .* was not issued by the CA in tls\.caFile/],
      ['a key that belongs to another certificate', async () => ({ keyFile: (await pki.agent('node-9')).keyFile }), /^tls\.keyFile: .* does not belong to the certificate in tls\.certFile/],
      ['a key readable by everyone', async () => ({ keyFile: await file('open.key', agentCert.pem.key, 0o644) }), /^tls\.keyFile: .* is readable by others \(mode 644\)/],
      ['a key that is not a key', async () => ({ keyFile: await file('garbage.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n') }), /^tls\.keyFile: .* is not a PEM private key/],
    ];
    for (const [what, files, field] of cases) {
      it(`refuses ${what}, naming the field`, async () => {
        let problems: string[] = [];
        try {
          await loadTlsMaterial(tls(await files()), 'hostile.yaml');
        } catch (err) {
          expect(err).to.be.instanceOf(ConfigError);
          problems = (err as ConfigError).problems.map((p) => p.message);
        }
        expect(problems.some((p) => field.test(p)), problems.join('\n') || 'accepted').to.equal(true);
        counts.tlsFiles += 1;
      });
    }
  });

  describe('noderoll-agent flags', () => {
    const cases: [what: string, argv: string[], field: RegExp][] = [
      ['an unknown flag', ['--grpc'], /^--grpc: unknown flag/],
      ['a flag that would switch TLS off (there is none)', ['--insecure-plaintext'], /^--insecure-plaintext: unknown flag/],
      ['a repeated flag', ['--config', '/a.yaml', '--config', '/b.yaml'], /^--config: given more than once/],
      ['a flag without its value', ['--state-dir'], /^--state-dir: needs a value/],
      ['a value on a switch', ['--check-config=yes'], /^--check-config: takes no value/],
      ['an empty config path', ['--config='], /^--config: must not be empty/],
      ['a value with a newline', ['--log-level', 'info\n--check-config'], /^--log-level: .*line break/],
      ['a value with NUL', ['--grpc-listen', '0.0.0.0:7443\0'], /^--grpc-listen: .*NUL/],
      ['a terminal escape in an unknown flag', ['--\u001b[31mred'], /^--\\u001b\[31mred: unknown flag/],
      ['a flag as the value of another (read as a path before)', ['--config', '--check-config'], /^--config: needs a value/],
      ['a terminal escape in a value', ['--log-level', 'info\u001b[2J'], /^--log-level: contains control characters/],
      ['a relative state directory, at parse time', ['--state-dir', 'state'], /^--state-dir: "state" must be an absolute path/],
      ['a listen address with shell syntax, at parse time', ['--http-listen', '127.0.0.1:7444;reboot'], /^--http-listen: "127.0.0.1:7444;reboot" must be host:port/],
    ];
    for (const [what, argv, field] of cases) {
      it(`refuses ${what}, naming the flag`, () => {
        expect(() => parseAgentFlags(argv)).to.throw(FieldError, field);
        counts.agentFlags += 1;
      });
    }

    const overrides: [what: string, argv: string[], field: RegExp][] = [
      ['a listen address with shell syntax', ['--grpc-listen', '0.0.0.0:7443;reboot'], /--grpc-listen: "0.0.0.0:7443;reboot" must be host:port/],
      ['a relative state directory', ['--state-dir', 'state'], /--state-dir: "state" must be an absolute path/],
      ['a log level that is not one', ['--log-level', 'everything'], /--log-level: "everything" must be one of/],
    ];
    for (const [what, argv, field] of overrides) {
      it(`the real process exits 2 on ${what}, naming the flag, before touching anything`, async () => {
        const work = await mkdtemp(join(tmpdir(), 'noderoll-agent-flags-'));
        try {
          const stateDir = join(work, 'state');
          await writeFile(join(work, 'agent.yaml'), `tls:\n  mode: insecure-plaintext\nstateDir: ${stateDir}\ngrpc:\n  listen: "127.0.0.1:0"\nhttp:\n  listen: ""\n`);
          const r = await runCommand({ file: process.execPath, args: [join(projectRoot, 'dist/agent/main.js'), '--config', join(work, 'agent.yaml'), ...argv], timeoutMs: 20_000, okExitCodes: [0, 1, 2] });
          expect(r.exitCode, r.stderr).to.equal(2);
          expect(r.stderr).to.match(field);
          expect(existsSync(stateDir), 'the state directory was not created').to.equal(false);
          counts.agentFlags += 1;
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      });
    }
  });

  describe('noderoll certs flags', () => {
    let caDir: string;
    let outDir: string;
    const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = '';
      let err = '';
      const code = await runCertsCommand(argv, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
      return { code, out, err };
    };
    const snapshot = async (): Promise<string> => {
      const names = (await readdir(caDir)).sort();
      return JSON.stringify([names, await readFile(join(caDir, 'issued.jsonl'), 'utf8').catch(() => '')]);
    };

    before(async () => {
      caDir = join(dir, 'certs-ca');
      outDir = join(dir, 'certs-out');
      const r = await run(['init', '--dir', caDir, '--cluster', 'flags']);
      expect(r.code, r.err).to.equal(0);
    });

    const cases: [what: string, argv: () => string[], field: RegExp][] = [
      ['no subcommand', () => [], /usage: noderoll certs/],
      ['an unknown subcommand', () => ['revoke-all'], /^noderoll certs: command: unknown certs command "revoke-all"/],
      ['an unknown flag', () => ['issue', '--dir', caDir, '--bogus'], /^noderoll certs issue: --bogus: unknown flag/],
      ['an unknown role', () => ['issue', '--dir', caDir, '--role', 'admin', '--name', 'x', '--out', outDir], /--role: "admin" must be one of agent, coordinator, reader/],
      ['a missing role', () => ['issue', '--dir', caDir, '--name', 'x', '--out', outDir], /--role: is required/],
      ['a node name with ";"', () => ['issue', '--dir', caDir, '--role', 'agent', '--node', 'node-1;reboot', '--out', outDir], /--node: "node-1;reboot" is not a Kubernetes node name/],
      ['a node name with "../"', () => ['issue', '--dir', caDir, '--role', 'agent', '--node', '../etc', '--out', outDir], /--node: .* is not a Kubernetes node name/],
      ['an IP that is not one', () => ['issue', '--dir', caDir, '--role', 'agent', '--node', 'node-1', '--ip', '999.1.1.1', '--out', outDir], /--ip\[0\]: "999.1.1.1" is not an IPv4 or IPv6 address/],
      ['a DNS name with a space (openssl config injection)', () => ['issue', '--dir', caDir, '--role', 'agent', '--node', 'node-1', '--dns', 'a, URI:spiffe://noderoll/role/coordinator', '--out', outDir], /--dns\[0\]: .* is not a DNS name/],
      ['a client name with "$(..)"', () => ['issue', '--dir', caDir, '--role', 'coordinator', '--name', '$(id)', '--out', outDir], /--name: "\$\(id\)" must be 1-64 letters/],
      ['a client name with a newline (openssl config injection)', () => ['issue', '--dir', caDir, '--role', 'coordinator', '--name', 'x\n[ leaf_ext ]', '--out', outDir], /--name: .*line break/],
      ['a reader with --node', () => ['issue', '--dir', caDir, '--role', 'reader', '--name', 'r', '--node', 'node-1', '--out', outDir], /--node: is for agent certificates/],
      ['an agent with --name', () => ['issue', '--dir', caDir, '--role', 'agent', '--node', 'node-1', '--name', 'x', '--out', outDir], /--name: is for coordinator and reader certificates/],
      ['validity of zero days', () => ['issue', '--dir', caDir, '--role', 'reader', '--name', 'r', '--days', '0', '--out', outDir], /--days: must be between 1 and 3650, got 0/],
      ['validity that is not a number', () => ['issue', '--dir', caDir, '--role', 'reader', '--name', 'r', '--days', '1e9', '--out', outDir], /--days: "1e9" must be a whole number/],
      ['a repeated single flag', () => ['issue', '--dir', caDir, '--dir', '/tmp', '--role', 'reader'], /--dir: given more than once/],
      ['a missing output directory', () => ['issue', '--dir', caDir, '--role', 'reader', '--name', 'r'], /--out: is required/],
      ['init without a cluster name', () => ['init', '--dir', join(dir, 'new-ca')], /--cluster: is required/],
      ['show without a file', () => ['show'], /FILE: name the certificate to show/],
      ['show with two files', () => ['show', 'a.crt', 'b.crt'], /arguments: unexpected argument "b.crt"/],
      ['a CA directory with a terminal escape', () => ['issue', '--dir', `${caDir}\u001b[2J`, '--role', 'reader', '--name', 'r', '--out', outDir], /--dir: contains control characters/],
      ['a role checked at parse time, before --out', () => ['issue', '--dir', caDir, '--role', 'admin'], /--role: "admin" must be one of agent, coordinator, reader/],
    ];
    for (const [what, argv, field] of cases) {
      it(`refuses ${what}, naming the flag, writing nothing`, async () => {
        const before = await snapshot();
        const r = await run(argv());
        expect(r.code, r.err).to.equal(2);
        expect(r.err).to.match(field);
        expect(await snapshot(), 'the CA directory is unchanged').to.equal(before);
        expect(existsSync(outDir), 'no output directory').to.equal(false);
        expect(existsSync(join(dir, 'new-ca')), 'no new CA').to.equal(false);
        counts.certsFlags += 1;
      });
    }
  });
});

/** Nested aliases that expand to 9^7 strings when a parser follows them. */
function billionLaughs(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  const names = 'abcdefg';
  for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
  return lines.join('\n') + '\n';
}
