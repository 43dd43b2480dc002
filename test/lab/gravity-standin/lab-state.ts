/**
 * The contract between the lab and the `gravity` stand-in: a JSON file the lab writes (named by
 * `--lab-state PATH` or the NODEROLL_LAB_STATE environment variable) describing the cluster the
 * stand-in reports on. The stand-in reads it on every call and observes the live state itself.
 */

export interface GravityLabNode {
  /** Kubernetes Node name; also printed as the gravity hostname. */
  name: string;
  /** The node's address as gravity would print it (`advertise_ip`). */
  advertiseIp: string;
  role: 'master' | 'node';
  /** Client URL of the node's etcd member (`http://127.124.0.2:2379`), when it runs one. */
  etcdClientUrl?: string;
  /** Profile from the application manifest; defaults to the role. */
  profile?: string;
}

export interface GravityLabState {
  /** Cluster name, printed as `domain` / `Cluster name:`. */
  clusterName: string;
  /** Base URL of the Kubernetes API server the kubelet stand-ins heartbeat to. */
  apiServerUrl: string;
  nodes: GravityLabNode[];
  /** When the lab cluster finished starting (RFC 3339): the install operation's time. Default: the file's mtime. */
  installedAt?: string;
  /** Gravity version to print (application and client/server versions). Default 7.0.13. */
  gravityVersion?: string;
  /** The lab's own state file (state.json: node machines, unit names): planet and teleport are judged from the nodes when given. */
  machineStateFile?: string;
}

export const LAB_STATE_ENV = 'NODEROLL_LAB_STATE';

export class GravityLabStateError extends Error {
  constructor(source: string, problem: string) {
    super(`lab state ${source}: ${problem}`);
    this.name = 'GravityLabStateError';
  }
}

/** Validates the lab state file's text; errors name the file and the field. */
export function parseGravityLabState(text: string, source: string): GravityLabState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new GravityLabStateError(source, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const fail = (path: string, problem: string): never => {
    throw new GravityLabStateError(source, `${path}: ${problem}`);
  };
  if (!isRecord(doc)) return fail('(document)', 'expected a JSON object');

  const clusterName = nonEmptyString(doc.clusterName) ?? fail('clusterName', 'expected a non-empty string');
  const apiServerUrl = httpUrl(doc.apiServerUrl) ?? fail('apiServerUrl', 'expected an http(s) URL');
  if (!Array.isArray(doc.nodes) || doc.nodes.length === 0) return fail('nodes', 'expected a non-empty array');

  const seen = new Set<string>();
  const nodes = doc.nodes.map((raw: unknown, i): GravityLabNode => {
    const at = `nodes[${i}]`;
    if (!isRecord(raw)) return fail(at, 'expected an object');
    const name = nonEmptyString(raw.name) ?? fail(`${at}.name`, 'expected a non-empty string');
    if (seen.has(name)) fail(`${at}.name`, `duplicate node name ${JSON.stringify(name)}`);
    seen.add(name);
    const advertiseIp = nonEmptyString(raw.advertiseIp) ?? fail(`${at}.advertiseIp`, 'expected a non-empty string');
    const role = raw.role === 'master' || raw.role === 'node' ? raw.role : fail(`${at}.role`, 'expected "master" or "node"');
    const node: GravityLabNode = { name, advertiseIp, role };
    if (raw.etcdClientUrl !== undefined) {
      node.etcdClientUrl = httpUrl(raw.etcdClientUrl) ?? fail(`${at}.etcdClientUrl`, 'expected an http(s) URL');
    }
    if (raw.profile !== undefined) node.profile = nonEmptyString(raw.profile) ?? fail(`${at}.profile`, 'expected a non-empty string');
    return node;
  });

  const state: GravityLabState = { clusterName, apiServerUrl, nodes };
  if (doc.installedAt !== undefined) {
    const at = nonEmptyString(doc.installedAt);
    if (at === undefined || Number.isNaN(Date.parse(at))) fail('installedAt', 'expected an RFC 3339 time');
    state.installedAt = at;
  }
  if (doc.machineStateFile !== undefined) {
    state.machineStateFile = nonEmptyString(doc.machineStateFile) ?? fail('machineStateFile', 'expected a non-empty string');
  }
  if (doc.gravityVersion !== undefined) {
    state.gravityVersion = nonEmptyString(doc.gravityVersion) ?? fail('gravityVersion', 'expected a non-empty string');
  }
  return state;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
