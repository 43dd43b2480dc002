import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { parseConfigText } from '../../../coordinator/config/load-config.js';
import { ConfigError } from '../../../shared/config/config-error.js';
import type { WebhookConfig } from '../../../coordinator/config/config-types.js';
import type { TimedEvent } from '../../../coordinator/engine/events.js';
import { createLogger, type Logger } from '../../../shared/log/logger.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { testConfigYaml, THREE_NODES, TARGET } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { notificationText, WebhookNotifier, type NotificationBody } from '../../../coordinator/notify/webhook-notifier.js';

/** Webhook notifications against a real HTTP receiver on 127.0.0.1. */

interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

/** A local receiver; `respond` decides each answer (status code, or 'hang' to never answer). */
class Receiver {
  readonly received: Received[] = [];
  private readonly hanging: ServerResponse[] = [];
  respond: (n: number) => number | 'hang' = () => 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        const answer = this.respond(this.received.length);
        if (answer === 'hang') return void this.hanging.push(res);
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hooks/T000-SECRET-TOKEN`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('test', { level: 'info' }, stream), lines };
}

const T = '2026-11-27T02:00:00.000Z';
const EVENTS: TimedEvent[] = [
  { type: 'operation-started', operationId: 'op-20261127', targetVersion: '7.0.68', nodes: ['node-1', 'node-2'], resumed: false, time: T },
  { type: 'node-started', node: 'node-1', role: 'master', resumed: false, time: T },
  { type: 'step-started', node: 'node-1', step: 'drainNode', title: 'drain', attempt: 1, time: T },
  { type: 'node-completed', node: 'node-1', durationMs: 125_000, time: T },
  { type: 'node-started', node: 'node-2', role: 'node', resumed: false, time: T },
  { type: 'operation-halted', operationId: 'op-20261127', node: 'node-2', step: 'verifyNodeHealthy', reason: '1 failed unit: x.service', details: [], resumeCommand: 'noderoll resume', time: T },
];

function hook(url: string, over: Partial<WebhookConfig> = {}): WebhookConfig {
  return { url, format: 'json', timeoutMs: 2000, maxAttempts: 5, maxBackoffMs: 40, ...over };
}

describe('coordinator webhook notifications (local receiver)', function () {
  this.timeout(20_000);
  let rx: Receiver;
  beforeEach(async () => {
    rx = new Receiver();
    await rx.start();
  });
  afterEach(async () => {
    await rx.stop();
  });

  it('posts every transition, in order, as JSON with the operation ID; other events are not sent', async () => {
    const { log } = capturingLogger();
    const n = new WebhookNotifier({ webhooks: [hook(rx.url)], operationId: 'op-20261127', log });
    for (const e of EVENTS) n.notify(e);
    n.notify({ type: 'operation-completed', operationId: 'op-20261127', durationMs: 300_000, waitingMs: 290_000, overheadMs: 10_000, nodes: 2, time: T });
    expect(await n.flush(5000)).to.deep.equal([{ webhook: new URL(rx.url).origin, delivered: 6, failed: 0, dropped: 0 }]);
    const bodies = rx.received.map((r) => r.body as NotificationBody);
    expect(bodies.map((b) => b.event)).to.deep.equal(['operation-started', 'node-started', 'node-completed', 'node-started', 'operation-halted', 'operation-completed']);
    expect(rx.received.every((r) => r.contentType === 'application/json' && r.path === '/hooks/T000-SECRET-TOKEN')).to.equal(true);
    expect(bodies.every((b) => b.source === 'noderoll' && b.operationId === 'op-20261127' && b.time === T)).to.equal(true);
    expect(bodies[2]).to.include({ node: 'node-1', text: 'noderoll op-20261127: node node-1 done in 2m 5s' });
    expect(bodies[4]?.text).to.equal('noderoll op-20261127: HALTED at node node-2, step verifyNodeHealthy: 1 failed unit: x.service. Resume with: noderoll resume');
    expect(bodies[4]?.details).to.include({ type: 'operation-halted', step: 'verifyNodeHealthy' });
  });

  it('a canary waiting for confirmation is a transition the operator hears of, with the command that continues', () => {
    const text = notificationText('op-1', { type: 'operation-waiting-for-confirmation', time: '2026-12-02T04:00:00Z', operationId: 'op-1', scope: 'the operation', nodes: ['node-1'], reason: 'the canary node-1 is updated and soaked', resumeCommand: 'noderoll resume --confirm --config /etc/noderoll/config.yaml' });
    expect(text).to.equal('noderoll op-1: waiting for confirmation: the canary node-1 is updated and soaked. Check the canary (node-1), then continue with: noderoll resume --confirm --config /etc/noderoll/config.yaml');
  });

  it('posts a Slack-compatible body ({"text": …}) when format is slack', async () => {
    const { log } = capturingLogger();
    const n = new WebhookNotifier({ webhooks: [hook(rx.url, { format: 'slack' })], operationId: 'op-1', log });
    n.notify(EVENTS[0]!);
    await n.flush(5000);
    expect(rx.received.map((r) => r.body)).to.deep.equal([{ text: 'noderoll op-1: started — updating 2 node(s) (node-1, node-2) to 7.0.68' }]);
  });

  it('retries a failing receiver with doubling backoff capped at maxBackoff, logging each failure without the URL secret', async () => {
    rx.respond = (n) => (n <= 4 ? 503 : 200);
    const { log, lines } = capturingLogger();
    const n = new WebhookNotifier({ webhooks: [hook(rx.url, { maxBackoffMs: 60 })], operationId: 'op-1', log, firstBackoffMs: 20 });
    n.notify(EVENTS[1]!);
    n.notify(EVENTS[3]!);
    const [result] = await n.flush(5000);
    expect(result).to.include({ delivered: 2, failed: 0 });
    expect(rx.received.map((r) => (r.body as NotificationBody).event)).to.deep.equal(['node-started', 'node-started', 'node-started', 'node-started', 'node-started', 'node-completed']);
    const retries = lines.filter((l) => l.msg === 'webhook notification failed; retrying');
    expect(retries).to.have.length(4);
    // each retry logs the backoff it sleeps: doubling from 20 ms, held at maxBackoff (60 ms)
    expect(retries.map((l) => l.retryInMs)).to.deep.equal([20, 40, 60, 60]);
    expect(retries[0]).to.include({ webhook: new URL(rx.url).origin, event: 'node-started', attempt: 1, problem: 'HTTP 503 Service Unavailable' });
    expect(JSON.stringify(lines)).to.not.contain('SECRET');
  });

  it('gives up after maxAttempts on a dead receiver and goes on with the next notification', async () => {
    rx.respond = (n) => (n <= 2 ? 500 : 200);
    const { log, lines } = capturingLogger();
    const n = new WebhookNotifier({ webhooks: [hook(rx.url, { maxAttempts: 2 })], operationId: 'op-1', log, firstBackoffMs: 10 });
    n.notify(EVENTS[1]!);
    n.notify(EVENTS[3]!);
    const [result] = await n.flush(5000);
    expect(result).to.include({ delivered: 1, failed: 1 });
    expect(lines.filter((l) => l.msg === 'webhook notification failed; giving up').map((l) => l.event)).to.deep.equal(['node-started']);
    expect((rx.received.at(-1)?.body as NotificationBody).event).to.equal('node-completed');
  });

  it('never blocks the caller: a receiver that never answers costs notify nothing and the flush at most its bound', async () => {
    rx.respond = () => 'hang';
    const { log, lines } = capturingLogger();
    const n = new WebhookNotifier({ webhooks: [hook(rx.url, { timeoutMs: 5000 })], operationId: 'op-1', log });
    // notify is synchronous (it only queues); flush gives up at its bound although each request may
    // take 5 s: the notifications still pending are counted and logged. (How long each takes: bench/deadlines.)
    for (const e of EVENTS) expect(n.notify(e)).to.equal(undefined);
    const [result] = await n.flush(300);
    expect(result!.delivered).to.equal(0);
    expect(result!.failed + result!.dropped).to.equal(5);
    expect(lines.some((l) => l.msg === 'webhook notifications still pending at exit; giving up on them' && l.pending === 5)).to.equal(true);
    // an unreachable receiver (connection refused) is a logged failure, not an exception
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = new WebhookNotifier({ webhooks: [hook(`http://127.0.0.1:${port}/x`, { maxAttempts: 1 })], operationId: 'op-1', log });
    dead.notify(EVENTS[0]!);
    expect((await dead.flush(5000))[0]).to.include({ failed: 1 });
    expect(lines.some((l) => l.msg === 'webhook notification failed; giving up' && String(l.problem).includes('ECONNREFUSED'))).to.equal(true);
  });

  it('config: notifications.webhooks validated field by field, with defaults', () => {
    const base = 'nodes: [{ name: n1, agent: "10.0.0.1:7443" }]\nagents: { tls: { ca: ca.pem, cert: c.pem, key: k.pem } }\n';
    const c = parseConfigText(`${base}notifications:\n  webhooks:\n    - { url: "https://hooks.example/T1/B2/sec" }\n    - { url: "http://127.0.0.1:9000/n", format: slack, timeout: 3s, maxAttempts: 2, maxBackoff: 5s }\n`, '/etc/noderoll/config.yaml');
    expect(c.notifications.webhooks).to.deep.equal([
      { url: 'https://hooks.example/T1/B2/sec', format: 'json', timeoutMs: 10_000, maxAttempts: 5, maxBackoffMs: 30_000 },
      { url: 'http://127.0.0.1:9000/n', format: 'slack', timeoutMs: 3000, maxAttempts: 2, maxBackoffMs: 5000 },
    ]);
    expect(parseConfigText(base, '/etc/noderoll/config.yaml').notifications.webhooks).to.deep.equal([]);
    let issues: { path: string; message: string }[] = [];
    try {
      parseConfigText(
        `${base}notifications:\n  webhooks:\n    - { url: "ftp://x/y" }\n    - { url: "https://u:p@x/y", format: teams }\n    - { url: "not a url", maxAttempts: 0, retries: 3 }\n    - {}\n`,
        '/etc/noderoll/config.yaml',
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues = err.problems.map((p) => ({ path: p.field, message: p.problem }));
    }
    const at = (path: string): string | undefined => issues.find((i) => i.path === path)?.message;
    expect(at('notifications.webhooks[0].url')).to.match(/must be an http or https URL, got ftp:/);
    expect(at('notifications.webhooks[1].url')).to.match(/must not contain a user name or password/);
    expect(at('notifications.webhooks[1].format')).to.match(/must be one of json, slack/);
    expect(at('notifications.webhooks[2].url')).to.match(/is not a URL/);
    expect(at('notifications.webhooks[2].maxAttempts')).to.match(/between 1 and 20/);
    expect(at('notifications.webhooks[2].retries')).to.match(/unknown field/);
    expect(at('notifications.webhooks[3].url')).to.equal('is required');
  });
});

describe('noderoll update notifies the configured webhooks (CLI, fake cluster, local receiver)', function () {
  this.timeout(20_000);
  let rx: Receiver;
  let dir = '';
  beforeEach(async () => {
    rx = new Receiver();
    await rx.start();
    dir = await mkdtemp(join(tmpdir(), 'noderoll-notify-'));
  });
  afterEach(async () => {
    await rx.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a Slack webhook hears started, each node started and done, and done — and a dead one does not stop the update', async () => {
    const config = join(dir, 'config.yaml');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await writeFile(
      config,
      `${testConfigYaml(dir, THREE_NODES)}\nnotifications:\n  webhooks:\n    - { url: "${rx.url}", format: slack }\n    - { url: "http://127.0.0.1:${deadPort}/gone", maxAttempts: 2, maxBackoff: 10ms }\n`,
    );
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes', '-o', 'json'], io.env)).to.equal(ExitCode.ok);
    expect([...world.nodes.values()].every((n) => n.version === TARGET)).to.equal(true);
    const texts = rx.received.map((r) => (r.body as { text: string }).text);
    expect(texts).to.have.length(8);
    expect(texts[0]).to.match(/^noderoll nr-\S+: started — updating 3 node\(s\)/);
    expect(texts.slice(1, 7).map((t) => t.replace(/^noderoll \S+: /, '').replace(/ in .*$/, ''))).to.deep.equal([
      'node node-1 (master) started',
      'node node-1 done',
      'node node-3 (master) started',
      'node node-3 done',
      'node node-2 (node) started',
      'node node-2 done',
    ]);
    expect(texts[7]).to.match(/: done — 3 node\(s\) updated in /);
  });
});

