import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentError } from '../../../../agent/agent-error.js';
import { ETCD_DEFAULTS, type EtcdConfig } from '../../../../agent/config/etcd-config.js';
import { EtcdOperations, k3sSnapshotFile } from '../../../../agent/etcd/etcd-operations.js';
import { OperationLedger } from '../../../../agent/operations/operation-ledger.js';
import { OperationStore } from '../../../../agent/operations/operation-store.js';
import type { CommandResult, CommandSpec } from '../../../../shared/exec/command-runner.js';
import { CommandError } from '../../../../shared/exec/command-runner.js';
import { createLogger } from '../../../../shared/log/logger.js';

/** EtcdOperations over a fake etcdctl: what it runs, what it records, what it keeps on disk. */

const STATUS = '{"hash":42,"revision":9,"totalKey":5,"totalSize":20480}';

function result(spec: CommandSpec, stdout: string, exitCode = 0): CommandResult {
  return { command: [spec.file, ...spec.args].join(' '), exitCode, signal: null, stdout, stderr: '', truncated: false, durationMs: 1 };
}

describe('etcd operations on the agent (fake etcdctl)', () => {
  let dir: string;
  let ledger: OperationLedger;
  let config: EtcdConfig;
  let ran: CommandSpec[];
  let saveFails = false;
  let healthOut = '';
  let healthExit = 0;
  let k3sWritesNothing = false;

  const run = async (spec: CommandSpec): Promise<CommandResult> => {
    ran.push(spec);
    const verb = spec.args.filter((a) => !a.startsWith('--')).slice(0, 2).join(' ');
    if (verb.startsWith('etcd-snapshot save')) {
      // k3s's rule: <name>-<node name>-<unix seconds> in --dir
      const opt = (flag: string): string => spec.args[spec.args.indexOf(flag) + 1]!;
      if (!k3sWritesNothing) await writeFile(join(opt('--dir'), `${opt('--name')}-node-1-${Math.floor(Date.now() / 1000)}`), `k3s snapshot ${opt('--name')}`);
      return result(spec, '');
    }
    if (verb === 'snapshot save') {
      if (saveFails) throw new CommandError('exit', result(spec, '', 1), 'Error: context deadline exceeded');
      await writeFile(spec.args.at(-1)!, `snapshot bytes of ${spec.args.at(-1)}`);
      return result(spec, 'Snapshot saved');
    }
    if (verb.startsWith('snapshot status')) return result(spec, STATUS);
    if (verb === 'endpoint health') return result(spec, healthOut, healthExit);
    throw new Error(`unexpected command ${spec.args.join(' ')}`);
  };

  /** null: no etcd section. */
  const ops = (c: EtcdConfig | null = config): EtcdOperations =>
    new EtcdOperations({ config: c ?? undefined, ledger, run, logger: createLogger('test', { level: 'silent' }), clock: Date.now, refuseWhenStopping: () => undefined, finished: () => undefined });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etcd-ops-'));
    ledger = new OperationLedger(new OperationStore(join(dir, 'state'), 100), { bootId: 'b1', bootTimeUnixMs: 0 });
    await ledger.open();
    await writeFile(join(dir, 'etcdctl'), '#!/bin/sh\n');
    config = { ...ETCD_DEFAULTS, etcdctl: join(dir, 'etcdctl'), cacert: join(dir, 'ca.crt'), cert: join(dir, 'c.crt'), key: join(dir, 'c.key'), snapshotDir: join(dir, 'snapshots'), keepSnapshots: 2 };
    for (const f of [config.cacert, config.cert, config.key]) await writeFile(f, 'pem');
    ran = [];
    saveFails = false;
    healthOut = '';
    healthExit = 0;
    k3sWritesNothing = false;
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a snapshot into snapshotDir, verifies it with snapshot status and records size, sha256 and status', async () => {
    const r = await ops().saveSnapshot({ operationId: 'snap-1' });
    const file = join(config.snapshotDir, 'etcd-snapshot-snap-1.db');
    const content = `snapshot bytes of ${file}`;
    expect(r.replayed).to.equal(false);
    expect(r.op.state).to.equal('succeeded');
    expect(r.snapshot).to.include({ file, sizeBytes: content.length, sha256: createHash('sha256').update(content).digest('hex'), hash: 42, revision: 9, totalKeys: 5, totalSize: 20480 });
    expect(ran.map((s) => s.args.filter((a) => !a.startsWith('--')).slice(0, 2).join(' '))).to.deep.equal(['snapshot save', 'snapshot status']);
    expect(ran[0]!.env?.ETCDCTL_API).to.equal('3');
  });

  it('replays a finished snapshot without running etcdctl again; refuses the replay once the file is gone', async () => {
    const first = await ops().saveSnapshot({ operationId: 'snap-1' });
    ran = [];
    const again = await ops().saveSnapshot({ operationId: 'snap-1' });
    expect([again.replayed, again.snapshot.sha256, ran.length]).to.deep.equal([true, first.snapshot.sha256, 0]);
    await rm(first.snapshot.file);
    const err = await ops().saveSnapshot({ operationId: 'snap-1' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AgentError);
    expect((err as AgentError).code).to.equal('FAILED_PRECONDITION');
    expect((err as Error).message).to.match(/no longer on this node/);
  });

  it('keeps only the newest keepSnapshots files', async () => {
    for (const id of ['s1', 's2', 's3']) {
      await ops().saveSnapshot({ operationId: id });
      await new Promise((r) => setTimeout(r, 15));
    }
    expect((await readdir(config.snapshotDir)).sort()).to.deep.equal(['etcd-snapshot-s2.db', 'etcd-snapshot-s3.db']);
  });

  it('a failed save is recorded failed with etcdctl\'s error and leaves no file', async () => {
    saveFails = true;
    const err = await ops().saveSnapshot({ operationId: 'snap-x' }).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/^etcd snapshot: command `.*etcdctl .*snapshot save .*` exited with code 1/);
    expect(ledger.get('snap-x')?.state).to.equal('failed');
    expect(existsSync(join(config.snapshotDir, 'etcd-snapshot-snap-x.db'))).to.equal(false);
  });

  it('refuses when etcd is not configured, etcdctl is missing or the client certificates are not on the node; nothing runs', async () => {
    const refusal = async (c: EtcdConfig | null): Promise<string> => ((await ops(c).health(0).catch((e: unknown) => e)) as Error).message;
    expect(await refusal(null)).to.match(/^CheckEtcdHealth: etcd is not configured/);
    expect(await refusal({ ...config, etcdctl: join(dir, 'none') })).to.match(/etcd\.etcdctl .*none is not on this node/);
    expect(await refusal({ ...config, cert: join(dir, 'missing.crt') })).to.match(/etcd\.cert .*missing\.crt not on this node/);
    expect(ops({ ...config, key: '/nonexistent' }).configured).to.equal(false);
    expect(ops().configured).to.equal(true);
    const k3s = await ops({ ...config, snapshotTool: 'k3s', k3s: join(dir, 'no-k3s') }).saveSnapshot({ operationId: 'k' }).catch((e: unknown) => e);
    expect((k3s as Error).message).to.match(/^SaveEtcdSnapshot: etcd\.k3s .*no-k3s is not on this node/);
    expect(ran).to.deep.equal([]);
  });

  it('snapshotTool k3s: `k3s etcd-snapshot save --name noderoll-<op> --dir snapshotDir`, the file k3s named found, verified by etcdctl, kept with the etcdctl ones', async () => {
    await writeFile(join(dir, 'k3s'), '#!/bin/sh\n');
    const k3sConfig: EtcdConfig = { ...config, snapshotTool: 'k3s', k3s: join(dir, 'k3s') };
    const r = await ops(k3sConfig).saveSnapshot({ operationId: 'roll-1:backup' });
    expect(ran[0]!.file).to.equal(k3sConfig.k3s);
    expect(ran[0]!.args).to.deep.equal(['etcd-snapshot', 'save', '--name', 'noderoll-roll-1:backup', '--dir', config.snapshotDir]);
    expect(r.snapshot.file).to.match(new RegExp(`^${config.snapshotDir}/noderoll-roll-1:backup-node-1-\\d+$`));
    expect(r.snapshot.command).to.deep.equal([k3sConfig.k3s, ...ran[0]!.args]);
    expect(r.snapshot).to.include({ revision: 9, sizeBytes: 'k3s snapshot noderoll-roll-1:backup'.length });
    expect(ran[1]!.args.slice(0, 3)).to.deep.equal(['snapshot', 'status', r.snapshot.file]);
    // pruning counts k3s's files too (keepSnapshots 2)
    for (const id of ['k2', 'k3']) {
      await new Promise((res) => setTimeout(res, 15));
      await ops(k3sConfig).saveSnapshot({ operationId: id });
    }
    expect((await readdir(config.snapshotDir)).map((n) => n.replace(/-node-1-\d+$/, '')).sort()).to.deep.equal(['noderoll-k2', 'noderoll-k3']);
    // k3s said nothing was wrong but wrote no file: the operation fails saying so
    k3sWritesNothing = true;
    const err = await ops(k3sConfig).saveSnapshot({ operationId: 'k4' }).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/wrote no noderoll-k4-<node>-<unix seconds>/);
    expect(ledger.get('k4')?.state).to.equal('failed');
  });

  it('k3sSnapshotFile: the newest new <name>-<node>-<unix seconds>; not an older operation whose ID extends the name, not a .zip', () => {
    const before = ['noderoll-a-b-node-1-300', 'etcd-snapshot-a.db'];
    const after = [...before, 'noderoll-a-node-1-100', 'noderoll-a-node-1-200', 'noderoll-a-node-1-400.zip'];
    expect(k3sSnapshotFile(before, after, 'noderoll-a')).to.equal('noderoll-a-node-1-200');
    expect(k3sSnapshotFile(before, after, 'noderoll-x')).to.equal(undefined);
    expect(k3sSnapshotFile([], ['noderoll-a-b-node-1-300'], 'noderoll-a-b')).to.equal('noderoll-a-b-node-1-300');
  });

  it('health: an unhealthy member (etcdctl exit 1) is an answer; unreadable output is a problem', async () => {
    healthOut = '[{"endpoint":"https://a:2379","health":true,"took":"1ms"},{"endpoint":"https://b:2379","health":false,"took":"5s","error":"context deadline exceeded"}]';
    healthExit = 1;
    const r = await ops().health(0);
    expect([r.allHealthy, r.problem, r.members.map((m) => m.healthy)]).to.deep.equal([false, '', [true, false]]);
    expect(ran[0]!.okExitCodes).to.deep.equal([0, 1]);
    expect(ran[0]!.timeoutMs).to.equal(config.timeoutMs);
    healthOut = '';
    const p = await ops().health(2000);
    expect(p.problem).to.match(/not JSON/);
    expect(ran[1]!.timeoutMs).to.equal(2000);
  });
});
