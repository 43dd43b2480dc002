import { createServer, createConnection, type Server } from 'node:net';
import { rmSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The container runtime inside the lab's planet (docker on Gravity): a unit of its own, bound to
 * planet, answering on a unix socket. The kubelet stand-in asks it on every status update, as a real
 * kubelet asks the runtime (CRI Status), and reports the Node NotReady while it does not answer.
 */

export const CONTAINER_RUNTIME_SOCKET = '/run/noderoll-lab/container-runtime.sock';
const PROBE_TIMEOUT_MS = 1000;

/** Resolves true when the runtime answers on `socket` within the probe timeout. */
export function containerRuntimeAnswers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = createConnection(socket);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      conn.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    conn.once('data', () => done(true));
    conn.once('error', () => done(false));
    conn.once('end', () => done(false));
  });
}

/** Serves the runtime's status on `socket` until closed. */
export function serveContainerRuntime(socket: string): Promise<Server> {
  mkdirSync(dirname(socket), { recursive: true });
  rmSync(socket, { force: true });
  const server = createServer((conn) => conn.end('{"runtimeReady":true,"networkReady":true}\n'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve(server));
  });
}

async function main(): Promise<void> {
  const socket = process.argv[2] ?? CONTAINER_RUNTIME_SOCKET;
  const server = await serveContainerRuntime(socket);
  process.stdout.write(`container runtime stand-in serving ${socket}\n`);
  const stop = (): void => {
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1]?.endsWith('container-runtime-standin.js')) {
  main().catch((err: Error) => {
    process.stderr.write(`container runtime stand-in: ${err.message}\n`);
    process.exit(1);
  });
}
