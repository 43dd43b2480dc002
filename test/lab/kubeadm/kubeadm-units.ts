import { KUBEADM_ETCD_PKI_DIR } from './kubeadm-etcd-pki.js';
import { NODE_LAB_NODE_BINARY, NODE_LAB_PROJECT_DIR } from '../node-rootfs.js';
import { CONTAINER_RUNTIME_SOCKET } from '../planet/container-runtime-standin.js';

/**
 * The units of a kubeadm lab node, under the names a kubeadm node has: kubelet.service (the
 * heartbeat stand-in) and containerd.service (the runtime stand-in the kubelet asks). kubeadm runs
 * etcd as a static pod the kubelet starts from /etc/kubernetes/manifests/etcd.yaml; the lab runs
 * the same etcd binary with kubeadm's flags as a unit of its own, started after the kubelet.
 * What is lost: the kubelet does not manage it (no pod, no mirror pod in the API, no restart by
 * the kubelet); like a static pod, it keeps running when kubelet or containerd is stopped
 * (containerd's KillMode=process keeps containers alive), and stops when the node shuts down.
 */

export const KUBELET_UNIT = 'kubelet.service';
export const CONTAINERD_UNIT = 'containerd.service';
export const ETCD_STANDIN_UNIT = 'noderoll-lab-etcd.service';
export const NODE_KUBELET_CONFIG = '/etc/noderoll-lab/kubelet.json';
/** Where kubeadm's etcd keeps its data (the static pod's hostPath). */
export const KUBEADM_ETCD_DATA_DIR = '/var/lib/etcd';
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

export function containerdUnitText(): string {
  return [
    '[Unit]',
    'Description=containerd container runtime (noderoll lab stand-in)',
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${NODE_LAB_NODE_BINARY} ${NODE_LAB_PROJECT_DIR}/dist/test/lab/planet/container-runtime-standin.js ${CONTAINER_RUNTIME_SOCKET}`,
    'Restart=always',
    'RestartSec=1',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function kubeletUnitText(): string {
  return [
    '[Unit]',
    'Description=kubelet: The Kubernetes Node Agent (noderoll lab stand-in)',
    `Wants=${CONTAINERD_UNIT}`,
    `After=${CONTAINERD_UNIT}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${NODE_LAB_NODE_BINARY} ${NODE_LAB_PROJECT_DIR}/dist/test/lab/kubeadm/kubelet-standin.js ${NODE_KUBELET_CONFIG}`,
    'Restart=always',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export interface KubeadmEtcdMember {
  name: string;
  /** The node's address on the node-to-node network: peers and advertised client URL. */
  bridgeAddress: string;
  /** The node's address towards the host. */
  nodeAddress: string;
  /** `name=https://peer:2380,...` of every member. */
  initialCluster: string;
  clusterToken: string;
}

/** Where an etcd member with TLS keeps its data and finds its certificates (kubeadm's or k3s's layout). */
export interface EtcdMemberFiles {
  dataDir: string;
  cert: string;
  key: string;
  trustedCa: string;
  peerCert: string;
  peerKey: string;
  peerTrustedCa: string;
}

export const KUBEADM_ETCD_MEMBER_FILES: EtcdMemberFiles = {
  dataDir: KUBEADM_ETCD_DATA_DIR,
  cert: `${KUBEADM_ETCD_PKI_DIR}/server.crt`,
  key: `${KUBEADM_ETCD_PKI_DIR}/server.key`,
  trustedCa: `${KUBEADM_ETCD_PKI_DIR}/ca.crt`,
  peerCert: `${KUBEADM_ETCD_PKI_DIR}/peer.crt`,
  peerKey: `${KUBEADM_ETCD_PKI_DIR}/peer.key`,
  peerTrustedCa: `${KUBEADM_ETCD_PKI_DIR}/ca.crt`,
};

/**
 * etcd's flags with TLS everywhere and client certificates required, as kubeadm's etcd.yaml manifest
 * sets them (k3s configures its embedded etcd the same way, with its own paths).
 */
export function tlsEtcdArgs(m: KubeadmEtcdMember, f: EtcdMemberFiles = KUBEADM_ETCD_MEMBER_FILES): string[] {
  return [
    `--name=${m.name}`,
    `--data-dir=${f.dataDir}`,
    `--advertise-client-urls=https://${m.bridgeAddress}:${ETCD_CLIENT_PORT}`,
    `--listen-client-urls=https://127.0.0.1:${ETCD_CLIENT_PORT},https://${m.bridgeAddress}:${ETCD_CLIENT_PORT},https://${m.nodeAddress}:${ETCD_CLIENT_PORT}`,
    `--initial-advertise-peer-urls=https://${m.bridgeAddress}:${ETCD_PEER_PORT}`,
    `--listen-peer-urls=https://${m.bridgeAddress}:${ETCD_PEER_PORT}`,
    `--initial-cluster=${m.initialCluster}`,
    `--initial-cluster-token=${m.clusterToken}`,
    '--initial-cluster-state=new',
    `--cert-file=${f.cert}`,
    `--key-file=${f.key}`,
    '--client-cert-auth=true',
    `--trusted-ca-file=${f.trustedCa}`,
    `--peer-cert-file=${f.peerCert}`,
    `--peer-key-file=${f.peerKey}`,
    '--peer-client-cert-auth=true',
    `--peer-trusted-ca-file=${f.peerTrustedCa}`,
    '--snapshot-count=10000',
    '--listen-metrics-urls=http://127.0.0.1:2381',
    '--heartbeat-interval=100',
    '--election-timeout=1000',
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

export function etcdStandinUnitText(etcdBinary: string, member: KubeadmEtcdMember): string {
  return [
    '[Unit]',
    'Description=etcd of this control-plane node (noderoll lab stand-in for kubeadm\'s etcd static pod)',
    `After=${KUBELET_UNIT}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${etcdBinary} ${tlsEtcdArgs(member).join(' ')}`,
    'Restart=always',
    'RestartSec=2',
    'TimeoutStopSec=20',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
