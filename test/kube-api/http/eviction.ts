import { ApiError, badRequest, notFound, successStatus } from '../api-error.js';
import { deletePod } from '../controllers/pod-deletion.js';
import type { ControllerContext } from '../controllers/controller.js';
import type { DisruptionController } from '../controllers/disruption-controller.js';
import { consumeDisruption, evictionIgnoresBudget, unhealthyPodMayBeEvicted } from '../disruption-budget.js';
import { isJsonObject, type JsonValue } from '../json-value.js';
import type { Status } from '../k8s-types.js';
import { resourceInfo } from '../resource-registry.js';

const PODS = resourceInfo('pods');

export const PDB_VIOLATION_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

/** The 429 the eviction subresource answers; no retryAfterSeconds, so no Retry-After header. */
function budgetViolation(cause: string): ApiError {
  return new ApiError(429, 'TooManyRequests', PDB_VIOLATION_MESSAGE, { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

function gracePeriodOf(body: JsonValue): number | undefined {
  if (!isJsonObject(body) || !isJsonObject(body.deleteOptions)) return undefined;
  const grace = body.deleteOptions.gracePeriodSeconds;
  return typeof grace === 'number' && grace >= 0 ? grace : undefined;
}

/**
 * POST pods/NAME/eviction: delete the pod if its disruption budget allows it (taking one
 * disruption), or answer 429 so the client retries later.
 */
export function evictPod(ctx: ControllerContext, disruption: DisruptionController, namespace: string, name: string, body: JsonValue, now: number): Status {
  if (!isJsonObject(body)) throw badRequest('the request body must be an Eviction object');
  if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`expected kind Eviction, got ${String(body.kind)}`);
  const meta = isJsonObject(body.metadata) ? body.metadata : {};
  if (meta.name !== undefined && meta.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
    throw badRequest('namespace in URL does not match namespace in Eviction object');
  }
  const pod = ctx.store.pods.get(name, namespace);
  if (!pod) throw notFound(PODS, name);
  const grace = gracePeriodOf(body);
  const evict = (): Status => {
    deletePod(ctx, pod, now, grace);
    ctx.activity.record({ type: 'EvictionAccepted', namespace, name, node: pod.spec.nodeName }, now);
    return successStatus(201);
  };
  if (evictionIgnoresBudget(pod)) return evict();
  const budgets = disruption.budgetsFor(pod);
  if (budgets.length > 1) {
    throw new ApiError(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }
  const found = budgets[0];
  if (!found) return evict();
  const pdb = disruption.refresh(found, now);
  if (unhealthyPodMayBeEvicted(pdb, pod)) return evict();
  const verdict = consumeDisruption(pdb, name, now);
  if (!verdict.allowed) {
    ctx.activity.record({ type: 'EvictionRefused', namespace, name, node: pod.spec.nodeName, detail: verdict.cause }, now);
    throw budgetViolation(verdict.cause);
  }
  ctx.store.poddisruptionbudgets.update(pdb.metadata.name, namespace, (p) => {
    p.status = verdict.status;
  });
  return evict();
}
