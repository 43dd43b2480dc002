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

/** A dryRun list as the API takes it: absent, or exactly ["All"] (the only value there is). */
export function parseDryRun(values: readonly JsonValue[]): boolean {
  if (values.length === 0) return false;
  if (values.every((v) => v === 'All')) return true;
  throw badRequest(`Invalid dryRun: ${JSON.stringify(values)}: supported values: "All"`);
}

/**
 * propagateDryRun: the request's `?dryRun=` and the body's deleteOptions.dryRun must agree when
 * both are given; either alone decides.
 */
function dryRunOf(body: Record<string, JsonValue>, fromQuery: readonly string[]): boolean {
  const options = isJsonObject(body.deleteOptions) ? body.deleteOptions : {};
  const fromBody = Array.isArray(options.dryRun) ? options.dryRun : [];
  if (fromBody.length > 0 && fromQuery.length > 0 && JSON.stringify(fromBody) !== JSON.stringify(fromQuery)) {
    throw badRequest(`DryRun in DeleteOptions in Eviction ([${fromBody.join(' ')}]) does not match the dryRun in CreateOptions ([${fromQuery.join(' ')}])`);
  }
  return parseDryRun(fromBody.length > 0 ? fromBody : fromQuery);
}

function gracePeriodOf(body: JsonValue): number | undefined {
  if (!isJsonObject(body) || !isJsonObject(body.deleteOptions)) return undefined;
  const grace = body.deleteOptions.gracePeriodSeconds;
  return typeof grace === 'number' && grace >= 0 ? grace : undefined;
}

/**
 * POST pods/NAME/eviction: delete the pod if its disruption budget allows it (taking one
 * disruption), or answer 429 so the client retries later. A dry run (`dryRunQuery` ["All"] or
 * deleteOptions.dryRun ["All"]) gives the same answer and changes nothing: no disruption taken,
 * no pod deleted, nothing in the activity log but an EvictionDryRun.
 */
export function evictPod(
  ctx: ControllerContext,
  disruption: DisruptionController,
  namespace: string,
  name: string,
  body: JsonValue,
  now: number,
  dryRunQuery: readonly string[] = [],
): Status {
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
  const dryRun = dryRunOf(body, dryRunQuery);
  const evict = (): Status => {
    if (dryRun) {
      ctx.activity.record({ type: 'EvictionDryRun', namespace, name, node: pod.spec.nodeName, detail: 'allowed' }, now);
      return successStatus(201);
    }
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
  const pdb = dryRun ? disruption.recomputed(found, now) : disruption.refresh(found, now);
  if (unhealthyPodMayBeEvicted(pdb, pod)) return evict();
  const verdict = consumeDisruption(pdb, name, now);
  if (!verdict.allowed) {
    ctx.activity.record({ type: dryRun ? 'EvictionDryRun' : 'EvictionRefused', namespace, name, node: pod.spec.nodeName, detail: verdict.cause }, now);
    throw budgetViolation(verdict.cause);
  }
  if (dryRun) return evict();
  ctx.store.poddisruptionbudgets.update(pdb.metadata.name, namespace, (p) => {
    p.status = verdict.status;
  });
  return evict();
}
