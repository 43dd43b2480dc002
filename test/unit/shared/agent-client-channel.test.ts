import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { AgentClient } from '../../../shared/agent-api/agent-client.js';
// grpc-js keeps one process-wide subchannel pool; its module is internal, read here only to see
// whether agent channels put their subchannels in it.
import { getSubchannelPool } from '@grpc/grpc-js/build/src/subchannel-pool.js';

interface PoolInternals {
  pool: Record<string, unknown[]>;
}

describe('AgentClient channel', () => {
  let server: Server;
  let port: number;

  before(async () => {
    // A listener that hangs up at once: the channel resolves and creates its subchannel, then fails.
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps its subchannel out of the global pool, so closing n channels does not sweep n subchannels each', async () => {
    const global = getSubchannelPool(true) as unknown as PoolInternals;
    const clients = [0, 1, 2].map(() => new AgentClient(`127.0.0.1:${port}`, { insecurePlaintext: true, defaultDeadlineMs: 2000 }));
    try {
      const results = await Promise.allSettled(clients.map((c) => c.getNodeInfo(2000)));
      expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
      const inGlobalPool = Object.entries(global.pool).filter(([target, subchannels]) => target.includes(`:${port}`) && subchannels.length > 0);
      expect(inGlobalPool, 'agent subchannels in grpc-js global pool').to.deep.equal([]);
    } finally {
      for (const c of clients) c.close();
    }
  });
});
