import type { ConnectionInjector } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../shared/log/logger.js';
import type { CertificateInfo } from '../../shared/pki/certificate-info.js';
import type { AgentTlsConfig, ListenAddress } from '../config/agent-config.js';
import { LogBudget } from './log-budget.js';
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
 * Refusals are logged (rate-limited) with the peer address and certificate, and so is a TLS 1.2
 * renegotiation attempt, which closes the connection (renegotiation-guard.ts).
 */

export interface GrpcTlsGateOptions {
  tls: AgentTlsConfig;
  material: TlsMaterial;
  injector: ConnectionInjector;
  logger: Logger;
  onRefused?: (kind: RefusalKind | 'handshake' | 'renegotiation') => void;
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
  private readonly server: TlsServer;
  private readonly refuser: Http2Server;
  private readonly refusedSessions = new Set<ServerHttp2Session>();
  /** Every open connection (raw sockets), so that close() does not wait for a client stuck in its handshake. */
  private readonly connections = new Set<Socket>();
  private readonly budget = new LogBudget(30);
  /** Renegotiation comes from admitted peers: anonymous junk spending the budget above must not hide it. */
  private readonly renegotiationBudget = new LogBudget(30);
  private cas: CertificateInfo[];

  constructor(private readonly o: GrpcTlsGateOptions) {
    this.cas = o.material.cas;
    this.server = createTlsServer({
      ...secureContextOptions(o.material, o.tls.minVersion),
      requestCert: true,
      // Verification still runs (socket.authorized says how it went); the gate decides and explains.
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      handshakeTimeout: o.tls.handshakeTimeoutMs,
    });
    this.server.maxConnections = o.tls.maxConnections;
    this.server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
    });
    this.server.on('secureConnection', (socket) => this.admit(socket));
    this.server.on('tlsClientError', (err, socket) => {
      // With a listener here Node leaves the socket open (e.g. after a handshake timeout): close it.
      socket.destroy();
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
      this.server.once('error', reject);
      this.server.listen(addr.port, addr.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
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
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
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

  private logRefusal(fields: { peer: string; kind: string; reason: string; certificate?: string }, budget = this.budget): void {
    const { log, suppressedBefore } = budget.take();
    if (!log) return;
    this.o.logger.warn({ audit: true, ...fields, ...(suppressedBefore > 0 ? { suppressedBefore } : {}) }, 'refused a connection to the gRPC port');
  }
}
