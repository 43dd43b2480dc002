/**
 * Builds the document `gravity status --output=json` would print for the lab cluster, field for
 * field in gravity's order (lib/status `Cluster` then `Agent`; shape checked against a real
 * gravity 6.1.27 capture from gravitational/robotest infra/gravity/testdata). Identifiers are derived
 * from the cluster name so repeated calls agree, as they do on a real cluster.
 */

import { createHash } from 'node:crypto';
import type { GravityLabState } from './lab-state.js';
import type { NodeVerdict } from './judge-node-health.js';
import {
  GravitySystemStatus,
  type GravityLocator,
  type GravityNode,
  type GravityStatus,
  type GravityVersionInfo,
} from '../../../shared/gravity/status.js';

export const DEFAULT_GRAVITY_VERSION = '7.0.13';
/** gravity-site's port: the authentication gateway and the cluster control panel. */
const GRAVITY_SITE_PORT = 32009;
const DEFAULT_ACCOUNT_ID = '00000000-0000-0000-0000-000000000001';

export function buildGravityStatus(lab: GravityLabState, verdicts: readonly NodeVerdict[], installedAt: Date): GravityStatus {
  const version = lab.gravityVersion ?? DEFAULT_GRAVITY_VERSION;
  const application: GravityLocator = { repository: 'gravitational.io', name: 'gravity', version };
  const versionInfo: GravityVersionInfo = {
    edition: 'open-source',
    version,
    gitCommit: digest(`gravity ${version}`).slice(0, 40),
    helm: 'v2.16',
  };
  const installId = uuidFrom(`${lab.clusterName}/operation_install`);
  const installTime = goTime(installedAt);
  const masterIps = lab.nodes.filter((n) => n.role === 'master').map((n) => n.advertiseIp);
  const controlPanelUrls = masterIps.map((ip) => `https://${ip}:${GRAVITY_SITE_PORT}`);
  const allHealthy = verdicts.every((v) => v.status === 'healthy');

  return {
    cluster: {
      application,
      state: allHealthy ? 'active' : 'degraded',
      ...(allHealthy ? {} : { reason: 'cluster_degraded' }),
      domain: lab.clusterName,
      token: {
        token: digest(`${lab.clusterName}/expand-token`).slice(0, 12),
        expires: '0001-01-01T00:00:00Z',
        type: 'expand',
        account_id: DEFAULT_ACCOUNT_ID,
        site_domain: lab.clusterName,
        operation_id: installId,
        user_email: `agent@${lab.clusterName}`,
      },
      operation: {
        type: 'operation_install',
        id: installId,
        state: 'completed',
        created: installTime,
        description: `${lab.nodes.length}-node install`,
        progress: { message: 'Operation has completed', completion: 100, created: installTime },
      },
      endpoints: {
        applications: {
          Endpoints: [
            {
              application,
              endpoints: [
                {
                  name: 'Gravity Control Panel',
                  description: 'Local administrative user interface of this Gravity cluster\n',
                  addresses: controlPanelUrls,
                },
              ],
            },
          ],
        },
        cluster: { auth_gateway: masterIps.map((ip) => `${ip}:${GRAVITY_SITE_PORT}`), ui: controlPanelUrls },
      },
      Extension: {},
      server_version: versionInfo,
      client_version: { ...versionInfo },
      system_status: allHealthy ? GravitySystemStatus.running : GravitySystemStatus.degraded,
      nodes: verdicts.map(toGravityNode),
    },
  };
}

function toGravityNode({ node, status, failedProbes }: NodeVerdict): GravityNode {
  if (status === 'offline') {
    // gravity knows an unreported server only from the cluster state: no role, no profile.
    return { hostname: node.name, advertise_ip: node.advertiseIp, role: '', profile: '', status };
  }
  const profile = node.profile ?? node.role;
  return {
    hostname: node.name,
    advertise_ip: node.advertiseIp,
    role: node.role,
    profile,
    status,
    ...(failedProbes.length > 0 ? { failed_probes: [...failedProbes] } : {}),
    teleport_node: { hostname: node.name, advertise_ip: node.advertiseIp, public_ip: '', profile, instance_type: '' },
  };
}

/** Go's RFC 3339 with trailing zeros of the fraction dropped, as encoding/json prints time.Time. */
export function goTime(date: Date): string {
  return date.toISOString().replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function uuidFrom(text: string): string {
  const h = digest(text);
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
