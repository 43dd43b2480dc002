import { isJsonObject, type JsonObject, type JsonValue } from '../json-value.js';

/**
 * Kubernetes strategic merge patch for the kinds this server stores. Maps merge like RFC 7386;
 * lists merge by their patchMergeKey where the Go types declare `patchStrategy:"merge"`, and the
 * directives $patch (replace/delete), $retainKeys, $setElementOrder/F and $deleteFromPrimitiveList/F
 * are honoured. Lists without a strategy are replaced, as in the real apiserver.
 */

type ListStrategy = { mergeKey: string } | { primitiveMerge: true };

const POD_SPEC_LISTS: Record<string, ListStrategy> = {
  'containers': { mergeKey: 'name' },
  'initContainers': { mergeKey: 'name' },
  'ephemeralContainers': { mergeKey: 'name' },
  'containers.env': { mergeKey: 'name' },
  'initContainers.env': { mergeKey: 'name' },
  'containers.ports': { mergeKey: 'containerPort' },
  'initContainers.ports': { mergeKey: 'containerPort' },
  'containers.volumeMounts': { mergeKey: 'mountPath' },
  'initContainers.volumeMounts': { mergeKey: 'mountPath' },
  'volumes': { mergeKey: 'name' },
  'imagePullSecrets': { mergeKey: 'name' },
  'hostAliases': { mergeKey: 'ip' },
};

function prefixed(prefix: string, lists: Record<string, ListStrategy>): Record<string, ListStrategy> {
  return Object.fromEntries(Object.entries(lists).map(([path, s]) => [`${prefix}.${path}`, s]));
}

const METADATA_LISTS: Record<string, ListStrategy> = {
  'metadata.ownerReferences': { mergeKey: 'uid' },
  'metadata.finalizers': { primitiveMerge: true },
};

const CONDITIONS: ListStrategy = { mergeKey: 'type' };

/** List strategies per kind, keyed by the dotted field path (list elements do not add a segment). */
export const STRATEGIC_LIST_SCHEMAS: Record<string, Record<string, ListStrategy>> = {
  Node: {
    ...METADATA_LISTS,
    'spec.taints': { mergeKey: 'key' },
    'status.conditions': CONDITIONS,
    'status.addresses': { mergeKey: 'type' },
    'status.volumesAttached': { mergeKey: 'name' },
  },
  Pod: {
    ...METADATA_LISTS,
    ...prefixed('spec', POD_SPEC_LISTS),
    'status.conditions': CONDITIONS,
    'status.podIPs': { mergeKey: 'ip' },
    'status.hostIPs': { mergeKey: 'ip' },
  },
  DaemonSet: { ...METADATA_LISTS, ...prefixed('spec.template.spec', POD_SPEC_LISTS), 'status.conditions': CONDITIONS },
  ReplicaSet: { ...METADATA_LISTS, ...prefixed('spec.template.spec', POD_SPEC_LISTS), 'status.conditions': CONDITIONS },
  PodDisruptionBudget: { ...METADATA_LISTS, 'status.conditions': CONDITIONS },
  Namespace: { ...METADATA_LISTS },
};

export class StrategicMergePatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategicMergePatchError';
  }
}

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

class Merger {
  constructor(private readonly lists: Record<string, ListStrategy>) {}

  mergeMap(original: JsonValue | undefined, patch: JsonObject, path: string): JsonObject {
    if (patch.$patch === 'replace') return this.mergeMap(undefined, withoutKey(patch, '$patch'), path);
    if (patch.$patch !== undefined && patch.$patch !== 'merge') {
      throw new StrategicMergePatchError(`unsupported $patch directive ${JSON.stringify(patch.$patch)} at ${path || 'the top level'}`);
    }
    const result: JsonObject = isJsonObject(original) ? { ...original } : {};
    const orders: [string, JsonValue][] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (key === '$patch' || key === '$retainKeys') continue;
      if (key.startsWith(SET_ORDER)) {
        orders.push([key.slice(SET_ORDER.length), value]);
      } else if (key.startsWith(DELETE_FROM)) {
        const field = key.slice(DELETE_FROM.length);
        const existing = result[field];
        if (Array.isArray(existing) && Array.isArray(value)) {
          result[field] = existing.filter((v) => !value.some((d) => d === v));
        }
      } else if (value === null || (isJsonObject(value) && value.$patch === 'delete')) {
        delete result[key];
      } else if (isJsonObject(value)) {
        result[key] = this.mergeMap(result[key], value, join(path, key));
      } else if (Array.isArray(value)) {
        result[key] = this.mergeList(result[key], value, join(path, key));
      } else {
        result[key] = value;
      }
    }
    for (const [field, order] of orders) {
      const list = result[field];
      if (Array.isArray(list) && Array.isArray(order)) result[field] = this.reorder(list, order, join(path, field));
    }
    const retain = patch.$retainKeys;
    if (Array.isArray(retain)) {
      for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
    }
    return result;
  }

  private mergeList(original: JsonValue | undefined, patch: JsonValue[], path: string): JsonValue[] {
    const strategy = this.lists[path];
    const replaceAll = patch.some((e) => isJsonObject(e) && e.$patch === 'replace');
    const existing = Array.isArray(original) && !replaceAll ? original : [];
    const items = patch.filter((e) => !(isJsonObject(e) && e.$patch === 'replace'));
    if (!strategy) return items.map((e) => (isJsonObject(e) ? this.mergeMap(undefined, e, path) : e));
    if ('primitiveMerge' in strategy) {
      return [...existing, ...items.filter((e) => !existing.some((x) => x === e))];
    }
    const result = existing.slice();
    const key = strategy.mergeKey;
    for (const item of items) {
      if (!isJsonObject(item)) throw new StrategicMergePatchError(`list ${path} merges by ${key} and needs objects`);
      const index = result.findIndex((x) => isJsonObject(x) && x[key] === item[key]);
      if (item.$patch === 'delete') {
        if (index >= 0) result.splice(index, 1);
      } else if (index >= 0) {
        result[index] = this.mergeMap(result[index], item, path);
      } else {
        result.push(this.mergeMap(undefined, item, path));
      }
    }
    return result;
  }

  /** $setElementOrder: listed elements first in the given order, any others after in their old order. */
  private reorder(list: JsonValue[], order: JsonValue[], path: string): JsonValue[] {
    const strategy = this.lists[path];
    const identity = (v: JsonValue): JsonValue =>
      strategy && 'mergeKey' in strategy && isJsonObject(v) ? (v[strategy.mergeKey] ?? null) : v;
    const rank = (v: JsonValue): number => {
      const i = order.findIndex((o) => identity(o) === identity(v));
      return i < 0 ? order.length : i;
    };
    return list.map((v, i) => ({ v, i, r: rank(v) })).sort((a, b) => a.r - b.r || a.i - b.i).map((e) => e.v);
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

export function applyStrategicMergePatch(target: JsonValue, patch: JsonValue, kind: string): JsonValue {
  if (!isJsonObject(patch)) throw new StrategicMergePatchError('a strategic merge patch must be a JSON object');
  return new Merger(STRATEGIC_LIST_SCHEMAS[kind] ?? METADATA_LISTS).mergeMap(target, patch, '');
}
