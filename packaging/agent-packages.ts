import { access, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
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
  /** Build the .rpm too. Default: when rpmbuild is installed. */
  rpm?: boolean;
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

  const withRpm = o.rpm ?? (await rpmbuildAvailable());
  const result: AgentPackages = {
    version,
    deb: join(outDir, debFileName(version)),
    tarball: join(outDir, tarballFileName(version)),
    ...(withRpm ? { rpm: join(outDir, rpmFileName(version)) } : {}),
    binary: binary.path,
  };
  // Each package depends on the binary (its cache directory names its inputs) and the packaging
  // files; FILE.inputs beside it records what it was built from.
  const key = await hashInputs(root, ['packaging/scripts', 'systemd/noderoll-agent.service', 'LICENSE', 'agent/README.md', 'proto', 'dist/packaging', 'dist/agent/config'], [binary.path, version]);
  type Builder = (stage: string, tmpFile: string, work: string) => Promise<void>;
  const builders: [string, Builder][] = [
    [result.deb, (stage, f) => buildDeb({ projectRoot: root, stageRoot: stage, version, outFile: f })],
    [result.tarball, (stage, f, work) => buildTarball({ projectRoot: root, stageRoot: stage, workDir: join(work, 'tarball'), version, outFile: f })],
  ];
  const rpm = result.rpm;
  if (rpm) builders.push([rpm, (stage, f, work) => buildRpm({ projectRoot: root, stageRoot: stage, workDir: join(work, 'rpmbuild'), version, outFile: f })]);
  for (const [file, build] of builders) {
    const keyFile = `${file}.inputs`;
    if ((await readFile(keyFile, 'utf8').catch(() => '')) === key && (await exists(file))) {
      o.logger?.info({ file }, 'agent package: inputs unchanged, reusing it');
      continue;
    }
    await rm(keyFile, { force: true });
    const work = await mkdtemp(join(tmpdir(), 'noderoll-agent-pkg-'));
    try {
      const stage = join(work, 'root');
      await stageLayout(stage, { projectRoot: root, binary: binary.path });
      const tmpFile = join(work, basename(file));
      await build(stage, tmpFile, work);
      // Through the out dir: /tmp may be another filesystem, and a reader never sees half a file.
      const partial = `${file}.${basename(work)}.partial`;
      await copyFile(tmpFile, partial);
      await rename(partial, file);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    await writeFile(keyFile, key);
    o.logger?.info({ file }, 'agent package built');
  }
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

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
