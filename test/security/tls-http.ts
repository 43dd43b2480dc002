import { request } from 'node:https';

/**
 * GET over HTTPS with a client certificate, as Prometheus scrapes the agent's metrics listener
 * (trusting only the cluster CA; the agent's certificate must name the address dialled).
 */

export interface HttpsAnswer {
  status: number;
  body: string;
}

export function httpsGet(url: string, tls: { ca: string; cert?: string; key?: string }, timeoutMs = 10_000): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ca: tls.ca, ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}), minVersion: 'TLSv1.2', timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
