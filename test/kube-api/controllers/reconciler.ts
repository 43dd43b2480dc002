import type { Controller, ControllerContext } from './controller.js';
import { DaemonSetController } from './daemonset-controller.js';
import { DisruptionController } from './disruption-controller.js';
import { PodGarbageCollector } from './garbage-collector.js';
import { NodeLifecycleController } from './node-lifecycle-controller.js';
import { PodLifecycleController } from './pod-lifecycle-controller.js';
import { ReplicaSetController } from './replicaset-controller.js';
import { Scheduler } from './scheduler.js';
import { TaintEvictionController } from './taint-eviction-controller.js';

/**
 * Runs every controller in a fixed order, on a fixed interval and soon after any change made from
 * outside (a request or a test writing to the store). One timer, stopped by stop().
 */
export class Reconciler {
  readonly disruption: DisruptionController;
  private readonly controllers: Controller[];
  private interval: NodeJS.Timeout | undefined;
  private pending: NodeJS.Immediate | undefined;
  private running = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly intervalMs: number,
  ) {
    this.disruption = new DisruptionController(ctx);
    // Order matters within one pass: readiness and taints before evictions and placement,
    // placement before start-up, and budgets last so they see the pass's pod changes.
    this.controllers = [
      new NodeLifecycleController(ctx),
      new TaintEvictionController(ctx),
      new PodGarbageCollector(ctx),
      new DaemonSetController(ctx),
      new ReplicaSetController(ctx),
      new Scheduler(ctx),
      new PodLifecycleController(ctx),
      this.disruption,
    ];
  }

  start(): void {
    this.unsubscribe = this.ctx.store.subscribe(() => this.soon());
    this.interval = setInterval(() => this.runOnce(), this.intervalMs);
    this.interval.unref();
    this.soon();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.interval) clearInterval(this.interval);
    this.interval = undefined;
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
  }

  /** One pass of every controller, now. Changes made by the pass do not schedule another. */
  runOnce(now = Date.now()): void {
    if (this.running) return;
    this.running = true;
    try {
      for (const controller of this.controllers) {
        try {
          controller.reconcile(now);
        } catch (err) {
          this.ctx.logger.error({ err, controller: controller.name }, 'controller pass failed');
        }
      }
    } finally {
      this.running = false;
    }
  }

  private soon(): void {
    if (this.running || this.pending || !this.interval) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.runOnce();
    });
  }
}
