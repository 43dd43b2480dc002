import type { TLSSocket } from 'node:tls';

/**
 * TLS 1.2 lets a client renegotiate an established connection (TLS 1.3 has no renegotiation).
 * The agent never needs it, and each one costs a handshake's CPU, so it is refused: the
 * connection is closed the moment a renegotiation starts, and `onAttempt` is told (to audit it).
 */
export function refuseRenegotiation(socket: TLSSocket, onAttempt: () => void): void {
  socket.disableRenegotiation();
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ERR_TLS_RENEGOTIATION_DISABLED') return;
    onAttempt();
    socket.destroy();
  });
}
