import { findResource, type ResourceInfo } from '../resource-registry.js';
import type { HealthEndpoint } from './health-endpoints.js';

/** What a request path names, before the method is considered. */
export type Route =
  | { type: 'version' }
  | { type: 'health'; endpoint: HealthEndpoint; check?: string }
  | { type: 'core-versions' }
  | { type: 'group-list' }
  | { type: 'group'; group: string }
  | { type: 'resource-list'; group: string; version: string }
  | { type: 'openapi-root' }
  | { type: 'self-subject-access-review' }
  | { type: 'openapi-group-version'; path: string }
  | { type: 'object'; info: ResourceInfo; namespace?: string; name?: string; subresource?: string };

/** /livez, /readyz, /healthz and one check under them (/readyz/etcd, /livez/poststarthook/rbac/bootstrap-roles). */
const HEALTH = /^\/(livez|readyz|healthz)(?:\/(.+))?$/;

/** Parses /api/v1/..., /apis/G/V/... paths; undefined for anything the server does not serve. */
export function parseRoute(pathname: string): Route | undefined {
  if (pathname === '/version' || pathname === '/version/') return { type: 'version' };
  const health = HEALTH.exec(pathname);
  if (health) return { type: 'health', endpoint: health[1] as HealthEndpoint, ...(health[2] ? { check: health[2] } : {}) };
  let parts: string[];
  try {
    parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (parts.some((p) => p === '.' || p === '..' || p.includes('/'))) return undefined;
  if (parts[0] === 'openapi' && parts[1] === 'v3') return parts.length === 2 ? { type: 'openapi-root' } : { type: 'openapi-group-version', path: parts.slice(2).join('/') };
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { type: 'core-versions' };
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { type: 'group-list' };
    if (parts.length === 2) return { type: 'group', group: parts[1] as string };
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return { type: 'resource-list', group, version };
  if (group === 'authorization.k8s.io' && version === 'v1' && rest.length === 1 && rest[0] === 'selfsubjectaccessreviews') return { type: 'self-subject-access-review' };
  return objectRoute(group, version, rest);
}

function objectRoute(group: string, version: string, rest: string[]): Route | undefined {
  // /namespaces/NS/RESOURCE[/NAME[/SUB]] when RESOURCE is namespaced; otherwise the namespace object itself.
  const nested = rest[0] === 'namespaces' && rest.length >= 3 ? findResource(group, version, rest[2] as string) : undefined;
  if (nested?.namespaced) {
    if (rest.length > 5) return undefined;
    return withSubresource({ type: 'object', info: nested, namespace: rest[1] as string, name: rest[3], subresource: rest[4] });
  }
  const info = findResource(group, version, rest[0] as string);
  if (!info || rest.length > 3) return undefined;
  // A namespaced resource without a namespace is only a cluster-wide list.
  if (info.namespaced && rest.length > 1) return undefined;
  return withSubresource({ type: 'object', info, name: rest[1], subresource: rest[2] });
}

function withSubresource(route: Extract<Route, { type: 'object' }>): Route | undefined {
  if (route.subresource !== undefined && !route.info.subresources.includes(route.subresource)) return undefined;
  const clean: Extract<Route, { type: 'object' }> = { type: 'object', info: route.info };
  if (route.namespace !== undefined) clean.namespace = route.namespace;
  if (route.name !== undefined) clean.name = route.name;
  if (route.subresource !== undefined) clean.subresource = route.subresource;
  return clean;
}
