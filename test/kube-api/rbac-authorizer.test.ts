import { expect } from 'chai';
import { serviceAccountUser } from './auth/identities.js';
import { RbacAuthorizer } from './auth/rbac-authorizer.js';
import type { RequestAttributes } from './auth/request-attributes.js';
import type { PolicyRule } from './k8s-types.js';
import { ObjectStore } from './object-store.js';

const RBAC = 'rbac.authorization.k8s.io';
const user = serviceAccountUser('ops', 'roller');

function attrs(verb: string, resource: string, o: { group?: string; subresource?: string; namespace?: string; name?: string } = {}): RequestAttributes {
  return { resourceRequest: true, verb, apiGroup: o.group ?? '', apiVersion: 'v1', resource, subresource: o.subresource ?? '', namespace: o.namespace ?? '', name: o.name ?? '' };
}

describe('test API server RBAC authorizer', () => {
  let store: ObjectStore;
  let authorizer: RbacAuthorizer;
  const grantCluster = (rules: PolicyRule[]): void => {
    store.clusterroles.create({ metadata: { name: 'r' }, rules });
    store.clusterrolebindings.create({ metadata: { name: 'b' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'roller', namespace: 'ops' }] });
  };
  const allowed = (a: RequestAttributes): boolean => authorizer.authorize(user, a).allowed;

  beforeEach(() => {
    store = new ObjectStore();
    authorizer = new RbacAuthorizer(store);
  });

  it('a subresource needs its own rule; "*/status" and "*" match it, the parent resource does not', () => {
    grantCluster([{ apiGroups: [''], resources: ['nodes'], verbs: ['patch'] }]);
    expect(allowed(attrs('patch', 'nodes', { name: 'n1' }))).to.equal(true);
    expect(allowed(attrs('patch', 'nodes', { name: 'n1', subresource: 'status' }))).to.equal(false);
    store.clusterroles.update('r', undefined, (r) => r.rules?.push({ apiGroups: [''], resources: ['*/status'], verbs: ['patch'] }));
    expect(allowed(attrs('patch', 'nodes', { name: 'n1', subresource: 'status' }))).to.equal(true);
    expect(allowed(attrs('patch', 'pods', { name: 'p', namespace: 'x', subresource: 'status' }))).to.equal(true);
    expect(allowed(attrs('create', 'pods', { name: 'p', namespace: 'x', subresource: 'eviction' }))).to.equal(false);
  });

  it('resourceNames limit a rule to those objects and never match list or create', () => {
    grantCluster([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['noderoll'], verbs: ['get', 'list', 'create'] }]);
    expect(allowed(attrs('get', 'leases', { group: 'coordination.k8s.io', namespace: 'ops', name: 'noderoll' }))).to.equal(true);
    expect(allowed(attrs('get', 'leases', { group: 'coordination.k8s.io', namespace: 'ops', name: 'other' }))).to.equal(false);
    expect(allowed(attrs('list', 'leases', { group: 'coordination.k8s.io', namespace: 'ops' }))).to.equal(false);
    expect(allowed(attrs('create', 'leases', { group: 'coordination.k8s.io', namespace: 'ops' }))).to.equal(false);
  });

  it('apiGroups must match ("*" matches any), verbs must match ("*" matches any)', () => {
    grantCluster([{ apiGroups: ['*'], resources: ['configmaps'], verbs: ['*'] }]);
    expect(allowed(attrs('deletecollection', 'configmaps', { namespace: 'a' }))).to.equal(true);
    store.clusterroles.update('r', undefined, (r) => {
      r.rules = [{ apiGroups: ['apps'], resources: ['configmaps'], verbs: ['get'] }];
    });
    expect(allowed(attrs('get', 'configmaps', { namespace: 'a', name: 'c' }))).to.equal(false);
  });

  it('a RoleBinding grants only in its namespace; a ServiceAccount subject without namespace means the binding\'s', () => {
    store.roles.create({ metadata: { name: 'r', namespace: 'ops' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] });
    store.rolebindings.create({ metadata: { name: 'b', namespace: 'ops' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'roller' }] });
    expect(allowed(attrs('get', 'configmaps', { namespace: 'ops', name: 'c' }))).to.equal(true);
    expect(allowed(attrs('get', 'configmaps', { namespace: 'other', name: 'c' }))).to.equal(false);
    expect(authorizer.authorize(serviceAccountUser('other', 'roller'), attrs('get', 'configmaps', { namespace: 'ops', name: 'c' })).allowed).to.equal(false);
    expect(authorizer.authorize(user, attrs('get', 'configmaps', { namespace: 'ops', name: 'c' })).reason).to.equal(
      'RBAC: allowed by RoleBinding "b/ops" of Role "r" to ServiceAccount "roller/ops"',
    );
  });

  it('Group subjects match the user\'s groups; system:masters may do anything', () => {
    store.clusterroles.create({ metadata: { name: 'view' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }] });
    store.clusterrolebindings.create({ metadata: { name: 'sas' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'system:serviceaccounts:ops', apiGroup: RBAC }] });
    expect(allowed(attrs('list', 'nodes'))).to.equal(true);
    expect(authorizer.authorize({ username: 'x', groups: ['system:masters'] }, attrs('delete', 'nodes', { name: 'n' })).allowed).to.equal(true);
    expect(authorizer.authorize({ username: 'x', groups: ['system:authenticated'] }, attrs('list', 'nodes')).allowed).to.equal(false);
  });
});
