import { badRequest } from '../api-error.js';
import { isJsonObject, type JsonValue } from '../json-value.js';
import type { UserInfo } from './identities.js';
import type { RbacAuthorizer } from './rbac-authorizer.js';
import type { RequestAttributes } from './request-attributes.js';

const text = (o: Record<string, JsonValue>, key: string): string => (typeof o[key] === 'string' ? (o[key] as string) : '');

/** POST selfsubjectaccessreviews (`kubectl auth can-i`): the authorizer's answer for the caller. */
export function selfSubjectAccessReview(authorizer: RbacAuthorizer, user: UserInfo, body: JsonValue): object {
  const spec = isJsonObject(body) && isJsonObject(body.spec) ? body.spec : undefined;
  const resource = spec && isJsonObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const nonResource = spec && isJsonObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if (!resource === !nonResource) throw badRequest('SelfSubjectAccessReview.authorization.k8s.io is invalid: exactly one of nonResourceAttributes or resourceAttributes must be specified');
  const attrs: RequestAttributes = resource
    ? { resourceRequest: true, verb: text(resource, 'verb'), apiGroup: text(resource, 'group'), apiVersion: text(resource, 'version'), resource: text(resource, 'resource'), subresource: text(resource, 'subresource'), namespace: text(resource, 'namespace'), name: text(resource, 'name') }
    : { resourceRequest: false, verb: text(nonResource as Record<string, JsonValue>, 'verb'), path: text(nonResource as Record<string, JsonValue>, 'path') };
  const decision = authorizer.authorize(user, attrs);
  const status: Record<string, JsonValue> = { allowed: decision.allowed };
  if (decision.allowed && decision.reason) status.reason = decision.reason;
  if (!decision.allowed && decision.reason) status.evaluationError = decision.reason;
  return { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: spec ?? {}, status };
}
