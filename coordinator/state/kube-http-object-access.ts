import { KubeHttpError, objectNotFound, statusOf, type KubeHttpClient } from '../cluster/kube-http-client.js';
import { KubeWriteRefusedError, refuseBlindReplace, type KubeObject, type KubeObjectAccess, type KubeWriteRefusal } from './kube-object-access.js';

/** The two kinds the state store keeps, by the name kubectl uses and by kind: their API group path and plural. */
const KINDS: Record<string, { groupVersion: string; plural: string }> = {
  lease: { groupVersion: '/apis/coordination.k8s.io/v1', plural: 'leases' },
  Lease: { groupVersion: '/apis/coordination.k8s.io/v1', plural: 'leases' },
  configmap: { groupVersion: '/api/v1', plural: 'configmaps' },
  ConfigMap: { groupVersion: '/api/v1', plural: 'configmaps' },
};

const WRITE_REFUSALS: readonly string[] = ['Conflict', 'AlreadyExists', 'NotFound'] satisfies KubeWriteRefusal[];

function collectionPath(kindOrResource: string, namespace: string): string {
  const k = KINDS[kindOrResource];
  if (!k) throw new Error(`the state store reads and writes Leases and ConfigMaps only, not ${kindOrResource}`);
  return `${k.groupVersion}/namespaces/${encodeURIComponent(namespace)}/${k.plural}`;
}

function namespaceOf(object: KubeObject): string {
  if (!object.metadata.namespace) throw new Error(`${object.kind} ${object.metadata.name} has no namespace`);
  return object.metadata.namespace;
}

/** get/create/replace as single requests to the API server (GET, POST to the collection, PUT). */
export class KubeHttpObjectAccess implements KubeObjectAccess {
  constructor(private readonly http: KubeHttpClient) {}

  async describe(): Promise<string> {
    return `the API server at ${this.http.server}`;
  }

  async get<T extends KubeObject>(resource: 'lease' | 'configmap', name: string, namespace: string): Promise<T | undefined> {
    const path = `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
    const r = await this.http.request('GET', path);
    // Absent only when the API server says this object is not found; a 404 for the path itself (an API
    // group it does not serve) names no object and is an error.
    if (r.status === 404 && objectNotFound(r.body, name)) return undefined;
    if (r.status !== 200) throw new KubeHttpError('GET', path, r.status, statusOf(r.body));
    return checked<T>(r.body, `get ${resource} ${name}`);
  }

  create<T extends KubeObject>(object: T): Promise<T> {
    return this.write('POST', collectionPath(object.kind, namespaceOf(object)), object);
  }

  replace<T extends KubeObject>(object: T): Promise<T> {
    refuseBlindReplace(object);
    return this.write('PUT', `${collectionPath(object.kind, namespaceOf(object))}/${encodeURIComponent(object.metadata.name)}`, object);
  }

  private async write<T extends KubeObject>(method: 'POST' | 'PUT', path: string, object: T): Promise<T> {
    try {
      return checked<T>(await this.http.expectOk(method, path, object), `${method} ${object.kind} ${object.metadata.name}`);
    } catch (err) {
      if (err instanceof KubeHttpError && err.statusBody.reason && WRITE_REFUSALS.includes(err.statusBody.reason)) {
        throw new KubeWriteRefusedError(err.statusBody.reason as KubeWriteRefusal, `${method === 'POST' ? 'create' : 'replace'} ${object.kind} ${object.metadata.namespace}/${object.metadata.name}: ${err.message}`);
      }
      throw err;
    }
  }
}

function checked<T extends KubeObject>(body: unknown, what: string): T {
  const obj = body as T | undefined;
  if (typeof obj?.metadata?.name !== 'string') throw new Error(`${what}: the API server's answer has no metadata.name`);
  return obj;
}

