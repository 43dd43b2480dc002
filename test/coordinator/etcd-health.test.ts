import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig } from '../../agent/config/agent-config.js';
import { runPlanetChecks } from '../../agent/node/planet-checks.js';
import { EtcdHealthCommandReader } from '../../coordinator/cluster/etcd-health.js';
import { runCommand } from '../../shared/exec/command-runner.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';

/**
 * The coordinator's etcd gate and the agent's default etcd planet check, judged on what the real
 * etcdctl 3.4 prints about a real 3-member etcd 3.4 cluster on 127.0.0.1 ephemeral ports: healthy,
 * then with one member stopped. Both must name the stopped member (issue 10, defect 7).
 */

interface Member {
  name: string;
  clientUrl: string;
  peerUrl: string;
  stop: AbortController;
  exited: Promise<unknown>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('etcd health read from a real etcd 3.4 cluster (gate and planet check)', function () {
  this.timeout(120_000);
  let dir = '';
  const members: Member[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-etcd-'));
    const ports: number[] = [];
    for (let i = 0; i < 6; i++) ports.push(await freePort());
    const specs = [0, 1, 2].map((i) => ({ name: `m${i + 1}`, clientUrl: `http://127.0.0.1:${ports[2 * i]}`, peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}` }));
    const cluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    for (const s of specs) {
      const stop = new AbortController();
      const exited = runCommand({
        file: 'etcd',
        args: [
          `--name=${s.name}`,
          `--data-dir=${join(dir, s.name)}`,
          '--enable-v2=true',
          `--listen-client-urls=${s.clientUrl}`,
          `--advertise-client-urls=${s.clientUrl}`,
          `--listen-peer-urls=${s.peerUrl}`,
          `--initial-advertise-peer-urls=${s.peerUrl}`,
          `--initial-cluster=${cluster}`,
          '--initial-cluster-state=new',
          `--initial-cluster-token=noderoll-test-${process.pid}`,
        ],
        timeoutMs: 110_000,
        maxOutputBytes: 64 * 1024,
        signal: stop.signal,
      }).catch((err: unknown) => err);
      members.push({ ...s, stop, exited });
    }
    await waitFor({ what: 'the 3 etcd members to report healthy', timeoutMs: 30_000 }, async () => {
      const r = await v2(members[0]!.clientUrl).read();
      return r.healthy ? ready(undefined) : notYet(r.problems.join('; '));
    });
  });

  after(async () => {
    for (const m of members) m.stop.abort();
    await Promise.all(members.map((m) => m.exited));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const v2 = (endpoint: string) => new EtcdHealthCommandReader({ argv: ['etcdctl', `--endpoints=${endpoint}`, 'cluster-health'], format: 'v2', env: { ...process.env, ETCDCTL_API: '2' }, timeoutMs: 20_000 });
  const v3text = (endpoint: string) =>
    new EtcdHealthCommandReader({ argv: ['etcdctl', `--endpoints=${endpoint}`, 'endpoint', 'health', '--cluster', '--command-timeout=1s'], format: 'v3', env: { ...process.env, ETCDCTL_API: '3' }, timeoutMs: 20_000 });
  /** The agent's default etcd-cluster-health check, its `gravity exec … /usr/bin/etcdctl` swapped for the real v2 etcdctl. */
  const agentCheck = (endpoint: string) => {
    const check = parseAgentConfig('', 'defaults').planetChecks.checks.find((c) => c.name === 'etcd-cluster-health')!;
    return { ...check, command: ['env', 'ETCDCTL_API=2', 'etcdctl', `--endpoints=${endpoint}`, 'cluster-health'] };
  };

  it('healthy: the gate (v2 and v3 text) and the planet check pass', async () => {
    const endpoint = members[0]!.clientUrl;
    expect((await v2(endpoint).read()).problems).to.deep.equal([]);
    expect((await v3text(endpoint).read()).problems).to.deep.equal([]);
    const [outcome] = await runPlanetChecks([agentCheck(endpoint)], 20_000);
    expect(outcome).to.include({ ok: true, problem: '' });
  });

  it('one member stopped: the gate and the planet check fail, naming it in the summary', async () => {
    const stopped = members[2]!;
    stopped.stop.abort();
    await stopped.exited;
    const endpoint = members[0]!.clientUrl;
    const gateV2 = await waitFor({ what: 'etcdctl cluster-health to see the stopped member', timeoutMs: 20_000 }, async () => {
      const r = await v2(endpoint).read();
      return r.healthy ? notYet('still healthy') : ready(r);
    });
    expect(gateV2.problems.join('\n')).to.match(/member \S+ is unreachable: \[http:\/\/127\.0\.0\.1:\d+\] are all unreachable/).and.contain(stopped.clientUrl);
    const gateV3 = await v3text(endpoint).read();
    expect(gateV3.healthy).to.equal(false);
    expect(gateV3.problems).to.deep.equal([`endpoint ${stopped.clientUrl} is unhealthy: failed to commit proposal: context deadline exceeded`]);
    const [outcome] = await runPlanetChecks([agentCheck(endpoint)], 20_000);
    expect(outcome!.ok).to.equal(false);
    expect(outcome!.problem).to.contain('is unreachable').and.contain(stopped.clientUrl);
  });
});
