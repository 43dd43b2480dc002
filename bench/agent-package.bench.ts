import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAgentPackages } from '../packaging/agent-packages.js';
import { createLogger } from '../shared/log/logger.js';
import { sleep } from '../shared/time/wait-for.js';
import { Lab } from '../test/lab/lab.js';
import { LabPki } from '../test/lab/lab-pki.js';
import { NODE_LAB_NODE_BINARY, NODE_LAB_PROJECT_DIR } from '../test/lab/node-rootfs.js';
import { AGENT_CONFIG, AGENT_UNIT, AgentOnNode } from '../test/packaging/agent-on-node.js';
import type { BenchResult, Benchmark } from './support/benchmark.js';
import { median, mib, table } from './support/stats.js';

/**
 * The packaged agent's memory on a real node: a 1-node lab without agent, the .deb installed with
 * `dpkg -i` inside it (configured first, so the package starts the agent), VmRSS of the running
 * /usr/bin/noderoll-agent once idle; the same agent run by Node.js from the checkout
 * (`node dist/agent/main.js`, the lab's runtime, as a transient unit) with the same configuration,
 * alternately, as the baseline.
 */

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CHECKOUT_UNIT = 'noderoll-bench-agent-from-checkout.service';
/** How long the agent is left alone after it serves before its memory is read. */
const SETTLE_MS = 10_000;
const SAMPLES = 3;
const SAMPLE_GAP_MS = 2000;

interface Sample {
  rssKib: number;
  hwmKib: number;
}

async function idleSample(on: AgentOnNode, unit: string, signal: AbortSignal): Promise<Sample> {
  await on.waitServing();
  await sleep(SETTLE_MS, signal);
  const samples: Sample[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    if (i > 0) await sleep(SAMPLE_GAP_MS, signal);
    const { mainPid } = await on.unitState(unit);
    samples.push(await on.memoryKib(mainPid));
  }
  return { rssKib: median(samples.map((s) => s.rssKib)), hwmKib: Math.max(...samples.map((s) => s.hwmKib)) };
}

export const agentPackageBenchmark: Benchmark = {
  name: 'agent-package',
  budgetMs: 8 * 60_000,
  async run(ctx, signal): Promise<BenchResult> {
    const rounds = ctx.quick ? 1 : 3;
    const logger = createLogger('bench-lab', { level: process.env.NODEROLL_BENCH_LOG_LEVEL ?? 'warn' });
    ctx.log('agent-package: building the agent packages (cached when unchanged)');
    const packages = await buildAgentPackages({ outDir: join(HERE, '..', 'packages') });
    ctx.log('agent-package: starting a 1-node lab without agent');
    const lab = await Lab.up({ nodes: 1, logger, seedWorkload: false });
    try {
      const node = lab.nodes[0]!;
      const on = new AgentOnNode(lab, node, await LabPki.create(join(ctx.tmpDir, 'pki'), `lab-${lab.id}`));
      const files = await on.provide(packages);
      await on.writeBundle();
      await on.run('dpkg', ['-i', files.deb]);
      const exe = (await on.run('readlink', [`/proc/${(await on.unitState()).mainPid}/exe`])).stdout.trim();
      if (exe !== '/usr/bin/noderoll-agent') throw new Error(`the packaged agent runs as ${exe}, not /usr/bin/noderoll-agent`);
      const packaged: Sample[] = [];
      const checkout: Sample[] = [];
      for (let r = 0; r < rounds; r += 1) {
        ctx.log(`agent-package: round ${r + 1}/${rounds}, packaged binary`);
        await on.run('systemctl', ['start', AGENT_UNIT]);
        packaged.push(await idleSample(on, AGENT_UNIT, signal));
        await on.run('systemctl', ['stop', AGENT_UNIT]);
        ctx.log(`agent-package: round ${r + 1}/${rounds}, node dist/agent/main.js`);
        await on.run('systemd-run', [`--unit=${CHECKOUT_UNIT}`, '--collect', '--property=KillMode=mixed', NODE_LAB_NODE_BINARY, `${NODE_LAB_PROJECT_DIR}/dist/agent/main.js`, '--config', AGENT_CONFIG]);
        checkout.push(await idleSample(on, CHECKOUT_UNIT, signal));
        await on.run('systemctl', ['stop', CHECKOUT_UNIT]);
      }
      const row = (name: string, s: Sample[]): string[] => [name, mib(median(s.map((x) => x.rssKib))), `${s.map((x) => mib(x.rssKib)).join(', ')}`, mib(Math.max(...s.map((x) => x.hwmKib)))];
      const p = median(packaged.map((x) => x.rssKib));
      const c = median(checkout.map((x) => x.rssKib));
      const markdown = [
        `A 1-node lab (Debian 12 node, systemd 252) without agent; \`dpkg -i\` of ${packages.deb.split('/').pop()} inside it after its agent.yaml and TLS files were written (the lab's agent settings, mutual TLS), so the package starts the agent. ` +
          `Baseline: the same agent and configuration run by Node.js ${process.version} from the checkout (\`node dist/agent/main.js\`, the lab's runtime, as a transient unit), never at the same time as the packaged one. ` +
          `Each round starts the agent, waits until /readyz answers, leaves it alone ${SETTLE_MS / 1000} s and reads VmRSS from /proc/PID/status in the node ${SAMPLES} times ${SAMPLE_GAP_MS / 1000} s apart (median); ${rounds} round(s), alternating.`,
        '',
        table(['agent', 'idle VmRSS (median)', 'per round', 'peak VmHWM'], [row('/usr/bin/noderoll-agent (packaged)', packaged), row('node dist/agent/main.js', checkout)]),
        '',
        `Packaged − checkout: ${p >= c ? '+' : '−'}${mib(Math.abs(p - c))}.`,
      ].join('\n');
      return { title: 'Agent package on a node: idle memory', markdown };
    } finally {
      await lab.down();
    }
  },
};
