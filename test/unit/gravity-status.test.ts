import { expect } from 'chai';
import {
  assessGravityStatus,
  assessGravityStatusText,
  GravityStatusParseError,
  parseGravityStatusJson,
  parseGravityStatusText,
  splitLeadingJsonValue,
} from '../../shared/gravity/status.js';
import {
  JSON_5_0_36_ACTIVE,
  JSON_5_0_36_DEGRADED,
  JSON_6_1_27_DEGRADED,
  TEXT_5_5_DEGRADED,
  TEXT_7_0_13_DEGRADED,
  TEXT_9_0_SPACES,
} from './fixtures/gravity-status-captures.js';

/** A compact document in the shape gravity prints (one line, no trailing newline). */
function statusJson(overrides: { cluster?: Record<string, unknown>; local_checks?: unknown[] } = {}): string {
  const cluster = {
    application: { repository: 'gravitational.io', name: 'gravity', version: '7.0.13' },
    state: 'active',
    domain: 'lab.local',
    endpoints: { cluster: { auth_gateway: ['10.0.0.1:32009'], ui: ['https://10.0.0.1:32009'] } },
    Extension: {},
    client_version: { edition: 'open-source', version: '7.0.13' },
    system_status: 1,
    nodes: [
      { hostname: 'n1', advertise_ip: '10.0.0.1', role: 'master', profile: 'master', status: 'healthy' },
      { hostname: 'n2', advertise_ip: '10.0.0.2', role: 'node', profile: 'node', status: 'healthy' },
    ],
    ...overrides.cluster,
  };
  return JSON.stringify({ cluster, ...(overrides.local_checks ? { local_checks: overrides.local_checks } : {}) });
}

describe('parseGravityStatusJson', () => {
  it('parses a real gravity 6.1.27 capture (robotest) and finds it unhealthy despite state "active"', () => {
    const status = parseGravityStatusJson(JSON_6_1_27_DEGRADED);
    expect(status.cluster.state).to.equal('active');
    expect(status.cluster.domain).to.equal('robotest-unit-test');
    expect(status.cluster.system_status).to.equal(2);
    expect(status.cluster.nodes.map((n) => [n.hostname, n.status])).to.deep.equal([
      ['robotest-unit-test-node-1', 'degraded'],
      ['robotest-unit-test-node-0', 'healthy'],
      ['robotest-unit-test-node-2', 'healthy'],
    ]);
    expect(status.cluster.operation?.description).to.equal('3-node install');
    expect(status.cluster.endpoints?.applications?.Endpoints?.[0]?.endpoints[0]?.description).to.equal(
      'Local administrative user interface of this Gravity cluster\n',
    );
    const verdict = assessGravityStatus(status);
    expect(verdict.healthy).to.equal(false);
    expect(verdict.problems).to.deep.equal([
      'system status is degraded (2)',
      'node robotest-unit-test-node-1 (10.138.0.56) is degraded: etcd-healthz (unexpected HTTP status: Service Unavailable)',
    ]);
  });

  it('parses gravity 5.0 captures: system_status as a word, and no cluster part at all', () => {
    const active = parseGravityStatusJson(JSON_5_0_36_ACTIVE);
    expect(active.cluster.system_status).to.equal(1);
    expect(active.cluster.nodes[0]?.profile).to.equal(undefined);
    expect(assessGravityStatus(active)).to.deep.equal({ healthy: true, problems: [], warnings: [] });

    const degraded = parseGravityStatusJson(JSON_5_0_36_DEGRADED);
    expect(degraded.cluster.system_status).to.equal(2);
    expect(assessGravityStatus(degraded).problems).to.deep.equal([
      'cluster state is missing (the cluster controller could not be queried)',
      'system status is degraded (2)',
      'node <unknown> (10.138.0.112) is degraded: etcd-healthz failed',
    ]);
  });

  it('accepts the `[ERROR]: degraded` line gravity prints right after the JSON on stdout', () => {
    const doc = statusJson({ cluster: { state: 'degraded', reason: 'cluster_degraded', system_status: 2 } });
    const status = parseGravityStatusJson(`${doc}[ERROR]: degraded\n`);
    expect(status.cluster.reason).to.equal('cluster_degraded');
    expect(parseGravityStatusJson(`${doc}\x1b[31m[ERROR]: degraded\n\x1b[0m`).cluster.state).to.equal('degraded');
  });

  it('healthy: state active, system status running, every node healthy', () => {
    expect(assessGravityStatus(parseGravityStatusJson(statusJson()))).to.deep.equal({ healthy: true, problems: [], warnings: [] });
  });

  it('an offline node (empty role and profile) makes the cluster unhealthy', () => {
    const status = parseGravityStatusJson(
      statusJson({
        cluster: {
          state: 'degraded',
          reason: 'cluster_degraded',
          system_status: 2,
          nodes: [
            { hostname: 'n1', advertise_ip: '10.0.0.1', role: 'master', profile: 'master', status: 'healthy' },
            { hostname: 'n2', advertise_ip: '10.0.0.2', role: '', profile: '', status: 'offline' },
          ],
        },
      }),
    );
    expect(assessGravityStatus(status).problems).to.deep.equal([
      'cluster state is degraded (cluster_degraded)',
      'system status is degraded (2)',
      'node n2 (10.0.0.2) is offline',
    ]);
  });

  it('missing agent part: no system status and no nodes', () => {
    const status = parseGravityStatusJson(JSON.stringify({ cluster: { state: 'active', domain: 'x' } }));
    expect(status.cluster.nodes).to.deep.equal([]);
    expect(assessGravityStatus(status).problems).to.deep.equal([
      'system status is missing (the planet agent could not be queried)',
      'no nodes reported',
    ]);
  });

  it('null nodes (no agent nodes) are normalised to an empty list', () => {
    expect(parseGravityStatusJson(statusJson({ cluster: { nodes: null } })).cluster.nodes).to.deep.equal([]);
  });

  it('warnings: warn probes, operations in progress and active alerts do not block', () => {
    const status = parseGravityStatusJson(
      statusJson({
        cluster: {
          active_operations: [
            {
              type: 'operation_gc',
              id: 'op-1',
              state: 'in_progress',
              created: '2026-01-01T00:00:00Z',
              description: 'Garbage collection',
              progress: { message: 'collecting', completion: 10, created: '2026-01-01T00:00:01Z' },
            },
          ],
          alerts: [
            { labels: { alertname: 'CPUHigh' }, annotations: { message: 'CPU is high' }, status: { state: 'active' } },
            { labels: { alertname: 'Silenced' }, status: { state: 'suppressed' } },
          ],
          nodes: [{ hostname: 'n1', advertise_ip: '10.0.0.1', role: 'master', profile: 'master', status: 'healthy', warn_probes: ['disk 81% full'] }],
        },
      }),
    );
    expect(assessGravityStatus(status)).to.deep.equal({
      healthy: true,
      problems: [],
      warnings: ['node n1 (10.0.0.1) warning: disk 81% full', 'operation in progress: Garbage collection (op-1, in_progress)', 'alert CPUHigh: CPU is high'],
    });
  });

  it('failed local checks are problems', () => {
    const status = parseGravityStatusJson(statusJson({ local_checks: [{ checker: 'docker', detail: 'docker is not running', status: 1, error: 'exit 1' }] }));
    expect(assessGravityStatus(status).problems).to.deep.equal(['local check failed: docker is not running (exit 1)']);
  });

  describe('errors name the offending field', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['empty output', '', /^gravity status JSON: \(document\): no output$/],
      ['text form instead of JSON', 'Cluster name:\t\tx\n', /\(document\): no JSON object found; output starts with: Cluster name:/],
      ['truncated JSON', '{"cluster":{"state":"active"', /\(document\): not valid JSON/],
      ['no cluster', '{"local_checks":[]}', /^gravity status JSON: cluster: expected an object, got nothing$/],
      ['bad node status', statusJson({ cluster: { nodes: [{ hostname: 'n1', advertise_ip: '1.1.1.1', role: 'master', status: 'sick' }] } }), /^gravity status JSON: cluster\.nodes\[0\]\.status: expected "healthy", "degraded" or "offline", got "sick"$/],
      ['node without advertise_ip', statusJson({ cluster: { nodes: [{ hostname: 'n1', role: 'master', status: 'healthy' }] } }), /cluster\.nodes\[0\]\.advertise_ip: expected a string, got nothing/],
      ['system_status of the wrong kind', statusJson({ cluster: { system_status: true } }), /cluster\.system_status: expected 0, 1 or 2/],
      ['state not a string', statusJson({ cluster: { state: 1 } }), /cluster\.state: expected a string, got 1/],
      ['probe not a string', statusJson({ cluster: { nodes: [{ hostname: 'n', advertise_ip: 'a', role: 'node', status: 'degraded', failed_probes: [3] }] } }), /cluster\.nodes\[0\]\.failed_probes\[0\]: expected a string/],
      ['operation without id', statusJson({ cluster: { operation: { type: 'operation_install', state: 'completed' } } }), /cluster\.operation\.id: expected a string/],
      ['other text after the JSON', `${statusJson()}\nsomething else`, /unexpected text after the JSON: something else/],
    ];
    for (const [name, input, message] of cases) {
      it(name, () => {
        expect(() => parseGravityStatusJson(input)).to.throw(GravityStatusParseError, message);
      });
    }
  });

  it('splitLeadingJsonValue ignores braces inside strings', () => {
    expect(splitLeadingJsonValue('{"a":"}[ERROR]: x"}[ERROR]: degraded\n')).to.deep.equal({ json: '{"a":"}[ERROR]: x"}', rest: '[ERROR]: degraded\n' });
  });
});

describe('parseGravityStatusText', () => {
  it('real gravity 7.0.13 output: cluster status with reason, masters and a regular node', () => {
    const text = parseGravityStatusText(TEXT_7_0_13_DEGRADED);
    expect(text.clusterName).to.equal('kool-cids');
    expect(text.clusterStatus).to.equal('degraded');
    expect(text.statusReason).to.equal('one or more of cluster nodes are not healthy');
    expect(text.fields['Gravity version']).to.equal('7.0.13 (client) / 7.0.13 (server)');
    expect(text.nodes.map((n) => [n.hostname, n.advertiseIp, n.profile, n.role, n.status, n.remoteAccess])).to.deep.equal([
      ['ip-10-218-66-219.ec2.internal', '10.218.66.219', 'node', 'master', 'healthy', 'online'],
      ['ip-10-218-74-179.ec2.internal', '10.218.74.179', 'node', 'master', 'healthy', 'online'],
      ['ip-10-218-70-168.ec2.internal', '10.218.70.168', 'node', 'master', 'healthy', 'online'],
      ['ip-10-218-64-74.ec2.internal', '10.218.64.74', 'knode', 'node', undefined, undefined],
    ]);
    const verdict = assessGravityStatusText(text);
    expect(verdict.healthy).to.equal(false);
    expect(verdict.problems).to.deep.equal([
      'cluster status is degraded (one or more of cluster nodes are not healthy)',
      'node ip-10-218-64-74.ec2.internal (10.218.64.74) is of unknown status',
    ]);
  });

  it('real gravity 5.5 node lines: `* node-1 (192.168.99.102, node)`', () => {
    const text = parseGravityStatusText(TEXT_5_5_DEGRADED);
    expect(text.clusterName).to.equal('test');
    expect(text.fields['Application']).to.equal('telekube, version 5.5.52-dev.1');
    expect(text.nodes).to.deep.equal([
      { hostname: 'node-1', advertiseIp: '192.168.99.102', profile: 'node', role: 'master', failedProbes: [], warnProbes: [] },
    ]);
  });

  it('real output pasted from a terminal (tabs turned into spaces) is healthy', () => {
    const text = parseGravityStatusText(TEXT_9_0_SPACES);
    expect(text.clusterName).to.equal('dev.test');
    expect(text.fields['Join token']).to.equal('Token123$');
    expect(text.nodes.map((n) => `${n.hostname}=${n.status}`)).to.deep.equal(['node-1=healthy', 'node-3=healthy', 'node-2=healthy']);
    expect(assessGravityStatusText(text)).to.deep.equal({ healthy: true, problems: [], warnings: [] });
  });

  it('failed and warning probes, offline nodes, colours and the [ERROR] line', () => {
    const text = parseGravityStatusText(
      [
        'Cluster name:\t\tlab',
        'Cluster status:\t\t\x1b[31mdegraded\x1b[0m',
        'Cluster nodes:',
        '    Masters:',
        '        * n1 / 10.0.0.1 / master',
        '            Status:\t\t\x1b[31mdegraded\x1b[0m',
        '            [×]\t\tetcd-healthz (unexpected HTTP status: Service Unavailable)',
        '            [!]\t\tdisk 85% full',
        '            Remote access:\tonline',
        '    Nodes:',
        '        * n2 / 10.0.0.2',
        '            Status:\t\toffline',
        '            Remote access:\toffline',
        '[ERROR]: degraded',
        '',
      ].join('\n'),
    );
    expect(text.clusterStatus).to.equal('degraded');
    expect(text.errors).to.deep.equal(['degraded']);
    expect(text.nodes).to.deep.equal([
      {
        hostname: 'n1',
        advertiseIp: '10.0.0.1',
        profile: 'master',
        role: 'master',
        status: 'degraded',
        failedProbes: ['etcd-healthz (unexpected HTTP status: Service Unavailable)'],
        warnProbes: ['disk 85% full'],
        remoteAccess: 'online',
      },
      { hostname: 'n2', advertiseIp: '10.0.0.2', role: 'node', status: 'offline', failedProbes: [], warnProbes: [], remoteAccess: 'offline' },
    ]);
    expect(assessGravityStatusText(text).problems).to.deep.equal([
      'cluster status is degraded',
      'node n1 (10.0.0.1) is degraded: etcd-healthz (unexpected HTTP status: Service Unavailable)',
      'node n2 (10.0.0.2) is offline',
      'gravity reported an error: degraded',
    ]);
  });

  it('output without a status or nodes is not healthy', () => {
    const verdict = assessGravityStatusText(parseGravityStatusText('Failed to query Gravity cluster status. Running additional checks\n'));
    expect(verdict.healthy).to.equal(false);
    expect(verdict.problems).to.deep.equal(['no `Cluster status:` line', 'no nodes listed']);
  });
});
