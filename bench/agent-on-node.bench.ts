import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';
import { Agent as HttpsAgent, request } from 'node:https';
import { join } from 'node:path';
import { loadConfig } from '../coordinator/config/load-config.js';
import { AgentClient, readAgentClientTls } from '../shared/agent-api/agent-client.js';
import { createLogger } from '../shared/log/logger.js';
import { notYet, ready, sleep, waitFor } from '../shared/time/wait-for.js';
import { Lab, type LabNode } from '../test/lab/lab.js';
import { NODE_LAB_NODE_BINARY, NODE_LAB_PROJECT_DIR } from '../test/lab/node-rootfs.js';
import { AGENT_METRICS_PORT, labAgentConfigYaml, writeLabCoordinatorConfig } from '../test/lab/noderoll-config.js';
import type { BenchResult, Benchmark } from './support/benchmark.js';
import { fmt, median, mib, table } from './support/stats.js';

/**
 * The packaged agent on a real node, idle and after 1,000 RPCs, side by side with what it is
 * measured against, all running at once in one lab node under its systemd: a bare Node.js of the
 * same version, two layers of the runtime the agent is built on (bench/footprint-layer.ts), and
 * Debian's prometheus-node-exporter. Every subject is a systemd unit, so its CPU is its cgroup's:
 * the agent's includes the programs it runs (systemctl, dpkg-query, df, systemd-notify).
 */

const NODE_EXPORTER_HOST = '/usr/bin/prometheus-node-exporter';
const NODE_EXPORTER_NODE = '/usr/local/bin/prometheus-node-exporter';
const NODE_EXPORTER_PORT = 9100;
const SCRAPE_EVERY_MS = 15_000;
const SAMPLE_EVERY_MS = 5_000;
const RPC_CONCURRENCY = 4;

interface Subject {
  name: string;
  unit: string;
  metricsUrl?: string;
  /** Mutual TLS for the scrape (the agent's /metrics wants a reader certificate, as Prometheus has). */
  tlsAgent?: HttpsAgent;
}

interface Reading {
  rssKib: number;
  anonKib: number;
  fileKib: number;
  hwmKib: number;
  /** CPU of the unit's cgroup (the process and its children), µs. */
  cgroupUsec: number;
  /** CPU of the main process alone, in clock ticks (USER_HZ 100). */
  procTicks: number;
}

interface WindowResult {
  rssKib: number;
  anonKib: number;
  fileKib: number;
  hwmKib: number;
  cgroupCpu: number;
  procCpu: number;
}

/** The units' main PIDs and cgroups, as systemd reports them. */
async function locate(node: LabNode, s: Subject): Promise<{ pid: number; cgroup: string }> {
  const show = (await node.exec('systemctl', ['show', '-p', 'MainPID,ControlGroup,ActiveState', s.unit], { timeoutMs: 10_000 })).stdout;
  const prop = (k: string): string => new RegExp(`^${k}=(.*)$`, 'm').exec(show)?.[1] ?? '';
  const pid = Number(prop('MainPID'));
  if (prop('ActiveState') !== 'active' || !(pid > 0)) throw new Error(`${s.unit} is not running in ${node.name}: ${show.replace(/\n/g, ' ')}`);
  return { pid, cgroup: prop('ControlGroup') };
}

const v2Roots = new WeakMap<LabNode, string>();

/** Where the node's cgroup v2 tree is: /sys/fs/cgroup (unified), or /sys/fs/cgroup/unified when systemd runs hybrid (cpu.stat's usage_usec is there). */
async function cgroupV2Root(node: LabNode): Promise<string> {
  let root = v2Roots.get(node);
  if (root === undefined) {
    const type = (await node.exec('stat', ['-f', '-c', '%T', '/sys/fs/cgroup'], { timeoutMs: 10_000 })).stdout.trim();
    root = type === 'cgroup2fs' ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
    v2Roots.set(node, root);
  }
  return root;
}

/** One reading of every subject with a single `cat` in the node (status, stat, cgroup cpu.stat of each). */
async function read(node: LabNode, where: { pid: number; cgroup: string }[]): Promise<Reading[]> {
  const root = await cgroupV2Root(node);
  const files = where.flatMap((w) => [`/proc/${w.pid}/status`, `/proc/${w.pid}/stat`, `${root}${w.cgroup}/cpu.stat`]);
  const out = (await node.exec('cat', files, { timeoutMs: 10_000 })).stdout;
  // Each status starts with "Name:"; each stat is one line "PID (comm) ..."; each cpu.stat starts with "usage_usec".
  const parts = out.split(/^(?=Name:|usage_usec |\d+ \()/m);
  return where.map((_, i) => {
    const status = parts[i * 3] ?? '';
    const stat = parts[i * 3 + 1] ?? '';
    const cpu = parts[i * 3 + 2] ?? '';
    const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      rssKib: kib('VmRSS'),
      anonKib: kib('RssAnon'),
      fileKib: kib('RssFile'),
      hwmKib: kib('VmHWM'),
      cgroupUsec: Number(/^usage_usec (\d+)/m.exec(cpu)?.[1] ?? NaN),
      procTicks: Number(rest[11]) + Number(rest[12]),
    };
  });
}

/** GET of an exporter's /metrics, over kept-alive mutual TLS when the subject has a TLS agent (as Prometheus scrapes). */
function scrape(s: Subject): Promise<string> {
  const url = s.metricsUrl!;
  if (!s.tlsAgent) {
    return fetch(url, { signal: AbortSignal.timeout(10_000) }).then(async (r) => {
      const body = await r.text();
      if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
      return body;
    });
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: s.tlsAgent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Leaves every subject alone for windowMs (scraping the exporters every 15 s when lastScrape is given); medians of the readings. */
async function idleWindow(node: LabNode, subjects: Subject[], windowMs: number, signal: AbortSignal, lastScrape?: Map<string, string>): Promise<WindowResult[]> {
  const where = await Promise.all(subjects.map((s) => locate(node, s)));
  const first = await read(node, where);
  const t0 = Date.now();
  const readings: Reading[][] = [];
  let nextScrape = t0;
  while (Date.now() - t0 < windowMs) {
    if (lastScrape && Date.now() >= nextScrape) {
      for (const s of subjects) if (s.metricsUrl) lastScrape.set(s.name, await scrape(s));
      nextScrape += SCRAPE_EVERY_MS;
    }
    await sleep(Math.min(SAMPLE_EVERY_MS, windowMs - (Date.now() - t0)), signal);
    readings.push(await read(node, where));
  }
  const last = readings[readings.length - 1]!;
  const wallMs = Date.now() - t0;
  return subjects.map((_, i) => ({
    rssKib: median(readings.map((r) => r[i]!.rssKib)),
    anonKib: median(readings.map((r) => r[i]!.anonKib)),
    fileKib: median(readings.map((r) => r[i]!.fileKib)),
    hwmKib: last[i]!.hwmKib,
    cgroupCpu: ((last[i]!.cgroupUsec - first[i]!.cgroupUsec) / 1000 / wallMs) * 100,
    procCpu: (((last[i]!.procTicks - first[i]!.procTicks) * 10) / wallMs) * 100,
  }));
}

/** The agent's own view of its memory, from the default Node.js metrics on its /metrics. */
function heapFacts(metrics: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of metrics.matchAll(/^noderoll_agent_nodejs_(heap_size_used_bytes|heap_size_total_bytes|external_memory_bytes|heap_space_size_(used|total)_bytes\{space="(\w+)"\}) (\S+)$/gm)) {
    out.set(m[3] ? `space ${m[3]} ${m[2]}` : m[1]!, Number(m[4]));
  }
  return out;
}

export const agentOnNodeBenchmark: Benchmark = {
  name: 'agent-on-node',
  budgetMs: 12 * 60_000,
  async run(ctx, signal): Promise<BenchResult> {
    const windowMs = ctx.quick ? 20_000 : 60_000;
    const rpcs = ctx.quick ? 200 : 1000;
    const logger = createLogger('bench-lab', { level: process.env.NODEROLL_BENCH_LOG_LEVEL ?? 'warn' });
    ctx.log('agent-on-node: starting a 1-node lab with the packaged agent (dpkg -i, mutual TLS)');
    const lab = await Lab.up({ nodes: 1, logger, agentConfig: labAgentConfigYaml, seedWorkload: false });
    let client: AgentClient | undefined;
    let readerAgent: HttpsAgent | undefined;
    try {
      const node = lab.nodes[0]!;
      const addr = node.names.nodeAddress;
      const exe = (await node.exec('readlink', [`/proc/${(await locate(node, { name: 'agent', unit: 'noderoll-agent.service' })).pid}/exe`], { timeoutMs: 10_000 })).stdout.trim();
      if (exe !== '/usr/bin/noderoll-agent') throw new Error(`the agent runs as ${exe}, not the packaged /usr/bin/noderoll-agent`);
      const reader = lab.pki!.reader;
      readerAgent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: await readFile(reader.ca), cert: await readFile(reader.cert), key: await readFile(reader.key) });
      const nodeVersion = (await node.exec(NODE_LAB_NODE_BINARY, ['--version'], { timeoutMs: 10_000 })).stdout.trim();
      const subjects: Subject[] = [
        { name: 'bare', unit: 'noderoll-bench-bare-node.service' },
        { name: 'runtime', unit: 'noderoll-bench-layer-runtime.service' },
        { name: 'grpc', unit: 'noderoll-bench-layer-grpc.service' },
        { name: 'agent', unit: 'noderoll-agent.service', metricsUrl: `https://${addr}:${AGENT_METRICS_PORT}/metrics`, tlsAgent: readerAgent },
      ];
      const layer = `${NODE_LAB_PROJECT_DIR}/dist/bench/footprint-layer.js`;
      const start = (unit: string, argv: string[]): Promise<unknown> => node.exec('systemd-run', [`--unit=${unit}`, '--collect', '--property=CPUAccounting=yes', ...argv], { timeoutMs: 30_000 });
      await start(subjects[0]!.unit, [NODE_LAB_NODE_BINARY, '-e', 'setInterval(() => {}, 1e9)']);
      await start(subjects[1]!.unit, [NODE_LAB_NODE_BINARY, layer, 'runtime']);
      await start(subjects[2]!.unit, [NODE_LAB_NODE_BINARY, layer, 'grpc']);
      let exporterVersion = '';
      const haveExporter = await readFile(NODE_EXPORTER_HOST).then(
        () => true,
        () => false,
      );
      if (haveExporter) {
        const target = join(node.rootfs, NODE_EXPORTER_NODE);
        await mkdir(join(node.rootfs, '/usr/local/bin'), { recursive: true });
        await copyFile(NODE_EXPORTER_HOST, target);
        await chmod(target, 0o755);
        exporterVersion = /version (\S+)/.exec((await node.exec(NODE_EXPORTER_NODE, ['--version'], { timeoutMs: 10_000, okExitCodes: [0, 1] })).stdout + '')?.[1] ?? '';
        await start('noderoll-bench-node-exporter.service', [NODE_EXPORTER_NODE, `--web.listen-address=${addr}:${NODE_EXPORTER_PORT}`]);
        subjects.push({ name: 'node-exporter', unit: 'noderoll-bench-node-exporter.service', metricsUrl: `http://${addr}:${NODE_EXPORTER_PORT}/metrics` });
      }
      for (const s of subjects.filter((x) => x.metricsUrl)) {
        await waitFor({ what: `${s.name} to serve ${s.metricsUrl}`, timeoutMs: 60_000, initialDelayMs: 200, maxDelayMs: 1000, signal }, async () => {
          try {
            await scrape(s);
            return ready(undefined);
          } catch (err) {
            return notYet((err as Error).message);
          }
        });
      }
      const lastScrape = new Map<string, string>();
      for (const s of subjects) if (s.metricsUrl) lastScrape.set(s.name, await scrape(s));
      ctx.log(`agent-on-node: settling 10 s, then quiet ${windowMs / 1000} s, then ${windowMs / 1000} s scraped every ${SCRAPE_EVERY_MS / 1000} s`);
      await sleep(10_000, signal);
      const idle = await idleWindow(node, subjects, windowMs, signal);
      const scraped = await idleWindow(node, subjects, windowMs, signal, lastScrape);
      const scrapesPerWindow = Math.ceil(windowMs / SCRAPE_EVERY_MS);
      const heapIdle = heapFacts(lastScrape.get('agent') ?? '');

      ctx.log(`agent-on-node: ${rpcs} RPCs over mutual TLS, ${RPC_CONCURRENCY} at a time`);
      const config = await loadConfig(await writeLabCoordinatorConfig(lab, { dir: `${ctx.tmpDir}/noderoll` }));
      const tls = config.agents.tls!;
      client = new AgentClient(config.nodes[0]!.agent, { tls: await readAgentClientTls({ caFile: tls.ca, certFile: tls.cert, keyFile: tls.key }, node.name), defaultDeadlineMs: 30_000 });
      const calls: (() => Promise<unknown>)[] = [() => client!.getNodeInfo(), () => client!.listUnits(['*.service']), () => client!.listFailedUnits(), () => client!.getRebootAdvice()];
      const agentWhere = await locate(node, subjects[3]!);
      const [beforeRpc] = await read(node, [agentWhere]);
      const rpcStart = Date.now();
      let next = 0;
      const latencies: number[] = [];
      await Promise.all(
        Array.from({ length: RPC_CONCURRENCY }, async () => {
          while (next < rpcs && !signal.aborted) {
            const i = next++;
            const t = performance.now();
            await calls[i % calls.length]!();
            latencies.push(performance.now() - t);
          }
        }),
      );
      const rpcWallMs = Date.now() - rpcStart;
      const [afterRpc] = await read(node, [agentWhere]);
      client.close();
      client = undefined;
      ctx.log(`agent-on-node: ${rpcs} RPCs in ${(rpcWallMs / 1000).toFixed(1)} s; idle ${windowMs / 1000} s again`);
      const after = await idleWindow(node, subjects, windowMs, signal);
      const agentSubject = subjects[3]!;
      const heapAfter = heapFacts(await scrape(agentSubject));

      const bare = idle[0]!;
      const i = (n: string): number => subjects.findIndex((s) => s.name === n);
      const label: Record<string, string> = {
        bare: `bare \`node -e 'setInterval(() => {}, 1e9)'\` (${nodeVersion})`,
        runtime: 'runtime layer: built-ins, HTTP/2 + HTTP servers listening',
        grpc: 'gRPC layer: runtime layer + grpc-js, proto-loader, agent.proto served',
        agent: '**noderoll-agent** (packaged, /usr/bin/noderoll-agent)',
        'node-exporter': `prometheus-node-exporter ${exporterVersion}`,
      };
      const pct = (x: number): string => `${fmt(x, 3)}%`;
      const rows = subjects.map((s) => {
        const a = idle[i(s.name)]!;
        const b = after[i(s.name)]!;
        const sc = scraped[i(s.name)]!;
        const perScrape = s.metricsUrl ? `${fmt(((sc.cgroupCpu - a.cgroupCpu) / 100) * windowMs / scrapesPerWindow, 1)} ms` : '—';
        return [label[s.name]!, mib(a.rssKib), `${mib(a.anonKib)} + ${mib(a.fileKib)}`, `${fmt(a.rssKib / bare.rssKib, 2)}×`, pct(a.procCpu), pct(a.cgroupCpu), s.metricsUrl ? pct(sc.cgroupCpu) : '—', perScrape, mib(b.rssKib), pct(b.cgroupCpu), mib(b.hwmKib)];
      });
      const agentIdle = idle[i('agent')]!;
      const agentAfter = after[i('agent')]!;
      const ratio = agentIdle.rssKib / bare.rssKib;
      const ratioAfter = agentAfter.rssKib / after[0]!.rssKib;
      const cpuIdle = Math.max(agentIdle.cgroupCpu, agentAfter.cgroupCpu);
      const agentScraped = scraped[i('agent')]!;
      const rpcCpuMs = (afterRpc!.cgroupUsec - beforeRpc!.cgroupUsec) / 1000;
      const heapRow = (h: Map<string, number>): string => (h.size === 0 ? 'not scraped' : `heap used ${mib((h.get('heap_size_used_bytes') ?? NaN) / 1024)} of ${mib((h.get('heap_size_total_bytes') ?? NaN) / 1024)} (old ${mib((h.get('space old used') ?? NaN) / 1024)}, code ${mib((h.get('space code used') ?? NaN) / 1024)}, new ${mib((h.get('space new used') ?? NaN) / 1024)} used of ${mib((h.get('space new total') ?? NaN) / 1024)} reserved), external ${mib((h.get('external_memory_bytes') ?? NaN) / 1024)}`);
      const layers = [idle[i('bare')]!, idle[i('runtime')]!, idle[i('grpc')]!, agentIdle];
      const markdown = [
        `One lab node (Debian 12, systemd 252 as PID 1 under systemd-nspawn) running, all at once and each as a systemd unit: the packaged agent as installed by \`dpkg -i\` of the .deb (mutual TLS, its real unit with the watchdog on, /metrics on HTTP), ` +
          `a bare Node.js ${nodeVersion} (the version the packaged binary embeds), two layers of the runtime the agent is built on (bench/footprint-layer.ts, run by that Node.js), and ${haveExporter ? `Debian's prometheus-node-exporter ${exporterVersion} (default collectors)` : 'no prometheus-node-exporter (not installed on this host: `scripts/dev deps` installs it)'}. ` +
          `After 10 s of settling: ${windowMs / 1000} s quiet (nothing asks anything: the idle of the goal), then ${windowMs / 1000} s during which /metrics of the agent${haveExporter ? ' and of node-exporter are' : ' is'} scraped every ${SCRAPE_EVERY_MS / 1000} s, as Prometheus does by default (the agent's over kept-alive mutual TLS with the lab's reader certificate, as monitoring/prometheus.yml has it); an agent scrape may sample the host with its real systemctl and dpkg-query. "per scrape" is the unit's CPU in the scraped window over the quiet one, divided by the ${scrapesPerWindow} scrapes. ` +
          `RSS: median of /proc/PID/status read every ${SAMPLE_EVERY_MS / 1000} s (anonymous + file-backed; file pages of the executable are shared with other processes running it). ` +
          `CPU: % of one core over the window; "process" is the main process alone (/proc/PID/stat), "unit" its cgroup (cpu.stat), which includes what it runs (the agent's systemctl, dpkg-query, df and watchdog systemd-notify). ` +
          `Then ${rpcs} RPCs over mutual TLS from the host (${RPC_CONCURRENCY} at a time, one connection; GetNodeInfo, ListUnits *.service, ListFailedUnits, GetRebootAdvice in turn) and the quiet window again.`,
        '',
        table(['process', 'idle RSS', 'anon + file', 'vs bare', 'idle CPU (process)', 'idle CPU (unit)', 'scraped CPU (unit)', 'per scrape', `RSS after ${rpcs} RPCs, idle`, 'CPU after, idle (unit)', 'peak VmHWM'], rows),
        '',
        `${rpcs} RPCs took ${fmt(rpcWallMs / 1000, 1)} s (median ${fmt(median(latencies), 1)} ms a call) and ${fmt(rpcCpuMs / rpcs, 2)} ms of the agent unit's CPU per call (the agent and the systemctl/dpkg-query/df it ran).`,
        '',
        `Goal idle RSS ≤ 1.3× the bare Node.js: **${ratio <= 1.3 ? 'met' : 'not met'}** (${fmt(ratio, 2)}× idle, ${fmt(ratioAfter, 2)}× after the RPCs). ` +
          `Goal idle CPU ≤ 0.1%: **${cpuIdle <= 0.1 ? 'met' : 'not met'}** (${fmt(agentIdle.cgroupCpu, 3)}% quiet and ${fmt(agentAfter.cgroupCpu, 3)}% quiet after the RPCs for the unit, children included; ${fmt(agentScraped.cgroupCpu, 3)}% while scraped every ${SCRAPE_EVERY_MS / 1000} s).`,
        '',
        `Where the agent's memory goes (idle RSS, each layer over the one before): bare Node.js ${mib(layers[0]!.rssKib)}; ` +
          `the built-ins and servers the agent needs ${signed(layers[1]!.rssKib - layers[0]!.rssKib)}; grpc-js with proto-loader (protobufjs) and the service ${signed(layers[2]!.rssKib - layers[1]!.rssKib)}; ` +
          `the agent's own code and its other dependencies (pino, prom-client, yaml) and state ${signed(layers[3]!.rssKib - layers[2]!.rssKib)}. ` +
          `The agent's V8 heap as its /metrics reports it: idle ${heapRow(heapIdle)}; after the RPCs ${heapRow(heapAfter)}.`,
      ].join('\n');
      return { title: 'Agent footprint on a node', markdown };
    } finally {
      client?.close();
      readerAgent?.destroy();
      await lab.down();
    }
  },
};

function signed(kib: number): string {
  return `${kib >= 0 ? '+' : '−'}${mib(Math.abs(kib))}`;
}
