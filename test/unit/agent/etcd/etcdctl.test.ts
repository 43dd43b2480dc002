import { expect } from 'chai';
import { ETCD_DEFAULTS } from '../../../../agent/config/etcd-config.js';
import { endpointHealthArgv, snapshotSaveArgv, snapshotStatusArgv } from '../../../../agent/etcd/etcdctl-argv.js';
import { goDurationMs, parseEndpointHealth, parseSnapshotStatus } from '../../../../agent/etcd/etcdctl-json.js';

/** Outputs as etcdctl 3.4.23 prints them (captured from real runs). */
const HEALTH_ONE_DOWN =
  '[{"endpoint":"https://127.7.0.1:2379","health":true,"took":"2.505407ms"},{"endpoint":"https://127.7.0.3:2379","health":false,"took":"5.00103794s","error":"context deadline exceeded"}]\n';
const STATUS = '{"hash":2742215056,"revision":7,"totalKey":3,"totalSize":20480}\n';

describe('etcdctl command lines and output', () => {
  it('health: every member (--cluster), JSON, the TLS client files by path, timeouts under the run\'s', () => {
    expect(endpointHealthArgv(ETCD_DEFAULTS, 15_000)).to.deep.equal([
      '/usr/bin/etcdctl',
      '--endpoints=https://127.0.0.1:2379',
      '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
      '--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt',
      '--key=/etc/kubernetes/pki/etcd/healthcheck-client.key',
      '--dial-timeout=2s',
      '--command-timeout=5s',
      'endpoint',
      'health',
      '--cluster',
      '-w',
      'json',
    ]);
    expect(endpointHealthArgv(ETCD_DEFAULTS, 1000)).to.include('--command-timeout=1s');
  });

  it('snapshot save from the first endpoint only (etcdctl takes one), status of the file itself', () => {
    const c = { ...ETCD_DEFAULTS, endpoints: ['https://127.0.0.1:2379', 'https://10.0.0.2:2379'] };
    const save = snapshotSaveArgv(c, '/var/lib/s/etcd-snapshot-a.db');
    expect(save).to.include('--endpoints=https://127.0.0.1:2379');
    expect(save.slice(-3)).to.deep.equal(['snapshot', 'save', '/var/lib/s/etcd-snapshot-a.db']);
    expect(snapshotStatusArgv(c, '/f.db')).to.deep.equal(['/usr/bin/etcdctl', 'snapshot', 'status', '/f.db', '-w', 'json']);
  });

  it('parses endpoint health per member, with the error of an unhealthy one', () => {
    expect(parseEndpointHealth(HEALTH_ONE_DOWN)).to.deep.equal([
      { endpoint: 'https://127.7.0.1:2379', healthy: true, error: '', tookMs: 3 },
      { endpoint: 'https://127.7.0.3:2379', healthy: false, error: 'context deadline exceeded', tookMs: 5001 },
    ]);
  });

  it('refuses health output it cannot read, saying what was wrong', () => {
    expect(() => parseEndpointHealth('Error: unhealthy cluster')).to.throw(/not JSON/);
    expect(() => parseEndpointHealth('[]')).to.throw(/non-empty JSON array/);
    expect(() => parseEndpointHealth('[{"endpoint":"x"}]')).to.throw(/entry 0 lacks/);
  });

  it('parses snapshot status and refuses an empty or malformed one', () => {
    expect(parseSnapshotStatus(STATUS)).to.deep.equal({ hash: 2742215056, revision: 7, totalKeys: 3, totalSize: 20480 });
    expect(() => parseSnapshotStatus('{"hash":1,"revision":1,"totalKey":1,"totalSize":0}')).to.throw(/totalSize is 0/);
    expect(() => parseSnapshotStatus('{"hash":"x","revision":1,"totalKey":1,"totalSize":1}')).to.throw(/"hash" must be a non-negative integer/);
  });

  it('reads Go durations', () => {
    expect([goDurationMs('1.651523ms'), goDurationMs('5.00103794s'), goDurationMs('1m2.5s'), goDurationMs('850µs'), goDurationMs('soon')]).to.deep.equal([2, 5001, 62500, 1, 0]);
  });
});
