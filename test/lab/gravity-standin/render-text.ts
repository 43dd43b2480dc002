/**
 * The human form of `gravity status`, laid out as gravity 7.0 prints it (tool/gravity/cli/status.go
 * printStatusText; compared with real 7.0.13 output): tab-aligned through Go's tabwriter, no
 * colours (gravity drops them when stdout is not a terminal).
 */

import { alignTabs } from './go-tabwriter.js';
import { formatHumanDate, relativeTime } from './go-time-format.js';
import { GravitySystemStatus, type GravityNode, type GravityOperation, type GravityStatus } from '../../../shared/gravity/status.js';

const FAILURE_MARK = '×';
const WARN_MARK = '!';

/** storage.Reason descriptions printed after a degraded state. */
const REASON_DESCRIPTIONS: Record<string, string> = {
  cluster_degraded: 'one or more of cluster nodes are not healthy',
};

export function renderStatusText(status: GravityStatus, now: Date): string {
  const { cluster } = status;
  const lines: string[] = [];
  const degraded = cluster.state === 'degraded' || cluster.system_status !== GravitySystemStatus.running;

  lines.push(`Cluster name:\t${cluster.domain || '<unknown>'}`);
  const state = cluster.state ?? '';
  const reason = cluster.reason ? ` (${REASON_DESCRIPTIONS[cluster.reason] ?? cluster.reason})` : '';
  lines.push(`Cluster status:\t${degraded ? state + reason : state}`);
  if (cluster.application?.name) lines.push(`Cluster image:\t${cluster.application.name}, version ${cluster.application.version}`);
  lines.push(`Gravity version:\t${cluster.client_version?.version ?? ''} (client) / ${cluster.server_version?.version ?? 'n/a'} (server)`);
  if (cluster.token?.token) lines.push(`Join token:\t${cluster.token.token}`);
  if (cluster.active_operations && cluster.active_operations.length > 0) {
    lines.push('Active operations:');
    for (const op of cluster.active_operations) lines.push(...operationLines(op, now));
  }
  if (cluster.operation) {
    lines.push('Last completed operation:');
    lines.push(...operationLines(cluster.operation, now));
  }
  lines.push('Cluster endpoints:', '    * Authentication gateway:');
  for (const e of cluster.endpoints?.cluster.auth_gateway ?? []) lines.push(`        - ${e}`);
  lines.push('    * Cluster management URL:');
  for (const e of cluster.endpoints?.cluster.ui ?? []) lines.push(`        - ${e}`);

  if (cluster.system_status !== undefined) {
    lines.push('Cluster nodes:');
    if (cluster.nodes.length === 0) lines.push('Failed to collect system status from nodes');
    const masters = cluster.nodes.filter((n) => n.role === 'master');
    const others = cluster.nodes.filter((n) => n.role !== 'master');
    if (masters.length > 0) lines.push('    Masters:', ...masters.flatMap(nodeLines));
    if (others.length > 0) lines.push('    Nodes:', ...others.flatMap(nodeLines));
  }
  return alignTabs(lines.join('\n') + '\n');
}

function operationLines(op: GravityOperation, now: Date): string[] {
  const created = new Date(op.created);
  const lines = [`    * ${op.description ?? op.type}`, `      ID:\t${op.id}`, `      Started:\t${formatHumanDate(created)} (${relativeTime(created, now)})`];
  if (op.progress.completion === 100) {
    const finished = new Date(op.progress.created);
    lines.push(`      ${titleCase(op.state)}:\t${formatHumanDate(finished)} (${relativeTime(finished, now)})`);
  } else if (op.type === 'operation_update') {
    lines.push(`      Use 'gravity plan --operation-id=${op.id}' to check operation status`);
  } else {
    lines.push(`      ${op.progress.message ? `${op.progress.message}, ` : ''}${op.progress.completion}% complete`);
  }
  return lines;
}

function nodeLines(node: GravityNode): string[] {
  const description = node.profile ? `${node.advertise_ip} / ${node.profile}` : node.advertise_ip;
  const lines = [`        * ${node.hostname || '<unknown>'} / ${description}`];
  if (node.selinux) lines.push('            SELinux:\ton');
  lines.push(`            Status:\t${node.status}`);
  if (node.status === 'degraded') for (const p of node.failed_probes ?? []) lines.push(`            [${FAILURE_MARK}]\t${p}`);
  if (node.status !== 'offline') for (const p of node.warn_probes ?? []) lines.push(`            [${WARN_MARK}]\t${p}`);
  lines.push(`            Remote access:\t${node.teleport_node ? 'online' : 'offline'}`);
  return lines;
}

function titleCase(word: string): string {
  return word.replace(/\b\w/g, (c) => c.toUpperCase());
}
