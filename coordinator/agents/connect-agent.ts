import type { CoordinatorConfig } from '../config/config-types.js';
import type { Logger } from '../../shared/log/logger.js';
import type { NodeAgentConnector } from '../ports/node-agent.js';
import { GrpcNodeAgent } from './grpc-node-agent.js';

/** Builds the gRPC connector for every node's agent from the coordinator's `agents` config. */
export function connectGrpcAgents(config: CoordinatorConfig, log: Logger): NodeAgentConnector {
  if (config.agents.insecurePlaintext) {
    log.warn('agents.insecurePlaintext is set: talking to agents WITHOUT TLS; anyone on the network can impersonate them');
  } else if (!config.agents.tls) {
    throw new Error('agents.tls: required unless agents.insecurePlaintext is true');
  } else {
    throw new Error('agents.tls: mutual TLS to agents is not available in this build yet; set agents.insecurePlaintext: true in a lab');
  }
  return (endpoint) => new GrpcNodeAgent(endpoint, { callTimeoutMs: config.agents.callTimeoutMs });
}
