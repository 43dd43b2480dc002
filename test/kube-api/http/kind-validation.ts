import { badRequest } from '../api-error.js';
import { deepEqual, isJsonObject } from '../json-value.js';
import type { ConfigMap, KubeObject, Lease, Role, RoleBinding, StatusCause } from '../k8s-types.js';
import type { ResourceInfo } from '../resource-registry.js';

/**
 * Decoding and validation of ConfigMaps, Leases and RBAC objects as the apiserver does them:
 * a value of the wrong JSON type fails decoding (400 "cannot be handled as a KIND"), a value the
 * kind's validation refuses is a cause of 422 Invalid. Messages follow k8s.io/apimachinery's field errors.
 */

/** core.MaxSecretSize, which also bounds a ConfigMap's data plus binaryData. */
export const MAX_CONFIGMAP_BYTES = 1024 * 1024;

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const MICRO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

function decodeError(kind: string, detail: string): Error {
  return badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${detail}`);
}

const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

function expectInt32(kind: string, goField: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw decodeError(kind, `json: cannot unmarshal ${jsonType(value)} into Go struct field ${goField} of type int32`);
  }
}

function expectString(kind: string, goField: string, value: unknown): void {
  if (value === undefined || value === null || typeof value === 'string') return;
  throw decodeError(kind, `json: cannot unmarshal ${jsonType(value)} into Go struct field ${goField} of type string`);
}

/** metav1.MicroTime as the apiserver stores it: UTC, exactly six fractional digits. */
export function normalizeMicroTime(kind: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  expectString(kind, 'MicroTime', value);
  const text = value as string;
  const m = MICRO_TIME.exec(text);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms)) {
    const rest = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(.*)$/.exec(text)?.[1];
    const why = rest !== undefined ? `cannot parse ${JSON.stringify(rest)} as ".000000"` : `cannot parse ${JSON.stringify(text)} as "2006"`;
    throw decodeError(kind, `parsing time ${JSON.stringify(text)} as "2006-01-02T15:04:05.000000Z07:00": ${why}`);
  }
  return `${new Date(ms).toISOString().slice(0, 19)}.${m[2]}Z`;
}

/** Type checks and normalisation done while decoding the request body. Mutates `obj`. */
export function decodeKind(info: ResourceInfo, obj: KubeObject): void {
  if (info.resource === 'leases') {
    const lease = obj as Lease;
    if (lease.spec === undefined || lease.spec === null) return;
    if (!isJsonObject(lease.spec)) throw decodeError('Lease', `json: cannot unmarshal ${jsonType(lease.spec)} into Go struct field Lease.spec of type v1.LeaseSpec`);
    const spec = lease.spec;
    expectString('Lease', 'LeaseSpec.spec.holderIdentity', spec.holderIdentity);
    expectInt32('Lease', 'LeaseSpec.spec.leaseDurationSeconds', spec.leaseDurationSeconds);
    expectInt32('Lease', 'LeaseSpec.spec.leaseTransitions', spec.leaseTransitions);
    for (const field of ['acquireTime', 'renewTime'] as const) {
      const normalized = normalizeMicroTime('Lease', spec[field]);
      if (normalized === undefined) delete spec[field];
      else spec[field] = normalized;
    }
  }
  if (info.resource === 'configmaps') {
    const cm = obj as ConfigMap;
    for (const field of ['data', 'binaryData'] as const) {
      const bag = cm[field] as unknown;
      if (bag === undefined || bag === null) continue;
      if (!isJsonObject(bag)) throw decodeError('ConfigMap', `json: cannot unmarshal ${jsonType(bag)} into Go struct field ConfigMap.${field} of type map[string]${field === 'data' ? 'string' : '[]uint8'}`);
      for (const value of Object.values(bag)) {
        if (typeof value !== 'string') throw decodeError('ConfigMap', `json: cannot unmarshal ${jsonType(value)} into Go struct field ConfigMap.${field} of type ${field === 'data' ? 'string' : '[]uint8'}`);
        if (field === 'binaryData' && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw decodeError('ConfigMap', 'illegal base64 data at input byte 0');
      }
    }
  }
}

const invalidValue = (field: string, value: unknown, detail: string): StatusCause => ({
  field,
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${JSON.stringify(value) ?? 'null'}: ${detail}`,
});
const required = (field: string, detail?: string): StatusCause => ({ field, reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value' });
const unsupported = (field: string, value: string, supported: string[]): StatusCause => ({
  field,
  reason: 'FieldValueNotSupported',
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});

function configMapKeyProblems(field: string, key: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (key.length > 253) causes.push(invalidValue(`${field}[${key}]`, key, 'must be no more than 253 characters'));
  if (!CONFIG_KEY.test(key)) {
    causes.push(
      invalidValue(`${field}[${key}]`, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"),
    );
  }
  if (key === '.' || key === '..' || key.startsWith('..')) causes.push(invalidValue(`${field}[${key}]`, key, "must not be '.' or '..' and must not start with '..'"));
  return causes;
}

function validateConfigMap(cm: ConfigMap): StatusCause[] {
  const causes: StatusCause[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    causes.push(...configMapKeyProblems('data', key));
    if (cm.binaryData && Object.hasOwn(cm.binaryData, key)) causes.push(invalidValue(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(value, 'utf8');
  }
  for (const [key, value] of Object.entries(cm.binaryData ?? {})) {
    causes.push(...configMapKeyProblems('binaryData', key));
    total += Buffer.from(value, 'base64').length;
  }
  if (total > MAX_CONFIGMAP_BYTES) causes.push({ field: '[]', reason: 'FieldValueTooLong', message: `Too long: must have at most ${MAX_CONFIGMAP_BYTES} bytes` });
  return causes;
}

function validateLease(lease: Lease): StatusCause[] {
  const spec = lease.spec ?? {};
  const causes: StatusCause[] = [];
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds !== null && spec.leaseDurationSeconds <= 0) {
    causes.push(invalidValue('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions !== null && spec.leaseTransitions < 0) {
    causes.push(invalidValue('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (spec.preferredHolder && !spec.strategy) causes.push(invalidValue('spec.preferredHolder', spec.preferredHolder, 'only allowed if strategy is set'));
  return causes;
}

function validateRules(role: Role, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  (role.rules ?? []).forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (!rule.verbs?.length) causes.push(required(`${at}.verbs`, 'verbs must contain at least one value'));
    if (rule.nonResourceURLs?.length) {
      if (namespaced) causes.push(invalidValue(`${at}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
      if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
        causes.push(invalidValue(`${at}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!rule.apiGroups?.length) causes.push(required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!rule.resources?.length) causes.push(required(`${at}.resources`, 'resource rules must supply at least one resource'));
  });
  return causes;
}

function validateBinding(binding: RoleBinding, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const ref = binding.roleRef ?? ({} as RoleBinding['roleRef']);
  if (ref.apiGroup !== RBAC_GROUP) causes.push(unsupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) causes.push(unsupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) causes.push(required('roleRef.name'));
  (binding.subjects ?? []).forEach((s, i) => {
    const at = `subjects[${i}]`;
    if (!s.name) causes.push(required(`${at}.name`));
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.apiGroup) causes.push(unsupported(`${at}.apiGroup`, s.apiGroup, ['']));
        if (!namespaced && !s.namespace) causes.push(required(`${at}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) causes.push(unsupported(`${at}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
        break;
      default:
        causes.push(unsupported(`${at}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
  return causes;
}

/** The causes of a 422 for one object of these kinds (create and update alike). */
export function validateKind(info: ResourceInfo, obj: KubeObject): StatusCause[] {
  switch (info.resource) {
    case 'configmaps':
      return validateConfigMap(obj as ConfigMap);
    case 'leases':
      return validateLease(obj as Lease);
    case 'roles':
    case 'clusterroles':
      return validateRules(obj as Role, info.namespaced);
    case 'rolebindings':
    case 'clusterrolebindings':
      return validateBinding(obj as RoleBinding, info.namespaced);
    default:
      return [];
  }
}

/** What only an update can violate: immutable ConfigMaps, a binding's roleRef. */
export function validateKindUpdate(info: ResourceInfo, current: KubeObject, next: KubeObject): StatusCause[] {
  if (info.resource === 'configmaps' && (current as ConfigMap).immutable === true) {
    const was = current as ConfigMap;
    const now = next as ConfigMap;
    const causes: StatusCause[] = [];
    const forbidden = (field: string): StatusCause => ({ field, reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set' });
    if (now.immutable !== true) causes.push(forbidden('immutable'));
    if (!deepEqual(was.data ?? {}, now.data ?? {})) causes.push(forbidden('data'));
    if (!deepEqual(was.binaryData ?? {}, now.binaryData ?? {})) causes.push(forbidden('binaryData'));
    return causes;
  }
  if (info.resource === 'rolebindings' || info.resource === 'clusterrolebindings') {
    const was = (current as RoleBinding).roleRef;
    const now = (next as RoleBinding).roleRef;
    if (!deepEqual(was, now)) {
      // The apiserver prints the internal struct with %#v.
      const goValue = `rbac.RoleRef{APIGroup:${JSON.stringify(now?.apiGroup ?? '')}, Kind:${JSON.stringify(now?.kind ?? '')}, Name:${JSON.stringify(now?.name ?? '')}}`;
      return [{ field: 'roleRef', reason: 'FieldValueInvalid', message: `Invalid value: ${goValue}: cannot change roleRef` }];
    }
  }
  return [];
}
