import { NODE_LAB_DIR } from '../node-rootfs.js';
import type { EtcdPkiLayout } from '../etcd-pki.js';
import type { EtcdMemberFiles } from '../kubeadm/kubeadm-units.js';

/**
 * Where k3s keeps its embedded etcd on a server, as k3s lays it out under its data dir
 * (/var/lib/rancher/k3s): the etcd data, the on-demand snapshots, and the etcd PKI k3s generates
 * at the first server's start — two CAs (server-ca for clients and the server certificate, peer-ca
 * for members), the member's server-client and peer-server-client certificates and the client
 * certificate (CN etcd-client) k3s itself and `k3s etcd-snapshot` use.
 */

export const K3S_DATA_DIR = '/var/lib/rancher/k3s';
export const K3S_ETCD_TLS_DIR = `${K3S_DATA_DIR}/server/tls/etcd`;
export const K3S_ETCD_DATA_DIR = `${K3S_DATA_DIR}/server/db/etcd`;
export const K3S_SNAPSHOT_DIR = `${K3S_DATA_DIR}/server/db/snapshots`;
/** k3s's own containerd socket (k3s runs containerd inside k3s.service / k3s-agent.service). */
export const K3S_CONTAINERD_SOCKET = '/run/k3s/containerd/containerd.sock';
export const K3S_BINARY = '/usr/local/bin/k3s';
/** The etcd the k3s stand-in runs as its embedded member: beside the lab's Node.js, not a program of the node. */
export const K3S_ETCD_BINARY = `${NODE_LAB_DIR}/bin/etcd`;
/** The etcdctl k3s's docs have operators install beside k3s (k3s ships none). */
export const K3S_ETCDCTL = '/usr/local/bin/etcdctl';

export const K3S_ETCD_PKI_LAYOUT: EtcdPkiLayout = {
  cas: {
    'server-ca': { path: `${K3S_ETCD_TLS_DIR}/server-ca`, commonName: 'etcd-server-ca' },
    'peer-ca': { path: `${K3S_ETCD_TLS_DIR}/peer-ca`, commonName: 'etcd-peer-ca' },
  },
  leaves: [
    { path: `${K3S_ETCD_TLS_DIR}/server-client`, ca: 'server-ca', kind: 'member' },
    { path: `${K3S_ETCD_TLS_DIR}/peer-server-client`, ca: 'peer-ca', kind: 'member' },
    { path: `${K3S_ETCD_TLS_DIR}/client`, ca: 'server-ca', kind: 'client', commonName: 'etcd-client' },
  ],
  hostClient: { ca: 'server-ca', commonName: 'etcd-client' },
};

export const K3S_ETCD_MEMBER_FILES: EtcdMemberFiles = {
  dataDir: K3S_ETCD_DATA_DIR,
  cert: `${K3S_ETCD_TLS_DIR}/server-client.crt`,
  key: `${K3S_ETCD_TLS_DIR}/server-client.key`,
  trustedCa: `${K3S_ETCD_TLS_DIR}/server-ca.crt`,
  peerCert: `${K3S_ETCD_TLS_DIR}/peer-server-client.crt`,
  peerKey: `${K3S_ETCD_TLS_DIR}/peer-server-client.key`,
  peerTrustedCa: `${K3S_ETCD_TLS_DIR}/peer-ca.crt`,
};
