import type { KubeNode, KubePod, KubePodDisruptionBudget, NodeRole } from '../ports/cluster.js';

/**
 * Pure readers of `kubectl get … -o json` output. kubectl wraps lists as `kind: List` with
 * `.items`; single objects come bare. Only the fields noderoll decides on are extracted, and a
 * document of the wrong shape is an error that says which field was wrong.
 */

export class KubeOutputError extends Error {
  constructor(what: string, problem: string) {
    super(`kubectl ${what}: ${problem}`);
    this.name = 'KubeOutputError';
  }
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function record(v: unknown): Json {
  return isRecord(v) ? v : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(record(v))) if (typeof val === 'string') out[k] = val;
  return out;
}

export function parseJsonDocument(stdout: string, what: string): Json {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (err) {
    throw new KubeOutputError(what, `output is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(doc)) throw new KubeOutputError(what, 'output is not a JSON object');
  return doc;
}

export function listItems(doc: Json, what: string): unknown[] {
  if (!Array.isArray(doc.items)) throw new KubeOutputError(what, 'expected a list with .items');
  return doc.items;
}

export function roleFromLabels(labels: Readonly<Record<string, string>>): NodeRole | undefined {
  const gravity = labels['gravitational.io/k8s-role'];
  if (gravity === 'master' || gravity === 'node') return gravity;
  if ('node-role.kubernetes.io/control-plane' in labels || 'node-role.kubernetes.io/master' in labels) return 'master';
  if (gravity !== undefined || 'node-role.kubernetes.io/worker' in labels) return 'node';
  return undefined;
}

function parseTime(v: unknown): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

export function readNode(obj: unknown, what = 'node'): KubeNode {
  if (!isRecord(obj)) throw new KubeOutputError(what, 'node is not an object');
  const metadata = record(obj.metadata);
  const name = str(metadata.name);
  if (!name) throw new KubeOutputError(what, 'node has no metadata.name');
  const spec = record(obj.spec);
  const status = record(obj.status);
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isRecord) : [];
  const readyCondition = conditions.find((c) => c.type === 'Ready');
  const labels = stringMap(metadata.labels);
  const nodeInfo = record(status.nodeInfo);
  const readyStatus = str(readyCondition?.status) ?? 'missing';
  const node: KubeNode = {
    name,
    ready: readyStatus === 'True',
    readyStatus,
    unschedulable: spec.unschedulable === true,
    labels,
    annotations: stringMap(metadata.annotations),
  };
  const reason = str(readyCondition?.reason);
  if (reason) node.readyReason = reason;
  const message = str(readyCondition?.message);
  if (message) node.readyMessage = message;
  const heartbeat = parseTime(readyCondition?.lastHeartbeatTime);
  if (heartbeat !== undefined) node.lastHeartbeatMs = heartbeat;
  const bootId = str(nodeInfo.bootID);
  if (bootId) node.bootId = bootId;
  const kubelet = str(nodeInfo.kubeletVersion);
  if (kubelet) node.kubeletVersion = kubelet;
  const role = roleFromLabels(labels);
  if (role) node.role = role;
  const addresses = Array.isArray(status.addresses) ? status.addresses.filter(isRecord) : [];
  const internalIp = str(addresses.find((a) => a.type === 'InternalIP')?.address);
  if (internalIp) node.internalIp = internalIp;
  return node;
}

/** The API server's version (`serverVersion.gitVersion`, e.g. v1.32.4) from `kubectl version -o json`. */
export function readServerVersion(stdout: string): string {
  const doc = parseJsonDocument(stdout, 'version');
  const version = str(record(doc.serverVersion).gitVersion);
  if (!version) throw new KubeOutputError('version', 'has no serverVersion.gitVersion (is the API server reachable?)');
  return version;
}

export function readNodeList(stdout: string): KubeNode[] {
  return listItems(parseJsonDocument(stdout, 'get nodes'), 'get nodes').map((item, i) => readNode(item, `get nodes: items[${i}]`));
}

export function readPod(obj: unknown, what = 'pod'): KubePod {
  if (!isRecord(obj)) throw new KubeOutputError(what, 'pod is not an object');
  const metadata = record(obj.metadata);
  const name = str(metadata.name);
  const namespace = str(metadata.namespace);
  if (!name || !namespace) throw new KubeOutputError(what, 'pod has no metadata.name or metadata.namespace');
  const spec = record(obj.spec);
  const status = record(obj.status);
  const owners = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences.filter(isRecord) : [];
  const controller = owners.find((o) => o.controller === true);
  const notReady: string[] = [];
  const waitingReasons: string[] = [];
  const allWaiting: string[] = [];
  const containerStatuses = Array.isArray(status.containerStatuses) ? status.containerStatuses.filter(isRecord) : [];
  for (const c of containerStatuses) {
    const waiting = str(record(record(c.state).waiting).reason);
    if (waiting) allWaiting.push(`${str(c.name) ?? '?'}: ${waiting}`);
    if (waiting && waiting !== 'ContainerCreating' && waiting !== 'PodInitializing') waitingReasons.push(`${str(c.name) ?? '?'}: ${waiting}`);
    if (c.ready === true) continue;
    const terminated = str(record(record(c.state).terminated).reason);
    notReady.push(`${str(c.name) ?? '?'}${waiting ? ` (${waiting})` : terminated ? ` (${terminated})` : ''}`);
  }
  const pod: KubePod = {
    namespace,
    name,
    phase: str(status.phase) ?? 'Unknown',
    terminating: typeof metadata.deletionTimestamp === 'string',
    notReadyContainers: notReady,
    waitingReasons,
    labels: stringMap(metadata.labels),
  };
  const nodeName = str(spec.nodeName);
  if (nodeName) pod.nodeName = nodeName;
  const kind = str(controller?.kind);
  if (kind) pod.controllerKind = kind;
  const reason = str(status.reason) ?? podNotRunningReason(status, allWaiting);
  if (reason) pod.reason = reason;
  if (str(record(metadata.annotations)['kubernetes.io/config.mirror']) !== undefined) pod.mirror = true;
  return pod;
}

/**
 * Why a pod is not running, most specific first: not scheduled (PodScheduled=False: the
 * scheduler's "0/3 nodes are available: …"), then what its containers wait for (ContainerCreating,
 * ImagePullBackOff, … as `kubectl get pods` shows), then any other failing condition.
 */
function podNotRunningReason(status: Json, waiting: readonly string[]): string | undefined {
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isRecord) : [];
  const explain = (c: Json): string => [str(c.reason), str(c.message)].filter(Boolean).join(': ');
  const unscheduled = conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled && explain(unscheduled)) return explain(unscheduled);
  if (waiting.length > 0) return waiting.join(', ');
  const failing = conditions.find((c) => c.status === 'False' && explain(c));
  return failing ? explain(failing) : undefined;
}

export function readPodList(stdout: string): KubePod[] {
  return listItems(parseJsonDocument(stdout, 'get pods'), 'get pods').map((item, i) => readPod(item, `get pods: items[${i}]`));
}

function optionalInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function readPodDisruptionBudget(obj: unknown, what = 'pdb'): KubePodDisruptionBudget {
  if (!isRecord(obj)) throw new KubeOutputError(what, 'PodDisruptionBudget is not an object');
  const metadata = record(obj.metadata);
  const name = str(metadata.name);
  const namespace = str(metadata.namespace);
  if (!name || !namespace) throw new KubeOutputError(what, 'PodDisruptionBudget has no metadata.name or metadata.namespace');
  const spec = record(obj.spec);
  const selector = record(spec.selector);
  const status = record(obj.status);
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isRecord) : [];
  const pdb: KubePodDisruptionBudget = {
    namespace,
    name,
    matchLabels: stringMap(selector.matchLabels),
    matchExpressions: expressions.map((e) => ({
      key: str(e.key) ?? '',
      operator: str(e.operator) ?? '',
      values: Array.isArray(e.values) ? e.values.filter((x): x is string => typeof x === 'string') : [],
    })),
  };
  const fields = ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const;
  for (const f of fields) {
    const n = optionalInt(status[f]);
    if (n !== undefined) pdb[f] = n;
  }
  for (const f of ['minAvailable', 'maxUnavailable'] as const) {
    const v = spec[f];
    if (typeof v === 'string' || optionalInt(v) !== undefined) pdb[f] = v as number | string;
  }
  return pdb;
}

export function readPodDisruptionBudgetList(stdout: string): KubePodDisruptionBudget[] {
  return listItems(parseJsonDocument(stdout, 'get pdb'), 'get pdb').map((item, i) => readPodDisruptionBudget(item, `get pdb: items[${i}]`));
}

/** Whether a PDB's label selector selects a pod (policy/v1: an empty selector selects every pod of the namespace). */
export function budgetSelectsPod(pdb: KubePodDisruptionBudget, pod: KubePod): boolean {
  if (pdb.namespace !== pod.namespace) return false;
  for (const [k, v] of Object.entries(pdb.matchLabels)) if (pod.labels[k] !== v) return false;
  for (const e of pdb.matchExpressions) {
    const value = pod.labels[e.key];
    switch (e.operator) {
      case 'In':
        if (value === undefined || !e.values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && e.values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
