import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../exec/command-runner.js';
import { AGENT_PROTO_FILE, GEN_TYPES_FLAGS } from './proto.js';

/**
 * The TypeScript types of the agent API are generated from proto/ by @grpc/proto-loader's
 * proto-loader-gen-types and committed in shared/agent-api/generated/. The unit test
 * `agent-api-types.test` regenerates them into a temp dir and fails on any difference, so a proto
 * change that was not regenerated breaks the build instead of production.
 *
 *   npx tsc -p tsconfig.json && node dist/shared/agent-api/codegen.js --write
 */

/** The project root (this file runs as dist/shared/agent-api/codegen.js). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const GENERATED_DIR = join(projectRoot, 'shared/agent-api/generated');

export async function generateAgentApiTypes(outDir: string): Promise<void> {
  const bin = join(projectRoot, 'node_modules/.bin/proto-loader-gen-types');
  if (!existsSync(bin)) throw new Error(`proto-loader-gen-types not found at ${bin}: run npm ci`);
  await runCommand({
    file: bin,
    args: [...GEN_TYPES_FLAGS, '-I', 'proto', '-O', outDir, relative(join(projectRoot, 'proto'), AGENT_PROTO_FILE)],
    cwd: projectRoot,
    timeoutMs: 60_000,
  });
}

/** Every file under dir, as relative path -> content. */
export async function readTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out.set(relative(dir, full), await readFile(full, 'utf8'));
    }
  };
  await walk(dir);
  return out;
}

/** Differences between two trees, one sentence each (empty when identical). */
export function diffTrees(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [path, text] of expected) {
    const got = actual.get(path);
    if (got === undefined) problems.push(`${path}: missing from the committed types`);
    else if (got !== text) problems.push(`${path}: differs from what proto-loader-gen-types generates`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) problems.push(`${path}: committed but no longer generated`);
  return problems.sort();
}

async function writeGenerated(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'noderoll-agent-api-'));
  try {
    await generateAgentApiTypes(tmp);
    await rm(GENERATED_DIR, { recursive: true, force: true });
    await rename(tmp, GENERATED_DIR).catch(async () => {
      await runCommand({ file: 'cp', args: ['-a', `${tmp}/.`, GENERATED_DIR], timeoutMs: 30_000 });
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  process.stdout.write(`wrote ${GENERATED_DIR}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] !== '--write') {
    process.stderr.write('usage: node dist/shared/agent-api/codegen.js --write\n');
    process.exit(2);
  }
  writeGenerated().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
