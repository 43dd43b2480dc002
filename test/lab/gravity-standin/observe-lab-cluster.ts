/**
 * Observes the live lab: the Nodes the kubelet stand-ins keep Ready in the test API server, and
 * the health of every etcd member, all at once.
 */

import type { GravityLabState } from './lab-state.js';
import { describeFetchFailure, probeEtcdMember, type EtcdMemberProbe } from './etcd-member-probe.js';
import { readNodeReadiness, type NodeReadiness } from './node-readiness.js';
import { observeNodeUnits, type NodeUnits } from './observe-node-units.js';

export interface LabObservation {
  /** Node name → readiness, for every Node the API server knows. */
  nodes: Map<string, NodeReadiness>;
  /** Lab node name → its etcd member's health, for nodes that run one. */
  etcdMembers: Map<string, EtcdMemberProbe>;
  /** Lab node name → its planet and teleport units, for the nodes that could be asked (absent: not observed). */
  units?: Map<string, NodeUnits>;
}

export interface ObserveOptions {
  kubeTimeoutMs?: number;
  etcdTimeoutMs?: number;
}

/** The API server could not be asked at all: gravity would fail rather than print a status. */
export class ApiServerUnavailableError extends Error {
  constructor(url: string, detail: string) {
    super(`failed to list Kubernetes nodes from ${url}: ${detail}`);
    this.name = 'ApiServerUnavailableError';
  }
}

export async function observeLabCluster(lab: GravityLabState, options: ObserveOptions = {}): Promise<LabObservation> {
  const etcdTimeoutMs = options.etcdTimeoutMs ?? 1500;
  const membersProbed = Promise.all(
    lab.nodes.flatMap((node) =>
      node.etcdClientUrl === undefined
        ? []
        : [probeEtcdMember(node.etcdClientUrl, etcdTimeoutMs).then((probe) => [node.name, probe] as const)],
    ),
  );
  const [nodes, members, units] = await Promise.all([
    listNodeReadiness(lab.apiServerUrl, options.kubeTimeoutMs ?? 3000),
    membersProbed,
    lab.machineStateFile === undefined ? undefined : observeNodeUnits(lab.machineStateFile),
  ]);
  return { nodes, etcdMembers: new Map(members), ...(units ? { units } : {}) };
}

async function listNodeReadiness(apiServerUrl: string, timeoutMs: number): Promise<Map<string, NodeReadiness>> {
  const url = `${apiServerUrl}/api/v1/nodes`;
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    body = await response.text();
  } catch (err) {
    throw new ApiServerUnavailableError(url, describeFetchFailure(err, timeoutMs));
  }
  if (!response.ok) throw new ApiServerUnavailableError(url, `HTTP ${response.status} ${response.statusText}`.trim());
  try {
    return readNodeReadiness(JSON.parse(body));
  } catch (err) {
    throw new ApiServerUnavailableError(url, err instanceof Error ? err.message : String(err));
  }
}
