import { join } from 'node:path';
import { writeKubeconfig } from '../../test/kube-api/kubeconfig.js';
import { newNode } from '../../test/kube-api/object-factory.js';
import { startKubeApiServer, type KubeApiServer } from '../../test/kube-api/server.js';
import { fleetBootId, fleetNodeName } from './fleet-identity.js';

/**
 * The project's test API server (test/kube-api) for the fan-out fleet, in the benchmark's own
 * process on 127.0.0.1: one Ready Node per fleet agent, named like it and reporting its boot ID (so
 * plan's "kubernetes node" and "agent identity" checks run against it and pass), no pods.
 * Plain HTTP with an empty kubeconfig user (the admin, as on the apiserver's old insecure port), so
 * the coordinator reads nodes and pods straight from it and runs kubectl for the rest.
 *
 * The Nodes are created once, not heartbeated by 1,000 kubelet stand-ins: the heartbeat grace is
 * longer than the benchmark, so the node lifecycle controller leaves them Ready, and the
 * controllers run on changes only (there are none) rather than every 100 ms.
 */
export interface FleetKubeApi {
  api: KubeApiServer;
  kubeconfig: string;
  close(): Promise<void>;
}

export async function startFleetKubeApi(fleetSize: number, dir: string, lifetimeMs: number): Promise<FleetKubeApi> {
  const api = await startKubeApiServer({ host: '127.0.0.1', port: 0, nodeHeartbeatGraceMs: lifetimeMs + 60_000, reconcileIntervalMs: lifetimeMs + 60_000 });
  try {
    for (let i = 0; i < fleetSize; i += 1) {
      api.store.nodes.create(newNode(fleetNodeName(i), { bootID: fleetBootId(i), labels: { 'node-role.kubernetes.io/worker': '' } }));
    }
    const kubeconfig = await writeKubeconfig(join(dir, 'kube'), api.url);
    return { api, kubeconfig, close: () => api.close() };
  } catch (err) {
    await api.close();
    throw err;
  }
}
