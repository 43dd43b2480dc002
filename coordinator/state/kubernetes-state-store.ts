import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { KubectlClient } from '../cluster/kubectl.js';
import { AutoKubeObjectAccess } from './auto-kube-object-access.js';
import { KubeWriteRefusedError, type KubeObject, type KubeObjectAccess } from './kube-object-access.js';
import { LeaseLock, LeaseLockManager } from './lease-lock.js';
import { ABORT_KEY, CONFIGMAP_MAX_BYTES, decodeAbort, decodeHistory, decodeRecord, encodeRecord, type ConfigMapData } from './operation-configmap.js';
import { DEFAULT_HISTORY_LIMIT } from './operation-history.js';
import type { OperationRecord } from './operation-record.js';
import { LockLostError, type AbortRequest, type LockHolder, type LockOwner, type StateLock, type StateStore } from './state-store.js';

export interface KubernetesStateStoreOptions {
  kubectl: KubectlClient;
  /** How the Lease and ConfigMap are read and written; default: directly when the kubeconfig allows, else kubectl (AutoKubeObjectAccess). */
  access?: KubeObjectAccess;
  /** Told once how the store reaches the API server. */
  onAccessChosen?: (how: string) => void;
  /** Default noderoll-system; it must exist. */
  namespace?: string;
  /** The Lease (default noderoll) and the ConfigMap (default noderoll-operation). */
  leaseName?: string;
  configMapName?: string;
  /** Default 30. */
  leaseDurationSeconds?: number;
  /** Earlier operations kept next to the current one (default 5). */
  historyLimit?: number;
  /** Default the API server's 1 MiB. */
  maxBytes?: number;
  /** Renew the lease in the background from acquireLock on (default true). */
  keepAlive?: boolean;
  monotonicMs?: () => number;
  wallMs?: () => number;
  /** How the takeover watch waits between reads (tests advance a fake clock). */
  sleep?: (ms: number) => Promise<void>;
}

interface ConfigMapObject extends KubeObject {
  data?: ConfigMapData;
}

/** How often a write that met a 409 re-reads and re-decides before giving up. */
const CONFLICT_RETRIES = 5;

/**
 * The StateStore in the cluster's own API: the lock is a Lease (lease-lock.ts), the record, its history
 * and an abort request live in one ConfigMap (operation-configmap.ts), every write a compare-and-swap on
 * resourceVersion. A 409 means another writer got in first: re-read, confirm the lease is still ours,
 * and apply our change on top of theirs (only `noderoll abort` writes next to the holder).
 */
export class KubernetesStateStore implements StateStore {
  readonly location: string;
  private readonly access: KubeObjectAccess;
  private readonly leases: LeaseLockManager;
  private readonly namespace: string;
  private readonly configMapName: string;
  /** The ConfigMap as this process last wrote it (see update()). */
  private lastWritten: ConfigMapObject | undefined;

  constructor(private readonly options: KubernetesStateStoreOptions) {
    this.namespace = options.namespace ?? 'noderoll-system';
    this.configMapName = options.configMapName ?? 'noderoll-operation';
    this.location = `configmap ${this.namespace}/${this.configMapName}`;
    this.access = options.access ?? new AutoKubeObjectAccess(options.kubectl, options.onAccessChosen);
    this.leases = new LeaseLockManager({
      access: this.access,
      namespace: this.namespace,
      name: options.leaseName ?? 'noderoll',
      durationSeconds: options.leaseDurationSeconds ?? 30,
      monotonicMs: options.monotonicMs ?? (() => performance.now()),
      wallMs: options.wallMs ?? Date.now,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  }

  async acquireLock(owner: LockOwner, options: { onWait?: (message: string) => void } = {}): Promise<LeaseLock> {
    const lock = await this.leases.acquire({ ...owner, host: owner.host || hostname() }, options.onWait);
    if (this.options.keepAlive !== false) lock.startKeepAlive();
    return lock;
  }

  async lockHolder(): Promise<LockHolder | undefined> {
    return this.leases.holderOf(await this.leases.read());
  }

  private readConfigMap(): Promise<ConfigMapObject | undefined> {
    return this.access.get<ConfigMapObject>('configmap', this.configMapName, this.namespace);
  }

  async load(): Promise<OperationRecord | undefined> {
    return decodeRecord((await this.readConfigMap())?.data, this.location);
  }

  /** Earlier operations, newest first (at most historyLimit, also when it was higher when they were written). */
  async history(): Promise<OperationRecord[]> {
    return decodeHistory((await this.readConfigMap())?.data, this.location).slice(0, this.options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
  }

  async save(record: OperationRecord, lock: StateLock): Promise<void> {
    if (!(lock instanceof LeaseLock)) throw new LockLostError(this.leases.location, 'the lock was not taken from this store');
    const encode = { location: this.location, historyLimit: this.options.historyLimit ?? DEFAULT_HISTORY_LIMIT, maxBytes: this.options.maxBytes ?? CONFIGMAP_MAX_BYTES };
    await this.update(async (current) => {
      await lock.assertHeld();
      return encodeRecord(current, record, encode);
    }, true);
  }

  async requestAbort(request: AbortRequest): Promise<void> {
    await this.update(async (current) => ({ ...current, [ABORT_KEY]: JSON.stringify(request) }));
  }

  async readAbortRequest(): Promise<AbortRequest | undefined> {
    return decodeAbort((await this.readConfigMap())?.data);
  }

  async clearAbortRequest(_lock: StateLock): Promise<void> {
    await this.update(async (current) => {
      if (current?.[ABORT_KEY] === undefined) return undefined;
      const { [ABORT_KEY]: _cleared, ...rest } = current;
      return rest;
    });
  }

  /**
   * Read, decide, compare-and-swap; on 409 or a racing create, read again and decide again (bounded).
   * `fromLastWritten` (saves: a running coordinator is the only regular writer) starts from the ConfigMap
   * this process wrote last instead of reading it, which saves a read per save; anyone else's write in
   * between makes the swap fail with 409, and then the fresh object is read. Only for decisions that
   * always write: a "nothing to do" decided on a stale copy would never meet the 409.
   */
  private async update(decide: (current: ConfigMapData | undefined) => Promise<ConfigMapData>, fromLastWritten: true): Promise<void>;
  private async update(decide: (current: ConfigMapData | undefined) => Promise<ConfigMapData | undefined>): Promise<void>;
  private async update(decide: (current: ConfigMapData | undefined) => Promise<ConfigMapData | undefined>, fromLastWritten = false): Promise<void> {
    for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      const current = (fromLastWritten && attempt === 0 ? this.lastWritten : undefined) ?? (await this.readConfigMap());
      const data = await decide(current?.data);
      if (data === undefined) return;
      try {
        this.lastWritten = current
          ? await this.access.replace<ConfigMapObject>({ ...current, data })
          : await this.access.create<ConfigMapObject>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: this.configMapName, namespace: this.namespace }, data });
        return;
      } catch (err) {
        this.lastWritten = undefined;
        if (err instanceof KubeWriteRefusedError) continue; // Conflict, AlreadyExists (a racing create), NotFound (deleted meanwhile)
        throw err;
      }
    }
    throw new Error(`writing ${this.location} met a conflict ${CONFLICT_RETRIES} times in a row; giving up`);
  }
}
