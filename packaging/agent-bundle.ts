import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AGENT_PROTO_FILE, LOADER_OPTIONS } from '../shared/agent-api/proto.js';

/**
 * The agent as one CommonJS file (the input of the single executable application): the compiled
 * agent (dist/agent/main.js and everything it imports, node_modules included) bundled by esbuild.
 * What the agent would otherwise read from the checkout is embedded (esbuild defines, see the
 * `declare const NODEROLL_*` in the sources): the proto, the pattern worker's code, the build stamp.
 */

export interface BuildStamp {
  version: string;
  /** `git describe --always --dirty` of the checkout ("unknown" outside git). */
  commit: string;
  builtAt: string;
}

const NODE_TARGET = 'node20';

/**
 * protobufjs JSON of proto/noderoll/agent/v1/agent.proto, parsed as proto-loader parses it
 * (LOADER_OPTIONS; keepCase decides the field names), for proto-loader's fromJSON. protobufjs is
 * taken from where proto-loader resolves it, so both are the same version.
 */
export function agentProtoJson(): string {
  const requireFromLoader = createRequire(createRequire(import.meta.url).resolve('@grpc/proto-loader'));
  const protobuf = requireFromLoader('protobufjs') as typeof import('protobufjs');
  const root = new protobuf.Root();
  root.loadSync(AGENT_PROTO_FILE, { keepCase: LOADER_OPTIONS.keepCase ?? false });
  root.resolveAll();
  return JSON.stringify(root.toJSON({ keepComments: false }));
}

/** dist/agent/journal/pattern-worker.js and its imports as a script for `new Worker(code, { eval: true })`. */
async function bundlePatternWorker(projectRoot: string): Promise<string> {
  const result = await build({
    entryPoints: [join(projectRoot, 'dist/agent/journal/pattern-worker.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no pattern worker bundle');
  return file.text;
}

/** Writes the agent bundle to outFile. Needs a built checkout (npm run build). */
export async function bundleAgent(o: { projectRoot: string; outFile: string; stamp: BuildStamp }): Promise<void> {
  const worker = await bundlePatternWorker(o.projectRoot);
  const result = await build({
    entryPoints: [join(o.projectRoot, 'dist/agent/main.js')],
    outfile: o.outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    // In a CommonJS bundle import.meta is empty; module-level `new URL(..., import.meta.url)` must
    // still evaluate. In the binary __filename is the executable (nothing is read next to it).
    banner: { js: 'const NODEROLL_BUNDLE_URL = require("node:url").pathToFileURL(__filename).href;' },
    define: {
      'import.meta.url': 'NODEROLL_BUNDLE_URL',
      NODEROLL_EMBEDDED_AGENT_PROTO: JSON.stringify(agentProtoJson()),
      NODEROLL_EMBEDDED_PATTERN_WORKER: JSON.stringify(worker),
      NODEROLL_AGENT_BUILD: JSON.stringify(o.stamp),
    },
    logLevel: 'silent',
  });
  const problems = [...result.errors, ...result.warnings].map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`);
  if (problems.length > 0) throw new Error(`bundling the agent: ${problems.join('; ')}`);
}
