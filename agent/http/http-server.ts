import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/log/logger.js';
import type { ListenAddress } from '../config/agent-config.js';
import type { AgentMetrics } from './agent-metrics.js';

/**
 * The agent's HTTP side: /healthz (the process answers), /readyz (systemd and the journal can be
 * reached), /status (node state and operations as JSON) and /metrics (Prometheus text). Read-only,
 * GET/HEAD only, no request bodies.
 */

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
  private server: Server | undefined;
  private ready: { at: number; result: { ok: boolean; checks: Record<string, string> } } | undefined;

  constructor(private readonly src: HttpSources) {}

  async listen(addr: ListenAddress): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        this.src.logger.error({ err: err.message, url: req.url }, 'http handler failed');
        if (!res.headersSent) send(res, 500, 'text/plain', `internal error: ${err.message}\n`);
        else res.destroy();
      });
    });
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
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
        return send(res, 200, 'application/json', JSON.stringify(await this.src.status(), null, 2) + '\n');
      case '/metrics':
        return send(res, 200, this.src.metrics.contentType, await this.src.metrics.text());
      default:
        return send(res, 404, 'text/plain', 'not found: /healthz /readyz /status /metrics\n');
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
