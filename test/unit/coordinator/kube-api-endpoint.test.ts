import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKubeApiEndpoint, type KubeApiEndpoint } from '../../../coordinator/cluster/kube-api-endpoint.js';
import { KubeHttpClient, KubeHttpError } from '../../../coordinator/cluster/kube-http-client.js';
import { KubeHttpObjectAccess } from '../../../coordinator/state/kube-http-object-access.js';

/** `kubectl config view --minify --flatten --raw -o json` as kubectl prints it, with the given cluster and user. */
function view(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return JSON.stringify({
    kind: 'Config',
    apiVersion: 'v1',
    preferences: {},
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('the state store talks to the API server directly only with static credentials and no proxy (readKubeApiEndpoint)', () => {
  it('reads the server, CA, client certificate and key, token and TLS server name', () => {
    const r = readKubeApiEndpoint(
      view({ 'certificate-authority-data': b64('CA'), 'tls-server-name': 'kubernetes' }, { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY'), token: 'T' }),
      {},
    );
    expect('endpoint' in r).to.equal(true);
    const e = (r as { endpoint: KubeApiEndpoint }).endpoint;
    expect(e.server.href).to.equal('https://127.0.0.1:6443/');
    expect([e.ca?.toString(), e.cert?.toString(), e.key?.toString(), e.token, e.tlsServerName, e.insecureSkipTlsVerify]).to.deep.equal(['CA', 'CERT', 'KEY', 'T', 'kubernetes', false]);
  });

  it('keeps an absolute tokenFile and basic credentials', () => {
    const r = readKubeApiEndpoint(view({ 'insecure-skip-tls-verify': true }, { tokenFile: '/var/run/secrets/token', username: 'admin', password: 'pw' }), {});
    const e = (r as { endpoint: KubeApiEndpoint }).endpoint;
    expect([e.tokenFile, e.basic, e.insecureSkipTlsVerify]).to.deep.equal(['/var/run/secrets/token', { username: 'admin', password: 'pw' }, true]);
  });

  const kubectlOnly: [string, string, NodeJS.ProcessEnv, RegExp][] = [
    ['an exec plugin', view({}, { exec: { command: 'kubelogin', apiVersion: 'client.authentication.k8s.io/v1' } }), {}, /exec plugin/],
    ['an auth-provider', view({}, { 'auth-provider': { name: 'oidc' } }), {}, /auth-provider/],
    ['impersonation', view({}, { token: 'T', as: 'someone' }), {}, /impersonates another user/],
    ['a proxy-url', view({ 'proxy-url': 'http://proxy:3128' }, { token: 'T' }), {}, /proxy-url/],
    ['HTTPS_PROXY in the environment', view({}, { token: 'T' }), { HTTPS_PROXY: 'http://proxy:3128' }, /HTTPS_PROXY is set/],
    ['a relative tokenFile', view({}, { tokenFile: 'token' }), {}, /relative path/],
    ['a server that is not http(s)', view({ server: 'unix:///run/k8s.sock' }, {}), {}, /not an http\(s\) URL/],
    ['no current context', JSON.stringify({ kind: 'Config', clusters: [], users: [], contexts: [] }), {}, /no current context/],
  ];
  for (const [what, text, env, why] of kubectlOnly) {
    it(`leaves ${what} to kubectl, saying why`, () => {
      const r = readKubeApiEndpoint(text, env);
      expect(r).to.have.property('kubectlOnly').that.matches(why);
    });
  }
});

describe('the direct client (KubeHttpClient, KubeHttpObjectAccess) against a plain HTTP server', () => {
  let server: Server;
  let url: string;
  let dir: string;
  const seen: { method: string; path: string; authorization: string | undefined }[] = [];
  let answer: (path: string) => { status: number; body: unknown } = () => ({ status: 200, body: {} });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-kube-http-'));
    server = createServer((req, res) => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
      req.resume();
      req.on('end', () => {
        const a = answer(req.url ?? '');
        if (a.status === 0) return; // never answer: the deadline must fire
        res.writeHead(a.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(a.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => void (seen.length = 0));

  const endpoint = (extra: Partial<KubeApiEndpoint> = {}): KubeApiEndpoint => ({ server: new URL(url), insecureSkipTlsVerify: false, ...extra });

  it('sends the token from the tokenFile as a bearer token', async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'file-token\n');
    const client = new KubeHttpClient(endpoint({ tokenFile: file }), 5_000);
    try {
      answer = () => ({ status: 200, body: { metadata: { name: 'noderoll' } } });
      await new KubeHttpObjectAccess(client).get('lease', 'noderoll', 'noderoll-system');
      expect(seen).to.deep.equal([{ method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/noderoll-system/leases/noderoll', authorization: 'Bearer file-token' }]);
    } finally {
      client.close();
    }
  });

  it('an object not found is absent; a 404 for the path itself (an API group not served) is an error in kubectl\'s words', async () => {
    const client = new KubeHttpClient(endpoint(), 5_000);
    try {
      const access = new KubeHttpObjectAccess(client);
      answer = () => ({ status: 404, body: { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'configmaps "x" not found', details: { name: 'x', kind: 'configmaps' }, code: 404 } });
      expect(await access.get('configmap', 'x', 'ns')).to.equal(undefined);
      answer = () => ({ status: 404, body: { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'the server could not find the requested resource', code: 404 } });
      const err = await access.get('lease', 'x', 'ns').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(KubeHttpError);
      expect((err as KubeHttpError).message).to.equal('GET /apis/coordination.k8s.io/v1/namespaces/ns/leases/x: Error from server (NotFound): the server could not find the requested resource');
    } finally {
      client.close();
    }
  });

  it('gives up at its deadline, naming the request', async () => {
    const client = new KubeHttpClient(endpoint(), 300);
    try {
      answer = () => ({ status: 0, body: undefined });
      const err = await client.request('GET', '/api/v1/namespaces/ns/configmaps/x').catch((e: unknown) => e);
      expect((err as Error).message).to.equal(`GET ${url}/api/v1/namespaces/ns/configmaps/x: no answer within 300 ms`);
    } finally {
      client.close();
    }
  });

  it('refuses a replace without a resourceVersion before sending anything', async () => {
    const client = new KubeHttpClient(endpoint(), 5_000);
    try {
      const access = new KubeHttpObjectAccess(client);
      await Promise.resolve()
        .then(() => access.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' } }))
        .then(() => expect.fail('replaced blindly'), (e: unknown) => expect((e as Error).message).to.match(/without metadata.resourceVersion would overwrite blindly/));
      expect(seen).to.deep.equal([]);
    } finally {
      client.close();
    }
  });
});
