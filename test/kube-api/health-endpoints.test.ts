import { expect } from 'chai';
import { callApi } from './api-client.js';
import { HEALTH_CHECKS } from './http/health-endpoints.js';
import { startKubeApiServer, type KubeApiServer } from './server.js';

describe('kube-api /livez and /readyz as kube-apiserver answers them', () => {
  let api: KubeApiServer;
  const get = (path: string) => callApi<string>(api.url, 'GET', path);

  before(async () => {
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await api?.close();
  });

  it('answers "ok" as text; ?verbose lists every check and says the endpoint passed', async () => {
    const terse = await get('/readyz');
    expect(terse.status).to.equal(200);
    expect(terse.body).to.equal('ok');
    expect(terse.headers.get('content-type')).to.equal('text/plain; charset=utf-8');
    const verbose = (await get('/readyz?verbose')).body.split('\n');
    expect(verbose.slice(0, 5)).to.deep.equal(['[+]ping ok', '[+]log ok', '[+]etcd ok', '[+]etcd-readiness ok', '[+]informer-sync ok']);
    expect(verbose).to.include('[+]poststarthook/rbac/bootstrap-roles ok').and.include('[+]shutdown ok');
    expect(verbose.at(-2)).to.equal('readyz check passed');
    const livez = (await get('/livez?verbose')).body.split('\n');
    expect(livez.at(-2)).to.equal('livez check passed');
    expect(livez, 'liveness has no readiness-only checks').to.not.include.members(['[+]shutdown ok', '[+]informer-sync ok', '[+]etcd-readiness ok']);
    expect(HEALTH_CHECKS.healthz).to.deep.equal(HEALTH_CHECKS.livez);
  });

  it('a failing check: 500 with the listing, the reason withheld, "check failed"; excluded it passes; one check alone says why', async () => {
    api.health.fail('etcd', 'etcd client connection not yet established');
    try {
      const res = await get('/readyz');
      expect(res.status).to.equal(500);
      const lines = res.body.split('\n');
      expect(lines).to.include('[-]etcd failed: reason withheld').and.include('[+]ping ok');
      expect(lines.at(-2)).to.equal('readyz check failed');
      expect((await get('/livez')).status, 'etcd is a liveness check too').to.equal(500);
      const excluded = await get('/readyz?verbose&exclude=etcd');
      expect(excluded.status).to.equal(200);
      expect(excluded.body).to.include('[+]etcd excluded: ok').and.include('readyz check passed');
      const one = await get('/readyz/etcd');
      expect(one.status).to.equal(500);
      expect(one.body).to.equal('internal server error: etcd client connection not yet established\n');
      expect((await get('/readyz/ping')).body).to.equal('ok');
      expect((await get('/readyz/no-such-check')).status).to.equal(404);
    } finally {
      api.health.fail('etcd', undefined);
    }
    expect((await get('/readyz')).body).to.equal('ok');
  });
});
