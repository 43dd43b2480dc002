import { credentials, Metadata, status, type CallOptions, type ChannelCredentials, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import { noderollIdentity, parseSubjectAltNames } from '../pki/noderoll-identity.js';
import { validateNodeName } from '../validation/node-name.js';
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
import type { SetUpdatePhaseResponse__Output } from './generated/noderoll/agent/v1/SetUpdatePhaseResponse.js';
import type { ScanJournalEvent__Output } from './generated/noderoll/agent/v1/ScanJournalEvent.js';
import type { ScanJournalRequest } from './generated/noderoll/agent/v1/ScanJournalRequest.js';
import type { ScanJournalSummary__Output } from './generated/noderoll/agent/v1/ScanJournalSummary.js';
import type { UnitActionRequest } from './generated/noderoll/agent/v1/UnitActionRequest.js';
import type { UnitActionResponse__Output } from './generated/noderoll/agent/v1/UnitActionResponse.js';
import type { RebootAdvice__Output } from './generated/noderoll/agent/v1/RebootAdvice.js';
import type { CheckEtcdHealthResponse__Output } from './generated/noderoll/agent/v1/CheckEtcdHealthResponse.js';
import type { EtcdSnapshotEvent__Output } from './generated/noderoll/agent/v1/EtcdSnapshotEvent.js';
import type { EtcdSnapshotFinished__Output } from './generated/noderoll/agent/v1/EtcdSnapshotFinished.js';
import type { EtcdSnapshotStarted__Output } from './generated/noderoll/agent/v1/EtcdSnapshotStarted.js';
import { loadAgentApi } from './proto.js';
import { SnapshotFileReceiver } from './snapshot-file-receiver.js';

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

/**
 * Mutual TLS towards one agent: trust only the cluster's noderoll CA, present this client's
 * certificate (role coordinator or reader), and accept the agent only when its certificate names
 * the node this client meant to reach (SAN URI spiffe://noderoll/node/<expectedNode>) — an
 * agent of another node, even with a valid certificate, is refused.
 */
export interface AgentClientTls {
  /** PEM of the cluster's noderoll CA (ca.crt; a bundle of old and new while rotating). */
  ca: string | Buffer;
  /** PEM of this client's certificate and key. Both or neither (without, every agent refuses the connection). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The Kubernetes node name of the agent this client means to reach. */
  expectedNode: string;
  /** Default TLSv1.2. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/**
 * Mutual TLS towards one agent with a secure context made once (agentSecureContext) and shared by
 * the clients of every node: the CA, certificate and key are parsed once, not once per node; each
 * client still accepts only the agent whose certificate names its `expectedNode`.
 */
export interface SharedAgentClientTls {
  context: SecureContext;
  expectedNode: string;
}

export interface AgentClientOptions {
  /** Deadline of each call unless given per call (default 30 s). */
  defaultDeadlineMs?: number;
  /** Client-side cap on a received message (default 8 MiB). */
  maxReceiveMessageBytes?: number;
  /** Mutual TLS: required unless insecurePlaintext is set. */
  tls?: AgentClientTls | SharedAgentClientTls;
  /** Plaintext, only towards an agent running with tls.mode: insecure-plaintext. Must be asked for explicitly. */
  insecurePlaintext?: boolean;
}

/** Reads the client's TLS files (as `noderoll certs issue` writes them) for one node's agent. */
export async function readAgentClientTls(files: { caFile: string; certFile: string; keyFile: string }, expectedNode: string): Promise<AgentClientTls> {
  const [ca, cert, key] = await Promise.all([readFile(files.caFile), readFile(files.certFile), readFile(files.keyFile)]);
  return { ca, cert, key, expectedNode };
}

/** Accepts the agent's certificate only when it names `expectedNode` (the chain to the CA was verified before). */
export function agentIdentityCheck(expectedNode: string, address: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    let uris: string[];
    try {
      uris = parseSubjectAltNames(cert.subjectaltname).uri;
    } catch (err) {
      return new Error(`the agent at ${address} presented a certificate whose names cannot be read: ${(err as Error).message}`);
    }
    const id = noderollIdentity(uris);
    const cn = cert.subject?.CN ?? '?';
    if (!id.identity) return new Error(`the agent at ${address} presented a certificate (CN=${String(cn)}) that ${id.problem}`);
    if (id.identity.kind !== 'node') return new Error(`the peer at ${address} presented a client certificate (role ${id.identity.role}), not an agent certificate`);
    if (id.identity.node !== expectedNode) {
      return new Error(`the agent at ${address} is node "${id.identity.node}" by its certificate, not node "${expectedNode}" this client meant to reach (a wrong address in the configuration, or an impersonation)`);
    }
    return undefined;
  };
}

/** The secure context of agent clients: the CA as the only trust root, this client's certificate and key, TLS 1.2 at least (or minVersion). */
export function agentSecureContext(tls: Omit<AgentClientTls, 'expectedNode'>): SecureContext {
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error('AgentClient: tls.cert and tls.key go together');
  return createSecureContext({ ca: tls.ca, ...(tls.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}), minVersion: tls.minVersion ?? 'TLSv1.2' });
}

function agentCredentials(address: string, tls: AgentClientTls | SharedAgentClientTls): { creds: ChannelCredentials; targetName: string } {
  const expectedNode = validateNodeName('tls.expectedNode', tls.expectedNode);
  const context = 'context' in tls ? tls.context : agentSecureContext(tls);
  // SNI carries the node's name (not an IP, which RFC 6066 forbids there); the check reads the certificate's URI.
  const targetName = isIP(expectedNode) === 0 ? expectedNode : 'noderoll-agent';
  return { creds: credentials.createFromSecureContext(context, { checkServerIdentity: agentIdentityCheck(expectedNode, address) }), targetName };
}

/**
 * The channel target of an agent address: an IP literal goes to grpc-js's IP resolver (ipv4:/ipv6:
 * scheme), which takes it as it is, instead of its DNS resolver, which also sets up a DNS client of
 * its own per channel (the coordinator opens a channel per node); a name stays a DNS target.
 */
export function channelTarget(address: string): string {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):\d+$/.exec(address);
  if (m?.[1] !== undefined && isIP(m[1]) === 6) return `ipv6:${address}`;
  if (m?.[2] !== undefined && isIP(m[2]) === 4) return `ipv4:${address}`;
  return address;
}

/**
 * grpc-js reports a failed connection as UNAVAILABLE "No connection established. Last error:
 * Error: <reason> (<time>). Resolution note: …"; this keeps the reason and says what it means.
 * A certificate refused for its time was judged by this machine's clock (`now`), which it shows.
 */
export function explainConnectionFailure(address: string, details: string, now = new Date()): string {
  const m = /Last error: (?:Error: )?([\s\S]*?)(?: \(\d{4}-\d\d-\d\dT[^)]*\))?\.? Resolution note:/.exec(details);
  if (!m) return details;
  const reason = (m[1] ?? '').trim().replace(/^[0-9A-F]{8,}:error:[0-9A-F]+:SSL routines:[a-z0-9_]+:/, '').replace(/:\.\.\/deps\/openssl.*$/s, '');
  const hints: [RegExp, string][] = [
    [/self[- ]signed certificate|unable to (?:verify the first|get local issuer) certificate/i, `the agent's certificate was not issued by the CA this client trusts`],
    [/certificate has expired/i, `the agent's certificate (or its CA) has expired at coordinator time ${now.toISOString()}: rotate it (docs/security.md), or, if it should still be valid, this machine's clock may be ahead: check NTP here`],
    [
      /certificate is not yet valid/i,
      `the agent's certificate (or its CA) is not yet valid at coordinator time ${now.toISOString()}: this machine's clock may be behind (or the certificate was made on a machine whose clock is ahead): check NTP here`,
    ],
    [/alert protocol version|unsupported protocol/i, 'no TLS version in common (the agent requires TLS 1.2 or newer)'],
    [/wrong version number|packet length too long|disconnected before secure TLS connection/i, 'the agent did not complete a TLS handshake (is it running with tls.mode: insecure-plaintext, or is this not an agent?)'],
    [/ECONNREFUSED/, 'connection refused (is the agent running and listening there?)'],
  ];
  const hint = hints.find(([re]) => re.test(reason))?.[1];
  return `cannot connect to the agent at ${address}: ${hint ? `${hint}: ${reason}` : reason}`;
}

/** A snapshot written to `destination`: the agent's started/finished events and what arrived. */
export interface EtcdSnapshotResult {
  started: EtcdSnapshotStarted__Output | undefined;
  finished: EtcdSnapshotFinished__Output;
  destination: string;
  sizeBytes: number;
  sha256: string;
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
  private readonly plaintext: boolean;

  constructor(
    readonly address: string,
    options: AgentClientOptions,
  ) {
    if (options.tls && options.insecurePlaintext) throw new Error('AgentClient: give either tls or insecurePlaintext, not both');
    if (!options.tls && !options.insecurePlaintext) throw new Error('AgentClient: options.tls is required (mutual TLS); insecurePlaintext: true only towards an agent running with tls.mode: insecure-plaintext');
    const Ctor = loadAgentApi().noderoll.agent.v1.NodeAgent;
    const secure = options.tls ? agentCredentials(address, options.tls) : undefined;
    this.client = new Ctor(channelTarget(address), secure?.creds ?? credentials.createInsecure(), {
      'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 8 * 1024 * 1024,
      'grpc.initial_reconnect_backoff_ms': 100,
      // While a node reboots its channel keeps failing; capped at 500 ms, the first attempt after the
      // agent is back comes soon enough that waitForReboot (polling every 250 ms) sees the new boot
      // within 1 s of it serving (bench/RESULTS.md, "Reboot detection latency").
      'grpc.max_reconnect_backoff_ms': 500,
      // No channelz bookkeeping (call counters, traces) per channel: nothing here serves it, and a coordinator opens one channel per node.
      'grpc.enable_channelz': 0,
      // A subchannel pool of its own: each channel reaches one agent, so sharing gains nothing, and
      // closing a channel makes grpc-js sweep the whole global pool, which made closing n channels
      // cost n² (89 ms of the coordinator's CPU at 1,000 nodes, seconds at 5,000).
      'grpc.use_local_subchannel_pool': 1,
      ...(secure ? { 'grpc.ssl_target_name_override': secure.targetName, 'grpc.default_authority': secure.targetName } : {}),
    });
    this.deadlineMs = options.defaultDeadlineMs ?? 30_000;
    this.plaintext = !secure;
  }

  /** The call's failure with a readable message: connection failures explained, refusals said to be the agent's. */
  private callError(method: string, err: ServiceError): AgentCallError {
    const details = err.details || err.message;
    if (err.code === status.UNAVAILABLE) {
      const explained = explainConnectionFailure(this.address, details);
      const hint = this.plaintext ? ' (this client speaks plaintext: agents require mutual TLS unless configured with tls.mode: insecure-plaintext)' : '';
      return new AgentCallError(method, err.code, explained + hint);
    }
    if (err.code === status.UNAUTHENTICATED) {
      // The agent judged our certificate by its clock and says its time; ours completes the picture.
      const clocks = /not yet valid|has expired/.test(details) ? ` (coordinator time ${new Date().toISOString()})` : '';
      return new AgentCallError(method, err.code, `the agent at ${this.address} refused this client: ${details}${clocks}`);
    }
    return new AgentCallError(method, err.code, details);
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
        if (err) reject(this.callError(method, err));
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

  restartUnit(req: UnitActionRequest, deadlineMs?: number): Promise<UnitActionResponse__Output> {
    return this.unary('RestartUnit', this.client.restartUnit, req, deadlineMs ?? unitCallDeadline(req.timeoutMs));
  }

  getRebootAdvice(deadlineMs?: number): Promise<RebootAdvice__Output> {
    return this.unary('GetRebootAdvice', this.client.getRebootAdvice, {}, deadlineMs);
  }

  checkEtcdHealth(timeoutMs = 0, deadlineMs?: number): Promise<CheckEtcdHealthResponse__Output> {
    return this.unary('CheckEtcdHealth', this.client.checkEtcdHealth, { timeoutMs }, deadlineMs ?? 60_000);
  }

  runPlanetChecks(names: string[] = [], deadlineMs?: number): Promise<RunPlanetChecksResponse__Output> {
    return this.unary('RunPlanetChecks', this.client.runPlanetChecks, { names }, deadlineMs ?? 120_000);
  }

  reboot(operationId: string, reason = '', deadlineMs?: number): Promise<RebootResponse__Output> {
    return this.unary('Reboot', this.client.reboot, { operationId, reason }, deadlineMs);
  }

  /** Records the rolling update's phase on the node (a runbook step name, or idle/done/halted) for its /metrics. */
  setUpdatePhase(req: { operationId: string; phase: string; deadlineMs?: number }, deadlineMs?: number): Promise<SetUpdatePhaseResponse__Output> {
    return this.unary('SetUpdatePhase', this.client.setUpdatePhase, { operationId: req.operationId, phase: req.phase, deadlineMs: req.deadlineMs ?? 0 }, deadlineMs);
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
    return consume(stream, (e) => this.callError('ScanJournal', e), (ev: ScanJournalEvent__Output) => {
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
  async install(
    operationId: string,
    version: string,
    options: { onEvent?: (e: InstallEvent__Output) => void; deadlineMs?: number; mode?: string; packages?: readonly { name: string; version: string }[] } = {},
  ): Promise<InstallResult> {
    const request = { operationId, version, mode: options.mode ?? '', packages: (options.packages ?? []).map((p) => ({ name: p.name, version: p.version, installed: false })) };
    const stream = this.client.install(request, this.opts(options.deadlineMs ?? 30 * 60_000));
    const r: InstallResult = { started: undefined, stdout: [], stderr: [], finished: undefined, error: undefined };
    try {
      await consume(stream, (e) => this.callError('Install', e), (ev: InstallEvent__Output) => {
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

  /**
   * Takes (or replays) an etcd snapshot on the agent's node and writes the streamed bytes to
   * `destination` (a temporary file beside it, renamed only when the size and SHA-256 the agent sends
   * match what arrived). Rejects with AgentCallError for the agent's errors, with an Error naming both
   * values for a mismatch; `destination` is then absent.
   */
  async saveEtcdSnapshot(operationId: string, destination: string, options: { deadlineMs?: number } = {}): Promise<EtcdSnapshotResult> {
    const receiver = await SnapshotFileReceiver.create(destination);
    const stream = this.client.saveEtcdSnapshot({ operationId }, this.opts(options.deadlineMs ?? 10 * 60_000));
    let started: EtcdSnapshotStarted__Output | undefined;
    let finished: EtcdSnapshotFinished__Output | undefined;
    // chunks are written in order: one write at a time, the stream paused while the disk is behind
    let writing: Promise<void> = Promise.resolve();
    let writeError: Error | undefined;
    try {
      await consume(stream, (e) => this.callError('SaveEtcdSnapshot', e), (ev: EtcdSnapshotEvent__Output) => {
        if (ev.started) started = ev.started;
        else if (ev.finished) finished = ev.finished;
        else if (ev.chunk) {
          const chunk = ev.chunk;
          stream.pause();
          writing = writing
            .then(() => receiver.write(chunk))
            .catch((err: Error) => {
              writeError ??= err;
              stream.cancel();
            })
            .finally(() => stream.resume());
        }
      });
      await writing;
      if (writeError) throw new Error(`SaveEtcdSnapshot ${operationId}: writing ${destination} failed: ${writeError.message}`);
      if (!finished) throw new AgentCallError('SaveEtcdSnapshot', status.INTERNAL, 'the stream ended without a finish');
      const kept = await receiver.complete({ sizeBytes: finished.sizeBytes, sha256: finished.sha256 }).catch((err: Error) => {
        throw new Error(`SaveEtcdSnapshot ${operationId}: ${err.message}; ${destination} not written`);
      });
      return { started, finished, destination, ...kept };
    } catch (err) {
      await writing.catch(() => undefined);
      await receiver.discard();
      throw writeError && err instanceof AgentCallError ? new Error(`SaveEtcdSnapshot ${operationId}: writing ${destination} failed: ${writeError.message}`) : err;
    }
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
function consume<T>(stream: ClientReadableStream<T>, toError: (err: ServiceError) => AgentCallError, onData: (d: T) => void): Promise<void> {
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
      failure = toError(err);
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
