/** Configuration of the lab's planet stand-in, written by the lab into each node. */

export interface PlanetEtcdConfig {
  binary: string;
  name: string;
  dataDir: string;
  listenPeerUrl: string;
  listenClientUrls: string[];
  advertiseClientUrl: string;
  /** `name=peerUrl,...` of every member. */
  initialCluster: string;
  clusterToken: string;
}

/**
 * A worker's etcd: Gravity runs etcd on every node, in proxy mode on workers, so `etcdctl` at
 * 127.0.0.1:2379 inside a worker's planet reaches the members. The lab uses etcd's own L4 gateway.
 */
export interface PlanetEtcdProxyConfig {
  binary: string;
  /** host:port of every member's client URL. */
  endpoints: string[];
  listenAddr: string;
}

export interface PlanetConfig {
  nodeName: string;
  role: 'master' | 'node';
  apiServerUrl: string;
  nodeAddress: string;
  heartbeatIntervalMs: number;
  /** File installed by the planet package; its content is reported as the planet version. */
  versionFile: string;
  /** The container runtime's socket the kubelet asks on every status update; absent = no runtime to ask. */
  containerRuntimeSocket?: string;
  etcd?: PlanetEtcdConfig;
  /** Workers: no member, a proxy to the members. */
  etcdProxy?: PlanetEtcdProxyConfig;
  /** Labels the kubelet registers the Node with instead of Gravity's (kubeadm lab). */
  labels?: Record<string, string>;
  /** Taints of the Node at registration (kubeadm's control-plane NoSchedule). */
  taints?: { key: string; value?: string; effect: string }[];
  /** The Node's containerRuntimeVersion instead of planet://<planet version>. */
  containerRuntimeVersion?: string;
}

export function parsePlanetConfig(text: string): PlanetConfig {
  const raw = JSON.parse(text) as Partial<PlanetConfig>;
  const need = (field: keyof PlanetConfig, type: string): void => {
    if (typeof raw[field] !== type) throw new Error(`planet config: field "${field}" must be a ${type}`);
  };
  need('nodeName', 'string');
  need('apiServerUrl', 'string');
  need('nodeAddress', 'string');
  need('heartbeatIntervalMs', 'number');
  need('versionFile', 'string');
  if (raw.containerRuntimeSocket !== undefined && typeof raw.containerRuntimeSocket !== 'string') throw new Error('planet config: field "containerRuntimeSocket" must be a string');
  if (raw.role !== 'master' && raw.role !== 'node') throw new Error('planet config: field "role" must be master or node');
  return raw as PlanetConfig;
}
