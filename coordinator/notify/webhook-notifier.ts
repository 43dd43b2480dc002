import type { Logger } from '../../shared/log/logger.js';
import { sleep } from '../../shared/time/wait-for.js';
import type { WebhookConfig } from '../config/config-types.js';
import type { TimedEvent } from '../engine/events.js';

/**
 * Webhook notifications of an operation's transitions — started, node started, node done, halted,
 * interrupted, done — for chat and change management. `json` posts noderoll's event with the
 * operation's ID; `slack` posts `{"text": …}` (Slack-compatible incoming webhooks).
 *
 * Never in the update's way: `notify` only queues (bounded; the oldest is dropped when full) and
 * returns; a sender per webhook posts in order, retrying failures with doubling backoff up to
 * maxBackoff, maxAttempts times; what fails is logged with the webhook's origin only (its URL may
 * hold a secret). `flush` gives the queue a bounded time at the end of a run.
 */

export const NOTIFIED_EVENTS = ['operation-started', 'node-started', 'node-completed', 'operation-halted', 'operation-interrupted', 'operation-waiting', 'operation-waiting-for-confirmation', 'operation-completed'] as const;
export type NotifiedEventType = (typeof NOTIFIED_EVENTS)[number];
export const WEBHOOK_QUEUE_MAX = 200;
const FIRST_BACKOFF_MS = 1000;

export interface NotificationBody {
  source: 'noderoll';
  operationId: string;
  /** The event's type: operation-started, node-started, node-completed, operation-halted, operation-interrupted, operation-waiting, operation-completed. */
  event: NotifiedEventType;
  time: string;
  /** One line for humans. */
  text: string;
  node?: string;
  /** The engine's event as it is in `-o json`. */
  details: TimedEvent;
}

export interface WebhookNotifierOptions {
  webhooks: readonly WebhookConfig[];
  operationId: string;
  log: Logger;
  /** First backoff (tests shorten it); doubles up to each webhook's maxBackoff. */
  firstBackoffMs?: number;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}

function isNotified(e: TimedEvent): e is TimedEvent & { type: NotifiedEventType } {
  return (NOTIFIED_EVENTS as readonly string[]).includes(e.type);
}

/** The one-line text of a transition, or undefined for events that are not transitions. */
export function notificationText(operationId: string, e: TimedEvent): string | undefined {
  switch (e.type) {
    case 'operation-started':
      return `noderoll ${operationId}: ${e.resumed ? 'resumed' : 'started'} — updating ${e.nodes.length} node(s) (${e.nodes.join(', ')}) to ${e.targetVersion}`;
    case 'node-started':
      return `noderoll ${operationId}: node ${e.node} (${e.role}) ${e.resumed ? 'resumed' : 'started'}`;
    case 'node-completed':
      return `noderoll ${operationId}: node ${e.node} done in ${seconds(e.durationMs)}`;
    case 'operation-halted':
      return `noderoll ${operationId}: HALTED${e.node ? ` at node ${e.node}` : ''}${e.step ? `, step ${e.step}` : ''}: ${e.reason}. Resume with: ${e.resumeCommand}`;
    case 'operation-interrupted':
      return `noderoll ${operationId}: stopped${e.node ? ` at node ${e.node}` : ''}: ${e.reason}. Resume with: ${e.resumeCommand}`;
    case 'operation-waiting':
      return `noderoll ${operationId}: waiting for a maintenance window before node ${e.node}: ${e.reason}${e.resumeAt ? `; the next window that fits opens at ${e.resumeAt}` : ''}. Continue with: ${e.resumeCommand}`;
    case 'operation-waiting-for-confirmation':
      return `noderoll ${operationId}: waiting for confirmation: ${e.reason}. Check the canary (${e.nodes.join(', ')}), then continue with: ${e.resumeCommand}`;
    case 'operation-completed':
      return `noderoll ${operationId}: done — ${e.nodes} node(s) updated in ${seconds(e.durationMs)}`;
    default:
      return undefined;
  }
}

/** The origin of a URL: what the log shows of a webhook. */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

class WebhookSender {
  private readonly queue: { body: string; event: string }[] = [];
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  readonly origin: string;
  delivered = 0;
  failed = 0;
  dropped = 0;

  constructor(
    private readonly hook: WebhookConfig,
    private readonly log: Logger,
    private readonly firstBackoffMs: number,
  ) {
    this.origin = webhookOrigin(hook.url);
  }

  enqueue(body: string, event: string): void {
    if (this.queue.length >= WEBHOOK_QUEUE_MAX) {
      const old = this.queue.shift();
      this.dropped++;
      this.log.warn({ webhook: this.origin, event: old?.event }, 'webhook queue full: dropped the oldest notification');
    }
    this.queue.push({ body, event });
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      if (this.abort.signal.aborted) {
        this.dropped++;
        continue;
      }
      await this.deliver(next.body, next.event);
    }
  }

  private async deliver(body: string, event: string): Promise<void> {
    let backoff = Math.min(this.firstBackoffMs, this.hook.maxBackoffMs);
    for (let attempt = 1; attempt <= this.hook.maxAttempts; attempt++) {
      const problem = await this.post(body);
      if (problem === undefined) {
        this.delivered++;
        if (attempt > 1) this.log.info({ webhook: this.origin, event, attempt }, 'webhook notification delivered after retrying');
        return;
      }
      const last = attempt === this.hook.maxAttempts || this.abort.signal.aborted;
      this.log.warn({ webhook: this.origin, event, attempt, maxAttempts: this.hook.maxAttempts, problem, ...(last ? {} : { retryInMs: backoff }) }, last ? 'webhook notification failed; giving up' : 'webhook notification failed; retrying');
      if (last) break;
      try {
        await sleep(backoff, this.abort.signal);
      } catch {
        break;
      }
      backoff = Math.min(backoff * 2, this.hook.maxBackoffMs);
    }
    this.failed++;
  }

  /** One POST; undefined when the receiver accepted it (2xx), else what went wrong. */
  private async post(body: string): Promise<string | undefined> {
    try {
      const res = await fetch(this.hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'noderoll' },
        body,
        redirect: 'error',
        signal: AbortSignal.any([AbortSignal.timeout(this.hook.timeoutMs), this.abort.signal]),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? undefined : `HTTP ${res.status} ${res.statusText}`.trim();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      return e.name === 'TimeoutError' ? `no answer within ${this.hook.timeoutMs} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : e.cause?.message ? ` (${e.cause.message})` : ''}`;
    }
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  stop(): void {
    this.abort.abort();
  }

  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }
}

export class WebhookNotifier {
  private readonly senders: { hook: WebhookConfig; sender: WebhookSender }[];

  constructor(private readonly o: WebhookNotifierOptions) {
    this.senders = o.webhooks.map((hook) => ({ hook, sender: new WebhookSender(hook, o.log, o.firstBackoffMs ?? FIRST_BACKOFF_MS) }));
  }

  /** Queues the event for every webhook when it is a transition; returns at once. */
  notify(e: TimedEvent): void {
    if (this.senders.length === 0 || !isNotified(e)) return;
    const text = notificationText(this.o.operationId, e) ?? e.type;
    const json: NotificationBody = { source: 'noderoll', operationId: this.o.operationId, event: e.type, time: e.time, text, ...('node' in e && e.node ? { node: e.node } : {}), details: e };
    for (const { hook, sender } of this.senders) sender.enqueue(JSON.stringify(hook.format === 'slack' ? { text } : json), e.type);
  }

  /**
   * Waits for queued notifications up to timeoutMs, then gives up on the rest (logged). Resolves
   * with what became of them, per webhook origin.
   */
  async flush(timeoutMs: number): Promise<{ webhook: string; delivered: number; failed: number; dropped: number }[]> {
    const idle = Promise.all(this.senders.map((s) => s.sender.idle()));
    let timer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([idle.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)))]);
    if (timer) clearTimeout(timer);
    if (expired) {
      for (const { sender } of this.senders) {
        if (sender.pending > 0) this.o.log.error({ webhook: sender.origin, pending: sender.pending, timeoutMs }, 'webhook notifications still pending at exit; giving up on them');
        sender.stop();
      }
      await idle;
    }
    return this.senders.map(({ sender }) => ({ webhook: sender.origin, delivered: sender.delivered, failed: sender.failed, dropped: sender.dropped }));
  }
}
