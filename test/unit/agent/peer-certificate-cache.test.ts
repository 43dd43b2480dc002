import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { callerFromCertificate } from '../../../agent/tls/peer-admission.js';
import { peerCertificateCacheSize, peerCertificateInfo } from '../../../agent/tls/peer-certificate-cache.js';
import { certificateInfo } from '../../../shared/pki/certificate-info.js';
import { TestPki } from '../../security/test-pki.js';

describe('peer certificates are read once per certificate', function () {
  this.timeout(30_000);
  let pki: TestPki;
  before(async () => {
    pki = await TestPki.create('cache');
  });
  after(async () => {
    await pki?.cleanup();
  });

  it('returns what certificateInfo reads, the same reading for the same bytes, and its own for other bytes', async () => {
    const der = async (name: string): Promise<Buffer> => new X509Certificate((await pki.client('coordinator', name)).pem.cert).raw;
    const [a, b] = [await der('ops-a'), await der('ops-b')];
    const first = peerCertificateInfo(a);
    expect(first).to.deep.equal(certificateInfo(a));
    expect(peerCertificateInfo(Buffer.from(a)), 'equal bytes in another buffer').to.equal(first);
    expect(peerCertificateInfo(b).commonName).to.equal('ops-b');
    expect(callerFromCertificate(a).caller?.name).to.equal('ops-a');
    expect(callerFromCertificate(b).caller?.name).to.equal('ops-b');
    expect(peerCertificateCacheSize()).to.be.within(2, 64);
    expect(() => peerCertificateInfo(Buffer.from('not a certificate'))).to.throw();
  });
});
