import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../../shared/log/logger.js';
import type { CoordinatorConfig } from '../../../../coordinator/config/config-types.js';
import { parseConfigText } from '../../../../coordinator/config/load-config.js';
import { OperationEngine, type EngineDeps, type EngineOutcome } from '../../../../coordinator/engine/engine.js';
import type { TimedEvent } from '../../../../coordinator/engine/events.js';
import { StopControl } from '../../../../coordinator/engine/stop-control.js';
import { AgentsReachableGate, EtcdHealthGate, GravityStatusGate, NodesReadyGate, PodsRunningGate } from '../../../../coordinator/gates/cluster-gates.js';
import type { Gate } from '../../../../coordinator/gates/gate.js';
import { orderNodes } from '../../../../coordinator/plan/node-order.js';
import type { NodeRole } from '../../../../coordinator/ports/cluster.js';
import type { NodeAgent } from '../../../../coordinator/ports/node-agent.js';
import { FileStateStore } from '../../../../coordinator/state/file-state-store.js';
import { installTargetLabel, newOperationId, newOperationRecord, type OperationRecord } from '../../../../coordinator/state/operation-record.js';
import type { StateLock, StateStore } from '../../../../coordinator/state/state-store.js';
import { FakeClock } from './fake-clock.js';
import { FakeWorld, type FakeProfile } from './fake-world.js';
import { AgentSnapshotBackupTaker } from '../../../../coordinator/cluster/agent-snapshot-backup.js';
import { controlPlaneAgents } from '../../../../coordinator/cluster/control-plane-agents.js';
import { AgentEtcdHealthGate } from '../../../../coordinator/gates/agent-etcd-gate.js';
import { ApiServerReadyGate } from '../../../../coordinator/gates/api-server-gate.js';
import type { BackupTaker } from '../../../../coordinator/ports/cluster.js';

export const TARGET = '7.0.68';
export const RESUME = 'noderoll resume --config /etc/noderoll/config.yaml';

export const THREE_NODES: { name: string; role: NodeRole }[] = [
  { name: 'node-1', role: 'master' },
  { name: 'node-2', role: 'node' },
  { name: 'node-3', role: 'master' },
];

export function testConfigYaml(dir: string, nodes: readonly { name: string; role: NodeRole }[], extra = ''): string {
  return [
    'apiVersion: noderoll.io/v1alpha1',
    'kind: CoordinatorConfig',
    'nodes:',
    ...nodes.map((n) => `  - { name: ${n.name}, agent: "${n.name}:7443", role: ${n.role} }`),
    'agents: { insecurePlaintext: true }',
    `state: { file: ${join(dir, 'state.json')} }`,
    `log: { file: ${join(dir, 'noderoll.log')} }`,
    'soak: { interval: 10s, passes: 3, timeout: 5m }',
    'timeouts: { gatesBeforeNode: 1m, reboot: 5m, postChecks: 2m, drain: 2m }',
    `backup: { artifact: "${join(dir, 'backups/{operation}.tar.gz')}" }`,
    extra,
  ].join('\n');
}

export interface Harness {
  dir: string;
  clock: FakeClock;
  world: FakeWorld;
  config: CoordinatorConfig;
  store: StateStore;
  events: TimedEvent[];
  gates: Gate[];
  record: OperationRecord;
  /** Runs (or resumes) the record with a fresh engine, as a new coordinator process would. */
  /** wrapLock: what the engine gets instead of the lock taken from the store (lock-loss tests). */
  run(options?: { resumed?: boolean; store?: StateStore; stop?: StopControl; deps?: Partial<EngineDeps>; record?: OperationRecord; wrapLock?: (lock: StateLock) => StateLock }): Promise<EngineOutcome>;
  /** Reads the record back from the state file. */
  load(): Promise<OperationRecord>;
  close(): Promise<void>;
}

/**
 * profile kubeadm: the world's nodes run kubelet and containerd (masters etcd), the config says
 * `profile: kubeadm` (configExtra adds the rest), and the gates and the backup are the kubeadm ones the
 * services build: /readyz (a ready API server), etcd through a control-plane agent, the agent snapshot.
 */
export async function makeHarness(options: { nodes?: { name: string; role: NodeRole }[]; configExtra?: string; profile?: FakeProfile } = {}): Promise<Harness> {
  const nodes = options.nodes ?? THREE_NODES;
  const profile = options.profile ?? 'gravity';
  const dir = await mkdtemp(join(tmpdir(), 'noderoll-engine-'));
  const clock = new FakeClock();
  const world = new FakeWorld(clock, nodes, undefined, profile);
  const extra = profile === 'kubeadm' ? `profile: kubeadm\n${options.configExtra ?? ''}` : options.configExtra;
  const config = parseConfigText(testConfigYaml(dir, nodes, extra), join(dir, 'config.yaml'));
  const store = new FileStateStore({ file: config.state.file, now: () => clock.now() });
  const agents = new Map<string, NodeAgent>(nodes.map((n) => [n.name, world.agent(n.name)]));
  const controlPlane = controlPlaneAgents(config.nodes, (n) => agents.get(n.name)!);
  const readyApiServer = { read: async () => ({ healthy: true, problems: [], warnings: [], command: 'kubectl get --raw /readyz?verbose', evidence: 'readyz check passed' }) };
  const profileGates: Gate[] = profile === 'kubeadm' ? [new ApiServerReadyGate(readyApiServer), new AgentEtcdHealthGate(controlPlane, 1000)] : [new GravityStatusGate(world.gravity), new EtcdHealthGate(world.etcd)];
  const backup: BackupTaker = profile === 'kubeadm' ? new AgentSnapshotBackupTaker({ agents: controlPlane, artifact: config.backup.artifact, timeoutMs: 60_000, clock, datastore: 'etcd' }) : world.backup;
  const gates: Gate[] = [
    ...profileGates,
    new PodsRunningGate(world.cluster),
    new NodesReadyGate(world.cluster, nodes.map((n) => n.name)),
    new AgentsReachableGate(
      nodes.map((n) => ({ endpoint: { node: n.name, address: `${n.name}:7443` }, agent: agents.get(n.name)! })),
      1000,
      clock,
    ),
  ];
  const planned = orderNodes(config.nodes, config.order, new Map());
  const install = { mode: config.install.mode, packages: config.install.packages };
  const record = newOperationRecord({
    id: newOperationId(clock.now(), 'test01'),
    targetVersion: config.install.mode === 'command' ? TARGET : installTargetLabel(install),
    nodes: planned,
    invocation: { configPath: config.source, confirmEachNode: false, pauseBetweenMs: 0 },
    now: new Date(clock.now()).toISOString(),
    profile: config.profile,
    install,
    reboot: config.reboot,
  });
  const events: TimedEvent[] = [];
  const h: Harness = {
    dir,
    clock,
    world,
    config,
    store,
    events,
    gates,
    record,
    async run(o = {}) {
      const s = o.store ?? store;
      const lock = await s.acquireLock({ pid: process.pid, host: 'test', command: 'test' });
      try {
        const engine = new OperationEngine({
          store: s,
          lock: o.wrapLock ? o.wrapLock(lock) : lock,
          cluster: world.cluster,
          agentFor: (n) => agents.get(n.name)!,
          gates,
          backup,
          config,
          clock,
          log: silentLogger,
          events: (e) => events.push(e),
          stop: o.stop ?? new StopControl(),
          resumeCommand: RESUME,
          ...o.deps,
        });
        return await engine.run(o.record ?? record, o.resumed ?? false);
      } finally {
        await lock.release();
      }
    },
    async load() {
      const r = await store.load();
      if (!r) throw new Error('no record');
      return r;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
  return h;
}

/** A store that "kills the coordinator" the first time a saved record matches: it writes that record, then every later save throws. */
export class CrashingStore implements StateStore {
  crashed = false;
  /** A copy of the record whose save triggered the crash: what the state file held when the coordinator died. */
  crashedOn: OperationRecord | undefined;
  constructor(
    private readonly inner: StateStore,
    private readonly when: (r: OperationRecord) => boolean,
  ) {}
  get location(): string {
    return this.inner.location;
  }
  acquireLock: StateStore['acquireLock'] = (o) => this.inner.acquireLock(o);
  lockHolder: StateStore['lockHolder'] = () => this.inner.lockHolder();
  load: StateStore['load'] = () => this.inner.load();
  history: StateStore['history'] = () => this.inner.history();
  requestAbort: StateStore['requestAbort'] = (r) => this.inner.requestAbort(r);
  readAbortRequest: StateStore['readAbortRequest'] = () => this.inner.readAbortRequest();
  clearAbortRequest: StateStore['clearAbortRequest'] = (l) => this.inner.clearAbortRequest(l);
  async save(record: OperationRecord, lock: Parameters<StateStore['save']>[1]): Promise<void> {
    if (this.crashed) throw new SimulatedCrash();
    await this.inner.save(record, lock);
    if (this.when(record)) {
      this.crashed = true;
      this.crashedOn = structuredClone(record);
      throw new SimulatedCrash();
    }
  }
}

export class SimulatedCrash extends Error {
  constructor() {
    super('simulated SIGKILL of the coordinator');
    this.name = 'SimulatedCrash';
  }
}
