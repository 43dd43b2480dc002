import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBackupTaker } from '../../coordinator/cluster/backup.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { FakeClock } from '../unit/coordinator/fakes/fake-clock.js';

/**
 * The default backup verification (`etcdctl snapshot status`) against the real etcd and etcdctl
 * (CI installs both; a missing one is a broken test machine, not a reason to skip): a single-member
 * etcd on 127.0.0.1, an ephemeral-range port, its data in a temp dir.
 */
describe('backup verification with the real etcdctl', function () {
  this.timeout(60_000);
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-backup-etcd-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies an etcd snapshot with the real etcdctl: a real snapshot passes, a corrupt artifact is refused', async () => {
    const etcdDir = join(dir, 'etcd');
    const port = 20000 + Math.floor(Math.random() * 20000);
          const etcd = spawn('etcd', ['--data-dir', etcdDir, '--listen-client-urls', `http://127.0.0.1:${port}`, '--advertise-client-urls', `http://127.0.0.1:${port}`, '--listen-peer-urls', `http://127.0.0.1:${port + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${port + 1}`, '--initial-cluster', `default=http://127.0.0.1:${port + 1}`], { stdio: 'ignore' });
    try {
      const env = { ...process.env, ETCDCTL_API: '3' };
      const verifyArgv = ['etcdctl', 'snapshot', 'status', '{artifact}', '-w', 'json'];
      const save = ['etcdctl', `--endpoints=http://127.0.0.1:${port}`, '--dial-timeout=2s', 'snapshot', 'save', '{artifact}'];
      const taker = new CommandBackupTaker({ argv: save, artifact: join(dir, '{operation}.db'), verifyArgv, env, timeoutMs: 20_000, clock: new FakeClock() });
              const rec = await waitFor({ what: `etcd on 127.0.0.1:${port} to accept a snapshot`, timeoutMs: 30_000 }, async () => {
        try {
          return ready(await taker.takeBackup('snap-ok'));
        } catch (err) {
          return notYet((err as Error).message);
        }
      });
      expect(rec.verification).to.match(/etcdctl snapshot status .* passed: \{"hash":/);
      const corrupt = new CommandBackupTaker({ argv: ['sh', '-c', 'echo not-a-snapshot > "$1"', 'sh', '{artifact}'], artifact: join(dir, '{operation}.db'), verifyArgv, env, timeoutMs: 20_000, clock: new FakeClock() });
      const refused = await corrupt.takeBackup('snap-bad').catch((e: unknown) => e);
      expect((refused as Error).message).to.match(/could not be verified \(backup\.verifyCommand\): .*invalid database/);
    } finally {
      etcd.kill('SIGTERM');
      await new Promise((r) => etcd.once('exit', r));
    }
  });
});
