import type { ClientRole } from '../../shared/pki/noderoll-identity.js';

/**
 * Which role may call which RPC. Read RPCs observe the node; mutating RPCs change it and are
 * audit-logged. A method in neither list is refused to everyone (default deny), so a new RPC
 * cannot be added without deciding who may call it (a unit test compares these lists with the
 * service definition).
 */

export const READ_RPCS = ['GetNodeInfo', 'ListUnits', 'ListFailedUnits', 'ScanJournal', 'RunPlanetChecks', 'GetOperation', 'ListOperations', 'GetRebootAdvice', 'CheckEtcdHealth'] as const;
export const MUTATING_RPCS = ['StopUnit', 'StartUnit', 'EnableUnit', 'Install', 'Reboot', 'SetUpdatePhase', 'RestartUnit', 'SaveEtcdSnapshot'] as const;
// SaveEtcdSnapshot is mutating on purpose: it writes a file on the node and the snapshot carries
// every Secret of the cluster, so only a coordinator certificate may ask for it (and it is audited).
export type ReadRpc = (typeof READ_RPCS)[number];
export type MutatingRpc = (typeof MUTATING_RPCS)[number];

const ALLOWED: Record<ClientRole, ReadonlySet<string>> = {
  coordinator: new Set<string>([...READ_RPCS, ...MUTATING_RPCS]),
  reader: new Set<string>(READ_RPCS),
};

export function isMutatingRpc(method: string): method is MutatingRpc {
  return (MUTATING_RPCS as readonly string[]).includes(method);
}

export function roleMayCall(role: ClientRole, method: string): boolean {
  return ALLOWED[role].has(method);
}

/** Why `role` may not call `method`, or undefined when it may. */
export function authorizationProblem(role: ClientRole, method: string): string | undefined {
  if (roleMayCall(role, method)) return undefined;
  if (role === 'reader' && isMutatingRpc(method)) {
    return `${method} changes the node; role reader may call only read RPCs (${READ_RPCS.join(', ')}); mutating calls need a coordinator certificate`;
  }
  return `${method} is not allowed for role ${role}`;
}
