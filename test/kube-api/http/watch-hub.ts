import type { ServerResponse } from 'node:http';
import { ApiError } from '../api-error.js';
import type { KubeObject } from '../k8s-types.js';
import type { ObjectStore, StoreChange } from '../object-store.js';
import type { ResourceInfo } from '../resource-registry.js';
import { matchesQuery, type ListQuery } from './list-query.js';

const HISTORY = 2000;
const DEFAULT_TIMEOUT_S = 600;

interface Watcher {
  info: ResourceInfo;
  namespace: string | undefined;
  query: ListQuery;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

/**
 * Streams watch events (one JSON object per line, as the apiserver's JSON watch encoding does).
 * Recent changes are kept so a watch can start from the resourceVersion a list returned;
 * an older resourceVersion gets 410 Gone.
 */
export class WatchHub {
  private readonly history: StoreChange[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: ObjectStore) {
    this.unsubscribe = store.subscribe((change) => this.publish(change));
  }

  serve(info: ResourceInfo, namespace: string | undefined, query: ListQuery, res: ServerResponse): void {
    const backlog = this.backlog(info, namespace, query);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const timeoutMs = (query.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
    const watcher: Watcher = { info, namespace, query, res, timer: setTimeout(() => this.end(watcher), timeoutMs) };
    this.watchers.add(watcher);
    res.on('close', () => this.end(watcher));
    for (const change of backlog) this.send(watcher, change);
  }

  /** Ends every open watch; the hub keeps no timers afterwards. */
  close(): void {
    this.unsubscribe();
    for (const watcher of [...this.watchers]) this.end(watcher);
  }

  private backlog(info: ResourceInfo, namespace: string | undefined, query: ListQuery): StoreChange[] {
    const rv = query.resourceVersion;
    if (rv === undefined || rv === '0') {
      const objects = this.store.collection(info.resource).list(namespace) as KubeObject[];
      return objects.map((object) => ({ type: 'ADDED', collection: info.resource, object }));
    }
    const since = Number(rv);
    const oldest = this.history[0];
    if (!Number.isInteger(since)) throw new ApiError(400, 'BadRequest', `invalid resource version: ${rv}`);
    if (oldest && Number(oldest.object.metadata.resourceVersion) > since + 1 && this.history.length >= HISTORY) {
      throw new ApiError(410, 'Expired', `too old resource version: ${rv}`);
    }
    return this.history.filter((c) => c.collection === info.resource && Number(c.object.metadata.resourceVersion) > since);
  }

  private publish(change: StoreChange): void {
    this.history.push(change);
    if (this.history.length > HISTORY) this.history.shift();
    for (const watcher of this.watchers) if (watcher.info.resource === change.collection) this.send(watcher, change);
  }

  private send(watcher: Watcher, change: StoreChange): void {
    const obj = change.object;
    if (watcher.namespace !== undefined && obj.metadata.namespace !== watcher.namespace) return;
    if (!matchesQuery(watcher.info.resource, watcher.query, obj)) return;
    watcher.res.write(JSON.stringify({ type: change.type, object: obj }) + '\n');
  }

  private end(watcher: Watcher): void {
    if (!this.watchers.delete(watcher)) return;
    clearTimeout(watcher.timer);
    watcher.res.end();
  }
}
