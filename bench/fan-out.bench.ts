import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../shared/exec/command-runner.js';
import type { BenchContext, BenchResult, Benchmark } from './support/benchmark.js';
import { Background } from './support/background.js';
import { cpuPercent, sampleProcess } from './support/proc.js';
import { fmt, max, median, mib, table } from './support/stats.js';

/**
 * Fan-out: the real `noderoll plan` (preflight of every node: Identity + ListUnits on each agent,
 * all nodes at once) against a fleet simulator process serving N real agents on 127.0.0.1.
 * Baseline in the same run: the same command with 1 node (process start, config, kubectl).
 */

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SIMULATOR = join(HERE, 'fleet-simulator.js');
const NODEROLL = join(HERE, '..', 'coordinator', 'main.js');

interface PlanRun {
  seconds: number;
  maxRssKib: number;
  cpuSeconds: number;
  reachable: number;
  simCpuPercent: number;
}

interface PlanOutput {
  type?: string;
  preflight?: { checks: { name: string; passed: boolean }[] }[];
}

async function writeConfig(ctx: BenchContext, ports: number[], n: number): Promise<string> {
  const kubeconfig = join(ctx.tmpDir, 'kubeconfig');
  // No cluster: kubectl fails at once (connection refused on 127.0.0.1:9), plan reports it and goes on.
  await writeFile(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: c\n`,
  );
  const nodes = ports
    .slice(0, n)
    .map((port, i) => `  - { name: sim-${i}, agent: "127.0.0.1:${port}", role: ${i < 3 ? 'master' : 'node'} }`)
    .join('\n');
  const file = join(ctx.tmpDir, `config-${n}.yaml`);
  await writeFile(
    file,
    `apiVersion: noderoll.io/v1alpha1\nkind: CoordinatorConfig\nnodes:\n${nodes}\norder: roles\n` +
      `kubernetes: { kubectl: kubectl, kubeconfig: ${kubeconfig}, callTimeout: 5s }\n` +
      `agents: { callTimeout: 15s, insecurePlaintext: true }\n` +
      `state: { file: ${join(ctx.tmpDir, 'state.json')} }\nlog: { file: ${join(ctx.tmpDir, 'noderoll.log')}, level: info }\n`,
  );
  return file;
}

async function plan(ctx: BenchContext, config: string, simPid: number, signal: AbortSignal): Promise<PlanRun> {
  const timeFile = join(ctx.tmpDir, 'time.out');
  const before = await sampleProcess(simPid);
  const r = await runCommand({
    file: '/usr/bin/time',
    args: ['-f', '%e %M %U %S', '-o', timeFile, process.execPath, NODEROLL, 'plan', '--config', config, '-o', 'json'],
    timeoutMs: 120_000,
    okExitCodes: [0, 3], // 3: preflight not passed (there is no Kubernetes cluster behind the simulator)
    maxOutputBytes: 64 * 1024 * 1024,
    signal,
  });
  const after = await sampleProcess(simPid);
  const t = (await readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
  const result = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PlanOutput)
    .find((o) => o.type === 'plan');
  const reachable = (result?.preflight ?? []).filter((p) => p.checks.some((c) => c.name === 'planet unit' && c.passed)).length;
  return { seconds: t[0]!, maxRssKib: t[1]!, cpuSeconds: t[2]! + t[3]!, reachable, simCpuPercent: before && after ? cpuPercent(before, after) : Number.NaN };
}

export const fanOutBenchmark: Benchmark = {
  name: 'fan-out',
  budgetMs: 6 * 60_000,
  async run(ctx, signal): Promise<BenchResult> {
    const sizes = ctx.quick ? [1, 50] : [1, 50, 500];
    const reps = ctx.quick ? 2 : 5;
    const fleetSize = max(sizes);
    const sim = new Background('fleet simulator', process.execPath, [SIMULATOR, String(fleetSize), '--max-seconds', String(Math.ceil(this.budgetMs / 1000))], { timeoutMs: this.budgetMs + 10_000 });
    try {
      const t0 = Date.now();
      const { ports, pid } = await sim.waitForLine((l) => (l.startsWith('{"ports"') ? (JSON.parse(l) as { ports: number[]; pid: number }) : undefined), 120_000);
      const startup = (Date.now() - t0) / 1000;
      const simStart = await sampleProcess(pid);
      ctx.log(`fan-out: ${ports.length} agents up in ${startup.toFixed(1)} s`);
      const configs = new Map<number, string>();
      for (const n of sizes) configs.set(n, await writeConfig(ctx, ports, n));
      const runs = new Map<number, PlanRun[]>(sizes.map((n) => [n, []]));
      for (let i = 0; i < reps; i += 1) {
        for (const n of sizes) {
          ctx.log(`fan-out: plan over ${n} node(s), round ${i + 1}/${reps}`);
          const run = await plan(ctx, configs.get(n)!, pid, signal);
          if (run.reachable !== n) throw new Error(`plan over ${n} nodes preflighted ${run.reachable} agents successfully; expected all`);
          runs.get(n)!.push(run);
        }
      }
      const simEnd = await sampleProcess(pid);
      const base = runs.get(1)!;
      const baseSec = median(base.map((r) => r.seconds));
      const baseRss = median(base.map((r) => r.maxRssKib));
      const rows = sizes.map((n) => {
        const rs = runs.get(n)!;
        const sec = median(rs.map((r) => r.seconds));
        const rss = median(rs.map((r) => r.maxRssKib));
        const perNode = n > 1 ? `${fmt(((sec - baseSec) * 1000) / (n - 1), 2)} ms, ${fmt((rss - baseRss) / (n - 1), 0)} KiB` : '(baseline)';
        return [String(n), `${fmt(sec, 2)} s (max ${fmt(max(rs.map((r) => r.seconds)), 2)})`, fmt(median(rs.map((r) => r.cpuSeconds)), 2) + ' s', mib(rss), perNode, `${fmt(median(rs.map((r) => r.simCpuPercent)), 0)}%`];
      });
      const big = runs.get(fleetSize)!;
      const bigSec = median(big.map((r) => r.seconds));
      const markdown = [
        `\`node dist/coordinator/main.js plan -o json\` (the real CLI: config, kubectl, preflight of every node at once — Identity and ListUnits over gRPC) against ` +
          `one fleet-simulator process (bench/fleet-simulator.ts) serving ${fleetSize} real agents (agent/agent-daemon.ts startAgent, plaintext gRPC, each on its own 127.0.0.1 port, fake host behind the command-runner seam). ` +
          `No Kubernetes API: kubectl fails at once and the "kubernetes node" check fails; every agent check must pass or the run fails. ` +
          `Wall time, peak RSS and CPU (user+sys) of the coordinator process by GNU time; medians of ${reps} rounds, sizes interleaved. The 1-node plan is the baseline; per-node cost = (T(n) − T(1)) ÷ (n − 1). ` +
          `The simulator shares the 2 cores with the coordinator; its CPU during each plan is shown (100% = one core busy).`,
        '',
        table(['nodes', 'wall time (median)', 'coordinator CPU', 'coordinator peak RSS', 'per extra node', 'simulator CPU'], rows),
        '',
        `Goal 500 nodes under 3 s: **${fleetSize === 500 ? (bigSec < 3 ? `met (${fmt(bigSec, 2)} s)` : `not met (${fmt(bigSec, 2)} s)`) : 'not measured in quick mode'}**. ` +
          `Simulator: ${fleetSize} agents started in ${fmt(startup, 1)} s, RSS ${simStart ? mib(simStart.rssKib) : '?'} idle, ${simEnd ? mib(simEnd.hwmKib) : '?'} peak.`,
      ].join('\n');
      return { title: 'Fan-out: preflight over many agents', markdown };
    } finally {
      await sim.stop();
    }
  },
};
