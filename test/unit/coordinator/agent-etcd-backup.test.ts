import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentSnapshotBackupTaker } from '../../../coordinator/cluster/agent-snapshot-backup.js';
import { controlPlaneAgents } from '../../../coordinator/cluster/control-plane-agents.js';
import { AgentEtcdHealthGate } from '../../../coordinator/gates/agent-etcd-gate.js';
import type { NodeConfig } from '../../../coordinator/config/config-types.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';

const NODES: NodeConfig[] = [
  { name: 'worker-1', agent: '127.0.0.1:7441', role: 'node' },
  { name: 'cp-1', agent: '127.0.0.1:7442', role: 'master' },
  { name: 'cp-2', agent: '127.0.0.1:7443', role: 'master' },
  { name: 'cp-3', agent: '127.0.0.1:7444' },
];

describe('etcd through control-plane agents (kubeadm, k3s): the health gate and the snapshot backup', () => {
  let world: FakeWorld;
  let asked: string[];
  const agents = () =>
    controlPlaneAgents(NODES, (n) => {
      const agent = world.agent(n.name);
      return {
        ...agent,
        etcdHealth: (o) => {
          asked.push(n.name);
          return agent.etcdHealth(o);
        },
      };
    });

  beforeEach(() => {
    world = new FakeWorld(new FakeClock(), NODES.map((n) => ({ name: n.name, role: n.role ?? 'master' })), undefined, 'kubeadm');
    asked = [];
  });

  it('asks masters first, then nodes without a role, never workers', () => {
    expect(agents().map((a) => a.endpoint.node)).to.deep.equal(['cp-1', 'cp-2', 'cp-3']);
  });

  it('one answer is enough; a node out of service by the operation is asked last', async () => {
    const gate = new AgentEtcdHealthGate(agents(), 1000);
    expect((await gate.check(undefined, { expectedOutOfService: ['cp-1'] })).summary).to.equal('3 etcd members healthy (asked through the agent of cp-2)');
    expect(asked).to.deep.equal(['cp-2']);
  });

  it('an agent that cannot answer passes the question on (a warning); none answering fails naming each', async () => {
    world.node('cp-1').power = 'off';
    const gate = new AgentEtcdHealthGate(agents(), 1000);
    const verdict = await gate.check();
    expect(verdict.problems, 'cp-1 is down: its member is unhealthy, named').to.deep.equal(['etcd member https://cp-1:2379 is unhealthy: context deadline exceeded']);
    expect(verdict.warnings).to.deep.equal(['agent of cp-1: agent of node cp-1 at cp-1:7443 is unreachable: connect ECONNREFUSED (asked another node)']);
    for (const n of ['cp-2', 'cp-3']) world.node(n).etcdConfigured = false;
    const none = await gate.check();
    expect(none.passed).to.equal(false);
    expect(none.summary).to.equal("no control-plane agent could tell etcd's health (asked 3)");
    expect(none.problems).to.deep.equal([
      'agent of cp-1: agent of node cp-1 at cp-1:7443 is unreachable: connect ECONNREFUSED',
      'agent of cp-2: FAILED_PRECONDITION: etcd is not configured on this node',
      'agent of cp-3: FAILED_PRECONDITION: etcd is not configured on this node',
    ]);
  });

  it('the snapshot is taken by the first control-plane agent that can; none can: the error names each', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'noderoll-snap-'));
    try {
      world.node('cp-1').etcdConfigured = false;
      const taker = new AgentSnapshotBackupTaker({ agents: agents(), artifact: join(dir, 'backups/{operation}.db'), timeoutMs: 1000, clock: world.clock, datastore: 'etcd' });
      const record = await taker.takeBackup('nr-20261202-071500-abcd');
      expect(record.artifact).to.equal(join(dir, 'backups/nr-20261202-071500-abcd.db'));
      expect(world.snapshots.map((s) => s.node)).to.deep.equal(['cp-2']);
      await taker.verifyRecordedBackup(record);
      for (const n of ['cp-2', 'cp-3']) world.node(n).etcdConfigured = false;
      let error: unknown;
      await taker.takeBackup('nr-20261202-071500-efgh').catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/no control-plane agent could take the etcd snapshot: cp-1: FAILED_PRECONDITION.*; cp-2: .*; cp-3: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("datastore sqlite: the server's agent streams its SQLite backup; an agent backing up etcd instead is refused, naming both", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'noderoll-snap-'));
    try {
      const sqliteAgents = (datastore: 'etcd' | 'sqlite') =>
        controlPlaneAgents([{ name: 'server-1', agent: '127.0.0.1:7442', role: 'master' }], (n) => {
          const agent = world.agent('cp-1');
          return {
            ...agent,
            saveEtcdSnapshot: async (req, dest, o) => ({ ...(await agent.saveEtcdSnapshot(req, dest, o)), datastore, revision: 61, totalKeys: 61, etcdHash: 0, command: ['/usr/bin/sqlite3', '-readonly', '/var/lib/rancher/k3s/server/db/state.db', `.backup '/x/sqlite-backup-${n.name}.db'`] }),
          };
        });
      const taker = new AgentSnapshotBackupTaker({ agents: sqliteAgents('sqlite'), artifact: join(dir, 'backups/{operation}.db'), timeoutMs: 1000, clock: world.clock, datastore: 'sqlite' });
      const record = await taker.takeBackup('nr-20261202-071500-abcd');
      expect(record.verification).to.match(/^PRAGMA integrity_check ok and kine's revision on the node: revision 61, 61 rows; size \d+ bytes and sha256 checked here$/);
      expect(record.command).to.match(/^sqlite3 -readonly .* on server-1 through its agent/);
      const wrong = new AgentSnapshotBackupTaker({ agents: sqliteAgents('etcd'), artifact: join(dir, 'backups/{operation}.db'), timeoutMs: 1000, clock: world.clock, datastore: 'sqlite' });
      const error = await wrong.takeBackup('nr-20261202-071500-efgh').catch((e: unknown) => e);
      expect(String(error)).to.contain("no control-plane agent could take the SQLite backup: server-1: its agent backs up etcd, the config's datastore is sqlite");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
