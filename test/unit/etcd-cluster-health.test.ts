import { expect } from 'chai';
import {
  parseClusterHealthV2,
  parseEndpointHealthV3,
  parseJsonPreservingLargeIntegers,
} from '../../shared/etcd/cluster-health.js';

const lines = (...l: string[]): string => l.join('\n') + '\n';

describe('parseClusterHealthV2 (etcdctl cluster-health)', () => {
  it('healthy 3-member cluster (etcd 3.4, exit 0)', () => {
    const r = parseClusterHealthV2(
      lines(
        'member 8e9e05c52164694d is healthy: got healthy result from http://127.124.0.1:2379',
        'member 91bc3c398fb3c146 is healthy: got healthy result from http://127.124.0.2:2379',
        'member fd422379fda50e48 is healthy: got healthy result from http://127.124.0.3:2379',
        'cluster is healthy',
      ),
      0,
    );
    expect(r.healthy).to.equal(true);
    expect(r.problems).to.deep.equal([]);
    expect(r.summary).to.equal('healthy');
    expect(r.members).to.deep.equal([
      { id: '8e9e05c52164694d', state: 'healthy', url: 'http://127.124.0.1:2379', detail: 'got healthy result from http://127.124.0.1:2379' },
      { id: '91bc3c398fb3c146', state: 'healthy', url: 'http://127.124.0.2:2379', detail: 'got healthy result from http://127.124.0.2:2379' },
      { id: 'fd422379fda50e48', state: 'healthy', url: 'http://127.124.0.3:2379', detail: 'got healthy result from http://127.124.0.3:2379' },
    ]);
  });

  it('degraded: one member down (exit 5), with the failed check attached to it', () => {
    const r = parseClusterHealthV2(
      lines(
        'member 8e9e05c52164694d is healthy: got healthy result from http://127.124.0.1:2379',
        'failed to check the health of member 91bc3c398fb3c146 on http://127.124.0.2:2379: Get http://127.124.0.2:2379/health: dial tcp 127.124.0.2:2379: connect: connection refused',
        'member 91bc3c398fb3c146 is unreachable: [http://127.124.0.2:2379] are all unreachable',
        'member fd422379fda50e48 is healthy: got healthy result from http://127.124.0.3:2379',
        'cluster is degraded',
      ),
      5,
    );
    expect(r.healthy).to.equal(false);
    expect(r.summary).to.equal('degraded');
    expect(r.members.map((m) => m.state)).to.deep.equal(['healthy', 'unreachable', 'healthy']);
    expect(r.members[1]?.url).to.equal(undefined);
    expect(r.problems[0]).to.match(/^member 91bc3c398fb3c146 is unreachable: \[http:\/\/127\.124\.0\.2:2379\] are all unreachable \(http:\/\/127\.124\.0\.2:2379: .*connection refused\)$/);
    expect(r.problems).to.include('etcdctl reports cluster is degraded');
  });

  it('unavailable: quorum lost, members answer unhealthy or not at all', () => {
    const r = parseClusterHealthV2(
      lines(
        'member 8e9e05c52164694d is unhealthy: got unhealthy result from http://127.124.0.1:2379',
        'member 91bc3c398fb3c146 is unreachable: no available published client urls',
        'member fd422379fda50e48 is unreachable: [http://127.124.0.3:2379] are all unreachable',
        'cluster is unavailable',
      ),
      5,
    );
    expect(r.healthy).to.equal(false);
    expect(r.summary).to.equal('unavailable');
    expect(r.members.map((m) => [m.state, m.url])).to.deep.equal([
      ['unhealthy', 'http://127.124.0.1:2379'],
      ['unreachable', undefined],
      ['unreachable', undefined],
    ]);
    expect(r.problems).to.include('member 91bc3c398fb3c146 is unreachable: no available published client urls');
  });

  it('etcd <= 3.2: "cluster is healthy" and exit 0 while members are down is NOT healthy', () => {
    const r = parseClusterHealthV2(
      lines(
        'member 8e9e05c52164694d is healthy: got healthy result from http://10.0.0.1:2379',
        'member 91bc3c398fb3c146 is unreachable: [http://10.0.0.2:2379] are all unreachable',
        'member fd422379fda50e48 is unhealthy: got unhealthy result from http://10.0.0.3:2379',
        'cluster is healthy',
      ),
      0,
    );
    expect(r.healthy).to.equal(false);
    expect(r.summary).to.equal('healthy');
    expect(r.problems).to.have.length(2);
  });

  it('etcd <= 3.2 "cluster is unhealthy" summary', () => {
    const r = parseClusterHealthV2(lines('member 8e9e05c52164694d is unhealthy: got unhealthy result from http://10.0.0.1:2379', 'cluster is unhealthy'), 5);
    expect(r.healthy).to.equal(false);
    expect(r.summary).to.equal('unhealthy');
  });

  it('exit 4: the members cannot be listed; stderr explains why', () => {
    const r = parseClusterHealthV2(
      lines('cluster may be unhealthy: failed to list members'),
      4,
      'Error:  client: etcd cluster is unavailable or misconfigured; error #0: dial tcp 127.0.0.1:2379: connect: connection refused\n\nerror #0: dial tcp 127.0.0.1:2379: connect: connection refused\n',
    );
    expect(r.healthy).to.equal(false);
    expect(r.members).to.deep.equal([]);
    expect(r.summary).to.equal(undefined);
    expect(r.problems).to.have.length(1);
    expect(r.problems[0]).to.match(/^etcd members could not be listed \(etcdctl exit code 4\): Error: {2}client: etcd cluster is unavailable/);
  });

  it('no output at all is not healthy', () => {
    const r = parseClusterHealthV2('', 0);
    expect(r.healthy).to.equal(false);
    expect(r.problems).to.include('etcdctl cluster-health printed no member lines');
  });

  it('a timed-out etcdctl (no exit code) is not healthy even with healthy lines', () => {
    const r = parseClusterHealthV2(lines('member 1 is healthy: got healthy result from http://a:2379', 'cluster is healthy'), null);
    expect(r.healthy).to.equal(false);
    expect(r.problems).to.deep.equal(['etcdctl did not exit normally']);
  });

  it('unexpected exit codes are reported with stderr', () => {
    const r = parseClusterHealthV2('', 1, 'Error: unknown flag --foo\n');
    expect(r.healthy).to.equal(false);
    expect(r.problems).to.include('etcdctl exited with code 1: Error: unknown flag --foo');
  });
});

describe('parseEndpointHealthV3 (etcdctl endpoint health --cluster -w json)', () => {
  it('healthy endpoints, exit 0', () => {
    const r = parseEndpointHealthV3(
      '[{"endpoint":"http://127.124.0.1:2379","health":true,"took":"2.803907ms"},{"endpoint":"http://127.124.0.2:2379","health":true,"took":"3.1ms"}]\n',
      0,
    );
    expect(r).to.deep.equal({
      healthy: true,
      endpoints: [
        { endpoint: 'http://127.124.0.1:2379', healthy: true, took: '2.803907ms' },
        { endpoint: 'http://127.124.0.2:2379', healthy: true, took: '3.1ms' },
      ],
      problems: [],
    });
  });

  it('an unhealthy endpoint with its error, exit 1 + "Error: unhealthy cluster"', () => {
    const r = parseEndpointHealthV3(
      '[{"endpoint":"http://127.124.0.1:2379","health":true,"took":"2.8ms"},{"endpoint":"http://127.124.0.2:2379","health":false,"took":"1.000513s","error":"context deadline exceeded"}]\n',
      1,
      'Error: unhealthy cluster\n',
    );
    expect(r.healthy).to.equal(false);
    expect(r.endpoints[1]).to.deep.equal({ endpoint: 'http://127.124.0.2:2379', healthy: false, took: '1.000513s', error: 'context deadline exceeded' });
    expect(r.problems).to.deep.equal(['endpoint http://127.124.0.2:2379 is unhealthy: context deadline exceeded']);
  });

  it('no stdout: the member list could not be fetched', () => {
    const r = parseEndpointHealthV3('', 1, '{"level":"warn","msg":"retrying of unary invoker failed"}\nError: context deadline exceeded\n');
    expect(r.healthy).to.equal(false);
    expect(r.endpoints).to.deep.equal([]);
    expect(r.problems[0]).to.match(/^etcdctl endpoint health printed nothing: the member list could not be fetched \(exit code 1\): .*Error: context deadline exceeded$/);
  });

  it('text-mode output on stdout (etcdctl 3.3) is read line by line', () => {
    const r = parseEndpointHealthV3('http://127.0.0.1:2379 is healthy: successfully committed proposal: took = 2ms\n', 0);
    expect(r).to.deep.equal({ healthy: true, endpoints: [{ endpoint: 'http://127.0.0.1:2379', healthy: true, took: '2ms' }], problems: [] });
  });

  it('output that is neither JSON nor endpoint lines is reported, not thrown', () => {
    const r = parseEndpointHealthV3('something else\n', 0);
    expect(r.healthy).to.equal(false);
    expect(r.problems[0]).to.match(/neither JSON nor/);
  });

  it('an empty array or malformed entries are not healthy', () => {
    expect(parseEndpointHealthV3('[]', 0).problems).to.deep.equal(['etcdctl endpoint health listed no endpoints']);
    const r = parseEndpointHealthV3('[{"endpoint":"http://a:2379"}]', 0);
    expect(r.healthy).to.equal(false);
    expect(r.problems).to.deep.equal(['endpoint health entry [0] (http://a:2379) has no boolean "health"']);
  });

  it('exit code non-zero with all endpoints healthy is still a problem', () => {
    const r = parseEndpointHealthV3('[{"endpoint":"http://a:2379","health":true,"took":"1ms"}]', 1, 'Error: something\n');
    expect(r.healthy).to.equal(false);
    expect(r.problems).to.deep.equal(['etcdctl exited with code 1: Error: something']);
  });
});

describe('parseJsonPreservingLargeIntegers', () => {
  it('keeps IDs above 2^53 exact as strings and leaves other values alone', () => {
    const doc = parseJsonPreservingLargeIntegers(
      '{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":5,"raft_term":-3},' +
        '"members":[{"ID":10276657743932975437,"name":"n1","clientURLs":["http://a:2379"]}],' +
        '"ratio":1.5e3,"small":9007199254740991,"neg":-9007199254740993,"s":"say \\"12345678901234567890\\"","f":0.12345678901234567890}',
    );
    expect(doc).to.deep.equal({
      header: { cluster_id: '14841639068965178418', member_id: '10276657743932975437', revision: 5, raft_term: -3 },
      members: [{ ID: '10276657743932975437', name: 'n1', clientURLs: ['http://a:2379'] }],
      ratio: 1500,
      small: 9007199254740991,
      neg: '-9007199254740993',
      s: 'say "12345678901234567890"',
      f: 0.12345678901234568,
    });
  });

  it('still rejects invalid JSON', () => {
    expect(() => parseJsonPreservingLargeIntegers('{"a":')).to.throw(SyntaxError);
  });
});
