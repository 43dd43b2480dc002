import { readFile } from 'node:fs/promises';
import { connect, createSecureContext } from 'node:tls';
import { agentIdentityCheck } from '../../shared/agent-api/agent-client.js';
import type { ClientTlsFiles } from './fleet-pki.js';

/**
 * Mutual-TLS handshakes alone, as the coordinator makes them (its certificate, the CA as the only
 * trust root, SNI = the node's name, the agent accepted only when its certificate names that node,
 * ALPN h2 as gRPC asks), one after the other, each connection closed once the handshake is done:
 * no gRPC. One secure context for all, so what is timed is the handshakes, not loading the files.
 */
export interface HandshakeRun {
  count: number;
  seconds: number;
  /** CPU of this process (user+sys) over the run. */
  clientCpuSeconds: number;
}

export async function timeHandshakes(files: ClientTlsFiles, agents: readonly { node: string; port: number }[], perHandshakeTimeoutMs: number): Promise<HandshakeRun> {
  const [ca, cert, key] = await Promise.all([readFile(files.ca), readFile(files.cert), readFile(files.key)]);
  const secureContext = createSecureContext({ ca, cert, key, minVersion: 'TLSv1.2' });
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (const { node, port } of agents) {
    const address = `127.0.0.1:${port}`;
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, secureContext, servername: node, ALPNProtocols: ['h2'], checkServerIdentity: agentIdentityCheck(node, address) });
      const timer = setTimeout(() => socket.destroy(new Error(`TLS handshake with ${address} (${node}) took over ${perHandshakeTimeoutMs} ms`)), perHandshakeTimeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { count: agents.length, seconds, clientCpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
