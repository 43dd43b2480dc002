import { expect } from 'chai';
import { parseArguments } from '../lab/gravity-standin/arguments.js';
import { buildGravityStatus, goTime } from '../lab/gravity-standin/build-gravity-status.js';
import { interpretEtcdHealthAnswer, describeFetchFailure } from '../lab/gravity-standin/etcd-member-probe.js';
import { alignTabs } from '../lab/gravity-standin/go-tabwriter.js';
import { formatHumanDate, relativeTime } from '../lab/gravity-standin/go-time-format.js';
import { judgeNodeHealth, type NodeVerdict } from '../lab/gravity-standin/judge-node-health.js';
import { parseGravityLabState, type GravityLabState } from '../lab/gravity-standin/lab-state.js';
import { readNodeReadiness, type NodeReadiness } from '../lab/gravity-standin/node-readiness.js';
import type { EtcdMemberProbe } from '../lab/gravity-standin/etcd-member-probe.js';
import { renderStatusJson } from '../lab/gravity-standin/render-json.js';
import { renderStatusText } from '../lab/gravity-standin/render-text.js';
import {
  assessGravityStatus,
  assessGravityStatusText,
  parseGravityStatusJson,
  parseGravityStatusText,
} from '../../shared/gravity/status.js';
import { TEXT_5_5_DEGRADED, TEXT_7_0_13_DEGRADED } from './fixtures/gravity-status-captures.js';

const LAB: GravityLabState = {
  clusterName: 'lab-abc.noderoll.local',
  apiServerUrl: 'http://127.0.0.1:6443',
  nodes: [
    { name: 'node-1', advertiseIp: '127.123.1.2', role: 'master', etcdClientUrl: 'http://127.124.0.1:2379' },
    { name: 'node-2', advertiseIp: '127.123.2.2', role: 'master', etcdClientUrl: 'http://127.124.0.2:2379' },
    { name: 'node-3', advertiseIp: '127.123.3.2', role: 'node' },
  ],
};
const INSTALLED = new Date('2026-11-27T09:30:00.120Z');
const NOW = new Date('2026-11-27T10:02:30Z');

const ready: NodeReadiness = { ready: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
const healthyEtcd: EtcdMemberProbe = { kind: 'healthy' };

function observe(nodes: Record<string, NodeReadiness>, etcd: Record<string, EtcdMemberProbe>) {
  return { nodes: new Map(Object.entries(nodes)), etcdMembers: new Map(Object.entries(etcd)) };
}
const allHealthy = (): NodeVerdict[] =>
  judgeNodeHealth(LAB, observe({ 'node-1': ready, 'node-2': ready, 'node-3': ready }, { 'node-1': healthyEtcd, 'node-2': healthyEtcd }));

describe('gravity stand-in: arguments', () => {
  const status = (format: 'json' | 'text', extra: object = {}) => ({ kind: 'status', format, tokenOnly: false, quiet: false, ...extra });
  const cases: Array<[string[], object]> = [
    [['status'], status('text')],
    [['status', 'cluster'], status('text')],
    [['status', '--output=json'], status('json')],
    [['status', '--output', 'json'], status('json')],
    [['--debug', 'status', '--output=text', '--insecure'], status('text')],
    [['status', '--output=json', '--lab-state', '/tmp/x.json'], status('json', { labStatePath: '/tmp/x.json' })],
    [['status', '--lab-state=/tmp/y.json'], status('text', { labStatePath: '/tmp/y.json' })],
    [['status', '-o', 'json'], status('text', { operationId: 'json' })],
    [['status', '-oabc'], status('text', { operationId: 'abc' })],
    [['status', '--token'], status('text', { tokenOnly: true })],
    [['-q', 'status'], status('text', { quiet: true })],
    [['status', '--help'], { kind: 'help' }],
    [['status', '--outptu=json'], { kind: 'error', message: "unknown long flag '--outptu'" }],
    [['status', '-x'], { kind: 'error', message: "unknown short flag '-x'" }],
    [['status', '--output'], { kind: 'error', message: "expected argument for flag '--output'" }],
    [['status', '--output=yaml'], { kind: 'error', message: 'unsupported output format "yaml", supported are: text, json' }],
    [['status', '--token=yes'], { kind: 'error', message: "flag '--token' does not take a value" }],
    [[], { kind: 'error', message: 'command not specified' }],
    [['exec', 'etcdctl'], { kind: 'error', message: 'unsupported command "exec": this lab stand-in implements only "gravity status"' }],
    [['status', 'history'], { kind: 'error', message: 'unsupported command "status history": this lab stand-in implements only "gravity status"' }],
    [['status', 'cluster', 'extra'], { kind: 'error', message: 'unexpected extra' }],
    [['status', '--tail'], { kind: 'error', message: "flag '--tail' is not supported by this lab stand-in" }],
  ];
  for (const [argv, expected] of cases) {
    it(`gravity ${argv.join(' ') || '(nothing)'}`, () => {
      expect(parseArguments(argv)).to.deep.equal(expected);
    });
  }
});

describe('gravity stand-in: lab state file', () => {
  it('accepts the documented shape and drops trailing slashes from URLs', () => {
    const state = parseGravityLabState(
      JSON.stringify({ ...LAB, apiServerUrl: 'http://127.0.0.1:6443/', installedAt: '2026-11-27T09:30:00Z', gravityVersion: '7.0.30' }),
      'lab.json',
    );
    expect(state).to.deep.equal({ ...LAB, installedAt: '2026-11-27T09:30:00Z', gravityVersion: '7.0.30' });
  });

  const invalid: Array<[string, unknown, string]> = [
    ['not JSON', '{', 'lab state lab.json: not valid JSON'],
    ['no clusterName', { ...LAB, clusterName: '' }, 'lab state lab.json: clusterName: expected a non-empty string'],
    ['bad URL', { ...LAB, apiServerUrl: 'localhost:6443' }, 'lab state lab.json: apiServerUrl: expected an http(s) URL'],
    ['no nodes', { ...LAB, nodes: [] }, 'lab state lab.json: nodes: expected a non-empty array'],
    ['bad role', { ...LAB, nodes: [{ name: 'a', advertiseIp: '1.1.1.1', role: 'worker' }] }, 'lab state lab.json: nodes[0].role: expected "master" or "node"'],
    ['duplicate name', { ...LAB, nodes: [LAB.nodes[0], LAB.nodes[0]] }, 'lab state lab.json: nodes[1].name: duplicate node name "node-1"'],
    ['bad etcd URL', { ...LAB, nodes: [{ ...LAB.nodes[0], etcdClientUrl: '127.0.0.1:2379' }] }, 'lab state lab.json: nodes[0].etcdClientUrl: expected an http(s) URL'],
    ['bad installedAt', { ...LAB, installedAt: 'yesterday' }, 'lab state lab.json: installedAt: expected an RFC 3339 time'],
  ];
  for (const [name, doc, message] of invalid) {
    it(`rejects ${name}`, () => {
      expect(() => parseGravityLabState(typeof doc === 'string' ? doc : JSON.stringify(doc), 'lab.json')).to.throw(message);
    });
  }
});

describe('gravity stand-in: observations', () => {
  it('reads the Ready condition of each Node', () => {
    const list = {
      kind: 'NodeList',
      items: [
        { metadata: { name: 'node-1' }, status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }] } },
        { metadata: { name: 'node-2' }, status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }] } },
        { metadata: { name: 'node-3' }, status: {} },
      ],
    };
    expect([...readNodeReadiness(list)]).to.deep.equal([
      ['node-1', { ready: 'True', reason: 'KubeletReady', message: 'ok' }],
      ['node-2', { ready: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }],
      ['node-3', { ready: 'absent' }],
    ]);
    expect(() => readNodeReadiness({ kind: 'Status' })).to.throw(/without an "items" array/);
  });

  it('etcd /health: healthy only for 200 {"health":"true"}', () => {
    expect(interpretEtcdHealthAnswer(200, 'OK', '{"health":"true"}')).to.deep.equal({ kind: 'healthy' });
    expect(interpretEtcdHealthAnswer(503, 'Service Unavailable', '{"health":"false"}')).to.deep.equal({
      kind: 'unhealthy',
      detail: 'HTTP 503 Service Unavailable: {"health":"false"}',
    });
    expect(interpretEtcdHealthAnswer(200, 'OK', 'not json')).to.deep.equal({ kind: 'unhealthy', detail: 'HTTP 200 OK: not json' });
  });

  it('describes fetch failures by their cause', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    expect(describeFetchFailure(refused, 1500)).to.equal('connect ECONNREFUSED 127.0.0.1:9');
    expect(describeFetchFailure(new DOMException('signal timed out', 'TimeoutError'), 1500)).to.equal('no answer within 1500 ms');
  });
});

describe('gravity stand-in: node verdicts', () => {
  const verdictOf = (name: string, nodes: Record<string, NodeReadiness>, etcd: Record<string, EtcdMemberProbe>) =>
    judgeNodeHealth(LAB, observe(nodes, etcd)).find((v) => v.node.name === name);

  it('healthy when Ready and its etcd member is healthy', () => {
    expect(allHealthy().map((v) => [v.node.name, v.status, v.failedProbes])).to.deep.equal([
      ['node-1', 'healthy', []],
      ['node-2', 'healthy', []],
      ['node-3', 'healthy', []],
    ]);
  });

  it('degraded when NotReady, with the condition message', () => {
    const v = verdictOf('node-3', { 'node-3': { ready: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' } }, {});
    expect(v).to.deep.include({ status: 'degraded', failedProbes: ['node NotReady: container runtime is down'] });
  });

  it('degraded when its etcd member is unhealthy or unreachable while the node is Ready', () => {
    const unhealthy = verdictOf('node-1', { 'node-1': ready }, { 'node-1': { kind: 'unhealthy', detail: 'HTTP 503 Service Unavailable: {"health":"false"}' } });
    expect(unhealthy?.failedProbes).to.deep.equal(['etcd member on 127.124.0.1 is unhealthy (HTTP 503 Service Unavailable: {"health":"false"})']);
    const down = verdictOf('node-1', { 'node-1': ready }, { 'node-1': { kind: 'unreachable', detail: 'connect ECONNREFUSED 127.124.0.1:2379' } });
    expect(down).to.deep.include({ status: 'degraded', failedProbes: ['etcd member on 127.124.0.1 is unreachable (connect ECONNREFUSED 127.124.0.1:2379)'] });
  });

  it('degraded when the kubelet went silent but etcd still answers', () => {
    const v = verdictOf('node-2', { 'node-2': { ready: 'Unknown', message: 'Kubelet stopped posting node status.' } }, { 'node-2': healthyEtcd });
    expect(v).to.deep.include({ status: 'degraded', failedProbes: ['node NotReady: Kubelet stopped posting node status.'] });
  });

  it('offline when nothing on the node answers', () => {
    const gone = { kind: 'unreachable', detail: 'no answer within 1500 ms' } as const;
    expect(verdictOf('node-1', {}, { 'node-1': gone })?.status).to.equal('offline');
    expect(verdictOf('node-1', { 'node-1': { ready: 'Unknown' } }, { 'node-1': gone })?.status).to.equal('offline');
    expect(verdictOf('node-3', { 'node-3': { ready: 'Unknown' } }, {})?.status).to.equal('offline');
    expect(verdictOf('node-3', {}, {})?.status).to.equal('offline');
  });

  it('a missing Node whose etcd member answers is degraded, not offline', () => {
    expect(verdictOf('node-1', {}, { 'node-1': healthyEtcd })).to.deep.include({
      status: 'degraded',
      failedProbes: ['node is not registered with the Kubernetes API server'],
    });
  });
});

describe('gravity stand-in: JSON document', () => {
  it('healthy cluster: gravity field order, no trailing newline, parses back identically', () => {
    const status = buildGravityStatus(LAB, allHealthy(), INSTALLED);
    const json = renderStatusJson(status);
    expect(json.endsWith('}')).to.equal(true);
    const doc = JSON.parse(json);
    expect(Object.keys(doc)).to.deep.equal(['cluster']);
    expect(Object.keys(doc.cluster)).to.deep.equal([
      'application', 'state', 'domain', 'token', 'operation', 'endpoints', 'Extension', 'server_version', 'client_version', 'system_status', 'nodes',
    ]);
    expect(Object.keys(doc.cluster.nodes[0])).to.deep.equal(['hostname', 'advertise_ip', 'role', 'profile', 'status', 'teleport_node']);
    expect(doc.cluster.operation).to.deep.include({ type: 'operation_install', state: 'completed', created: '2026-11-27T09:30:00.12Z', description: '3-node install' });
    expect(doc.cluster.endpoints.cluster).to.deep.equal({
      auth_gateway: ['127.123.1.2:32009', '127.123.2.2:32009'],
      ui: ['https://127.123.1.2:32009', 'https://127.123.2.2:32009'],
    });
    expect(doc.cluster.token.token).to.match(/^[0-9a-f]{12}$/);
    expect(doc.cluster.operation.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(doc.cluster.token.operation_id).to.equal(doc.cluster.operation.id);
    expect(buildGravityStatus(LAB, allHealthy(), INSTALLED).cluster.operation?.id).to.equal(doc.cluster.operation.id);

    const parsed = parseGravityStatusJson(json);
    expect(parsed).to.deep.equal(status);
    expect(assessGravityStatus(parsed)).to.deep.equal({ healthy: true, problems: [], warnings: [] });
  });

  it('degraded and offline nodes: state degraded, reason, system status 2, offline without role/profile/teleport', () => {
    const verdicts = judgeNodeHealth(
      LAB,
      observe(
        { 'node-1': ready, 'node-2': { ready: 'False', message: 'kubelet is down' } },
        { 'node-1': healthyEtcd, 'node-2': { kind: 'unhealthy', detail: 'HTTP 503 Service Unavailable' } },
      ),
    );
    const status = buildGravityStatus(LAB, verdicts, INSTALLED);
    const doc = JSON.parse(renderStatusJson(status));
    expect(doc.cluster).to.deep.include({ state: 'degraded', reason: 'cluster_degraded', system_status: 2 });
    expect(Object.keys(doc.cluster).slice(0, 4)).to.deep.equal(['application', 'state', 'reason', 'domain']);
    expect(doc.cluster.nodes[1]).to.deep.include({
      status: 'degraded',
      failed_probes: ['node NotReady: kubelet is down', 'etcd member on 127.124.0.2 is unhealthy (HTTP 503 Service Unavailable)'],
    });
    expect(Object.keys(doc.cluster.nodes[1])).to.deep.equal(['hostname', 'advertise_ip', 'role', 'profile', 'status', 'failed_probes', 'teleport_node']);
    expect(doc.cluster.nodes[2]).to.deep.equal({ hostname: 'node-3', advertise_ip: '127.123.3.2', role: '', profile: '', status: 'offline' });
    const verdict = assessGravityStatus(parseGravityStatusJson(renderStatusJson(status)));
    expect(verdict.healthy).to.equal(false);
    expect(verdict.problems).to.have.length(4);
  });

  it('escapes <, > and & the way Go does', () => {
    const status = buildGravityStatus({ ...LAB, clusterName: 'a<b>&c' }, allHealthy(), INSTALLED);
    const json = renderStatusJson(status);
    expect(json).to.contain('"domain":"a\\u003cb\\u003e\\u0026c"');
    expect(parseGravityStatusJson(json).cluster.domain).to.equal('a<b>&c');
  });

  it('prints times as Go does (fraction without trailing zeros)', () => {
    expect(goTime(new Date('2026-01-02T03:04:05.000Z'))).to.equal('2026-01-02T03:04:05Z');
    expect(goTime(new Date('2026-01-02T03:04:05.100Z'))).to.equal('2026-01-02T03:04:05.1Z');
    expect(goTime(new Date('2026-01-02T03:04:05.123Z'))).to.equal('2026-01-02T03:04:05.123Z');
  });
});

describe('gravity stand-in: text form', () => {
  it('Go tabwriter alignment reproduces real gravity 7.0.13 and 5.5 output from single tabs', () => {
    for (const real of [TEXT_7_0_13_DEGRADED, TEXT_5_5_DEGRADED]) {
      expect(alignTabs(real.replace(/\t+/g, '\t'))).to.equal(real);
    }
  });

  it('aligns nested columns like Go (column blocks end at lines with fewer cells)', () => {
    expect(alignTabs('a\tb\tc\naaaaaaaaa\tb\nx\n\ty\n')).to.equal('a\t\tb\tc\naaaaaaaaa\tb\nx\n\ty\n');
  });

  it('formats times like gravity (Mon Jan _2 15:04 UTC, go-humanize RelTime)', () => {
    expect(formatHumanDate(new Date('2020-08-21T18:41:59Z'))).to.equal('Fri Aug 21 18:41 UTC');
    expect(formatHumanDate(new Date('2026-11-07T09:05:00Z'))).to.equal('Sat Nov  7 09:05 UTC');
    const ago = (ms: number) => relativeTime(new Date(NOW.getTime() - ms), NOW);
    expect([ago(500), ago(1500), ago(49_000), ago(90_000), ago(150_000), ago(5_400_000), ago(15 * 3_600_000), ago(36 * 3_600_000), ago(3 * 86_400_000)]).to.deep.equal([
      'now', '1 second ago', '49 seconds ago', '1 minute ago', '2 minutes ago', '1 hour ago', '15 hours ago', '1 day ago', '3 days ago',
    ]);
  });

  it('renders the status the way gravity 7.0 prints it', () => {
    const verdicts = judgeNodeHealth(
      LAB,
      observe({ 'node-1': ready, 'node-2': ready }, { 'node-1': healthyEtcd, 'node-2': { kind: 'unhealthy', detail: 'HTTP 503 Service Unavailable' } }),
    );
    const text = renderStatusText(buildGravityStatus(LAB, verdicts, INSTALLED), NOW);
    const token = buildGravityStatus(LAB, verdicts, INSTALLED).cluster.token?.token;
    const opId = buildGravityStatus(LAB, verdicts, INSTALLED).cluster.operation?.id;
    expect(text).to.equal(
      [
        'Cluster name:\t\tlab-abc.noderoll.local',
        'Cluster status:\t\tdegraded (one or more of cluster nodes are not healthy)',
        'Cluster image:\t\tgravity, version 7.0.13',
        'Gravity version:\t7.0.13 (client) / 7.0.13 (server)',
        `Join token:\t\t${token}`,
        'Last completed operation:',
        '    * 3-node install',
        `      ID:\t\t${opId}`,
        '      Started:\t\tFri Nov 27 09:30 UTC (32 minutes ago)',
        '      Completed:\tFri Nov 27 09:30 UTC (32 minutes ago)',
        'Cluster endpoints:',
        '    * Authentication gateway:',
        '        - 127.123.1.2:32009',
        '        - 127.123.2.2:32009',
        '    * Cluster management URL:',
        '        - https://127.123.1.2:32009',
        '        - https://127.123.2.2:32009',
        'Cluster nodes:',
        '    Masters:',
        '        * node-1 / 127.123.1.2 / master',
        '            Status:\t\thealthy',
        '            Remote access:\tonline',
        '        * node-2 / 127.123.2.2 / master',
        '            Status:\t\tdegraded',
        '            [×]\t\t\tetcd member on 127.124.0.2 is unhealthy (HTTP 503 Service Unavailable)',
        '            Remote access:\tonline',
        '    Nodes:',
        '        * node-3 / 127.123.3.2',
        '            Status:\t\toffline',
        '            Remote access:\toffline',
        '',
      ].join('\n'),
    );
  });

  it('round-trips through parseGravityStatusText with the same verdict as the JSON form', () => {
    for (const verdicts of [
      allHealthy(),
      judgeNodeHealth(LAB, observe({ 'node-1': ready, 'node-3': { ready: 'False', message: 'x' } }, { 'node-1': healthyEtcd })),
    ]) {
      const status = buildGravityStatus(LAB, verdicts, INSTALLED);
      const text = parseGravityStatusText(renderStatusText(status, NOW));
      expect(text.clusterName).to.equal(LAB.clusterName);
      expect(text.clusterStatus).to.equal(status.cluster.state);
      expect(text.nodes.map((n) => [n.hostname, n.advertiseIp, n.status, n.failedProbes])).to.deep.equal(
        status.cluster.nodes.map((n) => [n.hostname, n.advertise_ip, n.status, n.failed_probes ?? []]),
      );
      expect(assessGravityStatusText(text).healthy).to.equal(assessGravityStatus(status).healthy);
    }
  });
});
