import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { PolicyRule, Role } from './k8s-types.js';
import { DEPLOY_DIR } from './service-account-fixture.js';

/** One rule of a Role or ClusterRole in deploy/: where it applies ('' = cluster-wide) and what it allows. */
export interface DeployRule {
  role: string;
  namespace: string;
  rule: PolicyRule;
}

/** Every object of every deploy/*.yaml file, in file order. */
export async function deployObjects(): Promise<(Role & { kind: string })[]> {
  const files = (await readdir(DEPLOY_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  const objects: (Role & { kind: string })[] = [];
  for (const f of files) for (const doc of parseAllDocuments(await readFile(join(DEPLOY_DIR, f), 'utf8'))) objects.push(doc.toJS() as Role & { kind: string });
  return objects;
}

/** The rules of the roles deploy/ binds to the coordinator's ServiceAccount (not the optional viewer). */
export async function coordinatorRules(): Promise<DeployRule[]> {
  const objects = await deployObjects();
  const bound = new Set(objects.filter((o) => o.kind.endsWith('Binding')).map((b) => (b as unknown as { roleRef: { name: string } }).roleRef.name));
  return objects
    .filter((o) => (o.kind === 'Role' || o.kind === 'ClusterRole') && bound.has(o.metadata.name))
    .flatMap((o) => (o.rules ?? []).map((rule) => ({ role: o.metadata.name, namespace: o.metadata.namespace ?? '', rule })));
}

/** "GROUP/RESOURCE[/SUB] VERB" ("" is the core group): one permission as RBAC rules grant it. */
export const permission = (group: string, resource: string, verb: string): string => `${group}/${resource} ${verb}`;

/** The distinct permissions of `rules`, sorted. */
export function permissionsOf(rules: readonly DeployRule[]): string[] {
  const all = rules.flatMap(({ rule }) => (rule.apiGroups ?? []).flatMap((g) => (rule.resources ?? []).flatMap((r) => rule.verbs.map((v) => permission(g, r, v)))));
  return [...new Set(all)].sort();
}
