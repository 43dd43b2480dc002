import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../agent/agent-daemon.js';
import { parseAgentConfig } from '../agent/config/agent-config.js';
import { silentLogger } from '../shared/log/logger.js';
import { FakeHost } from '../test/unit/agent/fake-host.js';

/**
 * A fleet of N real agents in one process: the agent's own gRPC service (startAgent), each on its
 * own 127.0.0.1 port, each behind a fake host (test/unit/agent/fake-host.ts) at the command-runner
 * seam, so nothing touches this machine's systemd or packages. Plaintext gRPC on loopback.
 *
 * `node fleet-simulator.js N`: prints `{"ports":[...]}` once every agent listens, then serves until
 * SIGTERM/SIGINT or its time limit (`--max-seconds`, default 600), and stops every agent.
 */

const n = Number(process.argv[2]);
const maxSecondsArg = process.argv.indexOf('--max-seconds');
const maxSeconds = maxSecondsArg > 0 ? Number(process.argv[maxSecondsArg + 1]) : 600;
if (!Number.isInteger(n) || n < 1 || n > 5000) {
  process.stderr.write('usage: fleet-simulator N [--max-seconds S]\n');
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), 'noderoll-fleet-'));
const agents: RunningAgent[] = [];
let stopping = false;
const stop = async (code: number): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled(agents.map((a) => a.stop()));
  await rm(dir, { recursive: true, force: true });
  process.exit(code);
};
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
setTimeout(() => void stop(0), maxSeconds * 1000).unref();

try {
  for (let i = 0; i < n; i += 1) {
    const stateDir = join(dir, `agent-${i}`);
    await mkdir(stateDir);
    const yaml = `
tls: { mode: insecure-plaintext }
grpc: { listen: "127.0.0.1:0" }
http: { listen: "" }
stateDir: ${stateDir}
logLevel: silent
packages: { watch: [noderoll-lab-planet] }
install:
  command: ["dpkg", "-i", "/var/lib/noderoll-lab/packages/noderoll-lab-planet_{version}_all.deb"]
operations: { shutdownGraceMs: 0 }
`;
    const host = new FakeHost();
    const bootId = `${(i + 1).toString(16).padStart(8, '0')}-1111-4111-8111-111111111111`;
    agents.push(
      await startAgent(parseAgentConfig(yaml, `fleet agent ${i}`), {
        logger: silentLogger,
        runner: host.runner,
        boot: { bootId, bootTimeUnixMs: 1_795_744_600_000 },
        machineId: (i + 1).toString(16).padStart(32, '0'),
      }),
    );
  }
  process.stdout.write(JSON.stringify({ ports: agents.map((a) => a.grpcPort), pid: process.pid }) + '\n');
} catch (err) {
  process.stderr.write(`fleet simulator failed: ${(err as Error).stack ?? String(err)}\n`);
  await stop(1);
}
