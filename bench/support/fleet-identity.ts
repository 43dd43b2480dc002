/**
 * Who fleet agent K is, agreed by the fleet simulator (which serves it), the benchmark's
 * certificates (issued to its node) and the test API server's Node (whose kubelet would report
 * the same boot ID): node sim-K, boot ID derived from K.
 */

export function fleetNodeName(index: number): string {
  return `sim-${index}`;
}

export function fleetBootId(index: number): string {
  return `${(index + 1).toString(16).padStart(8, '0')}-1111-4111-8111-111111111111`;
}
