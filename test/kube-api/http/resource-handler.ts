import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, conflict, methodNotAllowed, notFound, successStatus, unsupportedMediaType } from '../api-error.js';
import type { ControllerContext } from '../controllers/controller.js';
import type { DisruptionController } from '../controllers/disruption-controller.js';
import { deletePod } from '../controllers/pod-deletion.js';
import { isJsonObject, type JsonValue } from '../json-value.js';
import type { KubeObject, Pod } from '../k8s-types.js';
import { apiVersionOf, resourceInfo, type ResourceInfo } from '../resource-registry.js';
import { serviceAccountUser, type TokenRegistry } from '../auth/identities.js';
import { toKubeTime } from '../k8s-time.js';
import { evictPod, parseDryRun } from './eviction.js';
import { decodeProtobufObject, PROTOBUF } from './protobuf-body.js';
import { mediaType, parseJson, readBody, sendJson } from './http-io.js';
import { encodeContinue, parseListQuery, selectPage } from './list-query.js';
import { applyPatch, PATCH_TYPES } from './patch-body.js';
import type { Route } from './route.js';
import { wantsTable, toTable } from './table.js';
import type { WatchHub } from './watch-hub.js';
import { asKubeObject, prepareForCreate, prepareForUpdate } from './write-rules.js';

export interface ResourceHandlerDeps {
  ctx: ControllerContext;
  disruption: DisruptionController;
  watches: WatchHub;
  tokens: TokenRegistry;
  maxBodyBytes: number;
}

type ObjectRoute = Extract<Route, { type: 'object' }>;

const NAMESPACES = resourceInfo('namespaces');

/** List items carry no kind/apiVersion in the real API; the list itself says what they are. */
function asListItem(obj: KubeObject): KubeObject {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = obj;
  return rest as KubeObject;
}

function deleteOptionsOf(body: JsonValue | undefined, params: URLSearchParams): { gracePeriodSeconds?: number; uid?: string; resourceVersion?: string } {
  const options: { gracePeriodSeconds?: number; uid?: string; resourceVersion?: string } = {};
  const fromQuery = params.get('gracePeriodSeconds');
  if (fromQuery !== null && /^[0-9]+$/.test(fromQuery)) options.gracePeriodSeconds = Number(fromQuery);
  if (isJsonObject(body)) {
    if (typeof body.gracePeriodSeconds === 'number') options.gracePeriodSeconds = body.gracePeriodSeconds;
    const pre = body.preconditions;
    if (isJsonObject(pre)) {
      if (typeof pre.uid === 'string') options.uid = pre.uid;
      if (typeof pre.resourceVersion === 'string') options.resourceVersion = pre.resourceVersion;
    }
  }
  return options;
}

/** CRUD, list, watch, /status and pods/eviction for every resource of the registry. */
export class ResourceHandler {
  constructor(private readonly deps: ResourceHandlerDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, route: ObjectRoute, params: URLSearchParams): Promise<void> {
    const { info, name, subresource } = route;
    const method = req.method ?? 'GET';
    const dryRun = params.getAll('dryRun');
    // Server-side dry run is served where kubectl drain --dry-run=server needs it: the cordon PATCH and the eviction.
    if (dryRun.length > 0 && !(subresource === 'eviction' || (method === 'PATCH' && subresource === undefined))) {
      throw badRequest('dryRun is supported by this test API server only for PATCH and pods/eviction');
    }
    if (subresource === 'eviction') {
      if (method !== 'POST') throw methodNotAllowed(method);
      return this.evict(req, res, route, dryRun);
    }
    if (subresource === 'token') {
      if (method !== 'POST') throw methodNotAllowed(method);
      return this.requestToken(req, res, route);
    }
    if (name === undefined) {
      if (method === 'GET') return this.list(req, res, route, params);
      if (method === 'POST' && (route.namespace !== undefined || !info.namespaced)) return this.create(req, res, route);
      throw methodNotAllowed(method);
    }
    switch (method) {
      case 'GET':
        return this.get(req, res, route);
      case 'PUT':
        return this.update(req, res, route, name);
      case 'PATCH':
        return this.patch(req, res, route, name, parseDryRun(dryRun));
      case 'DELETE':
        if (subresource !== undefined || !info.verbs.includes('delete')) throw methodNotAllowed(method);
        return this.remove(req, res, route, name, params);
      default:
        throw methodNotAllowed(method);
    }
  }

  private get store() {
    return this.deps.ctx.store;
  }

  private find(route: ObjectRoute, name: string): KubeObject {
    const found = this.store.collection(route.info.resource).get(name, route.namespace);
    if (!found) throw notFound(route.info, name);
    return found;
  }

  /** A request body as JSON (a protobuf body of the kinds kubectl's typed clients send is decoded). */
  requestBody(req: IncomingMessage): Promise<JsonValue> {
    return this.jsonBody(req);
  }

  private async jsonBody(req: IncomingMessage): Promise<JsonValue> {
    const body = await readBody(req, this.deps.maxBodyBytes);
    const type = mediaType(req);
    if (type === PROTOBUF && req.method !== 'PATCH') {
      const decoded = decodeProtobufObject(body);
      if (decoded !== undefined) return decoded;
    }
    if (req.method !== 'PATCH' && type !== '' && type !== 'application/json' && type !== '*/*') {
      throw unsupportedMediaType(type, ['application/json']);
    }
    return parseJson(body);
  }

  private requireNamespace(route: ObjectRoute): void {
    if (route.namespace !== undefined && !this.store.namespaces.get(route.namespace)) throw notFound(NAMESPACES, route.namespace);
  }

  private respond(req: IncomingMessage, res: ServerResponse, code: number, info: ResourceInfo, obj: KubeObject): void {
    sendJson(res, code, wantsTable(req) ? toTable(info, [obj], this.store.resourceVersion()) : obj);
  }

  private get(req: IncomingMessage, res: ServerResponse, route: ObjectRoute): void {
    this.respond(req, res, 200, route.info, this.find(route, route.name as string));
  }

  private list(req: IncomingMessage, res: ServerResponse, route: ObjectRoute, params: URLSearchParams): void {
    const { info, namespace } = route;
    const query = parseListQuery(info.resource, params);
    if (query.watch) {
      this.deps.watches.serve(info, namespace, query, res);
      return;
    }
    const resourceVersion = this.store.resourceVersion();
    const page = selectPage(info.resource, query, this.store.collection(info.resource).list(namespace) as KubeObject[]);
    if (wantsTable(req)) {
      const table = toTable(info, page.items, resourceVersion);
      if (page.continueAfter !== undefined) table.metadata.continue = encodeContinue(resourceVersion, page.continueAfter);
      return sendJson(res, 200, table);
    }
    const metadata: Record<string, unknown> = { resourceVersion };
    if (page.continueAfter !== undefined) {
      metadata.continue = encodeContinue(resourceVersion, page.continueAfter);
      if (query.labels.length === 0 && query.fields.length === 0) metadata.remainingItemCount = page.remaining;
    }
    sendJson(res, 200, { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata, items: page.items.map(asListItem) });
  }

  private async create(req: IncomingMessage, res: ServerResponse, route: ObjectRoute): Promise<void> {
    const body = await this.jsonBody(req);
    this.requireNamespace(route);
    const obj = prepareForCreate(route.info, asKubeObject(body, route.info), route.namespace);
    const now = Date.now();
    const created = this.store.collection(route.info.resource).create(obj as never, now);
    if (route.info.resource === 'pods') {
      this.deps.ctx.activity.record({ type: 'PodCreated', namespace: created.metadata.namespace, name: created.metadata.name, node: (created as Pod).spec.nodeName }, now);
    }
    this.respond(req, res, 201, route.info, created);
  }

  private async update(req: IncomingMessage, res: ServerResponse, route: ObjectRoute, name: string): Promise<void> {
    const body = await this.jsonBody(req);
    const current = this.find(route, name);
    const next = asKubeObject(body, route.info);
    this.write(req, res, route, current, next);
  }

  private async patch(req: IncomingMessage, res: ServerResponse, route: ObjectRoute, name: string, dryRun: boolean): Promise<void> {
    const type = mediaType(req);
    if (!(PATCH_TYPES as readonly string[]).includes(type)) throw unsupportedMediaType(type, PATCH_TYPES);
    const body = parseJson(await readBody(req, this.deps.maxBodyBytes));
    const current = this.find(route, name);
    const patched = applyPatch(type, current as unknown as JsonValue, body, route.info.kind);
    this.write(req, res, route, current, patched as unknown as KubeObject, dryRun);
  }

  /** Stores `next` over `current` and answers it; a dry run answers what would be stored and stores nothing. */
  private write(req: IncomingMessage, res: ServerResponse, route: ObjectRoute, current: KubeObject, next: KubeObject, dryRun = false): void {
    const sentVersion = next.metadata.resourceVersion;
    if (sentVersion !== undefined && sentVersion !== '' && sentVersion !== current.metadata.resourceVersion) {
      throw conflict(route.info, current.metadata.name);
    }
    const prepared = prepareForUpdate(route.info, current, next, route.subresource, Date.now());
    if (dryRun) return this.respond(req, res, 200, route.info, prepared);
    const stored = this.store.collection(route.info.resource).replace(prepared as never);
    this.respond(req, res, 200, route.info, stored);
  }

  private async remove(req: IncomingMessage, res: ServerResponse, route: ObjectRoute, name: string, params: URLSearchParams): Promise<void> {
    const raw = await readBody(req, this.deps.maxBodyBytes);
    // kubectl's fallback when eviction is unavailable sends DeleteOptions as protobuf: ignore any non-JSON body.
    const body = raw.length > 0 && mediaType(req) === 'application/json' ? parseJson(raw) : undefined;
    const options = deleteOptionsOf(body, params);
    const current = this.find(route, name);
    if (options.uid !== undefined && options.uid !== current.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${options.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (options.resourceVersion !== undefined && options.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Precondition failed: ResourceVersion in precondition: ${options.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    if (route.info.resource === 'pods') {
      const pod = current as Pod;
      const remaining = deletePod(this.deps.ctx, pod, Date.now(), options.gracePeriodSeconds);
      return this.respond(req, res, 200, route.info, remaining ?? pod);
    }
    this.store.collection(route.info.resource).delete(name, route.namespace);
    const details: NonNullable<ReturnType<typeof successStatus>['details']> = { name, kind: route.info.resource };
    if (route.info.group) details.group = route.info.group;
    if (current.metadata.uid) details.uid = current.metadata.uid;
    sendJson(res, 200, successStatus(200, details));
  }

  /** POST serviceaccounts/NAME/token (TokenRequest): a bearer token of that ServiceAccount. */
  private async requestToken(req: IncomingMessage, res: ServerResponse, route: ObjectRoute): Promise<void> {
    const body = await this.jsonBody(req);
    if (!isJsonObject(body)) throw badRequest('the request body must be a TokenRequest object');
    const account = this.find(route, route.name as string);
    const spec = isJsonObject(body.spec) ? body.spec : {};
    const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
    const token = this.deps.tokens.issue(serviceAccountUser(account.metadata.namespace as string, account.metadata.name));
    sendJson(res, 201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: account.metadata.name, namespace: account.metadata.namespace, creationTimestamp: null },
      spec: { audiences: Array.isArray(spec.audiences) ? spec.audiences : ['https://kubernetes.default.svc.cluster.local'], expirationSeconds, boundObjectRef: null },
      status: { token, expirationTimestamp: toKubeTime(Date.now() + expirationSeconds * 1000) },
    });
  }

  private async evict(req: IncomingMessage, res: ServerResponse, route: ObjectRoute, dryRun: readonly string[]): Promise<void> {
    const body = await this.jsonBody(req);
    const status = evictPod(this.deps.ctx, this.deps.disruption, route.namespace as string, route.name as string, body, Date.now(), dryRun);
    sendJson(res, status.code, status);
  }
}
