import { badRequest, invalid } from '../api-error.js';
import { isJsonObject } from '../json-value.js';
import { toKubeTime, parseKubeTime } from '../k8s-time.js';
import type { Condition, KubeObject, Node, Pod, PodDisruptionBudget, StatusCause } from '../k8s-types.js';
import { defaultPodSpec, randomSuffix } from '../object-factory.js';
import { invalidQuantityFields, podQOSClass } from '../pod-resources.js';
import type { ResourceInfo } from '../resource-registry.js';
import { decodeKind, validateKind, validateKindUpdate } from './kind-validation.js';

/**
 * What the apiserver's registry strategies do to an object on its way into storage: defaulting,
 * validation, and which parts a write to the object or to its /status may change.
 */

/** Checks the body is an object of the right kind and returns it as one. */
export function asKubeObject(body: unknown, info: ResourceInfo): KubeObject {
  if (!isJsonObject(body)) throw badRequest(`the request body must be a JSON object (a ${info.kind})`);
  if (body.kind !== undefined && body.kind !== info.kind) {
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${info.kind})`);
  }
  if (body.metadata !== undefined && !isJsonObject(body.metadata)) throw badRequest('metadata must be an object');
  const obj = body as unknown as KubeObject;
  obj.metadata ??= { name: '' };
  return obj;
}

function validate(info: ResourceInfo, obj: KubeObject, previous?: KubeObject): void {
  decodeKind(info, obj);
  const causes: StatusCause[] = [];
  const name = obj.metadata.name ?? '';
  if (!name) causes.push({ field: 'metadata.name', message: 'Required value: name or generateName is required' });
  else if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
    causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`, reason: 'FieldValueInvalid' });
  }
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (info.resource === 'pods') {
    const containers = (obj as Pod).spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) causes.push({ field: 'spec.containers', message: 'Required value' });
    else for (const field of invalidQuantityFields((obj as Pod).spec)) causes.push({ field, message: 'Invalid value: must be a quantity', reason: 'FieldValueInvalid' });
  }
  if (info.resource === 'replicasets' || info.resource === 'daemonsets') {
    if (!isJsonObject(spec?.selector)) causes.push({ field: 'spec.selector', message: 'Required value' });
    if (!isJsonObject(spec?.template)) causes.push({ field: 'spec.template', message: 'Required value' });
  }
  if (info.resource === 'poddisruptionbudgets') {
    const pdbSpec = (obj as PodDisruptionBudget).spec ?? {};
    if (pdbSpec.minAvailable !== undefined && pdbSpec.maxUnavailable !== undefined) {
      causes.push({ field: 'spec', message: 'Invalid value: minAvailable and maxUnavailable cannot be both set', reason: 'FieldValueInvalid' });
    }
  }
  causes.push(...validateKind(info, obj));
  if (previous) causes.push(...validateKindUpdate(info, previous, obj));
  if (causes.length > 0) throw invalid(info.kind, name, causes);
}

/** spec.unschedulable is `omitempty`: a schedulable node never shows the field, even after `false` was written. */
function dropFalseUnschedulable(node: Node): void {
  if (node.spec?.unschedulable === false) delete node.spec.unschedulable;
}

/** Prepares a POSTed object: namespace from the URL, generateName, server-owned fields cleared. */
export function prepareForCreate(info: ResourceInfo, obj: KubeObject, urlNamespace: string | undefined): KubeObject {
  const meta = obj.metadata;
  if (info.namespaced) {
    if (meta.namespace && meta.namespace !== urlNamespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = urlNamespace;
  }
  if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
  if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
  delete meta.uid;
  delete meta.creationTimestamp;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  validate(info, obj);
  switch (info.resource) {
    case 'pods': {
      const pod = obj as Pod;
      pod.spec = defaultPodSpec(pod.spec);
      pod.status = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
      break;
    }
    case 'namespaces':
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      meta.labels = { ...meta.labels, 'kubernetes.io/metadata.name': meta.name };
      break;
    case 'nodes':
      dropFalseUnschedulable(obj as Node); // the kubelet registers a node with its status
      break;
    default:
      delete obj.status;
  }
  return obj;
}

/**
 * Keeps lastTransitionTime when a condition's status did not change: a heartbeat merge patch
 * replaces the whole conditions list, and the transition time must still mean "since when".
 */
export function keepTransitionTimes(previous: Condition[] | undefined, next: Condition[] | undefined, now: number): Condition[] | undefined {
  if (!Array.isArray(next)) return next;
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    if (!old) return { ...c, lastTransitionTime: c.lastTransitionTime ?? toKubeTime(now) };
    if (old.status === c.status) return { ...c, lastTransitionTime: old.lastTransitionTime ?? c.lastTransitionTime ?? toKubeTime(now) };
    const sent = parseKubeTime(c.lastTransitionTime);
    const before = parseKubeTime(old.lastTransitionTime);
    const fresh = sent === undefined || (before !== undefined && sent <= before);
    return fresh ? { ...c, lastTransitionTime: toKubeTime(now) } : c;
  });
}

/**
 * Prepares an update (PUT or PATCH result). Writes to the object leave status alone; writes to
 * /status leave spec alone; identity and deletion fields always come from the stored object.
 */
export function prepareForUpdate(info: ResourceInfo, current: KubeObject, next: KubeObject, subresource: string | undefined, now: number): KubeObject {
  if (next.metadata.name !== current.metadata.name) {
    throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${current.metadata.name})`);
  }
  if (info.namespaced && next.metadata.namespace !== undefined && next.metadata.namespace !== current.metadata.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  next.metadata.namespace = current.metadata.namespace;
  for (const key of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName'] as const) {
    if (current.metadata[key] === undefined) delete next.metadata[key];
    else next.metadata[key] = current.metadata[key] as never;
  }
  const hasStatus = info.subresources.includes('status');
  if (subresource === 'status') {
    if (current.spec === undefined) delete next.spec;
    else next.spec = current.spec;
  } else if (hasStatus) {
    if (current.status === undefined) delete next.status;
    else next.status = current.status;
  }
  validate(info, next, current);
  if (info.resource === 'nodes') dropFalseUnschedulable(next as Node);
  if (info.resource === 'nodes' && subresource === 'status') {
    const node = next as Node;
    const conditions = keepTransitionTimes((current as Node).status?.conditions, node.status?.conditions, now);
    if (conditions) node.status = { ...node.status, conditions };
  }
  return next;
}
