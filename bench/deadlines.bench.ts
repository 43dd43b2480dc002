import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { startAgent } from '../agent/agent-daemon.js';
import { parseAgentConfig } from '../agent/config/agent-config.js';
import { validateJournalRequest } from '../agent/journal/journal-query.js';
import { scanJournal } from '../agent/journal/journal-reader.js';
import type { TimedEvent } from '../coordinator/engine/events.js';
import { WebhookNotifier } from '../coordinator/notify/webhook-notifier.js';
import { AgentClient } from '../shared/agent-api/agent-client.js';
import { runCommand, type CommandError } from '../shared/exec/command-runner.js';
import { silentLogger } from '../shared/log/logger.js';
import { agentTlsYaml, clientTls, TestPki } from '../test/security/test-pki.js';
import { fakeJournalctl } from '../test/unit/agent/fake-journalctl.js';
import { FakeHost } from '../test/unit/agent/fake-host.js';
import type { BenchResult, Benchmark } from './support/benchmark.js';
import { fmt, max, median, table } from './support/stats.js';

/**
 * Deadlines and caps: how soon after its bound each one really fires, and what the non-blocking
 * paths cost, on this machine under its current load. These claims were wall-clock assertions in
 * the tests (which now assert only the behaviour): runCommand's timeout, the journal scan's time cap,
 * the webhook notifier's notify() and flush bound, and the agent's TLS handshake timeout against
 * slow clients. Baselines, same run: coreutils `timeout` doing the same kill, a bare timer of the
 * same length (the event loop's own lateness), and the same gRPC call without slow clients.
 */

const now = (): number => performance.now();

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const t0 = now();
  await work();
  return now() - t0;
}

const bareTimer = (ms: number): Promise<number> => timed(() => new Promise((r) => setTimeout(r, ms)));

function row(what: string, bound: string, ms: readonly number[], baseline: string, baseMs: readonly number[]): string[] {
  return [what, bound, `${fmt(median(ms))} / ${fmt(max(ms))}`, baseline, `${fmt(median(baseMs))} / ${fmt(max(baseMs))}`];
}

async function commandTimeout(rounds: number): Promise<string[]> {
  const ours: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < rounds; i++) {
    ours.push(await timed(() => runCommand({ file: 'sleep', args: ['10'], timeoutMs: 200 }).catch((e: CommandError) => e)));
    base.push(await timed(() => runCommand({ file: 'timeout', args: ['0.2', 'sleep', '10'], timeoutMs: 10_000, okExitCodes: [124] })));
  }
  return row('runCommand `sleep 10`, timeoutMs 200 → rejected', '200 ms', ours, 'coreutils `timeout 0.2 sleep 10`', base);
}

async function journalTimeCap(rounds: number): Promise<string[]> {
  const limits = { defaultMaxEntries: 100, maxEntries: 1000, defaultTimeoutMs: 5000, maxTimeoutMs: 60_000, maxPatterns: 4, maxPatternLength: 64 };
  const entries = Array.from({ length: 200 }, (_, i) => JSON.stringify({ __CURSOR: `s=x;i=${i}`, MESSAGE: `m${i}`, PRIORITY: '6' }));
  const q = validateJournalRequest({ boot: '', bootId: '', sinceUnixMs: 0, afterCursor: '', priority: '', units: [], includePatterns: [], excludePatterns: [], maxEntries: 0, timeoutMs: 120, newest: false }, limits);
  const ours: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { runner } = fakeJournalctl(entries, { delayMs: 5 }); // 200 entries 5 ms apart: 1 s uncapped
    ours.push(await timed(() => scanJournal(q, () => undefined, { runner, maxMessageBytes: 4096 })));
    base.push(await bareTimer(120));
  }
  return row('scanJournal, timeoutMs 120 (1 s of entries) → returned', '120 ms', ours, 'setTimeout(120)', base);
}

const EVENT = (i: number): TimedEvent => ({ type: 'node-started', node: `node-${i}`, role: 'node', resumed: false, time: '2026-11-27T02:00:00.000Z' });

async function webhooks(rounds: number): Promise<string[][]> {
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => req.resume().on('end', () => hanging.push(res)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const notifyUs: number[] = [];
  const stringifyUs: number[] = [];
  const flush: number[] = [];
  const base: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const n = new WebhookNotifier({ webhooks: [{ url, format: 'json', timeoutMs: 5000, maxAttempts: 5, maxBackoffMs: 30_000 }], operationId: 'bench', log: silentLogger });
      const events = Array.from({ length: 5 }, (_, k) => EVENT(k));
      let t0 = now();
      for (const e of events) n.notify(e);
      notifyUs.push(((now() - t0) * 1000) / events.length);
      t0 = now();
      for (const e of events) JSON.stringify({ source: 'noderoll', operationId: 'bench', event: e.type, details: e });
      stringifyUs.push(((now() - t0) * 1000) / events.length);
      flush.push(await timed(() => n.flush(300)));
      base.push(await bareTimer(300));
    }
  } finally {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return [
    [`notify() of one event (receiver hangs), µs`, '—', `${fmt(median(notifyUs))} / ${fmt(max(notifyUs))}`, 'JSON.stringify of the same body, µs', `${fmt(median(stringifyUs))} / ${fmt(max(stringifyUs))}`],
    row('flush(300) with 5 notifications pending on a hanging receiver', '300 ms', flush, 'setTimeout(300)', base),
  ];
}

async function slowClients(rounds: number, tmpDir: string): Promise<string[][]> {
  const pki = await TestPki.create('bench-deadlines');
  try {
    const agentCert = await pki.agent('test-node', { ips: ['127.0.0.1'] });
    const yaml = `${agentTlsYaml(agentCert)}  handshakeTimeoutMs: 1000
grpc: { listen: "127.0.0.1:0", maxConnectionsPerPeer: 64 }
http: { listen: "" }
stateDir: ${join(tmpDir, 'agent-state')}
packages: { watch: [noderoll-lab-planet] }
`;
    const host = new FakeHost();
    const agent = await startAgent(parseAgentConfig(yaml, 'bench.yaml'), {
      logger: silentLogger,
      runner: (spec) => host.runner(spec),
      boot: { bootId: '33333333-3333-4333-8333-333333333333', bootTimeUnixMs: Date.now() },
      machineId: 'feedfacefeedfacefeedfacefeedface',
    });
    const client = new AgentClient(`127.0.0.1:${agent.grpcPort}`, { defaultDeadlineMs: 30_000, tls: clientTls(await pki.client('coordinator', 'bench'), 'test-node') });
    const served: number[] = [];
    const alone: number[] = [];
    const cut: number[] = [];
    try {
      await client.getNodeInfo(); // connect once: both series measure a call on an open channel
      for (let i = 0; i < rounds; i++) {
        alone.push(await timed(() => client.getNodeInfo()));
        const open = (garbage: boolean): Promise<Socket> =>
          new Promise((resolve, reject) => {
            const s = connect(agent.grpcPort, '127.0.0.1', () => {
              if (garbage) s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + 'A'.repeat(4096));
              resolve(s);
            });
            s.on('error', () => undefined);
            s.once('error', reject);
          });
        const t0 = now();
        const slow = [...(await Promise.all(Array.from({ length: 40 }, () => open(false)))), ...(await Promise.all(Array.from({ length: 10 }, () => open(true))))];
        const closed = Promise.all(slow.map((s) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())))));
        served.push(await timed(() => client.getNodeInfo()));
        await closed;
        cut.push(now() - t0);
      }
    } finally {
      client.close();
      await agent.stop();
    }
    return [
      row('GetNodeInfo while 50 slow clients hold connections', '—', served, 'GetNodeInfo, no slow clients', alone),
      row('all 50 slow clients cut by the agent (from their connect)', 'handshakeTimeoutMs 1000', cut, '—', []),
    ];
  } finally {
    await pki.cleanup();
  }
}

export const deadlinesBenchmark: Benchmark = {
  name: 'deadlines',
  budgetMs: 3 * 60_000,
  async run(ctx): Promise<BenchResult> {
    const rounds = ctx.quick ? 3 : 15;
    ctx.log(`deadlines: ${rounds} rounds each`);
    const rows = [await commandTimeout(rounds), await journalTimeCap(rounds), ...(await webhooks(rounds)), ...(await slowClients(ctx.quick ? 2 : 5, ctx.tmpDir))];
    return {
      title: 'Deadlines and caps: how soon after the bound they fire',
      markdown: [
        `${rounds} rounds each (slow clients: ${ctx.quick ? 2 : 5}); milliseconds, median / max, unless marked µs. Each row's baseline ran in the same round.`,
        '',
        table(['what', 'bound', 'noderoll (median / max)', 'baseline', 'baseline (median / max)'], rows),
      ].join('\n'),
    };
  },
};
