import { existsSync } from 'node:fs';
import { access, chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { runCommand } from '../shared/exec/command-runner.js';
import type { Logger } from '../shared/log/logger.js';
import { bundleAgent, type BuildStamp } from './agent-bundle.js';
import { hashInputs } from './input-hash.js';

/**
 * The self-contained agent: a Node.js single executable application (SEA). The agent bundle
 * becomes a SEA blob (`node --experimental-sea-config`), which postject injects into a stripped
 * copy of the running node binary. Built once per input (cached by hashInputs of what goes in).
 */

export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** What decides the binary, relative to the project root. */
export const BINARY_INPUTS = ['dist/agent', 'dist/shared', 'dist/packaging/agent-bundle.js', 'dist/packaging/agent-binary.js', 'proto', 'package-lock.json'];
export const DEFAULT_CACHE_DIR = '/var/cache/noderoll/agent-build';
/** Cached binaries kept (each is ~90 MB); older ones are deleted after a build. */
const KEEP_CACHED = 3;
const STEP_TIMEOUT_MS = 120_000;

export interface AgentBinary {
  path: string;
  stamp: BuildStamp;
  /** True when this call built it, false when it came from the cache. */
  built: boolean;
}

export interface AgentBinaryOptions {
  projectRoot: string;
  version: string;
  commit: string;
  cacheDir: string;
  logger?: Logger;
}

export async function agentBinary(o: AgentBinaryOptions): Promise<AgentBinary> {
  await access(join(o.projectRoot, 'dist/agent/main.js')).catch(() => {
    throw new Error(`${join(o.projectRoot, 'dist/agent/main.js')} is missing: run npm run build first`);
  });
  const key = await hashInputs(o.projectRoot, BINARY_INPUTS, [o.version, o.commit, process.version, process.execPath]);
  const dir = join(o.cacheDir, key.slice(0, 24));
  const cached = await readCached(dir);
  if (cached) {
    // Marks it used (pruneCache keeps what was used lately).
    await utimes(dir, new Date(), new Date());
    o.logger?.info({ binary: cached.path }, 'agent binary: inputs unchanged, using the cached build');
    return { ...cached, built: false };
  }
  await mkdir(o.cacheDir, { recursive: true });
  const work = await mkdtemp(join(o.cacheDir, 'build-'));
  try {
    const stamp: BuildStamp = { version: o.version, commit: o.commit, builtAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    await buildSea(o.projectRoot, work, stamp, o.logger);
    await writeFile(join(work, 'stamp.json'), JSON.stringify(stamp));
    await rename(work, dir).catch(async (err: NodeJS.ErrnoException) => {
      // A concurrent build of the same inputs finished first: its result is as good.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await pruneCache(o.cacheDir, dir);
  const fresh = await readCached(dir);
  if (!fresh) throw new Error(`agent binary: ${dir} is incomplete after the build`);
  return { ...fresh, built: true };
}

async function readCached(dir: string): Promise<Omit<AgentBinary, 'built'> | undefined> {
  const path = join(dir, 'noderoll-agent');
  try {
    const stamp = JSON.parse(await readFile(join(dir, 'stamp.json'), 'utf8')) as BuildStamp;
    await access(path);
    return { path, stamp };
  } catch {
    return undefined;
  }
}

async function buildSea(projectRoot: string, work: string, stamp: BuildStamp, logger?: Logger): Promise<void> {
  const bundle = join(work, 'agent.cjs');
  const blob = join(work, 'agent.blob');
  const binary = join(work, 'noderoll-agent');
  await bundleAgent({ projectRoot, outFile: bundle, stamp });
  const seaConfig = join(work, 'sea-config.json');
  // disableExperimentalSEAWarning: without it every start prints "single-executable-applications is experimental".
  await writeFile(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }));
  await runCommand({ file: process.execPath, args: ['--experimental-sea-config', seaConfig], cwd: work, timeoutMs: STEP_TIMEOUT_MS });
  await copyFile(process.execPath, binary);
  await chmod(binary, 0o755);
  // The node binary carries ~12 MB of symbols; the SEA blob is injected after stripping them.
  await runCommand({ file: 'strip', args: ['--strip-all', binary], timeoutMs: STEP_TIMEOUT_MS });
  await runCommand({ file: process.execPath, args: [postjectCli(), binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], timeoutMs: STEP_TIMEOUT_MS });
  const version = await runCommand({ file: binary, args: ['--version'], timeoutMs: 30_000, env: { PATH: '/usr/bin:/bin' } });
  if (!version.stdout.includes('runtime sea')) throw new Error(`the built agent binary does not run as a single executable application: ${version.stdout.trim()}`);
  await Promise.all([rm(bundle), rm(blob), rm(seaConfig)]);
  logger?.info({ binary, bytes: (await stat(binary)).size, version: version.stdout.trim() }, 'agent binary built');
}

function postjectCli(): string {
  const require = createRequire(import.meta.url);
  const cli = join(require.resolve('postject/package.json'), '..', 'dist/cli.js');
  if (!existsSync(cli)) throw new Error(`postject's CLI is missing (${cli}): run npm ci`);
  return cli;
}

/** Keeps the KEEP_CACHED newest builds (and the one just made) and any used within the hour; leftovers of crashed builds go too. */
async function pruneCache(cacheDir: string, keep: string): Promise<void> {
  const entries = await readdir(cacheDir, { withFileTypes: true });
  const dirs = await Promise.all(
    entries.filter((e) => e.isDirectory()).map(async (e) => ({ path: join(cacheDir, e.name), mtimeMs: (await stat(join(cacheDir, e.name))).mtimeMs, name: e.name })),
  );
  // Other checkouts share the cache: a build used within the last hour may be being packaged right now.
  const old = (d: { mtimeMs: number }): boolean => Date.now() - d.mtimeMs > 3_600_000;
  const builds = dirs.filter((d) => d.path !== keep && !d.name.startsWith('build-')).sort((a, b) => b.mtimeMs - a.mtimeMs);
  const abandoned = dirs.filter((d) => d.name.startsWith('build-') && old(d));
  const stale = [...builds.slice(KEEP_CACHED - 1).filter(old), ...abandoned];
  for (const d of stale) await rm(d.path, { recursive: true, force: true });
}
