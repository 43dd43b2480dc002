import { connect, type Socket } from 'node:net';

/**
 * Idle TCP connections from one source address, as an attacker without a certificate holds them:
 * connected, silent. Each records whether the other side closed it and how many bytes it sent
 * (an agent refusing at accept sends none). Only for 127.0.0.0/8 and lab node addresses.
 */

export interface IdleConnection {
  socket: Socket;
  /** Resolves when the connection has closed (by either side). */
  closed: Promise<void>;
  bytesReceived(): number;
  closedByPeer(): boolean;
}

export function openIdle(host: string, port: number, localAddress: string): Promise<IdleConnection> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let byPeer = false;
    const socket = connect({ host, port, localAddress });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('end', () => (byPeer = true));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') byPeer = true;
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({ socket, closed, bytesReceived: () => received, closedByPeer: () => byPeer });
    });
  });
}

/** `count` idle connections, opened in batches (a bounded loop), the ones refused at once included. */
export async function openIdleFlood(host: string, port: number, localAddress: string, count: number, batch = 50): Promise<IdleConnection[]> {
  const all: IdleConnection[] = [];
  for (let opened = 0; opened < count; opened += batch) {
    const n = Math.min(batch, count - opened);
    all.push(...(await Promise.all(Array.from({ length: n }, () => openIdle(host, port, localAddress)))));
  }
  return all;
}
