import { isMap, parseDocument, YAMLMap, type Document } from 'yaml';
import { DEFAULT_CONFIG_DOC, DEFAULT_CONFIG_PATH, parseAgentConfig, type AgentConfig } from '../../agent/config/agent-config.js';
import { ConfigError } from '../../shared/config/config-error.js';
import { parseYamlSettings } from '../../shared/config/yaml-settings.js';
import { FieldError } from '../../shared/validation/field-error.js';
import { parseHostPort } from '../../shared/validation/host-port.js';
import type { DetectedNode } from './cluster-inventory.js';

/**
 * The agent.yaml of one node's bundle: the node's own listen addresses (its InternalIP), mutual TLS
 * with the files at the agent's default paths (/etc/noderoll/tls/), and the operator's site-wide
 * settings (`--agent-settings FILE`: install.command, packages.watch, planetChecks, …) merged in.
 */

function defaultPort(listen: string): number {
  const hp = parseHostPort(listen);
  if (typeof hp === 'string') throw new Error(`agent default listen address ${listen}: ${hp}`);
  return hp.port;
}

export const AGENT_PORTS = {
  grpc: defaultPort(DEFAULT_CONFIG_DOC.grpc.listen),
  /** /healthz and /readyz, plain HTTP. */
  http: defaultPort(DEFAULT_CONFIG_DOC.http.listen),
  /** /metrics and /status, mutual TLS (a reader certificate, e.g. Prometheus's): the port docs/security.md names. */
  metrics: 7445,
} as const;

/** Where the package's agent reads its config, and the bundle's files go on the node. */
export const NODE_AGENT_CONFIG = DEFAULT_CONFIG_PATH;
export const NODE_TLS_DIR = DEFAULT_CONFIG_DOC.tls.caFile.slice(0, DEFAULT_CONFIG_DOC.tls.caFile.lastIndexOf('/'));

/** Settings init writes per node; site-wide settings may not set them (the bundle layout depends on them). */
const PER_NODE_SETTINGS: readonly (readonly string[])[] = [
  ['grpc', 'listen'],
  ['http', 'listen'],
  ['http', 'metrics', 'listen'],
  ['tls', 'mode'],
  ['tls', 'caFile'],
  ['tls', 'certFile'],
  ['tls', 'keyFile'],
];

/** `host:port` with IPv6 hosts in brackets. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The operator's site-wide agent settings, checked: YAML mapping, no per-node key. `text` '' = none. */
export interface AgentSettings {
  text: string;
  source: string;
}

export function checkAgentSettings(settings: AgentSettings): void {
  if (settings.text === '') return;
  const parsed = parseYamlSettings(settings.text, settings.source);
  const problems: FieldError[] = [];
  for (const path of PER_NODE_SETTINGS) {
    let v: unknown = parsed.value;
    for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
    const field = path.join('.');
    if (v !== undefined) problems.push(new FieldError(field, `is set by noderoll init for each node (its InternalIP, the bundle's TLS files); remove it from the site-wide settings`, parsed.lineOf(field)));
  }
  if (problems.length > 0) throw new ConfigError(settings.source, problems);
  // On their own they are an agent config (every key has a default): its problems with this file's lines.
  parseAgentConfig(settings.text, settings.source);
}

/** Sets a value; an empty section on the way (`http:` with nothing under it) becomes a mapping. */
function setSetting(doc: Document, path: readonly string[], value: string): void {
  for (let i = 1; i < path.length; i++) {
    if (!isMap(doc.getIn(path.slice(0, i), true))) doc.setIn(path.slice(0, i), new YAMLMap(doc.schema));
  }
  doc.setIn(path, value);
}

/** The agent.yaml text of `node`; validated with the agent's own config reader (throws its ConfigError). */
export function agentConfigYaml(node: DetectedNode, settings: AgentSettings, bundlePath: string): { text: string; config: AgentConfig } {
  const doc: Document = parseDocument(settings.text);
  if (!isMap(doc.contents)) doc.contents = new YAMLMap(doc.schema);
  setSetting(doc, ['grpc', 'listen'], hostPort(node.internalIp, AGENT_PORTS.grpc));
  setSetting(doc, ['http', 'listen'], hostPort(node.internalIp, AGENT_PORTS.http));
  setSetting(doc, ['http', 'metrics', 'listen'], hostPort(node.internalIp, AGENT_PORTS.metrics));
  if (!doc.hasIn(['http', 'metrics', 'tls'])) doc.setIn(['http', 'metrics', 'tls'], 'mutual');
  const siteComment = doc.commentBefore ? `\n${doc.commentBefore}` : '';
  doc.commentBefore =
    ` noderoll-agent on node ${node.name} (${node.role}, ${node.internalIp}), written by noderoll init.\n` +
    ` Goes to ${NODE_AGENT_CONFIG}; TLS (mutual, the defaults): ${NODE_TLS_DIR}/{ca.crt,agent.crt,agent.key}.\n` +
    ` gRPC for the coordinator on :${AGENT_PORTS.grpc}; /healthz and /readyz on :${AGENT_PORTS.http} (plain HTTP; firewall it, or\n` +
    ` set http.listen to 127.0.0.1:${AGENT_PORTS.http}); /metrics and /status on :${AGENT_PORTS.metrics} for reader certificates (Prometheus).\n` +
    (settings.text !== '' ? ` Site-wide settings from ${settings.source}.\n` : '') +
    ' All settings and defaults: agent/README.md; check it on the node with noderoll-agent --check-config.' +
    siteComment;
  const text = doc.toString({ lineWidth: 0 });
  return { text, config: parseAgentConfig(text, bundlePath) };
}
