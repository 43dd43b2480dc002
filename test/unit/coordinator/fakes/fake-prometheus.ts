import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An alert as Prometheus' GET /api/v1/alerts lists it (2.x and 3.x). */
export function alert(labels: Record<string, string>, state: 'firing' | 'pending', summary?: string): unknown {
  return { labels, annotations: summary ? { summary } : {}, state, activeAt: '2026-12-02T00:58:03.123456789Z', value: '1e+00' };
}

/** A local HTTP server answering like Prometheus: GET …/api/v1/alerts with the alerts it is given. */
export class FakePrometheus {
  /** What /api/v1/alerts lists now (asked at each request). */
  alerts: unknown[] | (() => unknown[]) = [];
  status = 200;
  /** Never answer (a hung Prometheus). */
  hang = false;
  readonly paths: string[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.paths.push(req.url ?? '');
      if (this.hang) return;
      if (req.url !== '/api/v1/alerts' && req.url !== '/prometheus/api/v1/alerts') {
        res.writeHead(404).end('404 page not found\n');
        return;
      }
      const body = this.status === 200 ? { status: 'success', data: { alerts: typeof this.alerts === 'function' ? this.alerts() : this.alerts } } : { status: 'error', errorType: 'unavailable', error: 'rule manager not ready' };
      res.writeHead(this.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
