import { enableUnit, prepareNodeIdentity, writeAgentFiles, clockDropIn, writeInRoot, type NodeFile, type NodeRootfsOptions } from '../node-rootfs.js';
import type { PlanetConfig } from '../planet/planet-config.js';
import { CONTAINERD_UNIT, containerdUnitText, ETCD_STANDIN_UNIT, etcdStandinUnitText, KUBELET_UNIT, kubeletUnitText, NODE_KUBELET_CONFIG, type KubeadmEtcdMember } from './kubeadm-units.js';

/**
 * A kubeadm lab node from the node image: its identity, kubelet.service and containerd.service
 * (enabled), on control-plane nodes etcd with kubeadm's PKI; the agent's files when the lab has
 * agents. Nothing of Gravity: no planet or teleport unit, no gravity program, no planet package.
 */

export interface KubeadmRootfsOptions extends Pick<NodeRootfsOptions, 'image' | 'rootfs' | 'hostname' | 'agent' | 'clockOffsetMs'> {
  kubelet: PlanetConfig;
  /** Control-plane nodes: the etcd member, its binary in the node and kubeadm's PKI files. */
  etcd?: { binary: string; member: KubeadmEtcdMember; pkiFiles: Record<string, NodeFile> };
}

export async function prepareKubeadmNodeRootfs(o: KubeadmRootfsOptions): Promise<void> {
  await prepareNodeIdentity(o);
  await writeInRoot(o.rootfs, NODE_KUBELET_CONFIG, JSON.stringify(o.kubelet, null, 2) + '\n');
  await writeInRoot(o.rootfs, `/etc/systemd/system/${CONTAINERD_UNIT}`, containerdUnitText());
  await writeInRoot(o.rootfs, `/etc/systemd/system/${KUBELET_UNIT}`, kubeletUnitText());
  await enableUnit(o.rootfs, CONTAINERD_UNIT);
  await enableUnit(o.rootfs, KUBELET_UNIT);
  const skewed = o.clockOffsetMs !== undefined && o.clockOffsetMs !== 0 ? clockDropIn(o.clockOffsetMs) : undefined;
  if (skewed) await writeInRoot(o.rootfs, `/etc/systemd/system/${KUBELET_UNIT}.d/lab-clock.conf`, skewed);
  if (o.etcd) {
    for (const [path, file] of Object.entries(o.etcd.pkiFiles)) await writeInRoot(o.rootfs, path, file.content, file.mode);
    await writeInRoot(o.rootfs, `/etc/systemd/system/${ETCD_STANDIN_UNIT}`, etcdStandinUnitText(o.etcd.binary, o.etcd.member));
    await enableUnit(o.rootfs, ETCD_STANDIN_UNIT);
  }
  if (o.agent) await writeAgentFiles(o.rootfs, o.agent, skewed);
}
