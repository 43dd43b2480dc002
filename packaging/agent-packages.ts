import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { projectRoot as defaultProjectRoot } from '../shared/agent-api/codegen.js';
import { runCommand } from '../shared/exec/command-runner.js';
import type { Logger } from '../shared/log/logger.js';
import { agentBinary, DEFAULT_CACHE_DIR } from './agent-binary.js';
import { buildDeb, debFileName } from './deb.js';
import { hashInputs } from './input-hash.js';
import { stageLayout } from './package-layout.js';
import { buildRpm, rpmbuildAvailable, rpmFileName } from './rpm.js';
import { buildTarball, tarballFileName } from './tarball.js';

/**
 * `npm run package` and the lab: the agent's packages (.deb, tarball with install.sh, .rpm when
 * rpmbuild is installed) around the self-contained agent binary. Both the binary and the packages
 * are rebuilt only when what goes into them changed.
 */

export interface AgentPackagesOptions {
  outDir: string;
  /** Default: the version of package.json. */
  version?: string;
  logger?: Logger;
  /** Where built binaries are kept. Default /var/cache/noderoll/agent-build, or outDir/.agent-build when that is not writable. */
  cacheDir?: string;
  /** The checkout to package (its dist/ must be built). Default: this one. */
  projectRoot?: string;
}

export interface AgentPackages {
  version: string;
  deb: string;
  tarball: string;
  /** Only when rpmbuild is installed. */
  rpm?: string;
  /** The self-contained agent binary inside the packages (in the build cache). */
  binary: string;
}

const VERSION = /^[0-9][0-9A-Za-z.+~-]*$/;

export async function buildAgentPackages(o: AgentPackagesOptions): Promise<AgentPackages> {
  const root = o.projectRoot ?? defaultProjectRoot;
  const outDir = resolve(o.outDir);
  const version = o.version ?? (await packageVersion(root));
  if (!VERSION.test(version)) throw new Error(`version: "${version}" is not a package version (a digit first, then letters, digits and . + ~ -)`);
  await mkdir(outDir, { recursive: true });
  const cacheDir = o.cacheDir ?? (await writableOr(DEFAULT_CACHE_DIR, join(outDir, '.agent-build')));
  const binary = await agentBinary({ projectRoot: root, version, commit: await gitCommit(root), cacheDir, ...(o.logger ? { logger: o.logger } : {}) });

  const withRpm = await rpmbuildAvailable();
  const result: AgentPackages = {
    version,
    deb: join(outDir, debFileName(version)),
    tarball: join(outDir, tarballFileName(version)),
    ...(withRpm ? { rpm: join(outDir, rpmFileName(version)) } : {}),
    binary: binary.path,
  };
  // The packages depend on the binary (its cache directory names its inputs) and the packaging files.
  const key = await hashInputs(root, ['packaging/scripts', 'systemd/noderoll-agent.service', 'LICENSE', 'dist/packaging', 'dist/agent/config'], [binary.path, version, String(withRpm)]);
  const keyFile = join(outDir, `.noderoll-agent-${version}.inputs`);
  if ((await readFile(keyFile, 'utf8').catch(() => '')) === key && (await allExist(result))) {
    o.logger?.info({ outDir }, 'agent packages: inputs unchanged, reusing them');
    return result;
  }
  await rm(keyFile, { force: true });
  const work = await mkdtemp(join(tmpdir(), 'noderoll-agent-pkg-'));
  try {
    const stage = async (name: string): Promise<string> => {
      const dir = join(work, name);
      await stageLayout(dir, { projectRoot: root, binary: binary.path });
      return dir;
    };
    const build = async (file: string, make: (tmpFile: string) => Promise<void>): Promise<void> => {
      const tmpFile = join(work, `out-${file.split('/').pop()}`);
      await make(tmpFile);
      await rename(tmpFile, file).catch(async () => {
        // Another filesystem: copy through the out dir.
        await writeFile(`${file}.partial`, await readFile(tmpFile));
        await rename(`${file}.partial`, file);
      });
      o.logger?.info({ file }, 'agent package built');
    };
    await build(result.deb, async (f) => buildDeb({ projectRoot: root, stageRoot: await stage('deb'), version, outFile: f }));
    await build(result.tarball, async (f) => buildTarball({ projectRoot: root, stageRoot: await stage('tar'), workDir: join(work, 'tarball'), version, outFile: f }));
    if (result.rpm) {
      const rpm = result.rpm;
      await build(rpm, async (f) => buildRpm({ projectRoot: root, stageRoot: await stage('rpm'), workDir: join(work, 'rpmbuild'), version, outFile: f }));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await writeFile(keyFile, key);
  return result;
}

async function packageVersion(root: string): Promise<string> {
  return (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** `git describe --always --dirty` of the checkout, "unknown" without git. */
async function gitCommit(root: string): Promise<string> {
  try {
    return (await runCommand({ file: 'git', args: ['-C', root, 'describe', '--always', '--dirty', '--abbrev=12'], timeoutMs: 30_000 })).stdout.trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

async function writableOr(preferred: string, fallback: string): Promise<string> {
  try {
    await mkdir(preferred, { recursive: true });
    await access(preferred, 2 /* W_OK */);
    return preferred;
  } catch {
    return fallback;
  }
}

async function allExist(p: AgentPackages): Promise<boolean> {
  try {
    await Promise.all([p.deb, p.tarball, p.binary, ...(p.rpm ? [p.rpm] : [])].map((f) => access(f)));
    return true;
  } catch {
    return false;
  }
}
