import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * A layer of the agent's memory, run idle next to it by bench/agent-on-node.bench.ts: what the
 * runtime costs before any of the agent's code runs.
 *   runtime — Node.js with the built-in modules the agent uses and their servers listening: an
 *             HTTP/2 server (what gRPC runs on), an HTTP/1 server (/metrics), an event-loop-delay
 *             monitor (the watchdog and metrics sample one);
 *   grpc    — that, plus @grpc/grpc-js and @grpc/proto-loader with the agent's .proto loaded and a
 *             gRPC server serving its service (every method UNIMPLEMENTED).
 * `node footprint-layer.js runtime|grpc`: serves on 127.0.0.1 until SIGTERM or 30 minutes.
 */

const layer = process.argv[2];
if (layer !== 'runtime' && layer !== 'grpc') {
  process.stderr.write('usage: footprint-layer runtime|grpc\n');
  process.exit(2);
}
createHttp2Server().listen(0, '127.0.0.1');
createHttpServer().listen(0, '127.0.0.1');
monitorEventLoopDelay({ resolution: 100 }).enable();
if (layer === 'grpc') {
  const grpc = await import('@grpc/grpc-js');
  const { nodeAgentService } = await import('../shared/agent-api/proto.js');
  const server = new grpc.Server();
  server.addService(nodeAgentService(), {});
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) {
      process.stderr.write(`footprint-layer: ${err.message}\n`);
      process.exit(1);
    }
  });
}
setTimeout(() => process.exit(0), 30 * 60_000);
process.on('SIGTERM', () => process.exit(0));
