import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { AgentCallError, AgentClient, type AgentClientTls } from '../../shared/agent-api/agent-client.js';
import { runCommand } from '../../shared/exec/command-runner.js';
import { createLogger } from '../../shared/log/logger.js';
import { Lab, type LabNode } from '../lab/lab.js';
import { NODE_LAB_NODE_BINARY, NODE_LAB_PROJECT_DIR, PLANET_UNIT, TELEPORT_UNIT } from '../lab/node-rootfs.js';
import { AGENT_GRPC_PORT, AGENT_HTTP_PORT, AGENT_METRICS_PORT, labAgentConfigYaml } from '../lab/noderoll-config.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { hostileRequests, type HostileContext } from './hostile-requests.js';
import { attemptRenegotiation } from './tls-renegotiation.js';
import type { IdleFloodReport } from './idle-flood-cli.js';
import { clientTls, TestPki, type IssuedPem } from './test-pki.js';
import { httpsGet } from './tls-http.js';

/**
 * Mutual TLS against a real agent: one lab node whose agent runs from systemd with its default
 * TLS settings and a certificate naming node-1 and its address. Connection attacks — no client
 * certificate, another cluster's CA, expired and not-yet-valid certificates, an agent certificate
 * presented by a client, a certificate without a role, a reader changing the node, a coordinator
 * reaching the wrong node, plaintext, old TLS, weak ciphers — are each refused with a distinct
 * message on the client side, and logged by the agent. What is allowed works: a reader reads, a
 * coordinator changes the node (audit-logged with its identity), Prometheus-style HTTPS with a
 * client certificate gets /metrics. Then every hostile request of hostile-requests.ts is sent to
 * the real agent: unit states, operations, packages and the boot are unchanged afterwards and the
 * agent's journal shows each refusal.
 */

const logger = createLogger('mtls-lab-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });
const GRPC_PORT = AGENT_GRPC_PORT;
const HTTP_PORT = AGENT_HTTP_PORT;
const METRICS_PORT = AGENT_METRICS_PORT;
const attacksRefused: { attack: string; message: string }[] = [];

function note(text: string): void {
  process.stdout.write(`      ${text}\n`);
}

const agentYaml = (n: { nodeAddress: string }): string => labAgentConfigYaml(n);

async function refused(p: Promise<unknown>): Promise<AgentCallError> {
  try {
    await p;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(AgentCallError);
    return err as AgentCallError;
  }
  expect.fail('the call was accepted');
}

describe('mutual TLS against a lab agent', function () {
  this.timeout(180_000);
  let lab: Lab | undefined;
  let pki: TestPki | undefined;
  let other: TestPki | undefined;
  const certs: Record<'coordinator' | 'reader' | 'expired' | 'notYetValid' | 'foreign' | 'agentAsClient' | 'noRole', IssuedPem> = {} as never;
  const clients: AgentClient[] = [];

  const node = (): LabNode => {
    if (!lab) throw new Error('lab did not come up');
    return lab.node('node-1');
  };
  const address = (): string => `${node().names.nodeAddress}:${GRPC_PORT}`;
  const client = (tls: AgentClientTls | undefined): AgentClient => {
    const c = new AgentClient(address(), { defaultDeadlineMs: 10_000, ...(tls ? { tls } : { insecurePlaintext: true }) });
    clients.push(c);
    return c;
  };
  const asCoordinator = (): AgentClient => client(clientTls(certs.coordinator, 'node-1'));
  const asReader = (): AgentClient => client(clientTls(certs.reader, 'node-1'));
  const agentJournal = async (): Promise<Record<string, unknown>[]> => {
    const out = (await node().exec('journalctl', ['-u', 'noderoll-agent', '--no-pager', '-o', 'cat'])).stdout;
    return out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };

  before(async () => {
    const t0 = Date.now();
    pki = await TestPki.create('mtls-lab');
    other = await TestPki.create('another-cluster');
    const day = 86_400_000;
    certs.coordinator = await pki.client('coordinator', 'mtls-test');
    certs.reader = await pki.client('reader', 'prometheus');
    certs.expired = await pki.client('coordinator', 'expired', { notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) });
    certs.notYetValid = await pki.client('coordinator', 'from-the-future', { notBefore: new Date(Date.now() + day), notAfter: new Date(Date.now() + 30 * day) });
    certs.foreign = await other.client('coordinator', 'intruder');
    certs.agentAsClient = await pki.agent('node-7');
    certs.noRole = await pki.custom('no-role', { extendedKeyUsage: 'clientAuth', dns: ['no-role.example'], ips: [], uris: [] });
    lab = await Lab.up({ nodes: 1, logger, agentConfig: agentYaml, agentFiles: (n) => pki!.agentNodeFiles(n) });
    await asCoordinator().waitUntilServing(30_000);
    note(`lab with a mutual-TLS agent up in ${Date.now() - t0} ms`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && lab) {
      const j = await node()
        .exec('journalctl', ['-u', 'noderoll-agent', '--no-pager', '-n', '30', '-o', 'cat'], { okExitCodes: [0, 1] })
        .catch((e: Error) => ({ stdout: e.message }));
      note(`agent journal:\n${j.stdout}`);
    }
  });

  after(async () => {
    for (const c of clients) c.close();
    await lab?.down();
    await pki?.cleanup();
    await other?.cleanup();
    note(`connection attacks refused: ${attacksRefused.length}, each with its own message:`);
    for (const a of attacksRefused) note(`  - ${a.attack}: ${a.message.slice(0, 160)}`);
  });

  describe('connection attacks: each refused with its own message', () => {
    const attack = async (name: string, run: () => Promise<string>, expected: RegExp): Promise<void> => {
      const message = await run();
      expect(message).to.match(expected);
      expect(
        attacksRefused.map((a) => a.message),
        'the message must differ from every other attack',
      ).to.not.include(message);
      attacksRefused.push({ attack: name, message });
    };
    const unauthenticated = async (c: AgentClient): Promise<string> => {
      const e = await refused(c.getNodeInfo());
      expect(e.codeName, e.message).to.equal('UNAUTHENTICATED');
      return e.message;
    };

    it('no client certificate', async () => {
      await attack('no client certificate', () => unauthenticated(client({ ca: certs.coordinator.pem.ca, expectedNode: 'node-1' })), /the agent at .* refused this client: no client certificate was presented; this agent requires one issued by the cluster's noderoll CA "noderoll CA mtls-lab"/);
    });

    it('a client certificate from another CA', async () => {
      await attack('a certificate from another CA', () => unauthenticated(client({ ...clientTls(certs.foreign, 'node-1'), ca: certs.coordinator.pem.ca })), /the client certificate CN=intruder .* was not issued by this cluster's noderoll CA "noderoll CA mtls-lab" \(its issuer: "noderoll CA another-cluster"\)/);
    });

    it('an expired client certificate', async () => {
      await attack('an expired certificate', () => unauthenticated(client(clientTls(certs.expired, 'node-1'))), /the client certificate CN=expired .* has expired \(valid until \d{4}-\d\d-\d\dT.*, agent time .* later\); issue a new one, or, if it should still be valid, the node's clock may be ahead: check NTP on the node/);
    });

    it('a client certificate that is not valid yet', async () => {
      await attack('a not-yet-valid certificate', () => unauthenticated(client(clientTls(certs.notYetValid, 'node-1'))), /the client certificate CN=from-the-future .* is not yet valid \(valid from .*, agent time .* earlier\); the node's clock may be behind: check NTP on the node/);
    });

    it("an agent's certificate presented as a client certificate", async () => {
      await attack('an agent (server) certificate used by a client', () => unauthenticated(client(clientTls(certs.agentAsClient, 'node-1'))), /the certificate CN=node-7 .* is not a client certificate \(its extended key usage lacks clientAuth\)/);
    });

    it('a client certificate of the cluster CA without a noderoll role', async () => {
      await attack('a certificate without a role', () => unauthenticated(client(clientTls(certs.noRole, 'node-1'))), /the client certificate CN=no-role .* carries no noderoll identity/);
    });

    it('a reader certificate calling a mutating RPC (and every other one)', async () => {
      const reader = asReader();
      const messages: string[] = [];
      for (const call of [
        () => reader.stopUnit({ operationId: `reader-stop-${randomBytes(3).toString('hex')}`, unit: PLANET_UNIT }),
        () => reader.startUnit({ operationId: `reader-start-${randomBytes(3).toString('hex')}`, unit: TELEPORT_UNIT }),
        () => reader.enableUnit({ operationId: `reader-enable-${randomBytes(3).toString('hex')}`, unit: PLANET_UNIT, now: true }),
        () => reader.reboot(`reader-reboot-${randomBytes(3).toString('hex')}`, 'not yours to do'),
        async () => {
          const r = await reader.install(`reader-install-${randomBytes(3).toString('hex')}`, '7.0.68');
          if (r.error) throw r.error;
        },
      ]) {
        const e = await refused(call());
        expect(e.codeName, e.message).to.equal('PERMISSION_DENIED');
        messages.push(e.message);
      }
      await attack('a reader certificate calling StopUnit', async () => messages[0]!, /^StopUnit: PERMISSION_DENIED: caller reader CN=prometheus .*: StopUnit changes the node; role reader may call only read RPCs/);
      expect(messages.slice(1).every((m) => /role reader may call only read RPCs/.test(m))).to.equal(true);
    });

    it('a coordinator certificate presented to the wrong node (client expects node-2, reaches node-1)', async () => {
      await attack(
        'the agent of another node (wrong node)',
        async () => {
          const e = await refused(client(clientTls(certs.coordinator, 'node-2')).getNodeInfo());
          expect(e.codeName).to.equal('UNAVAILABLE');
          return e.message;
        },
        /cannot connect to the agent at .*: the agent at .* is node "node-1" by its certificate, not node "node-2" this client meant to reach/,
      );
    });

    it("an agent whose certificate is not from the CA the client trusts (a rogue agent)", async () => {
      await attack(
        'an agent certificate from a CA the client does not trust',
        async () => {
          const e = await refused(client({ ...clientTls(certs.coordinator, 'node-1'), ca: certs.foreign.pem.ca }).getNodeInfo());
          expect(e.codeName).to.equal('UNAVAILABLE');
          return e.message;
        },
        /cannot connect to the agent at .*: the agent's certificate was not issued by the CA this client trusts/,
      );
    });

    it('plaintext gRPC to the TLS port', async () => {
      await attack(
        'plaintext gRPC',
        async () => {
          const e = await refused(client(undefined).getNodeInfo(3000));
          expect(e.codeName).to.be.oneOf(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL']);
          return e.message;
        },
        /GetNodeInfo: (UNAVAILABLE|DEADLINE_EXCEEDED|INTERNAL): /,
      );
    });

    it('TLS 1.1 and a CBC cipher suite under TLS 1.2 (openssl s_client)', async () => {
      const sClient = async (args: string[]): Promise<string> => {
        const r = await runCommand({
          file: 'openssl',
          args: ['s_client', '-connect', address(), '-CAfile', certs.coordinator.caFile, '-cert', certs.coordinator.certFile, '-key', certs.coordinator.keyFile, '-alpn', 'h2', ...args],
          input: '',
          timeoutMs: 15_000,
          okExitCodes: [0, 1],
        });
        expect(r.exitCode, r.stdout).to.equal(1);
        return /:([a-z0-9 ]*alert [a-z ]+):/.exec(r.stderr)?.[1] ?? r.stderr.trim().split('\n').pop() ?? '';
      };
      await attack('TLS 1.1', () => sClient(['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']), /alert protocol version/);
      await attack('TLS 1.2 with a CBC cipher', () => sClient(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA']), /alert handshake failure/);
    });

    it('a TLS 1.2 renegotiation by an admitted coordinator: the agent closes the connection and audits it', async () => {
      await attack('TLS 1.2 renegotiation', () => attemptRenegotiation(node().names.nodeAddress, GRPC_PORT, certs.coordinator.pem, 'node-1'), /^closed by the server$/);
      const lines = (await agentJournal()).filter((l) => l.audit === true && l.kind === 'renegotiation');
      expect(lines, 'audit line of the renegotiation').to.have.length(1);
      expect(String(lines[0]?.certificate)).to.match(/^coordinator CN=mtls-test \(serial [0-9a-f]+, sha256 [0-9a-f]+\)$/);
    });

    it('300 idle connections from one address (the node itself, no certificate): the coordinator is served throughout (issue 17)', async () => {
      const flooder = node().names.nodeAddress;
      const refusedCounts = async (): Promise<{ peerLimit: number; handshakeTimeout: number }> => {
        const body = (await httpsGet(`https://${node().names.nodeAddress}:${METRICS_PORT}/metrics`, certs.reader.pem)).body;
        const count = (reason: string): number => Number(new RegExp(`^noderoll_agent_grpc_connections_refused_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(body)?.[1] ?? 0);
        return { peerLimit: count('peer-limit'), handshakeTimeout: count('handshake-timeout') };
      };
      const before = await refusedCounts();
      await attack(
        '300 idle connections from one address',
        async () => {
          // inside the node's network namespace: the source is the node's address, not the host's
          const flood = node().exec(NODE_LAB_NODE_BINARY, [`${NODE_LAB_PROJECT_DIR}/dist/test/security/idle-flood-cli.js`, flooder, String(GRPC_PORT), flooder, '300', '20000'], { timeoutMs: 60_000 });
          flood.catch(() => undefined);
          await waitFor({ what: `the agent to refuse connections of ${flooder} over grpc.maxConnectionsPerPeer`, timeoutMs: 30_000 }, async () => {
            const now = await refusedCounts();
            return now.peerLimit > before.peerLimit ? ready(undefined) : notYet(`peer-limit refusals ${now.peerLimit - before.peerLimit}`);
          });
          // while the flood holds its slots: ten calls, each on a new connection from the host
          const infos: { bootId: string }[] = [];
          for (let i = 0; i < 10; i += 1) {
            const c = asCoordinator();
            infos.push(await c.getNodeInfo(10_000));
            c.close();
          }
          expect(infos.map((n) => n.bootId).every((b) => b === infos[0]?.bootId)).to.equal(true);
          const report = JSON.parse((await flood).stdout.trim()) as IdleFloodReport;
          expect(report.opened).to.equal(300);
          expect(report.closedByAgent, 'every idle connection closed by the agent').to.equal(300);
          expect(report.bytesReceived, 'no byte sent to an idle connection').to.equal(0);
          const after = await refusedCounts();
          const byLimit = after.peerLimit - before.peerLimit;
          const byDeadline = after.handshakeTimeout - before.handshakeTimeout;
          expect(byLimit + byDeadline, 'each connection refused once: at accept (per-peer limit) or at the handshake deadline').to.equal(300);
          expect(byLimit).to.be.at.least(300 - 256);
          const lines = (await agentJournal()).filter((l) => l.msg === 'refused a connection to the gRPC port' && l.kind === 'peer-limit');
          expect(lines.length).to.be.within(1, 30);
          expect(String(lines[0]?.peer).startsWith(`${flooder}:`), String(lines[0]?.peer)).to.equal(true);
          return `${flooder}: ${byLimit} closed at accept (grpc.maxConnectionsPerPeer), ${byDeadline} cut at the handshake deadline; coordinator calls served: ${infos.length} of 10; journal: ${String(lines[0]?.reason)}`;
        },
        /closed at accept \(grpc\.maxConnectionsPerPeer\).*coordinator calls served: 10 of 10; journal: .* already holds 16 connections/,
      );
    });

    it('the agent logged each refused connection, and counts them in /metrics', async () => {
      const refusals = (await agentJournal()).filter((l) => l.msg === 'refused a connection to the gRPC port');
      const kinds = new Set(refusals.map((l) => l.kind));
      for (const kind of ['no-certificate', 'unknown-ca', 'expired', 'not-yet-valid', 'not-client-certificate', 'no-role', 'handshake']) expect([...kinds], kind).to.include(kind);
      const metrics = await httpsGet(`https://${node().names.nodeAddress}:${METRICS_PORT}/metrics`, certs.reader.pem);
      expect(metrics.body).to.match(/^noderoll_agent_grpc_connections_refused_total\{reason="expired"\} [1-9]/m);
      expect(metrics.body).to.match(/^noderoll_agent_tls_certificate_expiry_timestamp_seconds \d/m);
    });
  });

  describe('what is allowed', () => {
    it('a reader calls read RPCs', async () => {
      const reader = asReader();
      expect((await reader.getNodeInfo()).hostname).to.equal('node-1');
      expect((await reader.listUnits(['gravity__gravitational*'])).units.map((u) => u.name)).to.deep.equal([PLANET_UNIT, TELEPORT_UNIT]);
      expect((await reader.scanJournal({ maxEntries: 2 })).entries).to.have.length(2);
      await reader.listOperations();
      expect((await reader.runPlanetChecks()).allOk).to.equal(true);
    });

    it('a coordinator changes the node, and the audit log names it, the operation and the arguments', async () => {
      const id = `mtls-stop-${randomBytes(3).toString('hex')}`;
      const coordinator = asCoordinator();
      const stopped = await coordinator.stopUnit({ operationId: id, unit: TELEPORT_UNIT, timeoutMs: 30_000 });
      expect(stopped.unit?.activeState).to.equal('inactive');
      const started = await coordinator.startUnit({ operationId: `${id}-start`, unit: TELEPORT_UNIT, timeoutMs: 30_000 });
      expect(started.unit?.activeState).to.equal('active');
      const audit = (await agentJournal()).filter((l) => l.audit === true && l.method === 'StopUnit' && (l.args as { operationId?: string } | undefined)?.operationId === id);
      expect(audit.map((l) => l.phase ?? l.outcome)).to.deep.equal(['requested']);
      expect(audit[0]).to.deep.include({ role: 'coordinator', args: { operationId: id, unit: TELEPORT_UNIT, timeoutMs: 30_000 } });
      expect(String(audit[0]?.caller)).to.match(/^coordinator CN=mtls-test \(serial [0-9a-f]+, sha256 [0-9a-f]+\)$/);
      const done = (await agentJournal()).filter((l) => l.audit === true && l.method === 'StopUnit' && l.operationId === id);
      expect(done[0]).to.include({ outcome: 'succeeded', role: 'coordinator' });
    });

    it('/metrics and /status over HTTPS need a client certificate of the cluster CA (Prometheus-style scrape)', async () => {
      const url = `https://${node().names.nodeAddress}:${METRICS_PORT}`;
      const ok = await httpsGet(`${url}/metrics`, certs.reader.pem);
      expect(ok.status).to.equal(200);
      expect(ok.body).to.match(/^noderoll_agent_info\{/m);
      expect((await httpsGet(`${url}/status`, certs.coordinator.pem)).status).to.equal(200);
      const anonymous = await httpsGet(`${url}/metrics`, { ca: certs.reader.pem.ca });
      expect(anonymous.status).to.equal(401);
      expect(anonymous.body).to.match(/^client certificate refused: no client certificate was presented/);
      const intruder = await httpsGet(`${url}/metrics`, { ...certs.foreign.pem, ca: certs.reader.pem.ca });
      expect(intruder.status).to.equal(401);
      expect(intruder.body).to.match(/was not issued by this cluster's noderoll CA/);
      expect((await fetch(`http://${node().names.nodeAddress}:${HTTP_PORT}/healthz`)).status, 'health stays plain').to.equal(200);
      expect((await fetch(`http://${node().names.nodeAddress}:${HTTP_PORT}/metrics`)).status, 'metrics are not on the plain port').to.equal(404);
    });
  });

  describe('rotation under systemd', () => {
    it('systemctl reload noderoll-agent re-reads the TLS files without a restart', async () => {
      const pid = (await node().exec('systemctl', ['show', '-p', 'MainPID', '--value', 'noderoll-agent'])).stdout.trim();
      await node().exec('systemctl', ['reload', 'noderoll-agent']);
      const reloaded = async (): Promise<boolean> => (await agentJournal()).some((l) => l.msg === 'SIGHUP: TLS files reloaded; new connections use them');
      for (let i = 0; i < 50 && !(await reloaded()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await reloaded()).to.equal(true);
      expect((await node().exec('systemctl', ['show', '-p', 'MainPID', '--value', 'noderoll-agent'])).stdout.trim(), 'same process').to.equal(pid);
      expect((await asReader().getNodeInfo()).hostname).to.equal('node-1');
    });
  });

  describe('a reader cannot stall the agent with a journal pattern (issue 17)', () => {
    /** Polls /healthz one request at a time until `done` settles; the slowest answer and how many. */
    const pollHealth = async (done: Promise<unknown>): Promise<{ polls: number; slowestMs: number; failures: string[] }> => {
      let finished = false;
      void done.finally(() => (finished = true)).catch(() => undefined);
      const r = { polls: 0, slowestMs: 0, failures: [] as string[] };
      const url = `http://${node().names.nodeAddress}:${HTTP_PORT}/healthz`;
      // bounded: the scans end by their timeout_ms (3 s), and the loop by 600 polls at the latest
      while (!finished && r.polls < 600) {
        const t = Date.now();
        const status = await fetch(url, { signal: AbortSignal.timeout(10_000) }).then(
          (res) => res.status,
          (e: Error) => e.message,
        );
        r.slowestMs = Math.max(r.slowestMs, Date.now() - t);
        r.polls += 1;
        if (status !== 200) r.failures.push(String(status));
        await new Promise((res) => setTimeout(res, 25));
      }
      return r;
    };

    it('refused shapes and a pattern that backtracks on planted text: /healthz answers throughout, the scan ends by timeout_ms', async () => {
      const since = Date.now() - 1000;
      // ordinary 400-character text (94 s for [^Z]*[^Z]*[^Z]*[^Z]*Z in V8) and text that a pattern
      // passing the shape check backtracks on; logger writes them to the node's real journal
      await node().exec('logger', ['-t', 'noderoll-redos', '--', 'the quick brown fox jumps over the lazy dog '.repeat(10).slice(0, 400)]);
      await node().exec('logger', ['-t', 'noderoll-redos', '--', 'a'.repeat(120)]);
      await node().exec('logger', ['-t', 'noderoll-redos', '--', 'a'.repeat(400)]);
      const reader = asReader();
      const shape = await refused(reader.scanJournal({ sinceUnixMs: since, includePatterns: ['[^Z]*[^Z]*[^Z]*[^Z]*Z'] }));
      expect(shape.codeName).to.equal('INVALID_ARGUMENT');
      expect(shape.details).to.match(/^include_patterns\[0\]: "\[\^Z\]\*\[\^Z\]\*\[\^Z\]\*\[\^Z\]\*Z" has two unbounded repeats in a row .*catastrophic backtracking/);

      const scans = Promise.all([
        refused(reader.scanJournal({ sinceUnixMs: since, includePatterns: ['noderoll-redos', '.*a.*a.*a.*a.*Z'], timeoutMs: 3000 }, { deadlineMs: 30_000 })),
        refused(reader.scanJournal({ sinceUnixMs: since, excludePatterns: ['[a-z]*-?[a-z]*-?[a-z]*-?[a-z]*-?[a-z]*Z'], timeoutMs: 3000 }, { deadlineMs: 30_000 })),
      ]);
      const health = await pollHealth(scans);
      const [included, excluded] = await scans;
      for (const [e, field] of [
        [included, 'include_patterns\\[1\\]'],
        [excluded, 'exclude_patterns\\[0\\]'],
      ] as const) {
        expect(e.codeName, e.message).to.equal('DEADLINE_EXCEEDED');
        expect(e.details).to.match(new RegExp(`^journal scan: ${field} ".*" was still matching a \\d+-character message when timeout_ms \\(3000 ms\\) ran out`));
      }
      note(`/healthz during two 3 s pattern scans: ${health.polls} polls, slowest ${health.slowestMs} ms`);
      expect(health.failures, '/healthz answers').to.deep.equal([]);
      expect(health.polls, 'polls while the scans ran').to.be.above(10);
      // unprotected, one such scan froze the agent for seconds; a generous bound for a shared machine
      expect(health.slowestMs, 'slowest /healthz answer (ms)').to.be.below(500);
      expect((await reader.getNodeInfo()).hostname, 'the agent serves on').to.equal('node-1');
    });
  });

  describe('hostile requests to the real agent change nothing', () => {
    const snapshot = async (): Promise<{ units: string; operations: string; dpkg: string; bootId: string }> => {
      const units = (
        await node().exec('systemctl', ['show', '-p', 'Id,ActiveState,SubState,MainPID,UnitFileState', '--', PLANET_UNIT, TELEPORT_UNIT, 'dbus.service', 'noderoll-agent.service', 'systemd-journald.service', '-.mount'])
      ).stdout;
      const operations = JSON.stringify(await asReader().listOperations(500));
      const dpkg = (await node().exec('cat', ['/var/log/dpkg.log'])).stdout;
      return { units, operations, dpkg, bootId: node().bootId() };
    };

    it('every hostile request is refused as in-process; unit states, operations, packages and the boot are unchanged; the journal shows each refusal', async () => {
      const coordinator = asCoordinator();
      const ctx: HostileContext = { allowedUnit: PLANET_UNIT, otherAllowedUnit: TELEPORT_UNIT, reader: asReader(), opId: (w) => `${w}-${randomBytes(3).toString('hex')}` };
      const requests = hostileRequests();
      for (const r of requests) await r.prepare?.(coordinator, ctx);
      const before = await snapshot();
      const since = Date.now();
      for (const r of requests) {
        const e = await refused(r.send(coordinator, ctx));
        expect(e.codeName, `${r.what}: ${e.message}`).to.equal(r.code);
        expect(e.details.slice(0, 300), r.what).to.match(r.details);
      }
      const after = await snapshot();
      expect(after.units, 'unit states').to.equal(before.units);
      expect(after.operations, 'operations').to.equal(before.operations);
      expect(after.dpkg, 'dpkg log').to.equal(before.dpkg);
      expect(after.bootId, 'no reboot').to.equal(before.bootId);
      const journal = (await agentJournal()).filter((l) => typeof l.time === 'number' && l.time >= since - 1000);
      const audited = requests.filter((r) => r.auditedOperationId);
      for (const r of audited) {
        const id = r.auditedOperationId!(ctx);
        const line = journal.find((l) => l.audit === true && l.outcome === 'refused' && l.method === r.rpc && (l.args as { operationId?: string } | undefined)?.operationId === id);
        expect(line, `audit line of: ${r.what}`).to.not.equal(undefined);
      }
      // refused before any handler ran (over the size limit): audited too, with the caller and its certificate
      const early = requests.filter((r) => r.refusedBeforeHandler);
      const earlyLines = journal.filter((l) => l.audit === true && l.outcome === 'refused' && l.stage === 'before-handler');
      for (const r of early) {
        const line = earlyLines.find((l) => l.method === r.rpc && l.code === r.code);
        expect(line, `audit line of: ${r.what}`).to.not.equal(undefined);
        expect(String(line?.caller)).to.match(/^coordinator CN=mtls-test \(serial [0-9a-f]+, sha256 [0-9a-f]+\)$/);
        expect((line?.certificate as { uris?: string[] } | undefined)?.uris).to.include('spiffe://noderoll/role/coordinator');
      }
      note(`real node: ${requests.length} hostile requests refused (${audited.length} with an audit line naming caller, operation ID and arguments, ${early.length} refused before the handler and audited with the caller); units, operations, packages and boot unchanged`);
    });
  });
});
