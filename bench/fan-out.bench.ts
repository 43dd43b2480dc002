import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../shared/exec/command-runner.js';
import type { BenchContext, BenchResult, Benchmark } from './support/benchmark.js';
import { Fleet } from './support/fleet.js';
import { fleetNodeName } from './support/fleet-identity.js';
import { startFleetKubeApi } from './support/fleet-kube-api.js';
import { ensureFleetPki, type ClientTlsFiles } from './support/fleet-pki.js';
import { readGnuTime, underGnuTime } from './support/gnu-time.js';
import type { ProcSample } from './support/proc.js';
import { fmt, max, median, mib, table } from './support/stats.js';
import { timeHandshakes } from './support/tls-handshakes.js';

/**
 * Fan-out: the real `noderoll plan` (Nodes read from the API server, then the preflight of every
 * node at once: Identity and ListUnits on each agent, drain foresight) against fleets of real
 * agents spread over several simulator processes, one fleet serving mutual TLS with real
 * certificates and, as the baseline for the handshake cost, the same fleet in plaintext; the
 * project's test API server holds a Ready Node per agent. Every check of every node must pass.
 */

const NODEROLL = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'coordinator', 'main.js');

type Mode = 'mtls' | 'plaintext';
const MODES: Mode[] = ['mtls', 'plaintext'];
const MODE_LABEL: Record<Mode, string> = { mtls: 'mutual TLS', plaintext: 'plaintext' };

interface PlanRun {
  seconds: number;
  maxRssKib: number;
  cpuSeconds: number;
  /** CPU of the fleet's simulator processes over the plan (seconds, all processes). */
  fleetCpuSeconds: number;
  /** CPU of this process, i.e. the API server, over the plan (seconds). */
  apiCpuSeconds: number;
}

interface PlanOutput {
  type?: string;
  passed?: boolean;
  warnings?: string[];
  preflight?: { node: string; passed: boolean; checks: { name: string; passed: boolean; detail: string }[] }[];
}

async function writeConfig(ctx: BenchContext, o: { mode: Mode; n: number; ports: readonly number[]; kubeconfig: string; coordinatorTls: ClientTlsFiles }): Promise<string> {
  const nodes = o.ports
    .slice(0, o.n)
    .map((port, i) => `  - { name: ${fleetNodeName(i)}, agent: "127.0.0.1:${port}", role: ${i < 3 ? 'master' : 'node'} }`)
    .join('\n');
  const agents = o.mode === 'mtls' ? `{ callTimeout: 15s, tls: { ca: ${o.coordinatorTls.ca}, cert: ${o.coordinatorTls.cert}, key: ${o.coordinatorTls.key} } }` : '{ callTimeout: 15s, insecurePlaintext: true }';
  const file = join(ctx.tmpDir, `config-${o.mode}-${o.n}.yaml`);
  await writeFile(
    file,
    `apiVersion: noderoll.io/v1alpha1\nkind: CoordinatorConfig\nnodes:\n${nodes}\norder: roles\n` +
      `kubernetes: { kubectl: kubectl, kubeconfig: ${o.kubeconfig}, callTimeout: 15s }\n` +
      `agents: ${agents}\n` +
      `state: { file: ${join(ctx.tmpDir, 'state.json')} }\nlog: { file: ${join(ctx.tmpDir, `noderoll-${o.mode}.log`)}, level: info }\n`,
  );
  return file;
}

const cpuMsOf = (samples: readonly (ProcSample | undefined)[]): number => samples.reduce((sum, s) => sum + (s?.cpuMs ?? Number.NaN), 0);

/** The plan's JSON result, with every check of every one of the n nodes passed; throws naming the first failure. */
function requireAllPassed(stdout: string, n: number, what: string): void {
  const result = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PlanOutput)
    .find((o) => o.type === 'plan');
  if (!result?.preflight) throw new Error(`${what}: no plan result in its output`);
  const failed = result.preflight.flatMap((p) => p.checks.filter((c) => !c.passed).map((c) => `${p.node}: ${c.name}: ${c.detail}`));
  if (result.preflight.length !== n || failed.length > 0 || result.passed !== true) {
    throw new Error(`${what}: ${result.preflight.length} node(s) preflighted, ${failed.length} check(s) failed${failed[0] ? `, first: ${failed[0]}` : ''}${result.warnings?.length ? `; warnings: ${result.warnings.join('; ')}` : ''}`);
  }
}

async function plan(ctx: BenchContext, config: string, fleet: Fleet, what: string, n: number, signal: AbortSignal): Promise<PlanRun> {
  const timeFile = join(ctx.tmpDir, 'time.out');
  const [file, ...args] = underGnuTime('%e %M %U %S', timeFile, [process.execPath, NODEROLL, 'plan', '--config', config, '-o', 'json']);
  const fleetBefore = await fleet.sample();
  const apiBefore = process.cpuUsage();
  const r = await runCommand({ file: file!, args, timeoutMs: 120_000, maxOutputBytes: 64 * 1024 * 1024, signal });
  const api = process.cpuUsage(apiBefore);
  const fleetAfter = await fleet.sample();
  const [seconds, maxRssKib, user, sys] = await readGnuTime(timeFile);
  requireAllPassed(r.stdout, n, what);
  return { seconds: seconds!, maxRssKib: maxRssKib!, cpuSeconds: user! + sys!, fleetCpuSeconds: (cpuMsOf(fleetAfter) - cpuMsOf(fleetBefore)) / 1000, apiCpuSeconds: (api.user + api.system) / 1e6 };
}

const ms = (seconds: number, digits = 2): string => `${fmt(seconds * 1000, digits)} ms`;

export const fanOutBenchmark: Benchmark = {
  name: 'fan-out',
  // Measurement ~2 min; issuing the 1,000 agent certificates (first run only, then cached) 1–5 min.
  budgetMs: 9 * 60_000,
  async run(ctx, signal): Promise<BenchResult> {
    const fleetSize = ctx.quick ? 100 : 1000;
    const sizes = ctx.quick ? [1, 100] : [1, 100, 1000];
    const reps = ctx.quick ? 2 : 5;
    // 4 processes: a real fleet's agents each have their own CPU; here 250 agents share one event
    // loop, and 4 processes let the kernel spread the agents' side of 1,000 handshakes over both
    // cores, whichever is not busy with the coordinator (more processes would only add memory).
    const processes = 4;
    const maxSeconds = Math.ceil(this.budgetMs / 1000);
    const names = Array.from({ length: fleetSize }, (_, i) => fleetNodeName(i));
    const pki = await ensureFleetPki(ctx.cacheDir, names, ctx.log);
    ctx.log(`fan-out: PKI ready (${pki.issued} agent certificate(s) issued now in ${fmt(pki.issueSeconds, 1)} s)`);
    const kube = await startFleetKubeApi(fleetSize, ctx.tmpDir, this.budgetMs);
    const fleets = new Map<Mode, Fleet>();
    try {
      for (const mode of MODES) {
        const fleet = await Fleet.start({ label: `${MODE_LABEL[mode]} fleet`, size: fleetSize, processes, ...(mode === 'mtls' ? { tlsDir: pki.agentsDir } : {}), maxSeconds, startTimeoutMs: 180_000 });
        fleets.set(mode, fleet);
        ctx.log(`fan-out: ${MODE_LABEL[mode]} fleet: ${fleetSize} agents in ${processes} processes up in ${fmt(fleet.startupSeconds, 1)} s`);
      }
      const configs = new Map<string, string>();
      for (const mode of MODES) for (const n of sizes) configs.set(`${mode}/${n}`, await writeConfig(ctx, { mode, n, ports: fleets.get(mode)!.ports, kubeconfig: kube.kubeconfig, coordinatorTls: pki.coordinator }));
      const runs = new Map<string, PlanRun[]>([...configs.keys()].map((k) => [k, []]));
      for (let round = 0; round < reps; round += 1) {
        for (const n of sizes) {
          // Both modes side by side, the first one alternating by round.
          for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
            const what = `plan over ${n} ${MODE_LABEL[mode]} node(s), round ${round + 1}/${reps}`;
            ctx.log(`fan-out: ${what}`);
            runs.get(`${mode}/${n}`)!.push(await plan(ctx, configs.get(`${mode}/${n}`)!, fleets.get(mode)!, what, n, signal));
          }
        }
      }
      const mtlsFleet = fleets.get('mtls')!;
      ctx.log(`fan-out: ${fleetSize} bare TLS handshakes`);
      const serverBefore = await mtlsFleet.sample();
      const handshakes = await timeHandshakes(
        pki.coordinator,
        names.map((node, i) => ({ node, port: mtlsFleet.ports[i]! })),
        10_000,
      );
      const serverCpuSeconds = (cpuMsOf(await mtlsFleet.sample()) - cpuMsOf(serverBefore)) / 1000;
      const fleetEnd = await Promise.all(MODES.map(async (m) => (await fleets.get(m)!.sample()).reduce((sum, s) => sum + (s?.hwmKib ?? Number.NaN), 0)));

      const loadAtEnd = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
      // Every process in the plan (coordinator, fleet, API server) shares this machine's cores, so no
      // plan can finish sooner than all the CPU they spent spread evenly over every core.
      const cores = availableParallelism();
      const floorSeconds = (r: PlanRun): number => (r.cpuSeconds + r.fleetCpuSeconds + r.apiCpuSeconds) / cores;
      const med = (mode: Mode, n: number, f: (r: PlanRun) => number): number => median(runs.get(`${mode}/${n}`)!.map(f));
      const rows = sizes.flatMap((n) =>
        MODES.map((mode) => {
          const rs = runs.get(`${mode}/${n}`)!;
          const sec = med(mode, n, (r) => r.seconds);
          const rss = med(mode, n, (r) => r.maxRssKib);
          const perNode = n > 1 ? `${ms((sec - med(mode, 1, (r) => r.seconds)) / (n - 1))}, ${fmt((rss - med(mode, 1, (r) => r.maxRssKib)) / (n - 1), 0)} KiB` : '(baseline)';
          return [
            String(n),
            MODE_LABEL[mode],
            `${fmt(sec, 2)} s (max ${fmt(max(rs.map((r) => r.seconds)), 2)})`,
            `${fmt(med(mode, n, (r) => r.cpuSeconds), 2)} s`,
            mib(rss),
            perNode,
            `${fmt(med(mode, n, (r) => r.fleetCpuSeconds), 2)} s`,
            `${fmt(med(mode, n, (r) => r.apiCpuSeconds), 2)} s`,
            `${fmt(med(mode, n, floorSeconds), 2)} s`,
          ];
        }),
      );
      // Handshake cost per node: mutual TLS minus plaintext at n nodes, less the same difference at
      // 1 node (loading the CA, certificate and key once; the one node's own handshake), over n − 1.
      const tlsExtra = (n: number, f: (r: PlanRun) => number): number => med('mtls', n, f) - med('plaintext', n, f);
      const perNodeTls = (n: number, f: (r: PlanRun) => number): number => (tlsExtra(n, f) - tlsExtra(1, f)) / (n - 1);
      const costRows = sizes
        .filter((n) => n > 1)
        .map((n) => [
          String(n),
          `${fmt(tlsExtra(n, (r) => r.seconds), 2)} s`,
          ms(perNodeTls(n, (r) => r.seconds)),
          ms(perNodeTls(n, (r) => r.cpuSeconds)),
          ms(perNodeTls(n, (r) => r.fleetCpuSeconds)),
        ]);
      const bigSec = med('mtls', fleetSize, (r) => r.seconds);
      const markdown = [
        `\`node dist/coordinator/main.js plan -o json\` — the real CLI: config, Nodes read from the API server, the preflight of every node (Identity and ListUnits over gRPC, 64 nodes at a time: PREFLIGHT_CONCURRENCY), drain foresight (one pod and one PodDisruptionBudget listing) — against ` +
          `two fleets of ${fleetSize} real agents (agent/agent-daemon.ts startAgent, each on its own 127.0.0.1 port, fake host behind the command-runner seam), each fleet spread over ${processes} bench/fleet-simulator.ts processes of ${fleetSize / processes} agents: ` +
          `one fleet serves **mutual TLS** with real certificates issued by the product's own \`noderoll certs\` code (CertificateAuthority: one CA, an EC P-256 key and certificate per agent naming its node, a coordinator client certificate; the coordinator verifies the chain and that each agent's certificate names the node it meant to reach), ` +
          `the other the same agents in **plaintext** (\`agents.insecurePlaintext\`), the baseline for the cost of TLS. ` +
          `The Kubernetes API is present: the project's test API server (test/kube-api, in the benchmark's process, plain HTTP on 127.0.0.1) holds ${fleetSize} Ready Nodes named like the agents and reporting their boot IDs, no pods; the coordinator reads it directly and runs kubectl where it does. ` +
          `Every check of every node must pass (kubernetes node, agent identity, contract, install, disk, planet unit…) and the plan must pass, or the benchmark fails. ` +
          `Wall time, peak RSS and CPU (user+sys, including the kubectl it runs: \`config view\` and \`get poddisruptionbudgets\`) of the coordinator process by GNU time; medians of ${reps} rounds, sizes and modes interleaved (the mode that goes first alternates by round). ` +
          `Per extra node = (T(n) − T(1)) ÷ (n − 1) within a mode. The simulators and the API server share the ${cores} cores with the coordinator; their CPU (seconds, over the plan; the fleet's summed over its ${processes} processes) is shown. ` +
          `**CPU floor** = (coordinator + fleet + API server CPU) ÷ ${cores} cores: the shortest wall time this machine allows for that work, whatever the coordinator does.`,
        '',
        table(['nodes', 'agents', 'wall time (median)', 'coordinator CPU', 'coordinator peak RSS', 'per extra node', 'fleet CPU', 'API server CPU', 'CPU floor'], rows),
        '',
        `**Handshake cost per node.** Compared: the same plan against the mutual-TLS fleet and the plaintext fleet in the same rounds. Per node = ((T_mTLS(n) − T_plain(n)) − (T_mTLS(1) − T_plain(1))) ÷ (n − 1), the 1-node difference being TLS's fixed cost (loading the CA, certificate and key; one handshake).`,
        '',
        table(['nodes', 'mTLS − plaintext, wall', 'per node, wall', 'per node, coordinator CPU', 'per node, agents\u2019 CPU (fleet)'], costRows),
        '',
        `Bare handshakes, for comparison: ${handshakes.count} mutual-TLS handshakes one after the other from the benchmark's process with the coordinator's certificate and checks (bench/support/tls-handshakes.ts: ALPN h2, SNI and the agent's certificate checked for its node, no gRPC), one connection per agent: ` +
          `${ms(handshakes.seconds / handshakes.count)} wall, ${ms(handshakes.clientCpuSeconds / handshakes.count)} client CPU and ${ms(serverCpuSeconds / handshakes.count)} agent-side CPU per handshake.`,
        '',
        `Goal ${fleetSize === 1000 ? '1,000' : fleetSize} mutual-TLS nodes under 3 s: **${fleetSize === 1000 ? (bigSec < 3 ? `met (${fmt(bigSec, 2)} s)` : `not met (${fmt(bigSec, 2)} s)`) : 'not measured in quick mode'}**; ` +
          `on this machine the CPU floor for that plan is ${fmt(med('mtls', fleetSize, floorSeconds), 2)} s, of which the coordinator's own CPU is ${fmt(med('mtls', fleetSize, (r) => r.cpuSeconds) / cores, 2)} s and the agents' ${fmt(med('mtls', fleetSize, (r) => r.fleetCpuSeconds) / cores, 2)} s. ` +
          `With the agents on their own machines the coordinator's ${fmt(med('mtls', fleetSize, (r) => r.cpuSeconds), 2)} s of CPU would bound it instead (its JavaScript runs on one thread). ` +
          `Fleets: the mutual-TLS one started in ${fmt(fleets.get('mtls')!.startupSeconds, 1)} s, the plaintext one in ${fmt(fleets.get('plaintext')!.startupSeconds, 1)} s; peak RSS of their ${processes} processes together ${mib(fleetEnd[0]!)} and ${mib(fleetEnd[1]!)}. ` +
          `Load average at the end: ${loadAtEnd} (the machine is shared; 2 cores). ` +
          `Certificates: ${pki.issued === 0 ? `all ${fleetSize + 2} from the cache (${ctx.cacheDir})` : `${pki.issued} agent certificates issued in this run in ${fmt(pki.issueSeconds, 0)} s (then cached in ${ctx.cacheDir})`}.`,
      ].join('\n');
      return { title: 'Fan-out: preflight over many agents with mutual TLS', markdown };
    } finally {
      await Promise.allSettled([...fleets.values()].map((f) => f.stop()));
      await kube.close();
    }
  },
};
