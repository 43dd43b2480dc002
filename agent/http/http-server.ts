import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../../shared/log/logger.js';
import type { ListenAddress, TlsVersion } from '../config/agent-config.js';
import { LogBudget } from '../tls/log-budget.js';
import { admitPeer } from '../tls/peer-admission.js';
import type { TlsMaterial } from '../tls/tls-material.js';
import { secureContextOptions } from '../tls/tls-options.js';
import type { AgentMetrics } from './agent-metrics.js';

/**
 * The agent's HTTP side: /healthz (the process answers), /readyz (systemd and the journal can be
 * reached), /status (node state and operations as JSON) and /metrics (Prometheus text). Read-only,
 * GET/HEAD only, no request bodies.
 *
 * One instance per listener: `routes: 'health'` serves only the two probes (the plain listener
 * when /metrics and /status have their own); `tls` serves HTTPS with the agent's certificate,
 * and with `mutual` every request needs a client certificate from the cluster CA with a noderoll
 * role (reader or coordinator) — refused requests get 401 and the reason.
 */

export type HttpRoutes = 'all' | 'health';

export interface HttpListenOptions {
  routes: HttpRoutes;
  tls?: { material: TlsMaterial; minVersion: TlsVersion; mutual: boolean };
}

export interface ReadinessProbe {
  name: string;
  check: () => Promise<void>;
}

export interface HttpSources {
  readiness: ReadinessProbe[];
  status: () => Promise<unknown>;
  metrics: AgentMetrics;
  logger: Logger;
}

const READY_CACHE_MS = 2000;

export class AgentHttpServer {
  private server: Server | HttpsServer | undefined;
  private ready: { at: number; result: { ok: boolean; checks: Record<string, string> } } | undefined;
  private options: HttpListenOptions = { routes: 'all' };
  private readonly refusals = new LogBudget(30);

  constructor(private readonly src: HttpSources) {}

  async listen(addr: ListenAddress, options: HttpListenOptions = { routes: 'all' }): Promise<AddressInfo> {
    this.options = options;
    const listener: RequestListener = (req, res) => {
      this.handle(req, res).catch((err: Error) => {
        this.src.logger.error({ err: err.message, url: req.url }, 'http handler failed');
        if (!res.headersSent) send(res, 500, 'text/plain', `internal error: ${err.message}\n`);
        else res.destroy();
      });
    };
    const tls = options.tls;
    const server = tls
      ? createHttpsServer({ ...secureContextOptions(tls.material, tls.minVersion), requestCert: tls.mutual, rejectUnauthorized: false, handshakeTimeout: 10_000 }, listener)
      : createServer(listener);
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    server.maxHeadersCount = 50;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** New connections use the new files (certificate rotation). */
  reload(material: TlsMaterial): void {
    const tls = this.options.tls;
    if (!tls || !this.server || !('setSecureContext' in this.server)) return;
    this.options = { ...this.options, tls: { ...tls, material } };
    this.server.setSecureContext(secureContextOptions(material, tls.minVersion));
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async readiness(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    if (this.ready && Date.now() - this.ready.at < READY_CACHE_MS) return this.ready.result;
    const checks: Record<string, string> = {};
    await Promise.all(
      this.src.readiness.map(async (p) => {
        try {
          await p.check();
          checks[p.name] = 'ok';
        } catch (err) {
          checks[p.name] = (err as Error).message;
        }
      }),
    );
    const result = { ok: Object.values(checks).every((v) => v === 'ok'), checks };
    this.ready = { at: Date.now(), result };
    return result;
  }

  /** With mutual TLS: the reason a request's client certificate is refused, or undefined. */
  private refusal(req: IncomingMessage): string | undefined {
    const tls = this.options.tls;
    if (!tls?.mutual) return undefined;
    const verdict = admitPeer(req.socket as TLSSocket, tls.material.cas);
    if (verdict.admitted) return undefined;
    const { log, suppressedBefore } = this.refusals.take();
    if (log) {
      this.src.logger.warn(
        { audit: true, peer: `${req.socket.remoteAddress}:${req.socket.remotePort}`, url: (req.url ?? '').slice(0, 100), kind: verdict.kind, reason: verdict.reason, ...(suppressedBefore > 0 ? { suppressedBefore } : {}) },
        'refused an HTTPS request',
      );
    }
    return verdict.reason;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const refused = this.refusal(req);
    if (refused !== undefined) return send(res, 401, 'text/plain', `client certificate refused: ${refused}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain', 'method not allowed\n');
    }
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok\n');
      case '/readyz': {
        const r = await this.readiness();
        return send(res, r.ok ? 200 : 503, 'application/json', JSON.stringify(r) + '\n');
      }
      case '/status':
      case '/metrics':
        if (this.options.routes === 'health') return send(res, 404, 'text/plain', `${path} is served on the agent's metrics listener (http.metrics.listen), not here\n`);
        return path === '/status'
          ? send(res, 200, 'application/json', JSON.stringify(await this.src.status(), null, 2) + '\n')
          : send(res, 200, this.src.metrics.contentType, await this.src.metrics.text());
      default:
        return send(res, 404, 'text/plain', 'not found: /healthz /readyz /status /metrics\n');
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
