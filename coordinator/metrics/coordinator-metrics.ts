import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../../shared/log/logger.js';
import type { TimedEvent } from '../engine/events.js';
import type { OperationRecord } from '../state/operation-record.js';

/**
 * The coordinator's own /metrics during a run (`--metrics-address`): which operation, how many
 * nodes are done, remain and are in flight, the step each node in flight runs now, and how long steps took. Fed by the engine's
 * events, the same ones `-o json` prints.
 */

export const OPERATION_STATES = ['running', 'completed', 'halted', 'interrupted', 'waiting-for-window', 'waiting-for-confirmation'] as const;
const STEP_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export class CoordinatorMetrics {
  readonly registry = new Registry();
  private readonly nodesDone: Gauge;
  private readonly nodesRemaining: Gauge;
  private readonly currentStep: Gauge<'node' | 'step'>;
  private readonly currentStepStarted: Gauge;
  private readonly stepDuration: Histogram<'step' | 'result'>;
  private readonly state: Gauge<'state'>;
  private readonly nodesInFlight: Gauge;
  private readonly done = new Set<string>();
  /** Per node in flight, the step it runs now (several nodes run at once when a pool allows it). */
  private readonly stepOf = new Map<string, string>();
  private readonly inFlight = new Set<string>();
  private readonly total: number;

  constructor(record: OperationRecord) {
    const registers = [this.registry];
    new Gauge({ name: 'noderoll_coordinator_operation_info', help: 'The operation this coordinator runs (always 1).', labelNames: ['operation_id', 'target_version'], registers }).set(
      { operation_id: record.id, target_version: record.targetVersion },
      1,
    );
    this.nodesDone = new Gauge({ name: 'noderoll_coordinator_nodes_done', help: 'Nodes of the operation that are updated (or skipped).', registers });
    this.nodesRemaining = new Gauge({ name: 'noderoll_coordinator_nodes_remaining', help: 'Nodes of the operation still to update.', registers });
    this.currentStep = new Gauge({ name: 'noderoll_coordinator_current_step', help: 'The runbook step running now and its node (1; absent between steps).', labelNames: ['node', 'step'], registers });
    this.currentStepStarted = new Gauge({ name: 'noderoll_coordinator_current_step_started_timestamp_seconds', help: 'When the running step started (0 between steps).', registers });
    this.stepDuration = new Histogram({ name: 'noderoll_coordinator_step_duration_seconds', help: 'How long runbook steps took, by step and result.', labelNames: ['step', 'result'], buckets: STEP_BUCKETS, registers });
    this.nodesInFlight = new Gauge({ name: 'noderoll_coordinator_nodes_in_flight', help: 'Nodes of the operation started and not yet finished (more than 1 when a pool allows it).', registers });
    this.state = new Gauge({ name: 'noderoll_coordinator_operation_state', help: 'The operation state: 1 for the current one, 0 for the others.', labelNames: ['state'], registers });
    this.total = record.nodes.length;
    for (const n of record.nodes) if (n.status === 'completed' || n.status === 'skipped') this.done.add(n.name);
    this.showNodes();
    this.showState('running');
  }

  private showNodes(): void {
    this.nodesDone.set(this.done.size);
    this.nodesRemaining.set(this.total - this.done.size);
    this.nodesInFlight.set(this.inFlight.size);
  }

  private endStep(node: string): void {
    const step = this.stepOf.get(node);
    if (step !== undefined) this.currentStep.remove({ node, step });
    this.stepOf.delete(node);
    if (this.stepOf.size === 0) this.currentStepStarted.set(0);
  }

  private endAll(): void {
    for (const node of [...this.stepOf.keys()]) this.endStep(node);
    this.inFlight.clear();
    this.showNodes();
  }

  private showState(current: (typeof OPERATION_STATES)[number]): void {
    for (const state of OPERATION_STATES) this.state.set({ state }, state === current ? 1 : 0);
  }

  observe(e: TimedEvent): void {
    switch (e.type) {
      case 'node-started':
        this.inFlight.add(e.node);
        this.showNodes();
        break;
      case 'step-started':
        this.endStep(e.node);
        this.currentStep.set({ node: e.node, step: e.step }, 1);
        this.stepOf.set(e.node, e.step);
        this.currentStepStarted.set(Date.parse(e.time) / 1000);
        break;
      case 'step-completed':
      case 'step-failed':
        this.stepDuration.observe({ step: e.step, result: e.type === 'step-completed' ? 'completed' : 'failed' }, e.durationMs / 1000);
        this.endStep(e.node);
        break;
      case 'node-waiting':
        // a node sent back to pending (its drain blocked while others are in flight)
        this.endStep(e.node);
        this.inFlight.delete(e.node);
        this.showNodes();
        break;
      case 'node-completed':
        this.done.add(e.node);
        this.inFlight.delete(e.node);
        this.showNodes();
        break;
      case 'operation-completed':
        this.showState('completed');
        this.endAll();
        break;
      case 'operation-halted':
        this.showState('halted');
        this.endAll();
        break;
      case 'operation-waiting':
        this.showState('waiting-for-window');
        this.endAll();
        break;
      case 'operation-waiting-for-confirmation':
        this.showState('waiting-for-confirmation');
        this.endAll();
        break;
      case 'operation-interrupted':
        this.showState('interrupted');
        this.endAll();
        break;
      default:
        break;
    }
  }
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics on host:port (port 0: any free port). */
export async function serveCoordinatorMetrics(metrics: CoordinatorMetrics, address: string, log: Logger): Promise<MetricsServer> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics here\n');
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  log.info({ metrics: `${host}:${bound}` }, 'coordinator metrics served');
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
