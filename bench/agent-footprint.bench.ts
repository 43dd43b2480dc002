import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CertificateAuthority } from '../coordinator/certs/certificate-authority.js';
import { buildAgentPackages, type AgentPackages } from '../packaging/agent-packages.js';
import { runCommand } from '../shared/exec/command-runner.js';
import { notYet, ready, sleep, waitFor } from '../shared/time/wait-for.js';
import type { BenchContext, BenchResult, Benchmark } from './support/benchmark.js';
import { Background } from './support/background.js';
import { findPid } from './support/pids.js';
import { cpuPercent, sampleProcess } from './support/proc.js';
import { fmt, max, median, mib, table } from './support/stats.js';

/**
 * Agent footprint: a real noderoll-agent process (mutual TLS on gRPC, /metrics on loopback HTTP)
 * idle and under 100 scrapes/s, run by Node.js from dist/ and as the packaged binary, side by side
 * with a bare `node -e` process and Debian's
 * prometheus-node-exporter (when installed), all on 127.0.0.1 and all started and stopped here.
 */

const HERE = fileURLToPath(new URL('.', import.meta.url));
const AGENT = join(HERE, '..', 'agent', 'main.js');
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => srv.listen(0, '127.0.0.1', resolve).once('error', reject));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

async function httpOk(url: string): Promise<boolean> {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await r.arrayBuffer();
  return r.ok;
}

function waitHttp(what: string, url: string): Promise<void> {
  return waitFor({ what: `${what} to answer ${url}`, timeoutMs: 30_000, initialDelayMs: 50, maxDelayMs: 500 }, async () => ((await httpOk(url)) ? ready(undefined) : notYet('not ok')));
}

interface Subject {
  name: string;
  pid: number;
  metricsUrl: string | undefined;
}

interface Window {
  cpu: number;
  rssKib: number;
}

async function idleWindows(subjects: Subject[], windows: number, windowMs: number, signal: AbortSignal): Promise<Map<string, Window[]>> {
  const out = new Map<string, Window[]>(subjects.map((s) => [s.name, []]));
  for (let w = 0; w < windows; w += 1) {
    const start = await Promise.all(subjects.map((s) => sampleProcess(s.pid)));
    const rss: number[][] = subjects.map(() => []);
    for (let t = 0; t < windowMs; t += 1000) {
      await sleep(Math.min(1000, windowMs - t), signal);
      const now = await Promise.all(subjects.map((s) => sampleProcess(s.pid)));
      now.forEach((p, i) => p && rss[i]!.push(p.rssKib));
    }
    const end = await Promise.all(subjects.map((s) => sampleProcess(s.pid)));
    subjects.forEach((s, i) => {
      const a = start[i];
      const b = end[i];
      if (!a || !b) throw new Error(`${s.name} (pid ${s.pid}) exited during the idle window`);
      out.get(s.name)!.push({ cpu: cpuPercent(a, b), rssKib: median(rss[i]!) });
    });
  }
  return out;
}

interface ScrapeRound {
  cpu: number;
  rssKib: number;
  hwmKib: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  bytes: number;
}

/** Open loop: one GET every 10 ms for durationMs (at most 50 in flight), while sampling the process. */
async function scrape(s: Subject, durationMs: number, signal: AbortSignal): Promise<ScrapeRound> {
  const url = s.metricsUrl!;
  const latencies: number[] = [];
  let failed = 0;
  let bytes = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const before = await sampleProcess(s.pid);
  const rss: number[] = [];
  const started = Date.now();
  let next = started;
  let lastSample = started;
  while (Date.now() - started < durationMs && !signal.aborted) {
    if (inFlight < 50) {
      const t0 = performance.now();
      inFlight += 1;
      const p = fetch(url, { signal: AbortSignal.timeout(5000) })
        .then(async (r) => {
          const body = await r.arrayBuffer();
          if (!r.ok) throw new Error(String(r.status));
          bytes += body.byteLength;
          latencies.push(performance.now() - t0);
        })
        .catch(() => void (failed += 1))
        .finally(() => {
          inFlight -= 1;
          pending.delete(p);
        });
      pending.add(p);
    } else failed += 1;
    if (Date.now() - lastSample >= 1000) {
      lastSample = Date.now();
      const p = await sampleProcess(s.pid);
      if (p) rss.push(p.rssKib);
    }
    next += 10;
    await sleep(Math.max(0, next - Date.now()), signal);
  }
  await Promise.all([...pending]);
  const after = await sampleProcess(s.pid);
  if (!before || !after) throw new Error(`${s.name} exited while being scraped`);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    cpu: cpuPercent(before, after),
    rssKib: median(rss),
    hwmKib: after.hwmKib,
    ok: latencies.length,
    failed,
    p50Ms: median(sorted),
    p99Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN,
    bytes: latencies.length ? bytes / latencies.length : 0,
  };
}

async function agentConfig(ctx: BenchContext, ca: CertificateAuthority, name: string, grpcPort: number, httpPort: number): Promise<string> {
  const issued = await ca.issue({ kind: 'agent', node: hostname(), ips: ['127.0.0.1'] }, { outDir: join(ctx.tmpDir, `${name}-tls`) });
  const stateDir = join(ctx.tmpDir, `${name}-state`);
  await mkdir(stateDir, { recursive: true });
  const file = join(ctx.tmpDir, `${name}.yaml`);
  await writeFile(
    file,
    `grpc: { listen: "127.0.0.1:${grpcPort}" }\nhttp: { listen: "127.0.0.1:${httpPort}" }\n` +
      `tls: { mode: mutual, caFile: ${issued.caFile}, certFile: ${issued.certFile}, keyFile: ${issued.keyFile} }\n` +
      `stateDir: ${stateDir}\nlogLevel: warn\n`,
  );
  return file;
}

async function packageSizes(p: AgentPackages): Promise<string[][]> {
  const files: [string, string | undefined][] = [
    ['agent binary (/usr/bin/noderoll-agent)', p.binary],
    [basename(p.deb), p.deb],
    [basename(p.tarball), p.tarball],
    [p.rpm ? basename(p.rpm) : '.rpm (rpmbuild not installed)', p.rpm],
  ];
  return Promise.all(files.map(async ([name, file]) => [name, file ? mib((await stat(file)).size / 1024) : '-']));
}

async function haveNodeExporter(): Promise<boolean> {
  try {
    await runCommand({ file: NODE_EXPORTER, args: ['--version'], timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}

export const agentFootprintBenchmark: Benchmark = {
  name: 'agent-footprint',
  // Includes building the agent packages when they are not cached (~90 s).
  budgetMs: 8 * 60_000,
  async run(ctx, signal): Promise<BenchResult> {
    const windows = 3;
    const windowMs = ctx.quick ? 3000 : 10_000;
    const rounds = ctx.quick ? 1 : 3;
    const scrapeMs = ctx.quick ? 3000 : 10_000;
    const [grpcPort, httpPort, nePort, seaGrpcPort, seaHttpPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const ca = await CertificateAuthority.init(join(ctx.tmpDir, 'ca'), { cluster: 'bench' });
    const config = await agentConfig(ctx, ca, 'agent', grpcPort, httpPort);
    const seaConfig = await agentConfig(ctx, ca, 'agent-sea', seaGrpcPort, seaHttpPort);
    // The packaged agent (single executable application), built or taken from the build cache.
    ctx.log('agent-footprint: building the agent packages (cached when unchanged)');
    const packages = await buildAgentPackages({ outDir: join(HERE, '..', 'packages') });
    const bg: Background[] = [];
    try {
      const life = { timeoutMs: this.budgetMs + 10_000 };
      bg.push(new Background('noderoll-agent', process.execPath, [AGENT, '--config', config], life));
      bg.push(new Background('noderoll-agent (packaged)', packages.binary, ['--config', seaConfig], life));
      const bareMarker = `noderoll-bench-bare-${process.pid}`;
      bg.push(new Background('bare node', process.execPath, ['-e', 'setInterval(() => {}, 1e9)', bareMarker], life));
      const withExporter = await haveNodeExporter();
      if (withExporter) bg.push(new Background('prometheus-node-exporter', NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${nePort}`], life));
      await waitHttp('noderoll-agent', `http://127.0.0.1:${httpPort}/healthz`);
      await waitHttp('noderoll-agent (packaged)', `http://127.0.0.1:${seaHttpPort}/healthz`);
      const subjects: Subject[] = [
        { name: 'bare `node -e`', pid: await findPid(bareMarker), metricsUrl: undefined },
        { name: 'noderoll-agent', pid: await findPid(config), metricsUrl: `http://127.0.0.1:${httpPort}/metrics` },
        { name: 'noderoll-agent, packaged binary', pid: await findPid(seaConfig), metricsUrl: `http://127.0.0.1:${seaHttpPort}/metrics` },
      ];
      if (withExporter) {
        await waitHttp('prometheus-node-exporter', `http://127.0.0.1:${nePort}/metrics`);
        subjects.push({ name: 'prometheus-node-exporter 1.5', pid: await findPid(`127.0.0.1:${nePort}`), metricsUrl: `http://127.0.0.1:${nePort}/metrics` });
      }
      // One scrape each first: the first /metrics fills caches and is not "idle".
      for (const s of subjects) if (s.metricsUrl) await httpOk(s.metricsUrl);
      ctx.log(`agent-footprint: idle, ${windows} windows of ${windowMs / 1000} s`);
      await sleep(2000, signal);
      const idle = await idleWindows(subjects, windows, windowMs, signal);
      const scrapes = new Map<string, ScrapeRound[]>();
      for (let r = 0; r < rounds; r += 1) {
        for (const s of subjects.filter((x) => x.metricsUrl)) {
          ctx.log(`agent-footprint: 100 scrapes/s of ${s.name}, round ${r + 1}/${rounds}`);
          const round = await scrape(s, scrapeMs, signal);
          scrapes.set(s.name, [...(scrapes.get(s.name) ?? []), round]);
          await sleep(1000, signal);
        }
      }
      const bare = idle.get(subjects[0]!.name)!;
      const bareRss = median(bare.map((w) => w.rssKib));
      const idleRows = subjects.map((s) => {
        const ws = idle.get(s.name)!;
        const rss = median(ws.map((w) => w.rssKib));
        return [s.name, mib(rss), `${fmt(median(ws.map((w) => w.cpu)), 2)}% (max ${fmt(max(ws.map((w) => w.cpu)), 2)}%)`, s === subjects[0] ? '(baseline)' : `${rss >= bareRss ? '+' : '−'}${mib(Math.abs(rss - bareRss))}`];
      });
      const scrapeRows = [...scrapes.entries()].map(([name, rs]) => [
        name,
        `${fmt(median(rs.map((x) => x.ok)) / (scrapeMs / 1000), 0)}/s (${fmt(rs.reduce((a, x) => a + x.failed, 0), 0)} dropped or failed)`,
        `${fmt(median(rs.map((x) => x.bytes)) / 1024, 1)} KiB`,
        `${fmt(median(rs.map((x) => x.cpu)), 1)}%`,
        mib(median(rs.map((x) => x.rssKib))),
        mib(max(rs.map((x) => x.hwmKib))),
        `${fmt(median(rs.map((x) => x.p50Ms)), 1)} / ${fmt(median(rs.map((x) => x.p99Ms)), 1)} ms`,
      ]);
      const sizes = await packageSizes(packages);
      const markdown = [
        `Processes started side by side on this host: \`noderoll-agent\` (dist/agent/main.js run by this Node.js, mutual TLS on gRPC 127.0.0.1, /metrics on loopback HTTP, certificates from coordinator/certs), ` +
          `the same agent as the packaged binary (\`/usr/bin/noderoll-agent\` of the .deb: a Node.js ${process.version} single executable application of the esbuild bundle, stripped; same configuration apart from ports), ` +
          `a bare \`node -e 'setInterval(() => {}, 1e9)'\`${withExporter ? ", and Debian's `prometheus-node-exporter` (default collectors, 127.0.0.1)" : ' (prometheus-node-exporter is not installed: `apt-get install prometheus-node-exporter` with autostart blocked to compare)'}. ` +
          `RSS and CPU from /proc; CPU in % of one core. The host has no systemd (PID 1 is not systemd), so the agent's systemctl/dpkg-query samples fail fast here; on a node they run for real (sampled at most briefly cached per scrape).`,
        '',
        `Idle: ${windows} windows of ${windowMs / 1000} s after one warm-up scrape; median RSS within a window, median over windows.`,
        '',
        table(['process', 'idle RSS', 'idle CPU', 'vs bare node'], idleRows),
        '',
        `Under load: 100 GETs/s of /metrics (open loop, keep-alive, ≤ 50 in flight) for ${scrapeMs / 1000} s, ${rounds} round(s) per exporter, interleaved; medians.`,
        '',
        table(['process', 'scrapes served', 'body', 'CPU', 'RSS', 'peak RSS', 'latency p50 / p99'], scrapeRows),
        '',
        `Agent packages of this build (\`npm run package\`, packaging/): the binary and what each package weighs.`,
        '',
        table(['file', 'size'], sizes),
      ].join('\n');
      return { title: 'Agent footprint', markdown };
    } finally {
      await Promise.all(bg.map((b) => b.stop()));
    }
  },
};
