import type { ServerResponse } from 'node:http';

/**
 * /livez, /readyz and /healthz as kube-apiserver (k8s.io/apiserver/pkg/server/healthz) answers them:
 * "ok" when every check passes; with `?verbose` one `[+]name ok` line per check and `<endpoint> check
 * passed`; a failing check makes the answer 500 with the verbose listing, `[-]name failed: reason
 * withheld` (the reason goes to the log only) and `<endpoint> check failed`; `?exclude=name` leaves a
 * check out (`[+]name excluded: ok`); /readyz/NAME runs one check ("ok" or 500 "internal server error:
 * REASON"). The checks are the names a v1.3x kube-apiserver lists; the test sets one failing with
 * HealthChecks.fail (etcd unreachable, shutting down…).
 */

export type HealthEndpoint = 'livez' | 'readyz' | 'healthz';

const POST_START_HOOKS = [
  'start-apiserver-admission-initializer',
  'generic-apiserver-start-informers',
  'priority-and-fairness-config-consumer',
  'priority-and-fairness-filter',
  'storage-object-count-tracker-hook',
  'start-apiextensions-informers',
  'start-apiextensions-controllers',
  'crd-informer-synced',
  'start-system-namespaces-controller',
  'bootstrap-controller',
  'rbac/bootstrap-roles',
  'scheduling/bootstrap-system-priority-classes',
  'start-cluster-authentication-info-controller',
  'aggregator-reload-proxy-client-cert',
  'start-kube-aggregator-informers',
  'apiservice-registration-controller',
  'apiservice-status-available-controller',
  'kube-apiserver-autoregistration',
].map((h) => `poststarthook/${h}`);

const LIVEZ = ['ping', 'log', 'etcd', ...POST_START_HOOKS, 'autoregister-completion', 'poststarthook/apiservice-openapi-controller'];
const READYZ = ['ping', 'log', 'etcd', 'etcd-readiness', 'informer-sync', ...POST_START_HOOKS, 'autoregister-completion', 'poststarthook/apiservice-openapi-controller', 'shutdown'];

export const HEALTH_CHECKS: Readonly<Record<HealthEndpoint, readonly string[]>> = { livez: LIVEZ, readyz: READYZ, healthz: LIVEZ };

/** Which checks fail now, and why (the reason is never sent in a listing, as the real server withholds it). */
export class HealthChecks {
  private readonly failing = new Map<string, string>();

  /** Makes `check` fail with `reason` (undefined: passes again). */
  fail(check: string, reason: string | undefined): void {
    if (reason === undefined) this.failing.delete(check);
    else this.failing.set(check, reason);
  }

  /** Answers GET /ENDPOINT[/CHECK][?verbose][&exclude=…]. */
  answer(res: ServerResponse, endpoint: HealthEndpoint, check: string | undefined, params: URLSearchParams): void {
    const checks = HEALTH_CHECKS[endpoint];
    if (check !== undefined) {
      if (!checks.includes(check)) return text(res, 404, '404 page not found\n');
      const reason = this.failing.get(check);
      return reason === undefined ? text(res, 200, 'ok') : text(res, 500, `internal server error: ${reason}\n`);
    }
    const excluded = new Set(params.getAll('exclude'));
    const lines = checks.map((c) => (excluded.has(c) ? `[+]${c} excluded: ok` : this.failing.has(c) ? `[-]${c} failed: reason withheld` : `[+]${c} ok`));
    const failed = checks.some((c) => !excluded.has(c) && this.failing.has(c));
    if (failed) return text(res, 500, `${lines.join('\n')}\n${endpoint} check failed\n`);
    if (params.has('verbose')) return text(res, 200, `${lines.join('\n')}\n${endpoint} check passed\n`);
    return text(res, 200, 'ok');
  }
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}
