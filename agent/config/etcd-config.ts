import type { FieldReader } from '../../shared/config/field-reader.js';
import { showValue } from '../../shared/validation/field-error.js';
import { hostPortProblem } from '../../shared/validation/host-port.js';
import { absolutePathProblem } from '../../shared/validation/path.js';

/**
 * The agent's `etcd:` section: the cluster's datastore on this node — how the agent asks etcd for
 * health and takes snapshots with the node's own client certificates, or (datastore sqlite, a single
 * k3s server) backs up k3s's SQLite database. Absent (gravity's default): nothing is configured and
 * CheckEtcdHealth/SaveEtcdSnapshot are refused. Every path comes from here, never from a request.
 */

export const ETCD_SNAPSHOT_TOOLS = ['etcdctl', 'k3s'] as const;
export type EtcdSnapshotTool = (typeof ETCD_SNAPSHOT_TOOLS)[number];

/** etcd (kubeadm's stacked etcd, k3s's embedded etcd) or sqlite (a single k3s server, k3s's default datastore through kine). */
export const DATASTORES = ['etcd', 'sqlite'] as const;
export type Datastore = (typeof DATASTORES)[number];

export interface EtcdConfig {
  datastore: Datastore;
  /** The etcdctl program (API v3). */
  etcdctl: string;
  /** Client URLs; the first one is the member snapshots are taken from. */
  endpoints: string[];
  cacert: string;
  cert: string;
  key: string;
  /** Where snapshots are kept on the node (created 0700). */
  snapshotDir: string;
  /** Snapshots kept on disk: the newest ones; older ones are removed after each new one. */
  keepSnapshots: number;
  /** Default and cap of one etcdctl run. */
  timeoutMs: number;
  snapshotTimeoutMs: number;
  snapshotTool: EtcdSnapshotTool;
  /** The k3s program (snapshotTool k3s: `k3s etcd-snapshot save`). */
  k3s: string;
  /** datastore sqlite: the sqlite3 program (k3s ships none: Debian's sqlite3 package) and k3s's database. */
  sqlite3: string;
  database: string;
}

/** kubeadm's layout: stacked etcd on the control-plane node, the healthcheck client certificate. */
export const ETCD_DEFAULTS: EtcdConfig = {
  datastore: 'etcd',
  etcdctl: '/usr/bin/etcdctl',
  endpoints: ['https://127.0.0.1:2379'],
  cacert: '/etc/kubernetes/pki/etcd/ca.crt',
  cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
  key: '/etc/kubernetes/pki/etcd/healthcheck-client.key',
  snapshotDir: '/var/lib/noderoll-agent/etcd-snapshots',
  keepSnapshots: 3,
  timeoutMs: 15_000,
  snapshotTimeoutMs: 5 * 60_000,
  snapshotTool: 'etcdctl',
  k3s: '/usr/local/bin/k3s',
  sqlite3: '/usr/bin/sqlite3',
  database: '/var/lib/rancher/k3s/server/db/state.db',
};

export const ETCD_KEYS = ['etcdctl', 'endpoints', 'cacert', 'cert', 'key', 'snapshotDir', 'keepSnapshots', 'timeoutMs', 'snapshotTimeoutMs', 'snapshotTool', 'k3s', 'datastore', 'sqlite3', 'database'];

/** `https://host:port` (or http), nothing else: it goes into etcdctl's argv. */
export function etcdEndpointProblem(value: string): string | undefined {
  const m = /^(https?):\/\/([^/?#@\s]+)$/.exec(value);
  if (!m) return `${showValue(value)} must be a client URL like https://127.0.0.1:2379 (no path, no credentials)`;
  const hp = hostPortProblem(m[2]!);
  return hp ? `${showValue(value)}: ${hp}` : undefined;
}

export function readEtcdConfig(r: FieldReader): EtcdConfig {
  const D = ETCD_DEFAULTS;
  return {
    datastore: r.oneOf<Datastore>('datastore', D.datastore, DATASTORES),
    etcdctl: r.string('etcdctl', D.etcdctl, absolutePathProblem),
    endpoints: r.list('endpoints', D.endpoints, etcdEndpointProblem, { nonEmpty: true, max: 16 }),
    cacert: r.string('cacert', D.cacert, absolutePathProblem),
    cert: r.string('cert', D.cert, absolutePathProblem),
    key: r.string('key', D.key, absolutePathProblem),
    snapshotDir: r.string('snapshotDir', D.snapshotDir, absolutePathProblem),
    keepSnapshots: r.integer('keepSnapshots', D.keepSnapshots, 1, 100),
    timeoutMs: r.integer('timeoutMs', D.timeoutMs, 1000, 600_000),
    snapshotTimeoutMs: r.integer('snapshotTimeoutMs', D.snapshotTimeoutMs, 1000, 3_600_000),
    snapshotTool: r.oneOf<EtcdSnapshotTool>('snapshotTool', D.snapshotTool, ETCD_SNAPSHOT_TOOLS),
    k3s: r.string('k3s', D.k3s, absolutePathProblem),
    sqlite3: r.string('sqlite3', D.sqlite3, absolutePathProblem),
    database: r.string('database', D.database, absolutePathProblem),
  };
}
