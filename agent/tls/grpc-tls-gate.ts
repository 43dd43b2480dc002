import type { ConnectionInjector } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Session } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../shared/log/logger.js';
import type { CertificateInfo } from '../../shared/pki/certificate-info.js';
import type { AgentTlsConfig, ListenAddress } from '../config/agent-config.js';
import { LogBudget } from './log-budget.js';
import { ConnectionLimits, type AcceptRefusalKind, type ConnectionLimitsConfig } from './connection-limits.js';
import { admitPeer, type RefusalKind } from './peer-admission.js';
import { refuseRenegotiation } from './renegotiation-guard.js';
import type { TlsMaterial } from './tls-material.js';
import { secureContextOptions } from './tls-options.js';

/**
 * The agent's gRPC port with mutual TLS. It terminates TLS itself (Node's tls server: the
 * cluster CA as the only trust root, a client certificate requested, TLS 1.2 at least) and judges
 * each connection before any gRPC is spoken:
 *
 *   - a valid client certificate with a noderoll role: the connection is handed to the gRPC
 *     server (grpc-js connection injection), which authorizes each call by that role;
 *   - anything else (no certificate, another CA, expired, not a client certificate, no role):
 *     the connection never reaches the gRPC service. A minimal HTTP/2 responder answers every
 *     call on it with UNAUTHENTICATED and the reason in words, then closes it. (Refusing during
 *     the handshake instead would leave clients with an unexplained "failed to connect".)
 *
 * Before that, at accept and before any TLS byte, a connection from a source outside
 * `grpc.allowFrom` or over `grpc.maxConnectionsPerPeer` is closed (connection-limits.ts), and
 * one that has not completed its handshake within `tls.handshakeTimeoutMs` of its accept is cut
 * (an absolute deadline: Node's own handshake timeout restarts with every byte received).
 *
 * Refusals are logged (rate-limited; accept-time refusals have a budget of their own, so that a
 * flood does not hide certificate refusals) with the peer address and certificate, and counted. A TLS 1.2
 * renegotiation attempt closes the connection and is logged too (renegotiation-guard.ts).
 */

/** Why a connection was refused: at accept, during the handshake, or by its certificate. */
export type ConnectionRefusalKind = RefusalKind | AcceptRefusalKind | 'handshake' | 'handshake-timeout' | 'total-limit' | 'renegotiation';

export interface GrpcTlsGateOptions {
  tls: AgentTlsConfig;
  limits: ConnectionLimitsConfig;
  material: TlsMaterial;
  injector: ConnectionInjector;
  logger: Logger;
  onRefused?: (kind: ConnectionRefusalKind) => void;
}

/** How long a refused connection may stay open to receive its answer. */
const REFUSED_SESSION_MS = 5000;

/** grpc-message is percent-encoded: bytes outside printable ASCII, and "%". */
function grpcMessage(text: string): string {
  return Array.from(Buffer.from(text, 'utf8'))
    .map((b) => (b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

export class GrpcTlsGate {
  /** Accepts TCP connections and judges them before TLS; the TLS server itself does not listen. */
  private readonly front: NetServer;
  private readonly server: TlsServer;
  private readonly refuser: Http2Server;
  private readonly refusedSessions = new Set<ServerHttp2Session>();
  /** Every open connection (raw sockets), so that close() does not wait for a client stuck in its handshake. */
  private readonly connections = new Set<Socket>();
  private readonly budget = new LogBudget(30);
  /** Renegotiation comes from admitted peers: anonymous junk spending the budget above must not hide it. */
  private readonly renegotiationBudget = new LogBudget(30);
  private readonly acceptBudget = new LogBudget(30);
  private readonly limits: ConnectionLimits;
  /** Connections still in their handshake, by `address:port`, with their deadline. */
  private readonly handshaking = new Map<string, NodeJS.Timeout>();
  /** Connections cut at their handshake deadline (their TLS socket then reports a hang-up: not a second refusal). */
  private readonly cut = new WeakSet<Socket>();
  private cas: CertificateInfo[];

  constructor(private readonly o: GrpcTlsGateOptions) {
    this.cas = o.material.cas;
    this.limits = new ConnectionLimits(o.limits);
    this.server = createTlsServer({
      ...secureContextOptions(o.material, o.tls.minVersion),
      requestCert: true,
      // Verification still runs (socket.authorized says how it went); the gate decides and explains.
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      // A backstop only: the gate's own absolute deadline (handshakeTimeoutMs) comes first.
      handshakeTimeout: 2 * o.tls.handshakeTimeoutMs,
    });
    this.front = createNetServer();
    this.front.maxConnections = o.tls.maxConnections;
    this.front.on('connection', (socket: Socket) => this.accept(socket));
    this.front.on('drop', (d?: { remoteAddress?: string; remotePort?: number }) => {
      this.o.onRefused?.('total-limit');
      this.logAcceptRefusal({ peer: `${d?.remoteAddress}:${d?.remotePort}`, kind: 'total-limit', reason: `${o.tls.maxConnections} connections are open (tls.maxConnections)` });
    });
    this.server.on('secureConnection', (socket) => {
      const key = peerKey(socket);
      clearTimeout(this.handshaking.get(key));
      this.handshaking.delete(key);
      this.admit(socket);
    });
    this.server.on('tlsClientError', (err, socket) => {
      // With a listener here Node leaves the socket open (e.g. after a handshake timeout): close it.
      socket.destroy();
      // The TLS socket wraps the accepted one (Node keeps it as `_parent`).
      if (this.cut.has((socket as unknown as { _parent?: Socket })._parent as Socket)) return;
      this.o.onRefused?.('handshake');
      this.logRefusal({ peer: `${socket.remoteAddress}:${socket.remotePort}`, kind: 'handshake', reason: err.message.split('\n')[0] ?? err.message });
    });

    this.refuser = createHttp2Server({ maxSessionMemory: 1, settings: { maxConcurrentStreams: 4, maxHeaderListSize: 16 * 1024 } });
    this.refuser.on('session', (session) => {
      this.refusedSessions.add(session);
      session.on('close', () => this.refusedSessions.delete(session));
      session.on('error', () => undefined);
      session.setTimeout(REFUSED_SESSION_MS, () => session.destroy());
    });
    this.refuser.on('stream', (stream) => {
      stream.on('error', () => undefined);
      const reason = (stream.session?.socket as { noderollRefusal?: string } | undefined)?.noderollRefusal ?? 'not authenticated';
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status.UNAUTHENTICATED), 'grpc-message': grpcMessage(reason) }, { endStream: true });
      stream.session?.close();
    });
  }

  async listen(addr: ListenAddress): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.front.once('error', reject);
      this.front.listen(addr.port, addr.host, () => {
        this.front.off('error', reject);
        resolve();
      });
    });
    return this.front.address() as AddressInfo;
  }

  /** New connections use the new files (certificate rotation); open ones keep theirs. */
  reload(material: TlsMaterial): void {
    this.server.setSecureContext(secureContextOptions(material, this.o.tls.minVersion));
    this.cas = material.cas;
  }

  /** Stops accepting and drops every connection left (call after the gRPC server shut down its sessions). */
  async close(): Promise<void> {
    for (const s of this.refusedSessions) s.destroy();
    for (const s of this.connections) s.destroy();
    await new Promise<void>((resolve) => this.front.close(() => resolve()));
  }

  /** At accept, before any TLS byte: the source's limits, then the deadline of the handshake. */
  private accept(socket: Socket): void {
    const peer = peerKey(socket);
    const verdict = this.limits.accept(socket.remoteAddress);
    if (!verdict.accepted) {
      this.cutConnection(socket, verdict.kind, verdict.reason);
      return;
    }
    this.connections.add(socket);
    const deadline = setTimeout(() => this.cutConnection(socket, 'handshake-timeout', `no TLS handshake completed within ${this.o.tls.handshakeTimeoutMs} ms of connecting (tls.handshakeTimeoutMs)`), this.o.tls.handshakeTimeoutMs);
    this.handshaking.set(peer, deadline);
    socket.on('close', () => {
      clearTimeout(deadline);
      this.handshaking.delete(peer);
      this.connections.delete(socket);
      verdict.release();
    });
    this.server.emit('connection', socket);
  }

  private cutConnection(socket: Socket, kind: ConnectionRefusalKind, reason: string): void {
    const peer = peerKey(socket);
    this.cut.add(socket);
    socket.on('error', () => undefined);
    socket.destroy();
    this.o.onRefused?.(kind);
    this.logAcceptRefusal({ peer, kind, reason });
  }

  private admit(socket: TLSSocket): void {
    // A reset from the peer must never become an unhandled 'error'.
    socket.on('error', () => undefined);
    const verdict = admitPeer(socket, this.cas);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    refuseRenegotiation(socket, () => {
      this.o.onRefused?.('renegotiation');
      const certificate = verdict.admitted ? verdict.caller.text : verdict.certificate;
      this.logRefusal({ peer, kind: 'renegotiation', reason: 'the client attempted TLS renegotiation, which the agent refuses: connection closed', certificate }, this.renegotiationBudget);
    });
    if (verdict.admitted) {
      this.o.injector.injectConnection(socket);
      return;
    }
    this.o.onRefused?.(verdict.kind);
    this.logRefusal({ peer, kind: verdict.kind, reason: verdict.reason, certificate: verdict.certificate });
    (socket as TLSSocket & { noderollRefusal?: string }).noderollRefusal = verdict.reason;
    this.refuser.emit('connection', socket);
  }

  private logAcceptRefusal(fields: { peer: string; kind: ConnectionRefusalKind; reason: string }): void {
    this.logRefusal(fields, this.acceptBudget);
  }

  private logRefusal(fields: { peer: string; kind: string; reason: string; certificate?: string }, budget = this.budget): void {
    const { log, suppressedBefore } = budget.take();
    if (!log) return;
    this.o.logger.warn({ audit: true, ...fields, ...(suppressedBefore > 0 ? { suppressedBefore } : {}) }, 'refused a connection to the gRPC port');
  }
}

/** `address:port` of a connection: the same for its raw socket and its TLS socket. */
function peerKey(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
