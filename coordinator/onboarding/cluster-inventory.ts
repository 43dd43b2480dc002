import { isIP } from 'node:net';
import type { GravityNode, GravityStatus } from '../../shared/gravity/status.js';
import { nodeNameProblem } from '../../shared/validation/node-name.js';
import type { KubeNode, NodeRole } from '../ports/cluster.js';

/**
 * What `noderoll init` learns about the cluster's nodes, decided from `kubectl get nodes -o json`
 * and, when gravity is there, `gravity status --output=json`. Pure: the commands run elsewhere
 * (read-cluster.ts).
 *
 * Refused (nothing is written, the operator fixes the cluster or its metadata first):
 * - a node name that is not a Kubernetes node name: it names a directory of the output and the
 *   agent's certificate identity, so it must be safe as both;
 * - a node without an InternalIP: the agent listens there, its certificate names it and the
 *   coordinator calls it there; a guess (the Hostname address, the name) would give a bundle that
 *   does not work, and leaving the node out would silently exclude it from every update;
 * - two nodes with the same InternalIP (two agents at one address);
 * - a node whose role differs between its labels and gravity: the role decides the order of the
 *   update (masters, which carry etcd, first and one at a time), and a disagreement means one of
 *   the two is stale or was edited; noderoll cannot tell which, the operator can.
 * Warned (written, but said): a node gravity does not list (role from its labels), a node gravity
 * lists without a Node object (not added: noderoll drives nodes through Kubernetes), a node gravity
 * reports offline or with another advertise IP, mixed kubelet versions (an update left half done?).
 */

export type RoleSource = 'labels' | 'gravity' | 'labels and gravity' | 'no role label (worker)';

export interface DetectedNode {
  name: string;
  internalIp: string;
  role: NodeRole;
  roleSource: RoleSource;
  kubeletVersion: string;
}

export interface ClusterInventory {
  nodes: DetectedNode[];
  /** Each one makes init refuse (nothing written). */
  refusals: string[];
  warnings: string[];
}

export function takeInventory(kubeNodes: readonly KubeNode[], gravity: GravityStatus | undefined): ClusterInventory {
  const refusals: string[] = [];
  const warnings: string[] = [];
  const nodes: DetectedNode[] = [];
  if (kubeNodes.length === 0) refusals.push('kubectl get nodes lists no nodes: nothing to onboard (is this the right cluster and context?)');
  const gravityNodes = gravity?.cluster.nodes ?? [];
  const matched = new Set<GravityNode>();
  const byIp = new Map<string, string>();
  for (const k of kubeNodes) {
    const nameProblem = nodeNameProblem(k.name);
    if (nameProblem) {
      refusals.push(`node ${nameProblem}: it would name a directory of the output and the agent's certificate; rename the node or onboard it by hand`);
      continue;
    }
    if (!k.internalIp || isIP(k.internalIp) === 0) {
      refusals.push(
        `node ${k.name} has no InternalIP address in status.addresses${k.internalIp ? ` (it has ${JSON.stringify(k.internalIp)})` : ''}: the agent listens on it, ` +
          'its certificate names it and the coordinator calls it there; fix the kubelet\'s --node-ip (or the node) so that the Node reports one, then run init again',
      );
      continue;
    }
    const sameIp = byIp.get(k.internalIp);
    if (sameIp) {
      refusals.push(`nodes ${sameIp} and ${k.name} both report InternalIP ${k.internalIp}: two agents cannot share one address`);
      continue;
    }
    byIp.set(k.internalIp, k.name);
    const g = gravity ? findGravityNode(gravityNodes, k) : undefined;
    if (g) matched.add(g);
    const role = decideRole(k, g, gravity !== undefined, refusals, warnings);
    if (!role) continue;
    nodes.push({ name: k.name, internalIp: k.internalIp, ...role, kubeletVersion: k.kubeletVersion ?? 'unknown' });
  }
  for (const g of gravityNodes) {
    if (!matched.has(g)) warnings.push(`gravity status lists node ${g.hostname} (${g.advertise_ip}) but Kubernetes has no Node for it: not added (noderoll drives nodes through Kubernetes)`);
  }
  const versions = [...new Set(nodes.map((n) => n.kubeletVersion))];
  if (versions.length > 1) warnings.push(`the kubelets run different versions (${versions.join(', ')}): is an earlier update unfinished?`);
  return { nodes, refusals, warnings };
}

/** Gravity names a node after its advertise IP, which is the Node's InternalIP; the hostname is the fallback. */
function findGravityNode(gravityNodes: readonly GravityNode[], k: KubeNode): GravityNode | undefined {
  return gravityNodes.find((g) => g.advertise_ip === k.internalIp) ?? gravityNodes.find((g) => g.hostname === k.name);
}

function decideRole(k: KubeNode, g: GravityNode | undefined, hasGravity: boolean, refusals: string[], warnings: string[]): { role: NodeRole; roleSource: RoleSource } | undefined {
  if (hasGravity && !g) warnings.push(`node ${k.name} (${k.internalIp}) is not in gravity status: its role comes from its labels alone`);
  if (g && g.advertise_ip !== k.internalIp) warnings.push(`node ${k.name}: gravity's advertise IP ${g.advertise_ip} is not its InternalIP ${k.internalIp}; the agent is set up on ${k.internalIp}`);
  if (g?.status === 'offline') warnings.push(`gravity reports node ${k.name} offline: its bundle is written, install it once the node is back`);
  const gravityRole = g?.role === 'master' || g?.role === 'node' ? g.role : undefined;
  const labelRole = k.role;
  if (gravityRole && labelRole && gravityRole !== labelRole) {
    refusals.push(
      `node ${k.name}: its labels say ${labelRole} (${describeRoleLabels(k.labels)}) but gravity status says ${gravityRole}: the role decides the update order ` +
        '(masters, which carry etcd, first); correct whichever is wrong (e.g. kubectl label node ' +
        `${k.name} gravitational.io/k8s-role=${gravityRole} --overwrite), then run init again`,
    );
    return undefined;
  }
  if (gravityRole && labelRole) return { role: gravityRole, roleSource: 'labels and gravity' };
  if (gravityRole) return { role: gravityRole, roleSource: 'gravity' };
  if (labelRole) return { role: labelRole, roleSource: 'labels' };
  return { role: 'node', roleSource: 'no role label (worker)' };
}

function describeRoleLabels(labels: Readonly<Record<string, string>>): string {
  const keys = ['gravitational.io/k8s-role', 'node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master', 'node-role.kubernetes.io/worker'];
  return keys
    .filter((key) => key in labels)
    .map((key) => (labels[key] ? `${key}=${labels[key]}` : key))
    .join(', ');
}
