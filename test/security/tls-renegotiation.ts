import { connect } from 'node:tls';

/**
 * A client that connects over TLS 1.2 with a client certificate (ALPN h2, as gRPC does) and then
 * asks to renegotiate: says whether the server let it ("renegotiated") or closed the connection.
 */
export async function attemptRenegotiation(
  host: string,
  port: number,
  pem: { ca: string; cert: string; key: string },
  servername: string,
  timeoutMs = 10_000,
): Promise<'renegotiated' | 'closed by the server'> {
  const socket = connect({ host, port, ca: pem.ca, cert: pem.cert, key: pem.key, maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'], servername, checkServerIdentity: () => undefined });
  socket.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`TLS renegotiation with ${host}:${port}: neither done nor refused within ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        if (socket.getProtocol() !== 'TLSv1.2') return reject(new Error(`negotiated ${socket.getProtocol()}, not TLSv1.2`));
        // read what the server sends (its HTTP/2 settings), else the socket never sees the server close it
        socket.resume();
        socket.once('close', () => resolve('closed by the server'));
        const started = socket.renegotiate({ rejectUnauthorized: false }, (err) => {
          if (!err) resolve('renegotiated');
        });
        if (!started) reject(new Error('the renegotiation could not start'));
      });
    });
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
