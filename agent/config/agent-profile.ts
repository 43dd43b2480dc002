import { isMapping, type Mapping } from '../../shared/config/field-reader.js';

/**
 * The agent's profile (`profile:` or `--profile`): which cluster distribution the node belongs to.
 * A profile chooses defaults only; every key written in the file wins over the profile's default.
 * gravity is today's defaults (nothing added); kubeadm and k3s name their units, drop the planet
 * glob and Gravity's `gravity exec` checks, and configure etcd (health and snapshots) by default.
 */

export const AGENT_PROFILES = ['gravity', 'kubeadm', 'k3s'] as const;
export type AgentProfile = (typeof AGENT_PROFILES)[number];
export const DEFAULT_PROFILE: AgentProfile = 'gravity';

/** Node checks without planet: units that failed on the host (there is no container to exec into). */
const HOST_FAILED_UNITS_CHECK = { name: 'failed-units', command: ['systemctl', '--failed', '--plain', '--no-legend'], expect: 'no-failed-units' };

/**
 * kubeadm: the kubelet and the container runtime are host units; etcd runs as a static pod with
 * its TLS client certificates under /etc/kubernetes/pki/etcd (read by the agent, never sent).
 * etcdctl is not on a kubeadm node by default (etcd lives in its container image): install it
 * (Debian: etcd-client) or point etcd.etcdctl at one; without it the agent reports etcd_configured false.
 */
const KUBEADM: Mapping = {
  units: { allow: ['kubelet.service', 'containerd.service'], planet: [], watch: ['kubelet.service', 'containerd.service'] },
  packages: { watch: ['kubelet', 'kubeadm', 'kubectl'] },
  planetChecks: { checks: [HOST_FAILED_UNITS_CHECK] },
  etcd: {},
};

/**
 * k3s: one binary (no distribution package to watch), k3s.service on servers and k3s-agent.service on
 * agents; embedded etcd with its own certificates, snapshots taken by `k3s etcd-snapshot save`
 * (etcd.k3s, default /usr/local/bin/k3s where k3s's installer puts it).
 */
const K3S: Mapping = {
  units: { allow: ['k3s.service', 'k3s-agent.service'], planet: [], watch: ['k3s.service', 'k3s-agent.service'] },
  planetChecks: { checks: [HOST_FAILED_UNITS_CHECK] },
  // k3s ships no etcdctl: health needs one installed beside it (as k3s's docs do for embedded etcd)
  etcd: {
    etcdctl: '/usr/local/bin/etcdctl',
    cacert: '/var/lib/rancher/k3s/server/tls/etcd/server-ca.crt',
    cert: '/var/lib/rancher/k3s/server/tls/etcd/client.crt',
    key: '/var/lib/rancher/k3s/server/tls/etcd/client.key',
    snapshotTool: 'k3s',
  },
};

const PROFILE_DEFAULTS: Record<AgentProfile, Mapping> = { gravity: {}, kubeadm: KUBEADM, k3s: K3S };

/**
 * The file's settings with the profile's defaults filled in where the file says nothing: mappings
 * are merged key by key, anything else (a list, a value) is the file's when present.
 */
export function withProfileDefaults(settings: Mapping, profile: AgentProfile): Mapping {
  return fillMissing(settings, PROFILE_DEFAULTS[profile]);
}

function fillMissing(own: Mapping, defaults: Mapping): Mapping {
  const out: Mapping = { ...own };
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in own)) out[key] = structuredClone(value);
    else if (isMapping(own[key]) && isMapping(value)) out[key] = fillMissing(own[key], value);
  }
  return out;
}
