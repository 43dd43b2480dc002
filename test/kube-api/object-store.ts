import { randomUUID } from 'node:crypto';
import { alreadyExists, notFound } from './api-error.js';
import { deepEqual } from './json-value.js';
import { objectKey } from './k8s-predicates.js';
import { toKubeTime } from './k8s-time.js';
import type { ConfigMap, DaemonSet, KubeObject, Lease, Namespace, Node, Pod, PodDisruptionBudget, ReplicaSet, Role, RoleBinding, ServiceAccount } from './k8s-types.js';
import { RESOURCES, apiVersionOf, type CollectionName, type ResourceInfo } from './resource-registry.js';
import { jsonCopy } from '../support/json-copy.js';

export interface StoredObjects {
  nodes: Node;
  namespaces: Namespace;
  pods: Pod;
  daemonsets: DaemonSet;
  replicasets: ReplicaSet;
  poddisruptionbudgets: PodDisruptionBudget;
  configmaps: ConfigMap;
  serviceaccounts: ServiceAccount;
  leases: Lease;
  roles: Role;
  clusterroles: Role;
  rolebindings: RoleBinding;
  clusterrolebindings: RoleBinding;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreChange {
  type: ChangeType;
  collection: CollectionName;
  object: KubeObject;
}

/**
 * Reads hand out copies and writes store copies, as JSON (what an apiserver keeps in etcd): a field set to
 * undefined is dropped. Far cheaper than structuredClone, which on a busy lab cost the server most of a core
 * (the controllers list every pod and node several times a second).
 */
function copy<T>(value: T): T {
  return jsonCopy(value) as T;
}

/** One counter shared by every collection, like etcd's revision. */
class RevisionCounter {
  private value = 1000;
  current(): string {
    return String(this.value);
  }
  next(): string {
    this.value += 1;
    return String(this.value);
  }
}

/**
 * The objects of one resource, keyed by namespace/name. Every read returns a copy and every
 * write stores a copy, so callers can never change stored state by accident.
 */
export class Collection<T extends KubeObject> {
  private readonly objects = new Map<string, T>();

  constructor(
    readonly info: ResourceInfo,
    private readonly revisions: RevisionCounter,
    private readonly emit: (change: StoreChange) => void,
    private readonly admit: (obj: T) => void = () => undefined,
  ) {}

  get(name: string, namespace?: string): T | undefined {
    const found = this.objects.get(objectKey(this.info.namespaced ? namespace : undefined, name));
    return found && copy(found);
  }

  /** Sorted by namespace then name, as etcd returns them. `namespace` undefined means all. */
  list(namespace?: string): T[] {
    return [...this.objects.entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => copy(o));
  }

  /**
   * Stores a new object, filling in what the server owns: uid, resourceVersion, creationTimestamp,
   * generation. Every create, from a request or a controller, passes the collection's admission.
   */
  create(input: T, now = Date.now()): T {
    const obj = this.withTypeMeta(input);
    this.admit(obj);
    if (this.info.namespaced && !obj.metadata.namespace) throw new Error(`a ${this.info.kind} needs metadata.namespace`);
    const key = this.keyOf(obj);
    if (this.objects.has(key)) throw alreadyExists(this.info, obj.metadata.name);
    obj.metadata.uid ??= randomUUID();
    obj.metadata.creationTimestamp ??= toKubeTime(now);
    if (this.info.tracksGeneration) obj.metadata.generation = 1;
    else delete obj.metadata.generation;
    if (!this.info.namespaced) delete obj.metadata.namespace;
    obj.metadata.resourceVersion = this.revisions.next();
    this.objects.set(key, obj);
    this.emit({ type: 'ADDED', collection: this.info.resource, object: copy(obj) });
    return copy(obj);
  }

  /**
   * Replaces an existing object. Identity fields (uid, creationTimestamp, name, namespace) stay
   * as stored; resourceVersion is bumped only when something changed.
   */
  replace(input: T): T {
    const key = this.keyOf(input);
    const current = this.objects.get(key);
    if (!current) throw notFound(this.info, input.metadata.name);
    const next = this.withTypeMeta(input);
    next.metadata.uid = current.metadata.uid;
    next.metadata.creationTimestamp = current.metadata.creationTimestamp;
    if (!this.info.namespaced) delete next.metadata.namespace;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (this.info.tracksGeneration) {
      next.metadata.generation = (current.metadata.generation ?? 1) + (deepEqual(current.spec, next.spec) ? 0 : 1);
    }
    if (deepEqual(current, next)) return copy(current);
    next.metadata.resourceVersion = this.revisions.next();
    this.objects.set(key, next);
    this.emit({ type: 'MODIFIED', collection: this.info.resource, object: copy(next) });
    return copy(next);
  }

  /** Read-modify-write for controllers: undefined when the object is gone. */
  update(name: string, namespace: string | undefined, mutate: (obj: T) => void): T | undefined {
    const obj = this.get(name, namespace);
    if (!obj) return undefined;
    mutate(obj);
    return this.replace(obj);
  }

  delete(name: string, namespace?: string): T | undefined {
    const key = objectKey(this.info.namespaced ? namespace : undefined, name);
    const found = this.objects.get(key);
    if (!found) return undefined;
    this.objects.delete(key);
    // A delete is itself a change with its own revision, as watchers see it.
    found.metadata.resourceVersion = this.revisions.next();
    this.emit({ type: 'DELETED', collection: this.info.resource, object: copy(found) });
    return copy(found);
  }

  get size(): number {
    return this.objects.size;
  }

  /** A copy with kind and apiVersion first, as the apiserver serialises objects. */
  private withTypeMeta(input: T): T {
    const { kind: _kind, apiVersion: _apiVersion, ...rest } = copy(input);
    return { kind: this.info.kind, apiVersion: apiVersionOf(this.info), ...rest } as T;
  }

  private keyOf(obj: KubeObject): string {
    return objectKey(this.info.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
  }
}

export type StoreListener = (change: StoreChange) => void;

/** Mutating admission applied to every create (the apiserver's admission plugins). */
export interface StoreAdmission {
  pods?: (pod: Pod) => void;
}

/** All objects the test API server holds, with typed access per resource. */
export class ObjectStore {
  private readonly revisions = new RevisionCounter();
  private readonly listeners = new Set<StoreListener>();

  readonly nodes: Collection<Node>;
  readonly namespaces: Collection<Namespace>;
  readonly pods: Collection<Pod>;
  readonly daemonsets: Collection<DaemonSet>;
  readonly replicasets: Collection<ReplicaSet>;
  readonly poddisruptionbudgets: Collection<PodDisruptionBudget>;
  readonly configmaps: Collection<ConfigMap>;
  readonly serviceaccounts: Collection<ServiceAccount>;
  readonly leases: Collection<Lease>;
  readonly roles: Collection<Role>;
  readonly clusterroles: Collection<Role>;
  readonly rolebindings: Collection<RoleBinding>;
  readonly clusterrolebindings: Collection<RoleBinding>;

  constructor(admission: StoreAdmission = {}) {
    const make = <C extends CollectionName>(name: C, admit?: (obj: StoredObjects[C]) => void): Collection<StoredObjects[C]> => {
      const info = RESOURCES.find((r) => r.resource === name);
      if (!info) throw new Error(`resource ${name} is not registered`);
      return new Collection<StoredObjects[C]>(info, this.revisions, (c) => this.notify(c), admit);
    };
    this.nodes = make('nodes');
    this.namespaces = make('namespaces');
    this.pods = make('pods', admission.pods);
    this.daemonsets = make('daemonsets');
    this.replicasets = make('replicasets');
    this.poddisruptionbudgets = make('poddisruptionbudgets');
    this.configmaps = make('configmaps');
    this.serviceaccounts = make('serviceaccounts');
    this.leases = make('leases');
    this.roles = make('roles');
    this.clusterroles = make('clusterroles');
    this.rolebindings = make('rolebindings');
    this.clusterrolebindings = make('clusterrolebindings');
  }

  collection<C extends CollectionName>(name: C): Collection<StoredObjects[C]> {
    return this[name] as unknown as Collection<StoredObjects[C]>;
  }

  /** The newest revision of anything, which lists report as metadata.resourceVersion. */
  resourceVersion(): string {
    return this.revisions.current();
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
