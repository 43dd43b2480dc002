import type { EtcdConfig } from '../config/etcd-config.js';

/**
 * etcdctl (API v3) command lines from the agent's etcd config: TLS client certificates by path
 * (never their content), timeouts that end before the agent's own deadline on the process.
 */

export const ETCDCTL_ENV = { ETCDCTL_API: '3' };

/** etcdctl's own per-request timeout: a third of what the whole run may take, 1..30 s. */
function commandTimeoutSeconds(timeoutMs: number): number {
  return Math.min(30, Math.max(1, Math.floor(timeoutMs / 3000)));
}

function connection(c: EtcdConfig, endpoints: readonly string[], timeoutMs: number): string[] {
  return [
    `--endpoints=${endpoints.join(',')}`,
    `--cacert=${c.cacert}`,
    `--cert=${c.cert}`,
    `--key=${c.key}`,
    '--dial-timeout=2s',
    `--command-timeout=${commandTimeoutSeconds(timeoutMs)}s`,
  ];
}

/** Health of every member (`--cluster`: the member list is read from the configured endpoints). */
export function endpointHealthArgv(c: EtcdConfig, timeoutMs: number): string[] {
  return [c.etcdctl, ...connection(c, c.endpoints, timeoutMs), 'endpoint', 'health', '--cluster', '-w', 'json'];
}

/** `snapshot save` takes exactly one endpoint: the first configured (the node's own member). */
export function snapshotSaveArgv(c: EtcdConfig, file: string): string[] {
  return [c.etcdctl, ...connection(c, c.endpoints.slice(0, 1), c.snapshotTimeoutMs), 'snapshot', 'save', file];
}

/** Reads the snapshot file itself (no member involved). */
export function snapshotStatusArgv(c: EtcdConfig, file: string): string[] {
  return [c.etcdctl, 'snapshot', 'status', file, '-w', 'json'];
}

/**
 * `k3s etcd-snapshot save`: k3s takes the snapshot of its embedded etcd with its own client
 * certificates and names the file `<name>-<node name>-<unix seconds>` in `dir`.
 */
export function k3sSnapshotSaveArgv(c: EtcdConfig, name: string): string[] {
  return [c.k3s, 'etcd-snapshot', 'save', '--name', name, '--dir', c.snapshotDir];
}
