import { RESOURCES, apiGroups, type ResourceInfo } from './resource-registry.js';

/** The documents kubectl reads before anything else: /version, /api, /apis, /api/v1, /apis/G/V. */

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export function versionInfo(overrides: Partial<VersionInfo> = {}): VersionInfo {
  const major = overrides.major ?? '1';
  const minor = overrides.minor ?? '32';
  return {
    major,
    minor,
    gitVersion: overrides.gitVersion ?? `v${major}.${minor}.4`,
    gitCommit: overrides.gitCommit ?? '59526cd4867447956156ae3a602fcbac10a2c335',
    gitTreeState: overrides.gitTreeState ?? 'clean',
    buildDate: overrides.buildDate ?? '2025-04-22T16:00:00Z',
    goVersion: overrides.goVersion ?? 'go1.23.8',
    compiler: overrides.compiler ?? 'gc',
    platform: overrides.platform ?? 'linux/amd64',
  };
}

export function coreApiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDocument(name: string, versions: string[]): object {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: apiGroups().map((g) => groupDocument(g.name, g.versions)) };
}

export function apiGroup(group: string): object | undefined {
  const found = apiGroups().find((g) => g.name === group);
  return found && { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(found.name, found.versions) };
}

function resourceEntries(r: ResourceInfo): object[] {
  const main: Record<string, unknown> = {
    name: r.resource,
    singularName: r.singularName,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
  };
  if (r.shortNames) main.shortNames = r.shortNames;
  if (r.categories) main.categories = r.categories;
  const subs = r.subresources.map((sub) => {
    if (sub === 'eviction') return { name: `${r.resource}/eviction`, singularName: '', namespaced: r.namespaced, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    if (sub === 'token') return { name: `${r.resource}/token`, singularName: '', namespaced: r.namespaced, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] };
    return { name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] };
  });
  return [main, ...subs];
}

export function apiResourceList(group: string, version: string): object | undefined {
  const resources = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: resources.flatMap(resourceEntries),
  };
}
