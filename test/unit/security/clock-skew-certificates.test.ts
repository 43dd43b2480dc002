import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CertificateAuthority } from '../../../coordinator/certs/certificate-authority.js';
import { clockSkewMs } from '../../../coordinator/steps/clock-skew.js';
import { AgentClient } from '../../../shared/agent-api/agent-client.js';
import { runCommand } from '../../../shared/exec/command-runner.js';
import { skewedClockEnv } from '../../support/faketime.js';
import { agentTlsYaml, clientTls, TestPki, type IssuedPem } from '../../security/test-pki.js';

/**
 * Right after `noderoll certs init/issue` a node whose clock is behind the coordinator's host must
 * accept the new certificates (a TLS "certificate is not yet valid" there would stop the update
 * before it starts). The product's margin: the CA and every certificate start an hour before issue.
 */

const HOUR_MS = 60 * 60_000;
const TWENTY_MINUTES_MS = 20 * 60_000;
const SKEWED_AGENT = fileURLToPath(new URL('../../support/skewed-agent.js', import.meta.url));

describe('certificates and clocks that are behind', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let agentCert: IssuedPem;
  let coordinator: IssuedPem;
  let reader: IssuedPem;
  let issuedAt: number;

  before(async () => {
    issuedAt = Date.now();
    pki = await TestPki.create('skew');
    agentCert = await pki.agent('node-1', { ips: ['127.0.0.1'] });
    coordinator = await pki.client('coordinator', 'ops');
    reader = await pki.client('reader', 'prometheus');
  });
  after(async () => {
    await pki?.cleanup();
  });

  it('the CA and every certificate it issues are valid from one hour before issue (openssl ca -selfsign for the CA)', async () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const dir = await mkdtemp(join(tmpdir(), 'noderoll-skew-ca-'));
    try {
      const ca = await CertificateAuthority.init(join(dir, 'ca'), { cluster: 'window', days: 30 }, {}, now);
      expect(ca.info.notBefore.toISOString(), 'CA notBefore').to.equal('2026-12-01T11:00:00.000Z');
      expect(ca.info.notAfter.toISOString(), 'CA notAfter').to.equal('2026-12-31T12:00:00.000Z');
      expect(ca.info.isCa).to.equal(true);
      expect(ca.info.issuer, 'self-signed').to.equal(ca.info.subject);
      const issuedNow = new Date('2026-12-02T08:30:00Z');
      for (const profile of [{ kind: 'agent', node: 'node-1' } as const, { kind: 'client', role: 'coordinator', name: 'ops' } as const, { kind: 'client', role: 'reader', name: 'prom' } as const]) {
        const leaf = await ca.issue(profile, { outDir: join(dir, profile.kind === 'agent' ? 'agent' : profile.role), days: 7 }, issuedNow);
        expect(leaf.info.notBefore.toISOString(), `${profile.kind} notBefore`).to.equal('2026-12-02T07:30:00.000Z');
        expect(leaf.info.notAfter.toISOString(), `${profile.kind} notAfter`).to.equal('2026-12-09T08:30:00.000Z');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // and what `noderoll certs` made just now (real clock) starts an hour before it ran
    for (const c of [pki.ca.info, agentCert.info, coordinator.info, reader.info]) {
      expect(c.notBefore.getTime(), c.commonName).to.be.within(issuedAt - HOUR_MS - 1000, issuedAt - HOUR_MS + 60_000);
    }
  });

  it('a machine whose clock is 20 minutes behind verifies the fresh CA and certificates (openssl verify under libfaketime)', async () => {
    const verify = (purpose: string, cert: IssuedPem) =>
      runCommand({ file: 'openssl', args: ['verify', '-CAfile', pki.ca.certFile, '-purpose', purpose, cert.certFile], timeoutMs: 30_000, env: skewedClockEnv(-TWENTY_MINUTES_MS), okExitCodes: [0, 2] });
    const date = await runCommand({ file: 'date', args: ['-u', '+%s'], timeoutMs: 10_000, env: skewedClockEnv(-TWENTY_MINUTES_MS) });
    expect(Number(date.stdout.trim()) * 1000 - Date.now(), 'libfaketime shifts the clock').to.be.below(-TWENTY_MINUTES_MS + 60_000);
    for (const [purpose, cert] of [['sslserver', agentCert], ['sslclient', coordinator], ['sslclient', reader]] as const) {
      const r = await verify(purpose, cert);
      expect(`${r.stdout}${r.stderr}`.trim(), `${cert.info.commonName} (${purpose})`).to.equal(`${cert.certFile}: OK`);
    }
  });

  it('an agent whose clock is 20 minutes behind accepts a freshly issued coordinator certificate (real TLS handshake)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'noderoll-skew-agent-'));
    const stop = new AbortController();
    let client: AgentClient | undefined;
    let running: Promise<unknown> | undefined;
    try {
      const config = join(dir, 'agent.yaml');
      await writeFile(config, `${agentTlsYaml(agentCert)}grpc: { listen: "127.0.0.1:0" }\nhttp: { listen: "" }\nstateDir: ${join(dir, 'state')}\nlogLevel: silent\n`);
      const port = await new Promise<number>((resolve, reject) => {
        running = runCommand({
          file: process.execPath,
          args: [SKEWED_AGENT, config],
          timeoutMs: 120_000,
          env: skewedClockEnv(-TWENTY_MINUTES_MS),
          signal: stop.signal,
          onStdoutLine: (line) => {
            const m = /^listening (\d+)$/.exec(line);
            if (m) resolve(Number(m[1]));
          },
        }).then(() => reject(new Error('the skewed agent ended before it listened')), reject);
      });
      client = new AgentClient(`127.0.0.1:${port}`, { defaultDeadlineMs: 10_000, tls: clientTls(coordinator, 'node-1') });
      const sentAtMs = Date.now();
      const info = await client.getNodeInfo();
      const skew = clockSkewMs({ nodeTimeMs: info.nowUnixMs, sentAtMs, receivedAtMs: Date.now() });
      expect(skew, "the agent's clock (as it reports it) is 20 minutes behind").to.be.below(-TWENTY_MINUTES_MS + 60_000).and.above(-TWENTY_MINUTES_MS - 60_000);
    } finally {
      client?.close();
      stop.abort();
      await running?.catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
