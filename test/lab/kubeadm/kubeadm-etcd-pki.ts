import type { EtcdPkiLayout } from '../etcd-pki.js';

/**
 * The etcd PKI of a kubeadm cluster, as `kubeadm init phase certs` makes it: one etcd CA, per
 * control-plane node the etcd server and peer certificates, the healthcheck client (CN
 * kube-etcd-healthcheck-client) and the API server's etcd client (CN kube-apiserver-etcd-client).
 */

export const KUBEADM_PKI_DIR = '/etc/kubernetes/pki';
export const KUBEADM_ETCD_PKI_DIR = `${KUBEADM_PKI_DIR}/etcd`;

export const KUBEADM_ETCD_PKI_LAYOUT: EtcdPkiLayout = {
  cas: { ca: { path: `${KUBEADM_ETCD_PKI_DIR}/ca`, commonName: 'etcd-ca' } },
  leaves: [
    { path: `${KUBEADM_ETCD_PKI_DIR}/server`, ca: 'ca', kind: 'member' },
    { path: `${KUBEADM_ETCD_PKI_DIR}/peer`, ca: 'ca', kind: 'member' },
    { path: `${KUBEADM_ETCD_PKI_DIR}/healthcheck-client`, ca: 'ca', kind: 'client', commonName: 'kube-etcd-healthcheck-client' },
    { path: `${KUBEADM_PKI_DIR}/apiserver-etcd-client`, ca: 'ca', kind: 'client', commonName: 'kube-apiserver-etcd-client' },
  ],
  hostClient: { ca: 'ca', commonName: 'kube-etcd-healthcheck-client' },
};
