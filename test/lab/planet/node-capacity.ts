/**
 * What a kubelet reports as the machine's capacity and allocatable, for the machine a lab node
 * stands for: 2 CPUs, ~3.8 GiB of memory, 110 pods. Allocatable is capacity minus the default hard
 * eviction thresholds (memory.available<100Mi, nodefs.available<10%); no kube/system reservations.
 * The scheduler of the test API server fits pods' requests into allocatable.
 */
export const NODE_CAPACITY: Readonly<Record<string, string>> = { cpu: '2', 'ephemeral-storage': '30787492Ki', memory: '4025452Ki', pods: '110' };
export const NODE_ALLOCATABLE: Readonly<Record<string, string>> = { cpu: '2', 'ephemeral-storage': '28373752581', memory: '3923052Ki', pods: '110' };
