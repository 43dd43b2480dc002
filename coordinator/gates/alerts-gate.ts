import { errorMessage } from '../engine/step-failure.js';
import type { Gate, GateVerdict } from './gate.js';

/** gates.alerts: which alerts of which Prometheus block a node. */
export interface AlertsGateOptions {
  /** Prometheus' base URL (http://prometheus:9090, or with a path prefix); /api/v1/alerts is appended. */
  url: string;
  /** Blocks only alerts whose identity matches (see alertIdentity); undefined: every alert. */
  filter?: RegExp;
  /** Never blocks alerts whose identity matches one of these (an always-firing Watchdog, …). */
  ignore: readonly RegExp[];
  /** true: pending alerts (not yet past their `for:`) do not block. */
  firingOnly: boolean;
  /** Bound of one request, answer included. */
  timeoutMs: number;
}

/** One entry of /api/v1/alerts' data.alerts, as Prometheus 2.x and 3.x answer it. */
export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** pending or firing (the API lists active alerts only). */
  state: string;
  activeAt?: string;
  value?: string;
}

/** The longest single problem line (an alert with many long labels is cut, not dropped). */
const MAX_PROBLEM_LENGTH = 400;

/**
 * `alertname{label="value",…}` with the other labels sorted by name: the text gates.alerts.filter and
 * ignore are matched against, so a regexp can select on the name (`^KubeNode`) or on a label
 * (`severity="critical"`).
 */
export function alertIdentity(alert: Pick<PrometheusAlert, 'labels'>): string {
  const { alertname = '', ...rest } = alert.labels;
  const labels = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`);
  return `${alertname}${labels.length > 0 ? `{${labels.join(',')}}` : ''}`;
}

/** Parses the body of GET /api/v1/alerts; throws saying what is wrong with it. */
export function readAlertsResponse(body: string): PrometheusAlert[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new Error(`the answer is not JSON: ${JSON.stringify(body.slice(0, 120))}`);
  }
  const top = doc as { status?: unknown; error?: unknown; data?: { alerts?: unknown } } | null;
  if (top?.status !== 'success') throw new Error(`the answer's status is ${JSON.stringify(top?.status)}${typeof top?.error === 'string' ? `: ${top.error}` : ''}`);
  const alerts = top.data?.alerts;
  if (!Array.isArray(alerts)) throw new Error('the answer has no data.alerts list');
  return alerts.map((a, i) => {
    const entry = a as Partial<PrometheusAlert> | null;
    if (!entry || typeof entry.labels !== 'object' || entry.labels === null || typeof entry.state !== 'string') throw new Error(`data.alerts[${i}] has no labels or state`);
    return { labels: stringRecord(entry.labels), annotations: stringRecord(entry.annotations ?? {}), state: entry.state, ...(typeof entry.activeAt === 'string' ? { activeAt: entry.activeAt } : {}) };
  });
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** The alerts that block a node under these options. */
export function blockingAlerts(alerts: readonly PrometheusAlert[], options: Pick<AlertsGateOptions, 'filter' | 'ignore' | 'firingOnly'>): PrometheusAlert[] {
  return alerts.filter((a) => {
    if (options.firingOnly && a.state !== 'firing') return false;
    const identity = alertIdentity(a);
    if (options.filter && !options.filter.test(identity)) return false;
    return !options.ignore.some((r) => r.test(identity));
  });
}

/** "NodeDiskFull{instance="10.0.0.2:9100",severity="critical"} firing since 2026-12-02T01:02:03Z: disk 98% full" */
export function describeAlert(alert: PrometheusAlert): string {
  const since = alert.activeAt && !alert.activeAt.startsWith('0001-') ? ` since ${alert.activeAt}` : '';
  const about = alert.annotations.summary ?? alert.annotations.description;
  const line = `${alertIdentity(alert)} ${alert.state}${since}${about ? `: ${about}` : ''}`.replace(/\s+/g, ' ');
  return line.length > MAX_PROBLEM_LENGTH ? `${line.slice(0, MAX_PROBLEM_LENGTH)}…` : line;
}

/** Where GET /api/v1/alerts is, under the configured base URL (which may carry a path prefix). */
export function alertsEndpoint(base: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/alerts`;
  return url.toString();
}

/**
 * No alert of the configured Prometheus matching gates.alerts is active. A Prometheus that does not
 * answer fails the gate: noderoll cannot know the cluster is quiet, so it does not start a node.
 */
export class PrometheusAlertsGate implements Gate {
  readonly name = 'alerts' as const;
  private readonly endpoint: string;
  constructor(private readonly options: AlertsGateOptions) {
    this.endpoint = alertsEndpoint(options.url);
  }

  async check(signal?: AbortSignal): Promise<GateVerdict> {
    let alerts: PrometheusAlert[];
    try {
      alerts = await this.fetchAlerts(signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      const problem = `Prometheus at ${this.endpoint} could not be asked for its alerts, so the cluster cannot be known to be quiet: ${errorMessage(err)}`;
      return { passed: false, summary: problem, problems: [problem], warnings: [] };
    }
    const blocking = blockingAlerts(alerts, this.options);
    const problems = blocking.map(describeAlert).sort();
    return {
      passed: problems.length === 0,
      summary: problems.length === 0 ? `no matching alert ${this.options.firingOnly ? 'firing' : 'active'} (${alerts.length} active in all)` : `${problems.length} matching alert(s) ${this.options.firingOnly ? 'firing' : 'active'}`,
      problems,
      warnings: [],
      evidence: `GET ${this.endpoint}: ${alerts.length} active alert(s)`,
    };
  }

  private async fetchAlerts(signal?: AbortSignal): Promise<PrometheusAlert[]> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let res: Response;
    let body: string;
    try {
      res = await fetch(this.endpoint, { headers: { accept: 'application/json' }, redirect: 'error', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      body = await res.text();
    } catch (err) {
      if (timeout.aborted && !signal?.aborted) throw new Error(`no answer within ${this.options.timeoutMs} ms (gates.alerts.timeout)`);
      throw new Error(causeOf(err));
    }
    if (!res.ok) throw new Error(`it answered HTTP ${res.status}: ${JSON.stringify(body.slice(0, 200))}`);
    return readAlertsResponse(body);
  }
}

/** fetch's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND…) in its cause. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause ? `${errorMessage(err)} (${cause.code ?? cause.message ?? String(cause)})` : errorMessage(err);
}
