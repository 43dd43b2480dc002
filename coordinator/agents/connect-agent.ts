import { readFileSync } from 'node:fs';
import { agentSecureContext } from '../../shared/agent-api/agent-client.js';
import type { CoordinatorConfig } from '../config/config-types.js';
import type { Logger } from '../../shared/log/logger.js';
import type { NodeAgentConnector } from '../ports/node-agent.js';
import { GrpcNodeAgent } from './grpc-node-agent.js';

/**
 * Builds the gRPC connector for every node's agent from the coordinator's `agents` config: mutual
 * TLS with the cluster's noderoll CA, each connection accepting only the agent certificate that
 * names the node it meant to reach. Plaintext only when the config says so explicitly. The CA,
 * certificate and key are read and parsed once, into one secure context every connection shares.
 */
export function connectGrpcAgents(config: CoordinatorConfig, log: Logger): NodeAgentConnector {
  const callTimeoutMs = config.agents.callTimeoutMs;
  if (config.agents.insecurePlaintext) {
    log.warn('INSECURE: agents.insecurePlaintext is set; talking to agents WITHOUT TLS: anyone on the network can impersonate them or the coordinator');
    return (endpoint) => new GrpcNodeAgent(endpoint, { callTimeoutMs, insecurePlaintext: true });
  }
  const files = config.agents.tls;
  if (!files) throw new Error('agents.tls: required unless agents.insecurePlaintext is true');
  const read = (field: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`agents.tls.${field}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const context = agentSecureContext({ ca: read('ca', files.ca), cert: read('cert', files.cert), key: read('key', files.key) });
  return (endpoint) => new GrpcNodeAgent(endpoint, { callTimeoutMs, tls: { context, expectedNode: endpoint.node } });
}
