import type { Logger } from '../../shared/log/logger.js';
import { waitFor, ready, notYet } from '../../shared/time/wait-for.js';
import { KubeletHeartbeat } from '../lab/planet/kubelet-heartbeat.js';
import type { ClusterTiming } from './controllers/controller.js';
import { Kubectl } from './kubectl.js';
import { seedRealisticWorkload, type SeededWorkload } from './seed-workload.js';
import { startKubeApiServer, type KubeApiServer } from './server.js';

export interface TestClusterOptions extends Partial<ClusterTiming> {
  nodes: readonly string[];
  /** Seed the realistic workload once every node has registered. Default true. */
  seed?: boolean;
  heartbeatIntervalMs?: number;
  logger?: Logger;
  /** Also serve the HTTPS port with tokens and RBAC (startKubeApiServer's `secure`); kubelets and `kubectl` stay on plain HTTP. */
  secure?: boolean;
}

/**
 * A test API server, the lab's kubelet stand-in registering and heartbeating every node, the
 * realistic workload, and the real kubectl with its own kubeconfig and cache. close() stops all.
 */
export interface TestCluster {
  api: KubeApiServer;
  kubectl: Kubectl;
  kubelets: Map<string, KubeletHeartbeat>;
  seeded: SeededWorkload | undefined;
  close(): Promise<void>;
}

export async function startTestCluster(options: TestClusterOptions): Promise<TestCluster> {
  const api = await startKubeApiServer({ host: '127.0.0.1', port: 0, ...options });
  const kubelets = new Map<string, KubeletHeartbeat>();
  let kubectl: Kubectl | undefined;
  const close = async (): Promise<void> => {
    for (const k of kubelets.values()) k.stop();
    await kubectl?.dispose();
    await api.close();
  };
  try {
    options.nodes.forEach((nodeName, i) => {
      const kubelet = new KubeletHeartbeat(
        {
          nodeName,
          role: i === 0 ? 'master' : 'node',
          apiServerUrl: api.url,
          nodeAddress: `127.0.1.${i + 1}`,
          heartbeatIntervalMs: options.heartbeatIntervalMs ?? 250,
          versionFile: '/nonexistent/planet-version',
        },
        (msg) => options.logger?.debug({ node: nodeName }, msg),
      );
      kubelets.set(nodeName, kubelet);
      kubelet.start();
    });
    await waitFor({ what: `nodes ${options.nodes.join(', ')} to register`, timeoutMs: 10_000, initialDelayMs: 20 }, async () => {
      const missing = options.nodes.filter((n) => !api.store.nodes.get(n)?.metadata.labels?.['gravitational.io/k8s-role']);
      return missing.length === 0 ? ready(undefined) : notYet(`not registered: ${missing.join(', ')}`);
    });
    const seeded = options.seed === false ? undefined : seedRealisticWorkload(api, options.nodes);
    kubectl = await Kubectl.forServer(api.url);
    return { api, kubectl, kubelets, seeded, close };
  } catch (err) {
    await close();
    throw err;
  }
}
