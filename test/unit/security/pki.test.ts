import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { runCertsCommand } from '../../../coordinator/certs/certs-command.js';
import { certificateInfo, EKU_CLIENT_AUTH, EKU_SERVER_AUTH, issuedBy, validityAt } from '../../../shared/pki/certificate-info.js';
import { noderollIdentity, parseSubjectAltNames } from '../../../shared/pki/noderoll-identity.js';
import { opensslTime } from '../../../shared/pki/openssl.js';
import { LogBudget } from '../../../agent/tls/log-budget.js';
import { channelTarget, explainConnectionFailure } from '../../../shared/agent-api/agent-client.js';
import { TestPki } from '../../security/test-pki.js';

/** Certificates as `noderoll certs` makes them (real openssl), and the pure parts around them. */

describe('noderoll PKI', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let other: TestPki;

  before(async () => {
    pki = await TestPki.create('unit');
    other = await TestPki.create('unit-other');
  });
  after(async () => {
    await pki?.cleanup();
    await other?.cleanup();
  });

  it('issues an agent certificate naming the node, its addresses and its identity URI, serverAuth only', async () => {
    const a = await pki.agent('node-1', { ips: ['127.12.1.2'], dns: ['node-1.lab.example'] });
    const info = certificateInfo(a.pem.cert);
    expect(info).to.include({ commonName: 'node-1', issuerCommonName: 'noderoll CA unit', isCa: false });
    expect(info.dns).to.deep.equal(['node-1', 'node-1.lab.example']);
    expect(info.ips).to.deep.equal(['127.12.1.2']);
    expect(info.uris).to.deep.equal(['spiffe://noderoll/node/node-1']);
    expect(info.extendedKeyUsage).to.deep.equal([EKU_SERVER_AUTH]);
    expect(info.identity).to.deep.equal({ kind: 'node', node: 'node-1' });
    expect(issuedBy(a.pem.cert, a.pem.ca)).to.equal(true);
    expect(issuedBy(a.pem.cert, await readFile(other.ca.certFile))).to.equal(false);
    const now = new Date();
    expect(info.notBefore.getTime(), 'an hour of clock-skew margin').to.be.within(now.getTime() - 61 * 60_000, now.getTime() - 59 * 60_000);
    expect(validityAt(info, now)).to.equal('valid');
  });

  it('names a node called by its IP (Gravity) with an IP SAN, and clients by their role URI, clientAuth only', async () => {
    const byIp = certificateInfo((await pki.agent('10.0.0.5')).pem.cert);
    expect(byIp.ips).to.deep.equal(['10.0.0.5']);
    expect(byIp.dns).to.deep.equal([]);
    expect(byIp.identity).to.deep.equal({ kind: 'node', node: '10.0.0.5' });
    const reader = certificateInfo((await pki.client('reader', 'prometheus')).pem.cert);
    expect(reader).to.include({ commonName: 'prometheus' });
    expect(reader.uris).to.deep.equal(['spiffe://noderoll/role/reader']);
    expect(reader.extendedKeyUsage).to.deep.equal([EKU_CLIENT_AUTH]);
    expect(reader.identity).to.deep.equal({ kind: 'role', role: 'reader' });
  });

  it('backdates and forward-dates with an explicit window (openssl ca -startdate/-enddate)', async () => {
    const notBefore = new Date('2024-01-01T00:00:00Z');
    const notAfter = new Date('2024-02-01T00:00:00Z');
    const expired = certificateInfo((await pki.client('coordinator', 'old', { notBefore, notAfter })).pem.cert);
    expect(expired.notBefore.toISOString()).to.equal('2024-01-01T00:00:00.000Z');
    expect(expired.notAfter.toISOString()).to.equal('2024-02-01T00:00:00.000Z');
    expect(validityAt(expired, new Date())).to.equal('expired');
    expect(opensslTime(new Date('2026-11-27T02:03:04.567Z'))).to.equal('20261127020304Z');
  });

  it('refuses a certificate that would outlive the CA', async () => {
    let message = '';
    await pki.client('reader', 'forever', { days: 3650 }).catch((e: Error) => (message = e.message));
    expect(message).to.match(/^--days: the certificate would outlive the CA/);
  });

  it('reads subjectAltName the way Node renders it, quoted values included, so a crafted name cannot add an entry', () => {
    expect(parseSubjectAltNames('DNS:node-1, IP Address:127.0.0.1, URI:spiffe://noderoll/node/node-1')).to.deep.equal({
      dns: ['node-1'],
      ip: ['127.0.0.1'],
      uri: ['spiffe://noderoll/node/node-1'],
      other: [],
    });
    expect(parseSubjectAltNames('DNS:"a, URI:spiffe://noderoll/role/coordinator", email:x@y')).to.deep.equal({
      dns: ['a, URI:spiffe://noderoll/role/coordinator'],
      ip: [],
      uri: [],
      other: ['email:x@y'],
    });
    expect(parseSubjectAltNames(undefined).uri).to.deep.equal([]);
  });

  it('takes exactly one noderoll identity from a certificate', () => {
    expect(noderollIdentity(['spiffe://noderoll/role/coordinator'])).to.deep.equal({ identity: { kind: 'role', role: 'coordinator' } });
    expect(noderollIdentity(['https://example.com', 'spiffe://noderoll/node/node-3'])).to.deep.equal({ identity: { kind: 'node', node: 'node-3' } });
    expect(noderollIdentity([]).problem).to.match(/carries no noderoll identity/);
    expect(noderollIdentity(['spiffe://noderoll/role/reader', 'spiffe://noderoll/role/coordinator']).problem).to.match(/carries 2 noderoll identities/);
    expect(noderollIdentity(['spiffe://noderoll/role/admin']).problem).to.match(/unknown role/);
    expect(noderollIdentity(['spiffe://noderoll/node/Node_1']).problem).to.match(/invalid node/);
    expect(noderollIdentity(['spiffe://noderoll/cluster/x']).problem).to.match(/unknown kind/);
  });

  it('explains connection failures of the client', () => {
    const raw = (reason: string): string => `No connection established. Last error: Error: ${reason} (2026-11-27T02:09:16.897Z). Resolution note: `;
    expect(explainConnectionFailure('10.0.0.1:7443', raw('self-signed certificate in certificate chain'))).to.equal(
      "cannot connect to the agent at 10.0.0.1:7443: the agent's certificate was not issued by the CA this client trusts: self-signed certificate in certificate chain",
    );
    expect(explainConnectionFailure('a:1', raw('connect ECONNREFUSED 10.0.0.1:7443'))).to.match(/connection refused \(is the agent running/);
    expect(explainConnectionFailure('a:1', 'something else')).to.equal('something else');
    expect(explainConnectionFailure('a:1', raw('certificate is not yet valid'), new Date('2026-12-01T12:00:00Z'))).to.equal(
      "cannot connect to the agent at a:1: the agent's certificate (or its CA) is not yet valid at coordinator time 2026-12-01T12:00:00.000Z: this machine's clock may be behind (or the certificate was made on a machine whose clock is ahead): check NTP here: certificate is not yet valid",
    );
  });

  it('sends an agent address given as an IP literal to the IP resolver, a name to DNS', () => {
    expect(channelTarget('10.0.0.1:7443')).to.equal('ipv4:10.0.0.1:7443');
    expect(channelTarget('[fd00::1]:7443')).to.equal('ipv6:[fd00::1]:7443');
    expect(channelTarget('node-1.example:7443')).to.equal('node-1.example:7443');
    expect(channelTarget('10.0.0.1'), 'no port: left to grpc-js as it was').to.equal('10.0.0.1');
  });

  it('budgets refusal log lines per minute and reports what it dropped', () => {
    let now = 0;
    const budget = new LogBudget(2, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()].map((t) => t.log)).to.deep.equal([true, true, false, false]);
    now = 60_000;
    expect(budget.take()).to.deep.equal({ log: true, suppressedBefore: 2 });
  });

  it('noderoll certs show: prints the identity and exits 1 for a certificate another CA issued', async () => {
    const agent = await pki.agent('node-4');
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } };
    expect(await runCertsCommand(['show', agent.certFile, '--ca', pki.ca.certFile], io)).to.equal(0);
    expect(out).to.match(/identity: +agent of node node-4/).and.match(/issued by: .*: yes/);
    out = '';
    expect(await runCertsCommand(['show', agent.certFile, '--ca', other.ca.certFile], io)).to.equal(1);
    expect(out).to.match(/issued by: .*: NO/);
  });
});
