import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../../agent/agent-daemon.js';
import { DEFAULT_CONFIG_DOC, parseAgentConfig } from '../../../agent/config/agent-config.js';
import { AgentClient } from '../../../shared/agent-api/agent-client.js';
import { createLogger } from '../../../shared/log/logger.js';
import { notYet, ready, waitFor } from '../../../shared/time/wait-for.js';
import { openIdle, openIdleFlood, type IdleConnection } from '../../security/idle-connections.js';
import { agentTlsYaml, clientTls, TestPki, type IssuedPem } from '../../security/test-pki.js';
import { CapturedLog } from '../../support/captured-log.js';
import { FakeHost } from './fake-host.js';

/**
 * Issue 17, connection exhaustion without a certificate: an in-process agent with real mutual TLS
 * on 127.0.0.1; attackers connect from other loopback sources (127.0.0.2, …), the coordinator
 * from 127.0.0.1. Per-peer limits, grpc.allowFrom at accept (before any TLS byte) and the
 * absolute handshake deadline, each refusal logged (within the log budget) and counted.
 */

const REFUSAL = 'refused a connection to the gRPC port';

describe('agent connection limits (issue 17: no certificate, no way to take every slot)', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let agentCert: IssuedPem;
  let coordinatorCert: IssuedPem;
  let dir: string;
  let agent: RunningAgent | undefined;
  let log: CapturedLog;
  const clients: AgentClient[] = [];
  const idle: IdleConnection[] = [];

  const start = async (extraGrpc: string, handshakeTimeoutMs: number, maxConnections = 256): Promise<void> => {
    log = new CapturedLog();
    const yaml = `${agentTlsYaml(agentCert)}  handshakeTimeoutMs: ${handshakeTimeoutMs}
  maxConnections: ${maxConnections}
grpc: { listen: "127.0.0.1:0"${extraGrpc} }
http: { listen: "127.0.0.1:0" }
stateDir: ${join(dir, 'state')}
logLevel: info
`;
    agent = await startAgent(parseAgentConfig(yaml, 'connection-limits.yaml'), {
      logger: createLogger('agent', { level: 'info' }, log),
      runner: new FakeHost().runner,
      boot: { bootId: '44444444-4444-4444-8444-444444444444', bootTimeUnixMs: 1_795_744_600_000 },
      machineId: 'feedfacefeedfacefeedfacefeedface',
    });
  };
  const coordinator = (): AgentClient => {
    const c = new AgentClient(`127.0.0.1:${agent!.grpcPort}`, { defaultDeadlineMs: 10_000, tls: clientTls(coordinatorCert, 'test-node') });
    clients.push(c);
    return c;
  };
  const refusals = (kind: string): Record<string, unknown>[] => log.lines.filter((l) => l.msg === REFUSAL && l.kind === kind);
  const refusedMetric = async (reason: string): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${agent!.httpPort}/metrics`)).text();
    const m = new RegExp(`^noderoll_agent_grpc_connections_refused_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text);
    return Number(m?.[1] ?? 0);
  };
  /** Waits until the agent has closed `count` of `conns` (accept order is the kernel's, not the array's). */
  const closedByAgent = (conns: IdleConnection[], count: number, what: string, timeoutMs: number): Promise<void> =>
    waitFor({ what, timeoutMs }, async () => {
      const closed = conns.filter((c) => c.closedByPeer()).length;
      return closed >= count ? ready(undefined) : notYet(`${closed} of ${conns.length} closed`);
    });
  const allClosed = (conns: IdleConnection[], what: string, timeoutMs: number): Promise<void> => closedByAgent(conns, conns.length, what, timeoutMs);

  before(async () => {
    pki = await TestPki.create('connlimit');
    agentCert = await pki.agent('test-node', { ips: ['127.0.0.1'] });
    coordinatorCert = await pki.client('coordinator', 'connlimit-test');
    dir = await mkdtemp(join(tmpdir(), 'noderoll-connlimit-'));
  });

  afterEach(async () => {
    for (const c of idle.splice(0)) c.socket.destroy();
    for (const c of clients.splice(0)) c.close();
    await agent?.stop();
    agent = undefined;
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await pki?.cleanup();
  });

  it('defaults: 16 connections per peer of 256 in all, 3 s to complete the handshake, every source allowed', () => {
    const c = parseAgentConfig('', 'empty.yaml');
    expect(c.grpc.maxConnectionsPerPeer).to.equal(16);
    expect(c.tls.maxConnections).to.equal(256);
    expect(c.tls.handshakeTimeoutMs).to.equal(3000);
    expect(c.grpc.allowFrom).to.deep.equal([]);
    expect(DEFAULT_CONFIG_DOC.grpc.maxConnectionsPerPeer).to.be.below(DEFAULT_CONFIG_DOC.tls.maxConnections);
  });

  it('300 idle connections from 127.0.0.2: it keeps 16, the rest are closed at accept, and the coordinator on 127.0.0.1 is served throughout', async () => {
    // a handshake deadline far away: only the per-peer limit can keep the slots free here
    await start('', 60_000);
    const before = coordinator();
    expect((await before.getNodeInfo()).machineId).to.equal('feedfacefeedfacefeedfacefeedface');
    idle.push(...(await openIdleFlood('127.0.0.1', agent!.grpcPort, '127.0.0.2', 300)));
    await closedByAgent(idle, 284, 'the agent to close the 284 connections of 127.0.0.2 over its limit', 20_000);
    expect(idle.filter((c) => !c.closedByPeer()), '16 are kept (until their handshake deadline)').to.have.length(16);
    expect(idle.reduce((n, c) => n + c.bytesReceived(), 0), 'bytes sent to the idle connections').to.equal(0);
    // the flood is still holding its 16 slots: a new coordinator connection and the old one both work
    expect((await coordinator().getNodeInfo(5000)).machineId).to.equal('feedfacefeedfacefeedfacefeedface');
    expect((await before.getNodeInfo(5000)).bootId).to.equal('44444444-4444-4444-8444-444444444444');
    // 300 more while the coordinator calls
    const more = openIdleFlood('127.0.0.1', agent!.grpcPort, '127.0.0.2', 300);
    const during = await Promise.all(Array.from({ length: 5 }, () => coordinator().getNodeInfo(5000)));
    idle.push(...(await more));
    expect(during.map((i) => i.machineId)).to.deep.equal(Array(5).fill('feedfacefeedfacefeedfacefeedface'));
    await closedByAgent(idle, 284 + 300, 'the agent to close the second 300 of 127.0.0.2', 20_000);
    expect(idle.filter((c) => !c.closedByPeer()), 'still the same 16 kept').to.have.length(16);
    // counted, and logged within the budget (30 a minute), each line naming the source
    expect(await refusedMetric('peer-limit')).to.equal(284 + 300);
    const lines = refusals('peer-limit');
    expect(lines.length).to.be.within(1, 30);
    for (const l of lines) expect(String(l.peer)).to.match(/^127\.0\.0\.2:\d+$/);
    expect(String(lines[0]?.reason)).to.match(/^127\.0\.0\.2 already holds 16 connections \(grpc\.maxConnectionsPerPeer 16\)$/);
  });

  it('the total cap still holds across sources: over tls.maxConnections, connections are closed at accept as total-limit', async () => {
    await start(', maxConnectionsPerPeer: 8', 60_000, 20);
    for (const source of ['127.0.0.6', '127.0.0.7', '127.0.0.8']) idle.push(...(await openIdleFlood('127.0.0.1', agent!.grpcPort, source, 8)));
    await closedByAgent(idle, 4, 'the agent to close the 4 connections over tls.maxConnections 20', 10_000);
    expect(idle.filter((c) => !c.closedByPeer()), 'open').to.have.length(20);
    expect(await refusedMetric('total-limit')).to.equal(4);
    expect(await refusedMetric('peer-limit')).to.equal(0);
    expect(String(refusals('total-limit')[0]?.reason)).to.equal('20 connections are open (tls.maxConnections)');
  });

  it('grpc.allowFrom: a source outside the list is closed at accept before any TLS byte; the log and metric name it', async () => {
    await start(', allowFrom: ["127.0.0.1/32", "fd00:1::/64"]', 60_000);
    const outsider = await openIdle('127.0.0.1', agent!.grpcPort, '127.0.0.3');
    idle.push(outsider);
    await allClosed([outsider], 'the agent to close the connection from 127.0.0.3', 10_000);
    expect(outsider.bytesReceived()).to.equal(0);
    // a TLS client from outside the list sees the connection end without a server hello
    const tlsError = await new Promise<Error>((resolve) => {
      const s = tlsConnect({ socket: netConnect({ host: '127.0.0.1', port: agent!.grpcPort, localAddress: '127.0.0.4' }), ca: coordinatorCert.pem.ca, cert: coordinatorCert.pem.cert, key: coordinatorCert.pem.key, servername: 'test-node', ALPNProtocols: ['h2'] });
      s.once('secureConnect', () => resolve(new Error('the TLS handshake completed')));
      s.once('error', (e) => resolve(e));
    });
    expect(tlsError.message).to.match(/socket disconnected before secure TLS connection was established|ECONNRESET/);
    expect((await coordinator().getNodeInfo(5000)).machineId).to.equal('feedfacefeedfacefeedfacefeedface');
    const lines = refusals('not-allowed');
    expect(lines.map((l) => String(l.peer).split(':')[0])).to.include.members(['127.0.0.3', '127.0.0.4']);
    expect(String(lines[0]?.reason)).to.equal('127.0.0.3 is not in grpc.allowFrom (127.0.0.1/32, fd00:1::/64)');
    expect(await refusedMetric('not-allowed')).to.equal(2);
    expect(log.lines.filter((l) => l.msg === REFUSAL && l.kind !== 'not-allowed'), 'no TLS-level refusal: TLS never started').to.have.length(0);
  });

  it('the handshake deadline is absolute: a client trickling one byte at a time is cut, logged as handshake-timeout', async () => {
    await start('', 1000);
    const slow = await openIdle('127.0.0.1', agent!.grpcPort, '127.0.0.5');
    const silent = await openIdle('127.0.0.1', agent!.grpcPort, '127.0.0.5');
    idle.push(slow, silent);
    // a TLS record header, one byte every 200 ms: each byte restarts Node's own (idle) handshake
    // timer; at most 100 bytes (20 s), the test's bound, far past the 1 s deadline
    const record = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, ...Array(95).fill(0x01)]);
    for (let i = 0; i < record.length && !slow.closedByPeer() && !slow.socket.destroyed; i += 1) {
      slow.socket.write(record.subarray(i, i + 1));
      await new Promise((r) => setTimeout(r, 200));
    }
    await allClosed([slow, silent], 'the agent to cut both unauthenticated connections', 10_000);
    expect(slow.closedByPeer(), 'cut by the agent while still sending').to.equal(true);
    const lines = refusals('handshake-timeout');
    expect(lines.map((l) => String(l.peer).split(':')[0])).to.deep.equal(['127.0.0.5', '127.0.0.5']);
    expect(String(lines[0]?.reason)).to.equal('no TLS handshake completed within 1000 ms of connecting (tls.handshakeTimeoutMs)');
    expect(await refusedMetric('handshake-timeout')).to.equal(2);
    expect(refusals('handshake'), 'counted once, as handshake-timeout').to.have.length(0);
    expect((await coordinator().getNodeInfo(5000)).machineId).to.equal('feedfacefeedfacefeedfacefeedface');
  });
});
