/**
 * Decides each lab node's gravity status from what was observed, the way planet's agent would see it:
 *
 * - healthy:  its Node is Ready and (if it runs one) its etcd member is healthy;
 * - offline:  no agent report — the planet unit is seen not active (planet's agent runs in it), or
 *             nothing on the node answers: the Node is missing or its Ready status is Unknown
 *             (kubelet stopped posting), AND its etcd member does not answer (or it has none);
 * - degraded: anything else, with failed probes saying why (NotReady, etcd, teleport not running).
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

    const units = observed.units?.get(node.name);

    const kubeletSilent = readiness === undefined || readiness.ready === 'Unknown';
    const etcdSilent = etcd === undefined || etcd.kind === 'unreachable';
    if (kubeletSilent && etcdSilent) return { node, status: 'offline', failedProbes: [] };
    if (units !== undefined && units.planet.activeState !== 'active') return { node, status: 'offline', failedProbes: [] };

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
    if (units !== undefined && units.teleport.activeState !== 'active') {
      failedProbes.push(`teleport is not running: ${units.teleport.unit} is ${units.teleport.activeState} (${units.teleport.subState})`);
    }
    return { node, status: failedProbes.length === 0 ? 'healthy' : 'degraded', failedProbes };
  });
}
