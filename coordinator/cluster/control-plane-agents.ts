import type { NodeConfig } from '../config/config-types.js';
import type { AgentEndpoint, NodeAgent } from '../ports/node-agent.js';

/** The agent of a node that may run etcd: a master in the config, or a node whose role the config leaves to its labels. */
export interface ControlPlaneAgent {
  endpoint: AgentEndpoint;
  agent: NodeAgent;
}

/** Masters first, then nodes without a configured role (an agent without etcd refuses and the next one is asked); workers never. */
export function controlPlaneAgents(nodes: readonly NodeConfig[], agentFor: (node: NodeConfig) => NodeAgent): ControlPlaneAgent[] {
  const ordered = [...nodes.filter((n) => n.role === 'master'), ...nodes.filter((n) => n.role === undefined)];
  return ordered.map((n) => ({ endpoint: { node: n.name, address: n.agent }, agent: agentFor(n) }));
}

/** Those not out of service by the operation first (their node is up), the others after them. */
export function preferInService(agents: readonly ControlPlaneAgent[], outOfService: readonly string[]): ControlPlaneAgent[] {
  const out = new Set(outOfService);
  return [...agents.filter((a) => !out.has(a.endpoint.node)), ...agents.filter((a) => out.has(a.endpoint.node))];
}
