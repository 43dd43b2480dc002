import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../agent/agent-daemon.js';
import { parseAgentConfig } from '../agent/config/agent-config.js';
import { silentLogger } from '../shared/log/logger.js';
import { FakeHost } from '../test/unit/agent/fake-host.js';
import { fleetBootId, fleetNodeName } from './support/fleet-identity.js';

/**
 * A fleet of N real agents in one process: the agent's own gRPC service (startAgent), each on its
 * own 127.0.0.1 port, each behind a fake host (test/unit/agent/fake-host.ts) at the command-runner
 * seam, so nothing touches this machine's systemd or packages. Agent K (counted from --first-index,
 * so that several processes make one fleet) serves node sim-K with boot ID and machine ID derived
 * from K; with --tls-dir it serves mutual TLS with DIR/sim-K/{ca.crt,agent.crt,agent.key} (as
 * `noderoll certs issue --role agent --node sim-K --out DIR/sim-K` writes them), else plaintext gRPC.
 *
 * `node fleet-simulator.js N [--first-index K] [--tls-dir DIR] [--max-seconds S]`: prints
 * `{"ports":[...],"pid":P}` once every agent listens, then serves until SIGTERM/SIGINT or its time
 * limit (`--max-seconds`, default 600), and stops every agent.
 */

const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const n = Number(process.argv[2]);
const firstIndex = Number(option('--first-index') ?? 0);
const tlsDir = option('--tls-dir');
const maxSeconds = Number(option('--max-seconds') ?? 600);
if (!Number.isInteger(n) || n < 1 || n > 5000 || !Number.isInteger(firstIndex) || firstIndex < 0 || !(maxSeconds > 0) || (tlsDir !== undefined && !tlsDir.startsWith('/'))) {
  process.stderr.write('usage: fleet-simulator N [--first-index K] [--tls-dir /ABSOLUTE/DIR] [--max-seconds S]\n');
  process.exit(2);
}

/** The agent's `tls:` section: mutual TLS with node sim-K's files, or plaintext. */
function tlsSection(node: string): string {
  if (tlsDir === undefined) return 'tls: { mode: insecure-plaintext }';
  const files = join(tlsDir, node);
  return `tls: { mode: mutual, caFile: ${join(files, 'ca.crt')}, certFile: ${join(files, 'agent.crt')}, keyFile: ${join(files, 'agent.key')} }`;
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
  for (let i = firstIndex; i < firstIndex + n; i += 1) {
    const stateDir = join(dir, `agent-${i}`);
    await mkdir(stateDir);
    const yaml = `
${tlsSection(fleetNodeName(i))}
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
    const bootId = fleetBootId(i);
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
