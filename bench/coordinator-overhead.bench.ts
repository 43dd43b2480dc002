import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../shared/exec/command-runner.js';
import { createLogger } from '../shared/log/logger.js';
import { Lab, PLANET_VERSION_UPDATE, PLANET_VERSIONS_LATER } from '../test/lab/lab.js';
import { labAgentConfigYaml, writeLabCoordinatorConfig } from '../test/lab/noderoll-config.js';
import type { BenchResult, Benchmark } from './support/benchmark.js';
import { fmt, max, median, ratio, table } from './support/stats.js';

/**
 * Coordinator overhead: full rolling updates of a 3-node lab by the real CLI (`noderoll update
 * --to V --yes -o json`); the engine's `operation-completed` event splits the wall time into
 * waiting on external work (kubectl, agents, gates, backup, reboots, soak, poll intervals) and the
 * coordinator's own time.
 */

const HERE = fileURLToPath(new URL('.', import.meta.url));
const NODEROLL = join(HERE, '..', 'coordinator', 'main.js');
/** Shipped as source (bench/), not compiled. */
const BASELINE_SCRIPT = join(HERE, '..', '..', 'bench', 'runbook-baseline.sh');
const SOAK_INTERVAL_S = 2;
const SOAK_PASSES = 2;

interface Completed {
  type: string;
  durationMs: number;
  waitingMs: number;
  overheadMs: number;
  nodes: number;
}

export const coordinatorOverheadBenchmark: Benchmark = {
  name: 'coordinator-overhead',
  budgetMs: 10 * 60_000,
  async run(ctx, signal): Promise<BenchResult> {
    const updates = ctx.quick ? 1 : 3; // each: one CLI update and one baseline-script update (6 versions)
    const logger = createLogger('bench-lab', { level: process.env.NODEROLL_BENCH_LOG_LEVEL ?? 'warn' });
    ctx.log('coordinator-overhead: starting a 3-node lab');
    const lab = await Lab.up({ nodes: 3, logger, agentConfig: labAgentConfigYaml });
    try {
      const config = await writeLabCoordinatorConfig(lab, { dir: join(ctx.tmpDir, 'noderoll'), soakInterval: `${SOAK_INTERVAL_S}s`, soakPasses: SOAK_PASSES });
      const versions = [PLANET_VERSION_UPDATE, ...PLANET_VERSIONS_LATER];
      const runs: (Completed & { wallMs: number })[] = [];
      const scriptMs: number[] = [];
      for (let i = 0; i < updates; i += 1) {
        const version = versions[2 * i]!;
        ctx.log(`coordinator-overhead: update ${i + 1}/${updates} to ${version}`);
        let done: Completed | undefined;
        const t0 = Date.now();
        await runCommand({
          file: process.execPath,
          args: [NODEROLL, 'update', '--to', version, '--yes', '--config', config, '-o', 'json'],
          env: lab.hostEnv(),
          timeoutMs: 280_000,
          maxOutputBytes: 16 * 1024 * 1024,
          signal,
          onStdoutLine: (line) => {
            if (!line.startsWith('{')) return;
            const e = JSON.parse(line) as Completed;
            if (e.type === 'operation-completed') done = e;
          },
        });
        if (!done) throw new Error(`noderoll update to ${version} printed no operation-completed event`);
        runs.push({ ...done, wallMs: Date.now() - t0 });
        // Interleaved: the baseline script updates the same nodes to the next version.
        const scriptVersion = versions[2 * i + 1]!;
        ctx.log(`coordinator-overhead: baseline script ${i + 1}/${updates} to ${scriptVersion}`);
        const s0 = Date.now();
        await runCommand({
          file: 'bash',
          args: [BASELINE_SCRIPT, scriptVersion, lab.etcdEndpoints().join(','), String(SOAK_INTERVAL_S), String(SOAK_PASSES), ...lab.nodes.map((n) => `${n.name}:${n.names.machine}`)],
          env: lab.hostEnv(),
          timeoutMs: 280_000,
          signal,
        });
        scriptMs.push(Date.now() - s0);
      }
      const share = runs.map((r) => (100 * r.overheadMs) / r.durationMs);
      const rows = runs.map((r, i) => [
        String(i + 1),
        `${fmt(r.wallMs / 1000, 1)} s`,
        `${fmt(r.durationMs / 1000, 1)} s`,
        `${fmt(r.waitingMs / 1000, 1)} s`,
        `${fmt(r.overheadMs, 0)} ms`,
        `${fmt(share[i]!, 2)}%`,
      ]);
      rows.push(['median', `${fmt(median(runs.map((r) => r.wallMs)) / 1000, 1)} s`, `${fmt(median(runs.map((r) => r.durationMs)) / 1000, 1)} s`, `${fmt(median(runs.map((r) => r.waitingMs)) / 1000, 1)} s`, `${fmt(median(runs.map((r) => r.overheadMs)), 0)} ms`, `${fmt(median(share), 2)}%`]);
      const scriptMedian = median(scriptMs);
      const cliMedian = median(runs.map((r) => r.wallMs));
      const markdown = [
        `${runs.length} full rolling updates of a 3-node lab (systemd-nspawn nodes with agents, etcd, lab Kubernetes API; 3 s reboot pause; soak ${SOAK_PASSES} × ${SOAK_INTERVAL_S} s) by the real CLI, ` +
          `each to the next planet version. Wall = the CLI process start to exit (includes Node start-up and config loading); operation = the engine's \`operation-completed\` durationMs, ` +
          `split into waitingMs (kubectl, agents, gates, backup, reboots, soak, poll intervals) and overheadMs (the coordinator's own work).`,
        '',
        table(['update', 'wall', 'operation', 'waiting on external work', 'coordinator own time', 'own share'], rows),
        '',
        `Goal own time under 2% of the total: **${max(share) < 2 ? 'met' : 'not met'}** (max ${fmt(max(share), 2)}%).`,
        '',
        `Baseline, interleaved with the CLI runs on the same lab: bench/runbook-baseline.sh runs the runbook's commands for the same nodes with no agent and no state ` +
          `(gates: gravity status, etcdctl cluster-health, nodes Ready, pods Running; etcd snapshot; per node: kubectl drain, systemctl stop planet, dpkg -i, systemctl reboot, ` +
          `poll every 0.5 s for a new boot ID + Node Ready with it + the new version, failed units, journal, uncordon, soak ${SOAK_PASSES} × ${SOAK_INTERVAL_S} s).`,
        '',
        table(
          ['', 'median wall', 'runs (s)'],
          [
            ['noderoll update (CLI)', `${fmt(cliMedian / 1000, 1)} s`, runs.map((r) => fmt(r.wallMs / 1000, 1)).join(', ')],
            ['runbook-baseline.sh', `${fmt(scriptMedian / 1000, 1)} s`, scriptMs.map((m) => fmt(m / 1000, 1)).join(', ')],
            ['noderoll ÷ script', ratio(cliMedian, scriptMedian), ''],
          ],
        ),
      ].join('\n');
      return { title: 'Coordinator overhead (3-node lab update)', markdown };
    } finally {
      await lab.down();
    }
  },
};
