import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { KubeApiEndpoint } from './kube-api-endpoint.js';

export type KubeHttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH';

/** The API server's answer to one request: status code and the parsed JSON body (a Status object on errors). */
export interface KubeHttpResponse {
  status: number;
  body: unknown;
}

/** The Status object the API server sends with a refusal. */
export interface KubeStatus {
  reason?: string;
  message?: string;
  code?: number;
}

export class KubeHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly statusBody: KubeStatus,
  ) {
    super(`${method} ${path}: ${serverSays(status, statusBody)}`);
    this.name = 'KubeHttpError';
  }

  /** The refusal worded as kubectl words it, so an operator reads the same either way. */
  get serverSays(): string {
    return serverSays(this.status, this.statusBody);
  }
}

function serverSays(status: number, body: KubeStatus): string {
  return `Error from server (${body.reason ?? status}): ${body.message ?? `HTTP ${status}`}`;
}

/** An object the API server answers with is at most 1.5 MiB (etcd's limit); far more means something is wrong. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** client-go reads a token file again after a minute, so a rotated token is picked up. */
const TOKEN_FILE_TTL_MS = 60_000;

/**
 * JSON requests to the API server with a kubeconfig context's static credentials, on kept-alive
 * connections: what a kubectl process per call costs in startup (~150 ms of CPU each) is paid once.
 * Every request has a deadline; nothing is retried here (the callers decide, as with kubectl).
 */
export class KubeHttpClient {
  private readonly agent: HttpAgent;
  private token: { value: string; readAtMs: number } | undefined;

  constructor(
    private readonly endpoint: KubeApiEndpoint,
    private readonly timeoutMs: number,
  ) {
    const https = endpoint.server.protocol === 'https:';
    this.agent = https
      ? new HttpsAgent({
          keepAlive: true,
          maxSockets: 4,
          rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
          ...(endpoint.ca ? { ca: endpoint.ca } : {}),
          ...(endpoint.cert ? { cert: endpoint.cert } : {}),
          ...(endpoint.key ? { key: endpoint.key } : {}),
          ...(endpoint.tlsServerName ? { servername: endpoint.tlsServerName } : {}),
        })
      : new HttpAgent({ keepAlive: true, maxSockets: 4 });
  }

  get server(): string {
    return this.endpoint.server.origin;
  }

  /** `contentType` of a body: application/json, or application/merge-patch+json for a PATCH. */
  async request(method: KubeHttpMethod, path: string, body?: unknown, signal?: AbortSignal, contentType = 'application/json'): Promise<KubeHttpResponse> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'noderoll' };
    const authorization = await this.authorization();
    if (authorization) headers.Authorization = authorization;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(payload.length);
    }
    const url = new URL(this.endpoint.server.pathname.replace(/\/$/, '') + path, this.endpoint.server);
    const send = this.endpoint.server.protocol === 'https:' ? httpsRequest : httpRequest;
    const what = `${method} ${url.href}`;
    return new Promise<KubeHttpResponse>((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, ...(signal ? { signal } : {}) }, (res) => {
        readBody(res, what).then((text) => {
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            return reject(new Error(`${what}: HTTP ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        }, reject);
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`${what}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => reject(err.message.startsWith(what) ? err : new Error(`${what}: ${err.message}`)));
      req.end(payload);
    });
  }

  /** Throws KubeHttpError unless the status is 2xx; returns the body. */
  async expectOk(method: KubeHttpMethod, path: string, body?: unknown, signal?: AbortSignal, contentType?: string): Promise<unknown> {
    const r = await this.request(method, path, body, signal, contentType);
    if (r.status >= 200 && r.status < 300) return r.body;
    throw new KubeHttpError(method, path, r.status, statusOf(r.body));
  }

  /** Drops the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private async authorization(): Promise<string | undefined> {
    const e = this.endpoint;
    if (e.tokenFile) return `Bearer ${await this.tokenFromFile(e.tokenFile)}`;
    if (e.token) return `Bearer ${e.token}`;
    if (e.basic) return `Basic ${Buffer.from(`${e.basic.username}:${e.basic.password}`).toString('base64')}`;
    return undefined;
  }

  private async tokenFromFile(file: string): Promise<string> {
    const now = Date.now();
    if (this.token && now - this.token.readAtMs < TOKEN_FILE_TTL_MS) return this.token.value;
    const value = (await readFile(file, 'utf8').catch((err: unknown) => {
      throw new Error(`reading the kubeconfig's tokenFile ${file}: ${err instanceof Error ? err.message : String(err)}`);
    })).trim();
    this.token = { value, readAtMs: now };
    return value;
  }
}

/** A 404 that names this object (not one for a path the server does not serve, which names none). */
export function objectNotFound(body: unknown, name: string): boolean {
  const status = (body as { reason?: unknown; details?: { name?: unknown } } | undefined) ?? {};
  return status.reason === 'NotFound' && status.details?.name === name;
}

export function statusOf(body: unknown): KubeStatus {
  if (typeof body !== 'object' || body === null) return {};
  const s = body as Record<string, unknown>;
  return {
    ...(typeof s.reason === 'string' ? { reason: s.reason } : {}),
    ...(typeof s.message === 'string' ? { message: s.message } : {}),
    ...(typeof s.code === 'number' ? { code: s.code } : {}),
  };
}

function readBody(res: IncomingMessage, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        res.destroy(new Error(`${what}: the answer is over ${MAX_RESPONSE_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', (err) => reject(err.message.startsWith(what) ? err : new Error(`${what}: ${err.message}`)));
  });
}
