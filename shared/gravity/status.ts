/**
 * `gravity status` output: the types of its JSON form (gravitational/gravity lib/status `Status`,
 * `Cluster`, `Agent`, `ClusterServer`, wrapped by tool/gravity/cli `clusterStatus`), pure parsers for
 * the JSON and the human text form, and the health verdict noderoll takes from them.
 *
 * Facts the parsers rely on (from the gravity source and real captures):
 * - JSON is printed without a trailing newline. A degraded cluster still prints its status, then the
 *   CLI prints `[ERROR]: degraded` and exits 255. The gravity source prints that line with
 *   fatih/color, i.e. to STDOUT right after the JSON; the JSON parser accepts such trailing
 *   `[ERROR]: …` lines wherever they end up.
 * - `Cluster` and `Agent` are inlined pointers: when either could not be collected, its keys are
 *   absent (gravity 5.0 printed only `system_status` and `nodes`).
 * - `system_status` is a number (0 unknown, 1 running, 2 degraded); gravity <= 5.0 printed the
 *   words instead, which are accepted and normalised to the number.
 * - A node missing from the agent report is printed as offline with empty `role` and `profile`.
 */

/** `system_status` values (satellite agentpb SystemStatus_Type). */
export const GravitySystemStatus = { unknown: 0, running: 1, degraded: 2 } as const;
export type GravitySystemStatusCode = (typeof GravitySystemStatus)[keyof typeof GravitySystemStatus];

export type GravityNodeStatus = 'healthy' | 'degraded' | 'offline';
const NODE_STATUSES: readonly GravityNodeStatus[] = ['healthy', 'degraded', 'offline'];

/** Cluster states (lib/ops SiteState*); other strings may appear in future versions. */
export type GravityClusterState =
  | 'active'
  | 'degraded'
  | 'updating'
  | 'expanding'
  | 'shrinking'
  | 'installing'
  | 'uninstalling'
  | 'failed'
  | 'not_installed'
  | 'collecting_garbage'
  | 'updating_cluster_environ'
  | 'updating_cluster_config'
  | 'reconfiguring'
  | 'offline';

/** Reasons for a non-active state (lib/storage Reason*). */
export type GravityStateReason = 'license_invalid' | 'status_check_failed' | 'cluster_degraded';

/** A package locator: `gravitational.io/gravity:7.0.13`. */
export interface GravityLocator {
  repository: string;
  name: string;
  version: string;
}

export interface GravityVersionInfo {
  edition?: string;
  version: string;
  gitCommit?: string;
  helm?: string;
}

export interface GravityProvisioningToken {
  token: string;
  expires?: string;
  type?: string;
  account_id?: string;
  site_domain?: string;
  operation_id?: string;
  user_email?: string;
}

export interface GravityOperationProgress {
  message: string;
  /** Percent, 0..100; 100 means the operation completed (successfully or not). */
  completion: number;
  /** RFC 3339 time. */
  created: string;
}

export interface GravityOperation {
  /** `operation_install`, `operation_update`, `operation_expand`, `operation_shrink`, … */
  type: string;
  id: string;
  /** `completed`, `failed`, or an in-progress state. */
  state: string;
  created: string;
  /** Human description (`3-node install`); absent in gravity <= 5.0. */
  description?: string;
  progress: GravityOperationProgress;
}

export interface GravityEndpoint {
  name: string;
  description?: string;
  addresses: string[];
}

export interface GravityApplicationEndpoints {
  application: GravityLocator;
  endpoints: GravityEndpoint[];
}

export interface GravityEndpoints {
  /** Gravity 6.x/7.0 print the list under `Endpoints` (no JSON tag); later versions `endpoints`. */
  applications?: { Endpoints?: GravityApplicationEndpoints[]; endpoints?: GravityApplicationEndpoints[] };
  cluster: { auth_gateway?: string[]; ui?: string[] };
}

export interface GravityTeleportNode {
  hostname: string;
  advertise_ip: string;
  public_ip: string;
  profile: string;
  instance_type: string;
}

export interface GravityNode {
  hostname: string;
  advertise_ip: string;
  /** `master` or `node`; empty for a node the agent did not report (offline). */
  role: string;
  /** Profile from the application manifest; empty for an offline node, absent in gravity 5.0. */
  profile?: string;
  status: GravityNodeStatus;
  selinux?: boolean;
  failed_probes?: string[];
  warn_probes?: string[];
  teleport_node?: GravityTeleportNode;
}

/** A Prometheus alertmanager alert (only the fields noderoll reads are typed). */
export interface GravityAlert {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  status?: { state?: string };
  startsAt?: string;
  [field: string]: unknown;
}

/** A failed local probe (satellite agentpb Probe, encoding/json field names). */
export interface GravityProbe {
  checker?: string;
  detail?: string;
  status?: number;
  error?: string;
  code?: string;
  severity?: number;
  [field: string]: unknown;
}

/** The object under `cluster`: the inlined `Cluster` and `Agent` structs plus `alerts`. */
export interface GravityCluster {
  application?: GravityLocator;
  state?: GravityClusterState | (string & {});
  reason?: GravityStateReason | (string & {});
  domain?: string;
  token?: GravityProvisioningToken;
  operation?: GravityOperation;
  active_operations?: GravityOperation[];
  endpoints?: GravityEndpoints;
  /** The status extension (an empty object in the open-source edition). */
  Extension?: Record<string, unknown>;
  server_version?: GravityVersionInfo;
  client_version?: GravityVersionInfo;
  /** Absent when the planet agent could not be queried. */
  system_status?: GravitySystemStatusCode | number;
  /** Always an array after parsing: gravity omits it (agent unreachable) or prints null when it has no nodes. */
  nodes: GravityNode[];
  alerts?: GravityAlert[];
}

/** The whole document printed by `gravity status --output=json`. */
export interface GravityStatus {
  cluster: GravityCluster;
  local_checks?: GravityProbe[];
}

export interface GravityStatusAssessment {
  /** Cluster state active, system status running, at least one node and every node healthy. */
  healthy: boolean;
  /** Why it is not healthy; empty when healthy. */
  problems: string[];
  /** Worth showing but not blocking: warning probes, operations in progress, firing alerts. */
  warnings: string[];
}

export class GravityStatusParseError extends Error {
  constructor(
    /** Where in the document the problem is, e.g. `cluster.nodes[1].status`. */
    readonly path: string,
    problem: string,
  ) {
    super(`gravity status JSON: ${path}: ${problem}`);
    this.name = 'GravityStatusParseError';
  }
}

/**
 * Parses the stdout of `gravity status --output=json`. Trailing `[ERROR]: …` lines (how gravity
 * reports a degraded cluster) are accepted and ignored: the verdict comes from the document itself
 * through {@link assessGravityStatus}. Throws GravityStatusParseError naming the offending field.
 */
export function parseGravityStatusJson(stdout: string): GravityStatus {
  const { json, rest } = splitLeadingJsonValue(stdout);
  if (json === '') {
    const text = stripAnsi(stdout).trim();
    throw new GravityStatusParseError('(document)', text === '' ? 'no output' : `no JSON object found; output starts with: ${clip(text, 80)}`);
  }
  const trailing = stripAnsi(rest)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('[ERROR]:'));
  if (trailing.length > 0) throw new GravityStatusParseError('(document)', `unexpected text after the JSON: ${clip(trailing.join(' | '))}`);

  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new GravityStatusParseError('(document)', `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(doc)) throw new GravityStatusParseError('(document)', 'expected a JSON object');
  if (!isRecord(doc.cluster)) throw new GravityStatusParseError('cluster', `expected an object, got ${describe(doc.cluster)}`);

  const cluster = doc.cluster;
  optionalString(cluster, 'state', 'cluster');
  optionalString(cluster, 'reason', 'cluster');
  optionalString(cluster, 'domain', 'cluster');
  optionalRecord(cluster, 'application', 'cluster');
  optionalRecord(cluster, 'token', 'cluster');
  optionalRecord(cluster, 'endpoints', 'cluster');
  optionalRecord(cluster, 'server_version', 'cluster');
  optionalRecord(cluster, 'client_version', 'cluster');
  if (cluster.operation !== undefined && cluster.operation !== null) checkOperation(cluster.operation, 'cluster.operation');
  if (cluster.operation === null) delete cluster.operation;
  if (cluster.active_operations === null) delete cluster.active_operations;
  if (cluster.active_operations !== undefined) {
    const ops = expectArray(cluster.active_operations, 'cluster.active_operations');
    ops.forEach((op, i) => checkOperation(op, `cluster.active_operations[${i}]`));
  }
  if (cluster.system_status !== undefined) cluster.system_status = normaliseSystemStatus(cluster.system_status);
  if (cluster.nodes === null || cluster.nodes === undefined) cluster.nodes = [];
  expectArray(cluster.nodes, 'cluster.nodes').forEach((node, i) => checkNode(node, `cluster.nodes[${i}]`));
  if (cluster.alerts === null) delete cluster.alerts;
  if (cluster.alerts !== undefined) {
    expectArray(cluster.alerts, 'cluster.alerts').forEach((a, i) => {
      if (!isRecord(a)) throw new GravityStatusParseError(`cluster.alerts[${i}]`, `expected an object, got ${describe(a)}`);
    });
  }
  if (doc.local_checks === null) delete doc.local_checks;
  if (doc.local_checks !== undefined) {
    expectArray(doc.local_checks, 'local_checks').forEach((p, i) => {
      if (!isRecord(p)) throw new GravityStatusParseError(`local_checks[${i}]`, `expected an object, got ${describe(p)}`);
    });
  }
  return doc as unknown as GravityStatus;
}

/** The health verdict noderoll takes from a parsed `gravity status`. */
export function assessGravityStatus(status: GravityStatus): GravityStatusAssessment {
  const problems: string[] = [];
  const warnings: string[] = [];
  const { cluster } = status;

  if (cluster.state === undefined) problems.push('cluster state is missing (the cluster controller could not be queried)');
  else if (cluster.state !== 'active') problems.push(`cluster state is ${cluster.state}` + (cluster.reason ? ` (${cluster.reason})` : ''));

  if (cluster.system_status === undefined) problems.push('system status is missing (the planet agent could not be queried)');
  else if (cluster.system_status !== GravitySystemStatus.running) {
    problems.push(`system status is ${describeSystemStatus(cluster.system_status)}`);
  }

  const nodes = cluster.nodes;
  if (nodes.length === 0) problems.push('no nodes reported');
  for (const node of nodes) {
    const name = `node ${node.hostname || '<unknown>'} (${node.advertise_ip || 'no address'})`;
    if (node.status !== 'healthy') {
      const probes = node.failed_probes ?? [];
      problems.push(`${name} is ${node.status}` + (probes.length > 0 ? `: ${probes.join('; ')}` : ''));
    }
    for (const probe of node.warn_probes ?? []) warnings.push(`${name} warning: ${probe}`);
  }

  for (const probe of status.local_checks ?? []) {
    const what = probe.detail || probe.checker || 'local check';
    problems.push(`local check failed: ${what}` + (probe.error ? ` (${probe.error})` : ''));
  }
  for (const op of cluster.active_operations ?? []) {
    warnings.push(`operation in progress: ${op.description || op.type} (${op.id}, ${op.state})`);
  }
  for (const alert of cluster.alerts ?? []) {
    if (alert.status?.state !== undefined && alert.status.state !== 'active') continue;
    const name = alert.labels?.alertname ?? 'alert';
    const message = alert.annotations?.message;
    warnings.push(`alert ${name}` + (message ? `: ${message}` : ''));
  }
  return { healthy: problems.length === 0, problems, warnings };
}

export function describeSystemStatus(code: number): string {
  switch (code) {
    case GravitySystemStatus.running:
      return 'running (1)';
    case GravitySystemStatus.degraded:
      return 'degraded (2)';
    case GravitySystemStatus.unknown:
      return 'unknown (0)';
    default:
      return `unrecognised (${code})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Text form

export interface GravityTextNode {
  hostname: string;
  advertiseIp: string;
  /** The profile after the address, when printed. */
  profile?: string;
  /** From the section the node is listed in: `Masters:` or `Nodes:`. */
  role: 'master' | 'node';
  /** `healthy`, `degraded`, `offline`; undefined when no `Status:` line followed the node. */
  status?: string;
  failedProbes: string[];
  warnProbes: string[];
  /** `online` / `offline` from `Remote access:`, when printed. */
  remoteAccess?: string;
}

export interface GravityStatusText {
  clusterName?: string;
  /** First word of `Cluster status:` (active, degraded, …). */
  clusterStatus?: string;
  /** The parenthesised reason after the status, e.g. `one or more of cluster nodes are not healthy`. */
  statusReason?: string;
  /** Every top-level `Label: value` line, label without the colon. */
  fields: Record<string, string>;
  nodes: GravityTextNode[];
  /** Messages of `[ERROR]: …` lines. */
  errors: string[];
}

/** gravity prints failed probes as `[×] …` (constants.FailureMark) and warnings as `[!] …`. */
const WARN_MARK = '!';
// `* host / 10.0.0.1 / profile` (gravity >= 6) or `* host (10.0.0.1, profile)` (gravity 5.5).
const NODE_LINE_SLASHES = /^\*\s+(.+?) \/ (\S+)(?: \/ (.+))?$/;
const NODE_LINE_PARENS = /^\*\s+(.+?) \(([^,)\s]+)(?:, ([^)]+))?\)$/;
const LABEL_LINE = /^([^\s:][^:\t]*):(?:[\t ]+(.*))?$/;
const PROBE_LINE = /^\[(.)\]\s+(.*)$/;

/**
 * Extracts the cluster state and node statuses from the human form of `gravity status`
 * (tab-aligned `Label:\tvalue` lines; also accepts the tabs turned into spaces by a terminal copy).
 * Prefer the JSON form; this is for logs and operators' pastes.
 */
export function parseGravityStatusText(stdout: string): GravityStatusText {
  const result: GravityStatusText = { fields: {}, nodes: [], errors: [] };
  let inNodes = false;
  let role: 'master' | 'node' = 'node';
  let current: GravityTextNode | undefined;

  for (const rawLine of stripAnsi(stdout).split('\n')) {
    const line = rawLine.replace(/\s+$/, '');
    if (line.trim() === '') continue;
    const indented = /^\s/.test(line);
    const trimmed = line.trim();

    if (trimmed.startsWith('[ERROR]:')) {
      result.errors.push(trimmed.slice('[ERROR]:'.length).trim());
      continue;
    }
    if (!indented) {
      current = undefined;
      inNodes = trimmed === 'Cluster nodes:';
      const label = LABEL_LINE.exec(trimmed);
      if (label && !inNodes) result.fields[label[1] ?? ''] = (label[2] ?? '').trim();
      continue;
    }
    if (!inNodes) continue;

    if (trimmed === 'Masters:' || trimmed === 'Nodes:') {
      role = trimmed === 'Masters:' ? 'master' : 'node';
      current = undefined;
      continue;
    }
    const nodeLine = NODE_LINE_SLASHES.exec(trimmed) ?? NODE_LINE_PARENS.exec(trimmed);
    if (nodeLine) {
      const [, hostname = '', advertiseIp = '', profile] = nodeLine;
      current = { hostname, advertiseIp, role, failedProbes: [], warnProbes: [], ...(profile ? { profile: profile.trim() } : {}) };
      result.nodes.push(current);
      continue;
    }
    if (!current) continue;
    const probe = PROBE_LINE.exec(trimmed);
    if (probe) {
      const [, mark, text = ''] = probe;
      (mark === WARN_MARK ? current.warnProbes : current.failedProbes).push(text.trim());
      continue;
    }
    const field = LABEL_LINE.exec(trimmed);
    if (field) {
      const value = (field[2] ?? '').trim();
      if (field[1] === 'Status') current.status = value;
      else if (field[1] === 'Remote access') current.remoteAccess = value;
    }
  }

  const name = result.fields['Cluster name'];
  if (name !== undefined) result.clusterName = name;
  const statusValue = result.fields['Cluster status'];
  if (statusValue !== undefined) {
    const m = /^(\S+)(?:\s+\((.*)\))?$/.exec(statusValue);
    result.clusterStatus = m?.[1] ?? statusValue;
    if (m?.[2]) result.statusReason = m[2];
  }
  return result;
}

/** The same verdict as {@link assessGravityStatus}, from the text form. */
export function assessGravityStatusText(text: GravityStatusText): GravityStatusAssessment {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (text.clusterStatus === undefined) problems.push('no `Cluster status:` line');
  else if (text.clusterStatus !== 'active') {
    problems.push(`cluster status is ${text.clusterStatus}` + (text.statusReason ? ` (${text.statusReason})` : ''));
  }
  if (text.nodes.length === 0) problems.push('no nodes listed');
  for (const node of text.nodes) {
    const name = `node ${node.hostname} (${node.advertiseIp})`;
    if (node.status !== 'healthy') {
      problems.push(`${name} is ${node.status ?? 'of unknown status'}` + (node.failedProbes.length > 0 ? `: ${node.failedProbes.join('; ')}` : ''));
    }
    for (const probe of node.warnProbes) warnings.push(`${name} warning: ${probe}`);
  }
  for (const error of text.errors) problems.push(`gravity reported an error: ${error}`);
  return { healthy: problems.length === 0, problems, warnings };
}

// ---------------------------------------------------------------------------------------------
// helpers

/** Splits `{…}[ERROR]: degraded` into the leading JSON value and whatever follows it. */
export function splitLeadingJsonValue(text: string): { json: string; rest: string } {
  const start = text.search(/\S/);
  if (start < 0 || (text[start] !== '{' && text[start] !== '[')) return { json: '', rest: text };
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    } else if (ch === '{' || ch === '[') {
      depth++;
    } else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return { json: text.slice(start, i + 1), rest: text.slice(i + 1) };
    }
    i++;
  }
  return { json: text.slice(start), rest: '' };
}

function normaliseSystemStatus(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const word = value.toLowerCase();
    if (word === 'running' || word === 'degraded' || word === 'unknown') return GravitySystemStatus[word];
  }
  throw new GravityStatusParseError('cluster.system_status', `expected 0, 1 or 2 (or running/degraded/unknown), got ${describe(value)}`);
}

function checkNode(node: unknown, path: string): void {
  if (!isRecord(node)) throw new GravityStatusParseError(path, `expected an object, got ${describe(node)}`);
  requireString(node, 'hostname', path);
  requireString(node, 'advertise_ip', path);
  requireString(node, 'role', path);
  optionalString(node, 'profile', path);
  if (typeof node.status !== 'string' || !(NODE_STATUSES as readonly string[]).includes(node.status)) {
    throw new GravityStatusParseError(`${path}.status`, `expected "healthy", "degraded" or "offline", got ${describe(node.status)}`);
  }
  for (const key of ['failed_probes', 'warn_probes'] as const) {
    if (node[key] === null) delete node[key];
    if (node[key] === undefined) continue;
    expectArray(node[key], `${path}.${key}`).forEach((probe, i) => {
      if (typeof probe !== 'string') throw new GravityStatusParseError(`${path}.${key}[${i}]`, `expected a string, got ${describe(probe)}`);
    });
  }
}

function checkOperation(op: unknown, path: string): void {
  if (!isRecord(op)) throw new GravityStatusParseError(path, `expected an object, got ${describe(op)}`);
  requireString(op, 'type', path);
  requireString(op, 'id', path);
  requireString(op, 'state', path);
  optionalString(op, 'description', path);
}

function requireString(obj: Record<string, unknown>, key: string, path: string): void {
  if (typeof obj[key] !== 'string') throw new GravityStatusParseError(`${path}.${key}`, `expected a string, got ${describe(obj[key])}`);
}

function optionalString(obj: Record<string, unknown>, key: string, path: string): void {
  if (obj[key] !== undefined && typeof obj[key] !== 'string') {
    throw new GravityStatusParseError(`${path}.${key}`, `expected a string, got ${describe(obj[key])}`);
  }
}

function optionalRecord(obj: Record<string, unknown>, key: string, path: string): void {
  if (obj[key] !== undefined && obj[key] !== null && !isRecord(obj[key])) {
    throw new GravityStatusParseError(`${path}.${key}`, `expected an object, got ${describe(obj[key])}`);
  }
}

function expectArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new GravityStatusParseError(path, `expected an array, got ${describe(value)}`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return clip(JSON.stringify(value), 60);
}

function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

function clip(text: string, max = 200): string {
  return text.length <= max ? text : text.slice(0, max) + '…';
}
