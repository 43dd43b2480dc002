import { credentials, Metadata, status, type CallOptions, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { EnableUnitRequest } from './generated/noderoll/agent/v1/EnableUnitRequest.js';
import type { InstallEvent__Output } from './generated/noderoll/agent/v1/InstallEvent.js';
import type { InstallFinished__Output } from './generated/noderoll/agent/v1/InstallFinished.js';
import type { InstallStarted__Output } from './generated/noderoll/agent/v1/InstallStarted.js';
import type { JournalEntry__Output } from './generated/noderoll/agent/v1/JournalEntry.js';
import type { ListOperationsRequest } from './generated/noderoll/agent/v1/ListOperationsRequest.js';
import type { ListOperationsResponse__Output } from './generated/noderoll/agent/v1/ListOperationsResponse.js';
import type { ListUnitsResponse__Output } from './generated/noderoll/agent/v1/ListUnitsResponse.js';
import type { NodeAgentClient } from './generated/noderoll/agent/v1/NodeAgent.js';
import type { NodeInfo__Output } from './generated/noderoll/agent/v1/NodeInfo.js';
import type { Operation__Output } from './generated/noderoll/agent/v1/Operation.js';
import type { RebootResponse__Output } from './generated/noderoll/agent/v1/RebootResponse.js';
import type { RunPlanetChecksResponse__Output } from './generated/noderoll/agent/v1/RunPlanetChecksResponse.js';
import type { ScanJournalEvent__Output } from './generated/noderoll/agent/v1/ScanJournalEvent.js';
import type { ScanJournalRequest } from './generated/noderoll/agent/v1/ScanJournalRequest.js';
import type { ScanJournalSummary__Output } from './generated/noderoll/agent/v1/ScanJournalSummary.js';
import type { UnitActionRequest } from './generated/noderoll/agent/v1/UnitActionRequest.js';
import type { UnitActionResponse__Output } from './generated/noderoll/agent/v1/UnitActionResponse.js';
import { loadAgentApi } from './proto.js';

export type { NodeInfo__Output as NodeInfo } from './generated/noderoll/agent/v1/NodeInfo.js';
export type { Operation__Output as Operation } from './generated/noderoll/agent/v1/Operation.js';
export type { Unit__Output as Unit } from './generated/noderoll/agent/v1/Unit.js';
export type { JournalEntry__Output as JournalEntry } from './generated/noderoll/agent/v1/JournalEntry.js';
export type { ScanJournalSummary__Output as ScanJournalSummary } from './generated/noderoll/agent/v1/ScanJournalSummary.js';
export type { InstallEvent__Output as InstallEvent } from './generated/noderoll/agent/v1/InstallEvent.js';

/**
 * The typed client of noderoll-agent, used by the coordinator and the tests: promises for unary
 * calls, collected results (with live callbacks) for streams, a deadline on every call, and
 * AgentCallError carrying the gRPC status code and the agent's message.
 */

export class AgentCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: status,
    readonly details: string,
  ) {
    super(`${method}: ${status[code] ?? code}: ${details}`);
    this.name = 'AgentCallError';
  }

  get codeName(): string {
    return status[this.code] ?? String(this.code);
  }
}

export interface AgentClientOptions {
  /** Deadline of each call unless given per call (default 30 s). */
  defaultDeadlineMs?: number;
  /** Client-side cap on a received message (default 8 MiB). */
  maxReceiveMessageBytes?: number;
}

export interface InstallResult {
  started: InstallStarted__Output | undefined;
  stdout: string[];
  stderr: string[];
  finished: InstallFinished__Output | undefined;
  /** The final status; undefined when the install succeeded. */
  error: AgentCallError | undefined;
}

export interface JournalScanResult {
  entries: JournalEntry__Output[];
  summary: ScanJournalSummary__Output;
}

export class AgentClient {
  private readonly client: NodeAgentClient;
  private readonly deadlineMs: number;

  constructor(
    readonly address: string,
    options: AgentClientOptions = {},
  ) {
    const Ctor = loadAgentApi().noderoll.agent.v1.NodeAgent;
    this.client = new Ctor(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 8 * 1024 * 1024,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    });
    this.deadlineMs = options.defaultDeadlineMs ?? 30_000;
  }

  close(): void {
    this.client.close();
  }

  private opts(deadlineMs?: number): CallOptions {
    return { deadline: Date.now() + (deadlineMs ?? this.deadlineMs) };
  }

  private unary<Req, Res>(
    method: string,
    call: (req: Req, md: Metadata, opts: CallOptions, cb: (err: ServiceError | null, res?: Res) => void) => unknown,
    req: Req,
    deadlineMs?: number,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      call.call(this.client, req, new Metadata(), this.opts(deadlineMs), (err, res) => {
        if (err) reject(new AgentCallError(method, err.code, err.details || err.message));
        else if (res === undefined) reject(new AgentCallError(method, status.INTERNAL, 'empty response'));
        else resolve(res);
      });
    });
  }

  getNodeInfo(deadlineMs?: number): Promise<NodeInfo__Output> {
    return this.unary('GetNodeInfo', this.client.getNodeInfo, {}, deadlineMs);
  }

  listUnits(patterns: string[], options: { loadedOnly?: boolean; deadlineMs?: number } = {}): Promise<ListUnitsResponse__Output> {
    return this.unary('ListUnits', this.client.listUnits, { patterns, loadedOnly: options.loadedOnly ?? false }, options.deadlineMs);
  }

  listFailedUnits(deadlineMs?: number): Promise<ListUnitsResponse__Output> {
    return this.unary('ListFailedUnits', this.client.listFailedUnits, {}, deadlineMs);
  }

  /** The call's deadline covers the unit's own timeout plus a margin. */
  stopUnit(req: UnitActionRequest, deadlineMs?: number): Promise<UnitActionResponse__Output> {
    return this.unary('StopUnit', this.client.stopUnit, req, deadlineMs ?? unitCallDeadline(req.timeoutMs));
  }

  startUnit(req: UnitActionRequest, deadlineMs?: number): Promise<UnitActionResponse__Output> {
    return this.unary('StartUnit', this.client.startUnit, req, deadlineMs ?? unitCallDeadline(req.timeoutMs));
  }

  enableUnit(req: EnableUnitRequest, deadlineMs?: number): Promise<UnitActionResponse__Output> {
    return this.unary('EnableUnit', this.client.enableUnit, req, deadlineMs ?? unitCallDeadline(req.timeoutMs));
  }

  runPlanetChecks(names: string[] = [], deadlineMs?: number): Promise<RunPlanetChecksResponse__Output> {
    return this.unary('RunPlanetChecks', this.client.runPlanetChecks, { names }, deadlineMs ?? 120_000);
  }

  reboot(operationId: string, reason = '', deadlineMs?: number): Promise<RebootResponse__Output> {
    return this.unary('Reboot', this.client.reboot, { operationId, reason }, deadlineMs);
  }

  getOperation(operationId: string, deadlineMs?: number): Promise<Operation__Output> {
    return this.unary('GetOperation', this.client.getOperation, { operationId }, deadlineMs);
  }

  async listOperations(limit = 0, deadlineMs?: number): Promise<Operation__Output[]> {
    const r = await this.unary<ListOperationsRequest, ListOperationsResponse__Output>('ListOperations', this.client.listOperations, { limit }, deadlineMs);
    return r.operations;
  }

  /** Streams a journal scan; entries go to onEntry as they arrive (and are collected unless collect=false). */
  scanJournal(req: ScanJournalRequest, options: { onEntry?: (e: JournalEntry__Output) => void; collect?: boolean; deadlineMs?: number } = {}): Promise<JournalScanResult> {
    const stream = this.client.scanJournal(req, this.opts(options.deadlineMs ?? 120_000));
    const entries: JournalEntry__Output[] = [];
    let summary: ScanJournalSummary__Output | undefined;
    return consume('ScanJournal', stream, (ev: ScanJournalEvent__Output) => {
      if (ev.entry) {
        options.onEntry?.(ev.entry);
        if (options.collect !== false) entries.push(ev.entry);
      } else if (ev.summary) summary = ev.summary;
    }).then(() => {
      if (!summary) throw new AgentCallError('ScanJournal', status.INTERNAL, 'the stream ended without a summary');
      return { entries, summary };
    });
  }

  /**
   * Runs (or follows, or replays) an install. Resolves with everything the stream carried; a
   * failed install resolves too, with `error` set, so callers see its output and its status.
   */
  async install(operationId: string, version: string, options: { onEvent?: (e: InstallEvent__Output) => void; deadlineMs?: number } = {}): Promise<InstallResult> {
    const stream = this.client.install({ operationId, version }, this.opts(options.deadlineMs ?? 30 * 60_000));
    const r: InstallResult = { started: undefined, stdout: [], stderr: [], finished: undefined, error: undefined };
    try {
      await consume('Install', stream, (ev: InstallEvent__Output) => {
        options.onEvent?.(ev);
        if (ev.started) r.started = ev.started;
        else if (ev.stdout) r.stdout.push(ev.stdout.text);
        else if (ev.stderr) r.stderr.push(ev.stderr.text);
        else if (ev.finished) r.finished = ev.finished;
      });
    } catch (err) {
      if (!(err instanceof AgentCallError)) throw err;
      r.error = err;
    }
    return r;
  }

  /** Waits until the agent answers GetNodeInfo (e.g. after a reboot); returns that answer. */
  async waitUntilServing(timeoutMs: number, perCallMs = 1000): Promise<NodeInfo__Output> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        return await this.getNodeInfo(Math.min(perCallMs, Math.max(1, deadline - Date.now())));
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`agent at ${this.address} did not answer within ${timeoutMs} ms; last: ${(last as Error | undefined)?.message ?? 'nothing'}`);
  }
}

function unitCallDeadline(timeoutMs: number | undefined): number {
  return (timeoutMs && timeoutMs > 0 ? timeoutMs : 120_000) + 10_000;
}

/**
 * Drains a server stream. grpc-js ends the readable side and then emits the error (or the OK
 * status) while messages may still be buffered: settle only once every message was delivered.
 */
function consume<T>(method: string, stream: ClientReadableStream<T>, onData: (d: T) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let ended = false;
    let ok = false;
    let failure: AgentCallError | undefined;
    let settled = false;
    const settle = (): void => {
      if (settled || !ended || (!ok && !failure)) return;
      settled = true;
      if (failure) reject(failure);
      else resolve();
    };
    stream.on('data', onData);
    stream.on('error', (err: ServiceError) => {
      failure = new AgentCallError(method, err.code, err.details || err.message);
      // If the readable side never ends (destroyed), do not hang.
      setTimeout(() => {
        ended = true;
        settle();
      }, 1000).unref();
      settle();
    });
    stream.on('status', (s: { code: status }) => {
      ok = s.code === status.OK;
      settle();
    });
    stream.on('end', () => {
      ended = true;
      settle();
    });
  });
}
