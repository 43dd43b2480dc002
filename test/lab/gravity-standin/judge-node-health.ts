/**
 * Decides each lab node's gravity status from what was observed, the way planet's agent would see it:
 *
 * - healthy:  its Node is Ready and (if it runs one) its etcd member is healthy;
 * - offline:  nothing on the node answers — the Node is missing or its Ready status is Unknown
 *             (kubelet stopped posting), AND its etcd member does not answer (or it has none).
 *             This is gravity's "no agent report" case: planet is down or the machine is rebooting;
 * - degraded: anything else, with failed probes saying why.
 */

import type { GravityLabState, GravityLabNode } from './lab-state.js';
import type { LabObservation } from './observe-lab-cluster.js';
import type { GravityNodeStatus } from '../../../shared/gravity/status.js';

export interface NodeVerdict {
  node: GravityLabNode;
  status: GravityNodeStatus;
  failedProbes: string[];
}

export function judgeNodeHealth(lab: GravityLabState, observed: LabObservation): NodeVerdict[] {
  return lab.nodes.map((node) => {
    const readiness = observed.nodes.get(node.name);
    const etcd = observed.etcdMembers.get(node.name);
    const etcdHost = node.etcdClientUrl === undefined ? '' : new URL(node.etcdClientUrl).hostname;

    const kubeletSilent = readiness === undefined || readiness.ready === 'Unknown';
    const etcdSilent = etcd === undefined || etcd.kind === 'unreachable';
    if (kubeletSilent && etcdSilent) return { node, status: 'offline', failedProbes: [] };

    const failedProbes: string[] = [];
    if (readiness === undefined) {
      failedProbes.push('node is not registered with the Kubernetes API server');
    } else if (readiness.ready === 'absent') {
      failedProbes.push('node NotReady: the node reports no Ready condition');
    } else if (readiness.ready !== 'True') {
      failedProbes.push(`node NotReady: ${readiness.message ?? readiness.reason ?? `Ready=${readiness.ready}`}`);
    }
    if (etcd !== undefined && etcd.kind !== 'healthy') {
      failedProbes.push(`etcd member on ${etcdHost} is ${etcd.kind} (${etcd.detail})`);
    }
    return { node, status: failedProbes.length === 0 ? 'healthy' : 'degraded', failedProbes };
  });
}
