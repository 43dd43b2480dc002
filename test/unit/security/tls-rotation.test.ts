import { expect } from 'chai';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../../agent/agent-daemon.js';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import type { ConfigError } from '../../../shared/config/config-error.js';
import { AgentCallError, AgentClient, type AgentClientTls } from '../../../shared/agent-api/agent-client.js';
import { silentLogger } from '../../../shared/log/logger.js';
import { clientTls, TestPki, type IssuedPem } from '../../security/test-pki.js';
import { FakeHost } from '../agent/fake-host.js';

/**
 * The rotation procedure of docs/security.md, step by step, against an in-process agent that
 * re-reads its TLS files on reload (SIGHUP in production): trust both CAs, switch the agent's
 * certificate, switch the clients, drop the old CA — no restart, and at each step who may
 * connect is exactly what the document says.
 */

describe('certificate and CA rotation without restarting the agent', function () {
  this.timeout(30_000);
  let oldCa: TestPki;
  let newCa: TestPki;
  let dir: string;
  let agent: RunningAgent | undefined;
  const clients: AgentClient[] = [];
  const files = (): { ca: string; cert: string; key: string } => ({ ca: join(dir, 'ca.crt'), cert: join(dir, 'agent.crt'), key: join(dir, 'agent.key') });

  const install = async (agentCert: IssuedPem, caPem: string): Promise<void> => {
    await writeFile(files().ca, caPem);
    await copyFile(agentCert.certFile, files().cert);
    await copyFile(agentCert.keyFile, files().key);
  };
  const reaches = async (tls: AgentClientTls): Promise<string> => {
    const c = new AgentClient(`127.0.0.1:${agent!.grpcPort}`, { defaultDeadlineMs: 5000, tls });
    clients.push(c);
    try {
      await c.getNodeInfo();
      return 'ok';
    } catch (err) {
      return (err as AgentCallError).codeName;
    }
  };

  before(async () => {
    oldCa = await TestPki.create('old');
    newCa = await TestPki.create('new');
    dir = await mkdtemp(join(tmpdir(), 'noderoll-rotation-'));
  });
  after(async () => {
    for (const c of clients) c.close();
    await agent?.stop();
    await rm(dir, { recursive: true, force: true });
    await oldCa?.cleanup();
    await newCa?.cleanup();
  });

  it('walks through the documented CA rotation', async () => {
    const oldAgent = await oldCa.agent('node-1', { ips: ['127.0.0.1'] });
    const newAgent = await newCa.agent('node-1', { ips: ['127.0.0.1'] });
    const oldCoordinator = await oldCa.client('coordinator', 'old');
    const newCoordinator = await newCa.client('coordinator', 'new');
    const both = oldAgent.pem.ca + newAgent.pem.ca;
    await install(oldAgent, oldAgent.pem.ca);
    const yaml = `tls:\n  caFile: ${files().ca}\n  certFile: ${files().cert}\n  keyFile: ${files().key}\ngrpc: { listen: "127.0.0.1:0" }\nhttp: { listen: "" }\nstateDir: ${join(dir, 'state')}\nlogLevel: silent\n`;
    const host = new FakeHost();
    agent = await startAgent(parseAgentConfig(yaml, 'rotation.yaml'), { logger: silentLogger, runner: host.runner, boot: { bootId: 'b', bootTimeUnixMs: 1 }, machineId: 'm' });

    // 0. Before: only the old CA.
    expect(await reaches(clientTls(oldCoordinator, 'node-1'))).to.equal('ok');
    expect(await reaches(clientTls(newCoordinator, 'node-1', both))).to.equal('UNAUTHENTICATED');

    // 1. Every node trusts both CAs (ca.crt = old + new), reload.
    await writeFile(files().ca, both);
    await agent.reloadTls();
    expect(await reaches(clientTls(oldCoordinator, 'node-1', both))).to.equal('ok');
    expect(await reaches(clientTls(newCoordinator, 'node-1', both)), 'a new-CA client while the agent still has its old certificate').to.equal('ok');

    // 2. The agent gets its certificate from the new CA, reload: clients trusting only the old CA no longer accept it.
    await install(newAgent, both);
    await agent.reloadTls();
    expect(await reaches(clientTls(newCoordinator, 'node-1', both))).to.equal('ok');
    expect(await reaches(clientTls(oldCoordinator, 'node-1', oldAgent.pem.ca)), 'a client that still trusts only the old CA').to.equal('UNAVAILABLE');

    // 3. A broken file is refused by reload, and the agent keeps serving with what it had.
    await copyFile(oldAgent.keyFile, files().key);
    let problem = '';
    await agent.reloadTls().catch((e: ConfigError) => (problem = e.message));
    expect(problem).to.match(/tls\.keyFile: .* does not belong to the certificate in tls\.certFile/);
    expect(await reaches(clientTls(newCoordinator, 'node-1', both))).to.equal('ok');
    await copyFile(newAgent.keyFile, files().key);

    // 4. The old CA is dropped: old client certificates are refused, new ones work.
    await writeFile(files().ca, newAgent.pem.ca);
    await agent.reloadTls();
    expect(await reaches(clientTls(oldCoordinator, 'node-1', both))).to.equal('UNAUTHENTICATED');
    expect(await reaches(clientTls(newCoordinator, 'node-1'))).to.equal('ok');
  });
});
