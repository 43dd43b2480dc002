/** Asks one etcd member for its health over HTTP (`GET <clientURL>/health`), like gravity's etcd-healthz probe. */

export type EtcdMemberProbe =
  | { kind: 'healthy' }
  /** The member answered but is not healthy (e.g. 503 `{"health":"false"}` when quorum is lost). */
  | { kind: 'unhealthy'; detail: string }
  /** Nothing answered: refused, timed out, unreachable. */
  | { kind: 'unreachable'; detail: string };

export async function probeEtcdMember(clientUrl: string, timeoutMs: number): Promise<EtcdMemberProbe> {
  let response: Response;
  try {
    response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return { kind: 'unreachable', detail: describeFetchFailure(err, timeoutMs) };
  }
  let body: string;
  try {
    body = await response.text();
  } catch (err) {
    return { kind: 'unreachable', detail: describeFetchFailure(err, timeoutMs) };
  }
  return interpretEtcdHealthAnswer(response.status, response.statusText, body);
}

/** Healthy only for HTTP 200 with `{"health":"true"}` (etcd 3.4 answers the string "true"). */
export function interpretEtcdHealthAnswer(httpStatus: number, statusText: string, body: string): EtcdMemberProbe {
  const text = body.trim();
  let health: unknown;
  try {
    const parsed: unknown = JSON.parse(text);
    health = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).health : undefined;
  } catch {
    health = undefined;
  }
  if (httpStatus === 200 && (health === 'true' || health === true)) return { kind: 'healthy' };
  const status = `HTTP ${httpStatus}${statusText ? ` ${statusText}` : ''}`;
  return { kind: 'unhealthy', detail: text === '' ? status : `${status}: ${clip(text)}` };
}

/** Turns a fetch rejection into words: `connect ECONNREFUSED 127.0.0.1:2379`, `no answer within 1500 ms`. */
export function describeFetchFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message) return cause.message;
    return err.message;
  }
  return String(err);
}

function clip(text: string, max = 200): string {
  return text.length <= max ? text : text.slice(0, max) + '…';
}
