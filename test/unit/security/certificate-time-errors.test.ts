import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../../agent/agent-daemon.js';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import { GrpcNodeAgent } from '../../../coordinator/agents/grpc-node-agent.js';
import { silentLogger } from '../../../shared/log/logger.js';
import { agentTlsYaml, clientTls, TestPki, type IssuedPem } from '../../security/test-pki.js';
import { FakeHost } from '../agent/fake-host.js';

/**
 * A certificate refused for its time (not yet valid, expired) was judged by somebody's clock: the
 * error the operator sees says whose, shows the times, and points at NTP — from either side of
 * the connection (the agent refusing the coordinator, the coordinator refusing the agent), through
 * the coordinator's own agent adapter against a real agent with mutual TLS.
 */

const HOUR_MS = 60 * 60_000;
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

describe('certificates refused for their time: the error names the clocks', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let dir: string;
  const agents: RunningAgent[] = [];
  const clients: GrpcNodeAgent[] = [];

  const runAgent = async (cert: IssuedPem): Promise<number> => {
    const yaml = `${agentTlsYaml(cert)}grpc: { listen: "127.0.0.1:0" }\nhttp: { listen: "" }\nstateDir: ${join(dir, `state-${agents.length}`)}\nlogLevel: silent\n`;
    const agent = await startAgent(parseAgentConfig(yaml, 'agent.yaml'), { logger: silentLogger, runner: new FakeHost().runner, boot: { bootId: 'b', bootTimeUnixMs: 1 }, machineId: 'm' });
    agents.push(agent);
    return agent.grpcPort;
  };
  /** What `noderoll plan`/`update` would show for this agent: the error of the coordinator's adapter. */
  const identityError = async (port: number, coordinator: IssuedPem): Promise<string> => {
    const agent = new GrpcNodeAgent({ node: 'node-1', address: `127.0.0.1:${port}` }, { callTimeoutMs: 5000, tls: clientTls(coordinator, 'node-1') });
    clients.push(agent);
    try {
      await agent.identity();
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('the agent answered');
  };

  before(async () => {
    pki = await TestPki.create('time');
    dir = await mkdtemp(join(tmpdir(), 'noderoll-cert-time-'));
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const a of agents) await a.stop();
    await rm(dir, { recursive: true, force: true });
    await pki?.cleanup();
  });

  it("the agent refuses a coordinator certificate that starts in the future: not yet valid, both times, the node's clock may be behind, NTP", async () => {
    const port = await runAgent(await pki.agent('node-1', { ips: ['127.0.0.1'] }));
    const future = await pki.client('coordinator', 'future', { notBefore: new Date(Date.now() + 2 * HOUR_MS), notAfter: new Date(Date.now() + 48 * HOUR_MS) });
    const message = await identityError(port, future);
    expect(message).to.match(
      new RegExp(
        `refused this client: the client certificate CN=future .* is not yet valid \\(valid from ${ISO}, agent time ${ISO} is (1h59m\\d+s|2h(\\d+s)?) earlier\\); ` +
          `the node's clock may be behind: check NTP on the node .* \\(coordinator time ${ISO}\\)$`,
      ),
    );
  });

  it('the agent refuses an expired coordinator certificate: the node clock may be ahead, NTP, both times', async () => {
    const port = await runAgent(await pki.agent('node-1', { ips: ['127.0.0.1'] }));
    const expired = await pki.client('coordinator', 'old', { notBefore: new Date(Date.now() - 48 * HOUR_MS), notAfter: new Date(Date.now() - 2 * HOUR_MS) });
    expect(await identityError(port, expired)).to.match(
      new RegExp(`the client certificate CN=old .* has expired \\(valid until ${ISO}, agent time ${ISO} is (1h59m\\d+s|2h(\\d+s)?) later\\); issue a new one, or, if it should still be valid, the node's clock may be ahead: check NTP on the node \\(coordinator time ${ISO}\\)$`),
    );
  });

  it("the coordinator refuses an agent certificate that starts in the future: not yet valid at coordinator time, this machine's clock may be behind, NTP", async () => {
    const port = await runAgent(await pki.agent('node-1', { ips: ['127.0.0.1'], notBefore: new Date(Date.now() + 2 * HOUR_MS), notAfter: new Date(Date.now() + 48 * HOUR_MS) }));
    expect(await identityError(port, await pki.client('coordinator', 'ops'))).to.match(
      new RegExp(`^agent of node node-1 at 127\\.0\\.0\\.1:\\d+ is unreachable: UNAVAILABLE: cannot connect to the agent at 127\\.0\\.0\\.1:\\d+: the agent's certificate \\(or its CA\\) is not yet valid at coordinator time ${ISO}: this machine's clock may be behind .*: check NTP here: certificate is not yet valid`),
    );
  });

  it("the coordinator refuses an expired agent certificate: rotate it, or this machine's clock may be ahead", async () => {
    const port = await runAgent(await pki.agent('node-1', { ips: ['127.0.0.1'], notBefore: new Date(Date.now() - 48 * HOUR_MS), notAfter: new Date(Date.now() - 2 * HOUR_MS) }));
    expect(await identityError(port, await pki.client('coordinator', 'ops'))).to.match(
      new RegExp(`the agent's certificate \\(or its CA\\) has expired at coordinator time ${ISO}: rotate it \\(docs/security\\.md\\), or, if it should still be valid, this machine's clock may be ahead: check NTP here: certificate has expired`),
    );
  });
});
