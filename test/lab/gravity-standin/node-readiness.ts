/** Reads each Node's Ready condition out of a Kubernetes `GET /api/v1/nodes` NodeList. */

export interface NodeReadiness {
  /** The Ready condition's status; `absent` when the Node reports no Ready condition. */
  ready: 'True' | 'False' | 'Unknown' | 'absent';
  reason?: string;
  message?: string;
}

/** Node name → readiness. Throws when the body is not a NodeList. */
export function readNodeReadiness(nodeList: unknown): Map<string, NodeReadiness> {
  if (!isRecord(nodeList) || !Array.isArray(nodeList.items)) {
    throw new Error('the API server answered /api/v1/nodes without an "items" array');
  }
  const readiness = new Map<string, NodeReadiness>();
  for (const item of nodeList.items) {
    if (!isRecord(item) || !isRecord(item.metadata) || typeof item.metadata.name !== 'string') continue;
    const conditions = isRecord(item.status) && Array.isArray(item.status.conditions) ? item.status.conditions : [];
    const ready = conditions.find((c: unknown) => isRecord(c) && c.type === 'Ready');
    if (!isRecord(ready)) {
      readiness.set(item.metadata.name, { ready: 'absent' });
      continue;
    }
    const status = ready.status === 'True' || ready.status === 'False' ? ready.status : 'Unknown';
    readiness.set(item.metadata.name, {
      ready: status,
      ...(typeof ready.reason === 'string' && ready.reason !== '' ? { reason: ready.reason } : {}),
      ...(typeof ready.message === 'string' && ready.message !== '' ? { message: ready.message } : {}),
    });
  }
  return readiness;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
