import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError, type CommandResult, type CommandSpec } from '../../../shared/exec/command-runner.js';
import { CommandBackupTaker } from '../../../coordinator/cluster/backup.js';
import { chooseLocalDataFlag, explainBlockedPods, readDrainFailure } from '../../../coordinator/cluster/drain-output.js';
import { EtcdHealthCommandReader } from '../../../coordinator/cluster/etcd-health.js';
import { GravityStatusCommandReader } from '../../../coordinator/cluster/gravity-status.js';
import { GravityStatusGate } from '../../../coordinator/gates/cluster-gates.js';
import { readNodeList, readPodList } from '../../../coordinator/cluster/kube-objects.js';
import { FakeClock } from './fakes/fake-clock.js';

/** What `kubectl drain --timeout=2s` printed against a budget that never allows a disruption (captured). */
const DRAIN_TIMEOUT_OUTPUT = `node/b cordoned
evicting pod kube-system/coredns-lmh42
evicting pod default/web-9btzw
pod/coredns-lmh42 evicted
Warning: ignoring DaemonSet-managed Pods: kube-system/kube-proxy-v4vgq, monitoring/node-exporter-92r45
error when evicting pods/"web-9btzw" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.
There are pending pods in node "b" when an error occurred: error when evicting pods/"web-9btzw" -n "default": global timeout reached: 2s
pod/web-9btzw
error: unable to drain node "b" due to error: error when evicting pods/"web-9btzw" -n "default": global timeout reached: 2s, continuing command...
There are pending nodes to be drained:
 b
error when evicting pods/"web-9btzw" -n "default": global timeout reached: 2s
`;

function result(stdout: string, exitCode: number, stderr = ''): CommandResult {
  return { command: 'x', exitCode, signal: null, stdout, stderr, truncated: false, durationMs: 1 };
}

function fakeRunner(r: CommandResult, okByDefault: number[] = [0]) {
  const seen: CommandSpec[] = [];
  const run = async (spec: CommandSpec): Promise<CommandResult> => {
    seen.push(spec);
    if (!(spec.okExitCodes ?? okByDefault).includes(r.exitCode ?? -1)) throw new CommandError('exit', r);
    return r;
  };
  return { run, seen };
}

describe('coordinator cluster adapters (parsers and command readers)', () => {
  it('chooses the emptyDir flag from drain --help of new and old kubectl', () => {
    expect(chooseLocalDataFlag('      --delete-emptydir-data=false:\n\tContinue even if there are pods using emptyDir')).to.equal('--delete-emptydir-data');
    expect(chooseLocalDataFlag('      --delete-local-data=false: Continue even if there are pods using emptyDir (1.15 kubectl)')).to.equal('--delete-local-data');
    expect(chooseLocalDataFlag('--delete-local-data=false: deprecated\n--delete-emptydir-data=false:')).to.equal('--delete-emptydir-data');
    expect(chooseLocalDataFlag('--force=false')).to.equal(undefined);
  });

  it('reads a timed-out drain: the pod, kubectl\'s reason, and the budget behind it', () => {
    const report = readDrainFailure(DRAIN_TIMEOUT_OUTPUT);
    expect(report.timedOut).to.equal(true);
    expect(report.pods).to.deep.equal([{ pod: 'web-9btzw', namespace: 'default', detail: "Cannot evict pod as it would violate the pod's disruption budget." }]);
    const blockers = explainBlockedPods(
      report,
      [{ namespace: 'default', name: 'web-9btzw', phase: 'Running', terminating: false, notReadyContainers: [], waitingReasons: [], labels: { app: 'web' } }],
      [
        { namespace: 'default', name: 'payments', matchLabels: { app: 'payments' }, matchExpressions: [] },
        { namespace: 'default', name: 'web-strict', matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }], disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3 },
      ],
    );
    expect(blockers[0]!.budget).to.deep.equal({ namespace: 'default', name: 'web-strict', detail: '0 disruptions allowed, needs 3 healthy pods and has 3' });
  });

  it('reads Node and Pod lists as kubectl prints them', () => {
    const nodes = readNodeList(
      JSON.stringify({
        kind: 'List',
        items: [
          {
            metadata: { name: '10.0.0.1', labels: { 'gravitational.io/k8s-role': 'master' }, annotations: { 'noderoll.io/phase': 'draining' } },
            spec: { unschedulable: true },
            status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: '2026-11-27T02:00:01Z' }], nodeInfo: { bootID: 'b-1', kubeletVersion: 'v1.17.9' } },
          },
          { metadata: { name: '10.0.0.2', labels: { 'node-role.kubernetes.io/control-plane': '' } }, spec: {}, status: {} },
        ],
      }),
    );
    expect(nodes[0]).to.include({ name: '10.0.0.1', ready: false, readyStatus: 'False', readyReason: 'KubeletNotReady', unschedulable: true, role: 'master', bootId: 'b-1' });
    expect(nodes[0]!.lastHeartbeatMs).to.equal(Date.parse('2026-11-27T02:00:01Z'));
    expect(nodes[1]).to.include({ ready: false, readyStatus: 'missing', unschedulable: false, role: 'master' });
    const pods = readPodList(
      JSON.stringify({
        items: [
          {
            metadata: { name: 'p', namespace: 'ns', ownerReferences: [{ kind: 'ReplicaSet', controller: true }], deletionTimestamp: '2026-11-27T02:00:00Z' },
            spec: { nodeName: 'n' },
            status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
          },
        ],
      }),
    );
    expect(pods[0]).to.deep.include({ terminating: true, controllerKind: 'ReplicaSet', waitingReasons: ['c: CrashLoopBackOff'], notReadyContainers: ['c (CrashLoopBackOff)'] });
    expect(() => readNodeList('{"kind":"List"}')).to.throw(/expected a list with .items/);
    expect(() => readPodList('not json')).to.throw(/not JSON/);
  });

  it('says why a Pending pod is Pending: not scheduled (the scheduler message), or what its containers wait for', () => {
    const t = '2026-11-27T02:00:00Z';
    const pods = readPodList(
      JSON.stringify({
        items: [
          {
            metadata: { name: 'unplaced', namespace: 'default' },
            spec: {},
            status: {
              phase: 'Pending',
              qosClass: 'Burstable',
              conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'Unschedulable', message: '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.' }],
            },
          },
          {
            // as a real kubelet reports an image that cannot be pulled: Ready=False/ContainersNotReady comes first
            metadata: { name: 'pulling', namespace: 'default' },
            spec: { nodeName: 'n1' },
            status: {
              phase: 'Pending',
              conditions: [
                { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: t },
                { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
                { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: 'containers with unready status: [app]' },
                { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: 'containers with unready status: [app]' },
                { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
              ],
              containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'ghcr.io/x/app:9', imageID: '', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "ghcr.io/x/app:9"' } } }],
            },
          },
          {
            metadata: { name: 'starting', namespace: 'default' },
            spec: { nodeName: 'n2' },
            status: {
              phase: 'Pending',
              conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' }],
              containerStatuses: [{ name: 'app', ready: false, state: { waiting: { reason: 'ContainerCreating' } } }],
            },
          },
        ],
      }),
    );
    expect(pods.map((p) => p.reason)).to.deep.equal([
      'Unschedulable: 0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.',
      'app: ImagePullBackOff',
      'app: ContainerCreating',
    ]);
  });

  it('gravity status: a degraded cluster (exit 255) is read from its JSON, naming the node and probe', async () => {
    const degraded = JSON.stringify({
      cluster: {
        state: 'degraded',
        reason: 'cluster_degraded',
        system_status: 2,
        nodes: [
          { hostname: 'node-1', advertise_ip: '10.0.0.1', role: 'master', status: 'healthy' },
          { hostname: 'node-2', advertise_ip: '10.0.0.2', role: 'master', status: 'degraded', failed_probes: ['etcd-healthz: unhealthy'] },
        ],
      },
    });
    const { run, seen } = fakeRunner(result(degraded + '\n[ERROR]: degraded\n', 255));
    const reading = await new GravityStatusCommandReader({ argv: ['gravity', 'status', '--output=json'], timeoutMs: 1000, runner: run }).read();
    expect(seen[0]!.args).to.deep.equal(['status', '--output=json']);
    expect(reading.healthy).to.equal(false);
    expect(reading.problems.join('\n')).to.contain('cluster state is degraded').and.contain('node node-2 (10.0.0.2) is degraded: etcd-healthz: unhealthy');
    const broken = await new GravityStatusCommandReader({ argv: ['gravity', 'status', '--output=json'], timeoutMs: 1000, runner: fakeRunner(result('', 1, 'connection refused')).run }).read();
    expect(broken.healthy).to.equal(false);
    expect(broken.problems[0]).to.contain('exited with code 1').and.contain('connection refused');
  });

  it('gravity status: no JSON with exit 255 names the exit code and what gravity said on stderr', async () => {
    // What gravity prints when it cannot reach its own cluster: nothing on stdout, the reason on stderr, exit 255.
    const stderr = '[ERROR]: failed to query cluster status: Get "https://127.0.0.1:3009/portal/v1/...": dial tcp 127.0.0.1:3009: connect: connection refused\n';
    const reading = await new GravityStatusCommandReader({ argv: ['gravity', 'status', '--output=json'], timeoutMs: 1000, runner: fakeRunner(result('', 255, stderr)).run }).read();
    expect(reading.healthy).to.equal(false);
    expect(reading.problems).to.have.length(1);
    expect(reading.problems[0]).to.contain('no output').and.contain('exit code 255').and.contain('[ERROR]: failed to query cluster status').and.contain('connection refused');
    expect(reading.evidence).to.contain('connection refused');
    const verdict = await new GravityStatusGate(new GravityStatusCommandReader({ argv: ['gravity', 'status', '--output=json'], timeoutMs: 1000, runner: fakeRunner(result('', 255, stderr)).run })).check();
    expect(verdict.summary).to.contain('exit code 255').and.contain('[ERROR]: failed to query cluster status');
  });

  it('etcd: v2 member lines decide (exit 5 degraded), v3 JSON decides (exit 1)', async () => {
    const v2 = 'member 8e9e05c52164694d is healthy: got healthy result from http://127.124.0.1:2379\nmember 91bc3c398fb3c146 is unreachable: no available published client urls\ncluster is degraded\n';
    const a = await new EtcdHealthCommandReader({ argv: ['etcdctl', 'cluster-health'], format: 'v2', timeoutMs: 1000, runner: fakeRunner(result(v2, 5)).run }).read();
    expect(a.healthy).to.equal(false);
    expect(a.problems[0]).to.contain('member 91bc3c398fb3c146 is unreachable');
    const v3 = '[{"endpoint":"http://127.124.0.1:2379","health":true,"took":"2ms"},{"endpoint":"http://127.124.0.2:2379","health":false,"error":"context deadline exceeded"}]';
    const b = await new EtcdHealthCommandReader({ argv: ['etcdctl', 'endpoint', 'health'], format: 'v3', timeoutMs: 1000, runner: fakeRunner(result(v3, 1, 'Error: unhealthy cluster')).run }).read();
    expect(b.healthy).to.equal(false);
    expect(b.problems[0]).to.contain('http://127.124.0.2:2379 is unhealthy: context deadline exceeded');
    const ok = await new EtcdHealthCommandReader({ argv: ['etcdctl', 'cluster-health'], format: 'v2', timeoutMs: 1000, runner: fakeRunner(result('member 1 is healthy: got healthy result from http://x:2379\ncluster is healthy\n', 0)).run }).read();
    expect(ok.healthy).to.equal(true);
  });

  describe('backup command', () => {
    let dir = '';
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'noderoll-backup-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('runs the command, verifies the artifact and records size and digest', async () => {
      const taker = new CommandBackupTaker({
        argv: ['sh', '-c', 'printf snapshot-of-%s "$1" > "$2"', 'sh', '{operation}', '{artifact}'],
        artifact: join(dir, 'backups', '{operation}.db'),
        verifyArgv: ['test', '-s', '{artifact}'],
        timeoutMs: 10_000,
        clock: new FakeClock(),
      });
      const rec = await taker.takeBackup('nr-20261127-020000-abcd12');
      expect(rec.artifact).to.equal(join(dir, 'backups', 'nr-20261127-020000-abcd12.db'));
      expect(await readFile(rec.artifact, 'utf8')).to.equal('snapshot-of-nr-20261127-020000-abcd12');
      expect(rec.sizeBytes).to.equal(37);
      expect(rec.sha256).to.match(/^[0-9a-f]{64}$/);
      expect(rec.verification).to.contain('test -s');
      await taker.verifyRecordedBackup(rec);
      await rm(rec.artifact);
      expect(((await taker.verifyRecordedBackup(rec).catch((e: unknown) => e)) as Error).message).to.contain('no longer exists');
    });

    it('refuses an empty or missing artifact and a failing verification', async () => {
      const base = { artifact: join(dir, '{operation}.db'), timeoutMs: 10_000, clock: new FakeClock() };
      const empty = await new CommandBackupTaker({ ...base, argv: ['touch', '{artifact}'] }).takeBackup('op1').catch((e: unknown) => e);
      expect((empty as Error).message).to.match(/is empty/);
      const missing = await new CommandBackupTaker({ ...base, argv: ['true'] }).takeBackup('op2').catch((e: unknown) => e);
      expect((missing as Error).message).to.match(/wrote no artifact/);
      const unverified = await new CommandBackupTaker({ ...base, argv: ['sh', '-c', 'echo x > "$1"', 'sh', '{artifact}'], verifyArgv: ['false'] }).takeBackup('op3').catch((e: unknown) => e);
      expect((unverified as Error).message).to.match(/`false` exited with code 1/);
    });
  });
});
