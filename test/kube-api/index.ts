export { startKubeApiServer, type KubeApiServer, type KubeApiServerOptions } from './server.js';
export { seedRealisticWorkload, fillFreeCpu, type SeededWorkload } from './seed-workload.js';
export { writeKubeconfig, makeKubectlCacheDir } from './kubeconfig.js';
export { Kubectl, type KubectlOptions } from './kubectl.js';
export { ObjectStore, Collection, type StoreChange } from './object-store.js';
export { ActivityLog, type Activity, type ActivityType } from './activity-log.js';
export type { ClusterTiming } from './controllers/controller.js';
export type * from './k8s-types.js';
export * as factory from './object-factory.js';
