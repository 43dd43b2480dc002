import type { Activity } from '../activity-log.js';
import { ApiError } from '../api-error.js';
import type { Route } from '../http/route.js';
import type { UserInfo } from './identities.js';

/** authorizer.Attributes: what a request asks to do, derived from its path, method and query. */
export type RequestAttributes =
  | { resourceRequest: true; verb: string; apiGroup: string; apiVersion: string; resource: string; subresource: string; namespace: string; name: string }
  | { resourceRequest: false; verb: string; path: string };

function resourceVerb(method: string, hasName: boolean, params: URLSearchParams): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default: {
      if (hasName) return 'get';
      const watch = params.get('watch');
      return watch === 'true' || watch === '1' ? 'watch' : 'list';
    }
  }
}

/** As the apiserver's RequestInfoFactory derives them (a namespace's own namespace is its name). */
export function requestAttributes(method: string, path: string, route: Route | undefined, params: URLSearchParams): RequestAttributes {
  if (route?.type === 'self-subject-access-review') {
    return { resourceRequest: true, verb: resourceVerb(method, false, params), apiGroup: 'authorization.k8s.io', apiVersion: 'v1', resource: 'selfsubjectaccessreviews', subresource: '', namespace: '', name: '' };
  }
  if (!route || route.type !== 'object') {
    const verb = { GET: 'get', HEAD: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete' }[method] ?? method.toLowerCase();
    return { resourceRequest: false, verb, path };
  }
  const { info } = route;
  let name = route.name ?? '';
  const verb = resourceVerb(method, name !== '', params);
  if ((verb === 'list' || verb === 'watch') && name === '') {
    // A list or watch of one object by field selector is authorized as that object's name.
    const single = /^metadata\.name=([^,]+)$/.exec(params.get('fieldSelector') ?? '');
    if (single) name = single[1] as string;
  }
  const namespace = info.resource === 'namespaces' ? name : (route.namespace ?? '');
  return { resourceRequest: true, verb, apiGroup: info.group, apiVersion: info.version, resource: info.resource, subresource: route.subresource ?? '', namespace, name };
}

/** responsewriters.forbiddenMessage, wrapped the way apierrors.NewForbidden words it. */
export function forbidden(user: UserInfo, attrs: RequestAttributes, reason: string): ApiError {
  const suffix = reason ? `: ${reason}` : '';
  if (!attrs.resourceRequest) {
    return new ApiError(403, 'Forbidden', `forbidden: User ${JSON.stringify(user.username)} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}${suffix}`, {});
  }
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const scope = attrs.namespace ? `in the namespace ${JSON.stringify(attrs.namespace)}` : 'at the cluster scope';
  const why = `User ${JSON.stringify(user.username)} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)} ${scope}${suffix}`;
  const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  const message = attrs.name ? `${qualified} ${JSON.stringify(attrs.name)} is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  const details: Record<string, string> = { kind: attrs.resource };
  if (attrs.name) details.name = attrs.name;
  if (attrs.apiGroup) details.group = attrs.apiGroup;
  return new ApiError(403, 'Forbidden', message, details);
}

export const unauthorized = (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized');

/** The activity-log entry of an authorization decision (see where server.ts records them: restricted identities only). */
export function requestActivity(user: UserInfo, attrs: RequestAttributes, allowed: boolean): Omit<Activity, 'at'> {
  const detail = allowed ? 'allowed' : 'forbidden';
  if (!attrs.resourceRequest) return { type: 'ApiRequest', name: attrs.path, detail, request: { user: user.username, verb: attrs.verb, path: attrs.path, allowed } };
  const { verb, apiGroup, resource, subresource, namespace, name } = attrs;
  return { type: 'ApiRequest', name, ...(namespace ? { namespace } : {}), detail, request: { user: user.username, verb, apiGroup, resource, subresource, allowed } };
}
