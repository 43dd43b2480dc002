import type { PolicyRule, Role, RoleBinding, Subject } from '../k8s-types.js';
import type { ObjectStore } from '../object-store.js';
import { serviceAccountOf, type UserInfo } from './identities.js';
import type { RequestAttributes } from './request-attributes.js';

export interface Decision {
  allowed: boolean;
  /** Why a request was denied beyond "no rule allows it": bindings whose role does not exist. */
  reason: string;
}

/** Requests every authenticated user may make, as the default system:discovery, system:basic-user and system:public-info-viewer roles allow. */
const PUBLIC_PATHS = [/^\/api\/?$/, /^\/api\/v1\/?$/, /^\/apis\/?$/, /^\/apis\/[^/]+\/?$/, /^\/apis\/[^/]+\/[^/]+\/?$/, /^\/version\/?$/, /^\/(healthz|livez|readyz)$/, /^\/openapi(\/|$)/];

function has(list: readonly string[] | undefined, value: string): boolean {
  return list !== undefined && (list.includes('*') || list.includes(value));
}

/** rbac.ResourceMatches: exact, "*", or "*\/SUB" for a subresource request. */
function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`));
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

export function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!attrs.resourceRequest) return nonResourceMatches(rule, attrs.path);
  if (!has(rule.apiGroups, attrs.apiGroup) || !resourceMatches(rule, attrs.resource, attrs.subresource)) return false;
  // A rule naming objects never matches a request without a name (list, create).
  return !rule.resourceNames?.length || rule.resourceNames.includes(attrs.name);
}

/** rbac.appliesToUser: a ServiceAccount subject without a namespace means the binding's own. */
function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const sa = serviceAccountOf(user.username);
      return sa !== undefined && sa.name === subject.name && sa.namespace === (subject.namespace || bindingNamespace);
    }
    default:
      return false;
  }
}

/** As rbac's roleBindingDescriber / clusterRoleBindingDescriber word it. */
function describeBinding(binding: RoleBinding, namespace: string, subject: Subject): string {
  const saNamespace = subject.namespace || namespace;
  const who = subject.kind === 'ServiceAccount' && saNamespace ? `${subject.kind} "${subject.name}/${saNamespace}"` : `${subject.kind} "${subject.name}"`;
  const name = namespace ? `RoleBinding "${binding.metadata.name}/${namespace}"` : `ClusterRoleBinding "${binding.metadata.name}"`;
  return `${name} of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${who}`;
}

/**
 * The RBAC authorizer over the roles and bindings in the store: ClusterRoleBindings apply
 * everywhere, RoleBindings in their namespace; system:masters may do anything.
 */
export class RbacAuthorizer {
  constructor(private readonly store: ObjectStore) {}

  authorize(user: UserInfo, attrs: RequestAttributes): Decision {
    if (user.groups.includes('system:masters')) return { allowed: true, reason: '' };
    if (!attrs.resourceRequest && user.groups.includes('system:authenticated') && PUBLIC_PATHS.some((p) => p.test(attrs.path))) return { allowed: true, reason: '' };
    if (attrs.resourceRequest && attrs.apiGroup === 'authorization.k8s.io' && attrs.resource === 'selfsubjectaccessreviews' && attrs.verb === 'create') {
      return { allowed: true, reason: '' };
    }
    const missing: string[] = [];
    const bindings: { binding: RoleBinding; namespace: string }[] = this.store.clusterrolebindings.list().map((binding) => ({ binding, namespace: '' }));
    if (attrs.resourceRequest && attrs.namespace) {
      for (const binding of this.store.rolebindings.list(attrs.namespace)) bindings.push({ binding, namespace: attrs.namespace });
    }
    for (const { binding, namespace } of bindings) {
      const subject = (binding.subjects ?? []).find((s) => subjectMatches(s, user, namespace));
      if (!subject) continue;
      const role = this.roleOf(binding, namespace);
      if (!role) {
        missing.push(binding.roleRef.kind === 'Role' ? `role.rbac.authorization.k8s.io "${binding.roleRef.name}" not found` : `clusterrole.rbac.authorization.k8s.io "${binding.roleRef.name}" not found`);
        continue;
      }
      if ((role.rules ?? []).some((rule) => ruleAllows(rule, attrs))) return { allowed: true, reason: `RBAC: allowed by ${describeBinding(binding, namespace, subject)}` };
    }
    return { allowed: false, reason: missing.length === 0 ? '' : `RBAC: ${missing.length === 1 ? missing[0] : `[${missing.join(', ')}]`}` };
  }

  private roleOf(binding: RoleBinding, namespace: string): Role | undefined {
    return binding.roleRef.kind === 'Role' ? this.store.roles.get(binding.roleRef.name, namespace) : this.store.clusterroles.get(binding.roleRef.name);
  }
}
