import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../../agent/agent-daemon.js';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import { connectGrpcAgents } from '../../../coordinator/agents/connect-agent.js';
import type { CoordinatorConfig } from '../../../coordinator/config/config-types.js';
import type { NodeAgent } from '../../../coordinator/ports/node-agent.js';
import { silentLogger } from '../../../shared/log/logger.js';
import { agentTlsYaml, TestPki } from '../../security/test-pki.js';
import { FakeHost } from '../agent/fake-host.js';

/**
 * The coordinator's agent connector parses the CA, certificate and key once and shares that one
 * secure context across every node's connection: each connection still accepts only the agent
 * whose certificate names the node it meant to reach.
 */
describe('the coordinator connector: one secure context for every node, each agent checked for its own node', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let dir: string;
  const agents = new Map<string, RunningAgent>();
  const clients: NodeAgent[] = [];

  before(async () => {
    pki = await TestPki.create('shared-context');
    dir = await mkdtemp(join(tmpdir(), 'noderoll-shared-tls-'));
    for (const node of ['node-1', 'node-2']) {
      const cert = await pki.agent(node);
      const yaml = `${agentTlsYaml(cert)}grpc: { listen: "127.0.0.1:0" }\nhttp: { listen: "" }\nstateDir: ${join(dir, node)}\nlogLevel: silent\n`;
      agents.set(node, await startAgent(parseAgentConfig(yaml, `${node}.yaml`), { logger: silentLogger, runner: new FakeHost().runner, boot: { bootId: `boot-${node}`, bootTimeUnixMs: 1 }, machineId: node }));
    }
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([...agents.values()].map((a) => a.stop()));
    await rm(dir, { recursive: true, force: true });
    await pki?.cleanup();
  });

  it('reaches each node through the shared context and refuses an agent that is another node', async () => {
    const coordinator = await pki.client('coordinator', 'noderoll');
    const config = { agents: { callTimeoutMs: 5000, insecurePlaintext: false, tls: { ca: coordinator.caFile, cert: coordinator.certFile, key: coordinator.keyFile } } } as CoordinatorConfig;
    const connect = connectGrpcAgents(config, silentLogger);
    const reach = async (node: string, agentOf: string): Promise<string> => {
      const agent = connect({ node, address: `127.0.0.1:${agents.get(agentOf)!.grpcPort}` });
      clients.push(agent);
      try {
        return (await agent.identity({ timeoutMs: 5000 })).bootId;
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(await reach('node-1', 'node-1')).to.equal('boot-node-1');
    expect(await reach('node-2', 'node-2')).to.equal('boot-node-2');
    expect(await reach('node-1', 'node-2')).to.match(/is node "node-2" by its certificate, not node "node-1"/);
  });
});
