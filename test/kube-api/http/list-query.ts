import { badRequest } from '../api-error.js';
import { objectKey } from '../k8s-predicates.js';
import type { KubeObject } from '../k8s-types.js';
import type { CollectionName } from '../resource-registry.js';
import { matchesFieldSelector, parseFieldSelector, SelectorParseError, type FieldRequirement } from '../selectors/field-selector.js';
import { matchesLabels, parseLabelSelector, type LabelRequirement } from '../selectors/label-selector.js';
import { fieldValue, supportsField } from '../selectors/object-fields.js';

/** The query parameters of a list or watch: selectors, paging, watch options. */
export interface ListQuery {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
  limit?: number;
  continueAfter?: string;
  watch: boolean;
  resourceVersion?: string;
  timeoutSeconds?: number;
}

function parseSelectors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof SelectorParseError) throw badRequest(err.message);
    throw err;
  }
}

function nonNegativeInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^[0-9]+$/.test(raw)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(raw)}`);
  return Number(raw);
}

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: string;
  start: string;
}

export function encodeContinue(resourceVersion: string, lastKey: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv: resourceVersion, start: lastKey };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(text: string): string {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (token.v === 'meta.k8s.io/v1' && typeof token.start === 'string') return token.start;
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export function parseListQuery(resource: CollectionName, params: URLSearchParams): ListQuery {
  const fields = parseSelectors(() => parseFieldSelector(params.get('fieldSelector')));
  for (const f of fields) {
    if (!supportsField(resource, f.field)) throw badRequest(`field label not supported: ${f.field}`);
  }
  const query: ListQuery = {
    labels: parseSelectors(() => parseLabelSelector(params.get('labelSelector'))),
    fields,
    watch: params.get('watch') === 'true' || params.get('watch') === '1',
  };
  const limit = nonNegativeInt(params, 'limit');
  if (limit !== undefined && limit > 0) query.limit = limit;
  const cont = params.get('continue');
  if (cont) query.continueAfter = decodeContinue(cont);
  const rv = params.get('resourceVersion');
  if (rv) query.resourceVersion = rv;
  const timeout = nonNegativeInt(params, 'timeoutSeconds');
  if (timeout !== undefined) query.timeoutSeconds = timeout;
  return query;
}

export function matchesQuery(resource: CollectionName, query: ListQuery, obj: KubeObject): boolean {
  return matchesLabels(query.labels, obj.metadata.labels) && matchesFieldSelector(query.fields, (f) => fieldValue(resource, obj, f));
}

export interface Page<T> {
  items: T[];
  continueAfter?: string;
  remaining?: number;
}

/** Applies selectors, then `continue` and `limit` over objects sorted by namespace/name. */
export function selectPage<T extends KubeObject>(resource: CollectionName, query: ListQuery, sorted: T[]): Page<T> {
  const key = (o: T): string => objectKey(o.metadata.namespace, o.metadata.name);
  const matching = sorted.filter((o) => matchesQuery(resource, query, o) && (query.continueAfter === undefined || key(o) > query.continueAfter));
  if (query.limit === undefined || matching.length <= query.limit) return { items: matching };
  const items = matching.slice(0, query.limit);
  return { items, continueAfter: key(items[items.length - 1] as T), remaining: matching.length - items.length };
}
