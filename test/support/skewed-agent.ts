/**
 * A real noderoll agent (mutual TLS on, the node behind a FakeHost) as its own process, for tests
 * that start it with a shifted clock (test/support/faketime.ts): the TLS gate then judges client
 * certificates at the node's time, as on a node whose clock is off.
 *
 *   node skewed-agent.js CONFIG.yaml   prints "listening <grpc port>", stops on SIGTERM
 */
import { readFile } from 'node:fs/promises';
import { startAgent } from '../../agent/agent-daemon.js';
import { parseAgentConfig } from '../../agent/config/agent-config.js';
import { silentLogger } from '../../shared/log/logger.js';
import { FakeHost } from '../unit/agent/fake-host.js';

const configFile = process.argv[2];
if (!configFile) throw new Error('usage: skewed-agent.js CONFIG.yaml');
const agent = await startAgent(parseAgentConfig(await readFile(configFile, 'utf8'), configFile), {
  logger: silentLogger,
  runner: new FakeHost().runner,
  boot: { bootId: 'skewed-boot', bootTimeUnixMs: Date.now() - 60_000 },
  machineId: 'skewed-machine',
});
process.stdout.write(`listening ${agent.grpcPort}\n`);
process.once('SIGTERM', () => {
  void agent.stop().then(() => process.exit(0));
});
