import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * Makes a host service listening on 127.0.0.1 reachable from a node at the host side of that
 * node's link. A node's own 127.0.0.0/8 is its loopback, so it can only reach the host at its /30
 * peer address; forwarding keeps host services bound to loopback only.
 */
export class HostGateway {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static listen(listenHost: string, port: number, targetHost: string, targetPort: number): Promise<HostGateway> {
    const server = createServer();
    const gateway = new HostGateway(server);
    server.on('connection', (client) => gateway.forward(client, targetHost, targetPort));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, listenHost, () => {
        server.off('error', reject);
        resolve(gateway);
      });
    });
  }

  private forward(client: Socket, host: string, port: number): void {
    const upstream = createConnection({ host, port });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
