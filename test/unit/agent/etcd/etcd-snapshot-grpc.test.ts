import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../../../agent/agent-daemon.js';
import { GrpcNodeAgent } from '../../../../coordinator/agents/grpc-node-agent.js';
import { parseAgentConfig } from '../../../../agent/config/agent-config.js';
import { AgentCallError, AgentClient } from '../../../../shared/agent-api/agent-client.js';
import type { CommandResult, CommandSpec } from '../../../../shared/exec/command-runner.js';
import { silentLogger } from '../../../../shared/log/logger.js';
import { agentTlsYaml, clientTls, useAgentTestPki } from '../../../security/test-pki.js';
import { FakeHost } from '../fake-host.js';

/**
 * SaveEtcdSnapshot end to end in-process: the agent (profile kubeadm) with a fake etcdctl behind
 * the command-runner seam, a snapshot of several 64 KiB chunks streamed over mutual TLS into a file
 * by the client, which checks size and SHA-256; a snapshot that changed on disk is never written.
 */

const BOOT = { bootId: '11111111-1111-4111-8111-111111111111', bootTimeUnixMs: 1_795_744_600_000 };

describe('SaveEtcdSnapshot over gRPC (in-process agent, fake etcdctl)', function () {
  this.timeout(20_000);
  const certs = useAgentTestPki();
  let dir: string;
  let agent: RunningAgent | undefined;
  let client: AgentClient | undefined;
  /** What the fake etcdctl writes as the snapshot. */
  let snapshotBytes: Buffer;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-etcd-grpc-'));
    await mkdir(join(dir, 'pki'));
    for (const f of ['etcdctl', 'pki/ca.crt', 'pki/hc.crt', 'pki/hc.key']) await writeFile(join(dir, f), 'x');
    snapshotBytes = randomBytes(5 * 64 * 1024 + 123);
    const host = new FakeHost();
    const etcdctl = join(dir, 'etcdctl');
    const runner = async (spec: CommandSpec): Promise<CommandResult> => {
      if (spec.file !== etcdctl) return host.runner(spec);
      const ok = (stdout: string): CommandResult => ({ command: spec.file, exitCode: 0, signal: null, stdout, stderr: '', truncated: false, durationMs: 1 });
      if (spec.args.includes('save')) {
        await writeFile(spec.args.at(-1)!, snapshotBytes);
        return ok('Snapshot saved');
      }
      return ok('{"hash":7,"revision":12,"totalKey":4,"totalSize":327680}');
    };
    const yaml = `${agentTlsYaml(certs.agentCert)}
profile: kubeadm
grpc: { listen: "127.0.0.1:0" }
http: { listen: "" }
stateDir: ${join(dir, 'state')}
logLevel: silent
etcd: { etcdctl: ${etcdctl}, cacert: ${join(dir, 'pki/ca.crt')}, cert: ${join(dir, 'pki/hc.crt')}, key: ${join(dir, 'pki/hc.key')}, snapshotDir: ${join(dir, 'snapshots')} }
operations: { shutdownGraceMs: 0 }
`;
    agent = await startAgent(parseAgentConfig(yaml, 'test'), { logger: silentLogger, runner, boot: BOOT, machineId: 'feedfacefeedfacefeedfacefeedface' });
    client = new AgentClient(`127.0.0.1:${agent.grpcPort}`, { defaultDeadlineMs: 10_000, tls: clientTls(certs.coordinatorCert, 'test-node') });
  });

  afterEach(async () => {
    client?.close();
    await agent?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('streams the snapshot in chunks into the destination with its size, sha256 and etcd status', async () => {
    const destination = join(dir, 'received.db');
    const r = await client!.saveEtcdSnapshot('snap-1', destination);
    expect((await readFile(destination)).equals(snapshotBytes)).to.equal(true);
    expect(r.sizeBytes).to.equal(snapshotBytes.length);
    expect(r.finished).to.include({ sizeBytes: snapshotBytes.length, sha256: r.sha256, etcdHash: 7, revision: 12, totalKeys: 4, datastore: 'etcd' });
    expect(r.started).to.include({ operationId: 'snap-1', replayed: false });
    const info = await client!.getNodeInfo();
    expect([info.profile, info.etcdConfigured]).to.deep.equal(['kubeadm', true]);
  });

  it('the coordinator adapter maps a replay: the kept snapshot streamed again, replayed, with etcd\'s status', async () => {
    const adapter = new GrpcNodeAgent({ node: 'test-node', address: `127.0.0.1:${agent!.grpcPort}` }, { tls: clientTls(certs.coordinatorCert, 'test-node'), callTimeoutMs: 10_000 });
    try {
      const first = await adapter.saveEtcdSnapshot({ operationId: 'snap-2' }, join(dir, 'a.db'));
      const again = await adapter.saveEtcdSnapshot({ operationId: 'snap-2' }, join(dir, 'b.db'));
      expect(first).to.deep.equal({ operationId: 'snap-2', sizeBytes: snapshotBytes.length, sha256: first.sha256, datastore: 'etcd', revision: 12, totalKeys: 4, etcdHash: 7, replayed: false, command: first.command });
      expect(first.command?.slice(-3), 'the command the agent ran').to.deep.equal(['snapshot', 'save', join(dir, 'snapshots', 'etcd-snapshot-snap-2.db')]);
      expect(again).to.deep.equal({ ...first, replayed: true });
      expect((await readFile(join(dir, 'b.db'))).equals(snapshotBytes)).to.equal(true);
    } finally {
      adapter.close();
    }
  });

  it('a snapshot that changed on disk since it was taken is refused and the destination is not written', async () => {
    await client!.saveEtcdSnapshot('snap-1', join(dir, 'first.db'));
    await writeFile(join(dir, 'snapshots', 'etcd-snapshot-snap-1.db'), randomBytes(1000));
    const destination = join(dir, 'replay.db');
    const err = await client!.saveEtcdSnapshot('snap-1', destination).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AgentCallError);
    expect((err as AgentCallError).details).to.match(/changed on disk: recorded 327803 bytes sha256 [0-9a-f]{64}, read 1000 bytes/);
    expect(existsSync(destination)).to.equal(false);
  });
});
