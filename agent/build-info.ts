import { readFileSync } from 'node:fs';
import { isSea } from 'node:sea';
import { describeBuild, type AgentRuntime } from '../shared/agent-api/agent-build.js';

/**
 * What this agent is: its version, the commit and time of its build and how it runs ("sea": the
 * self-contained binary of the package, a Node.js single executable application; "node": the
 * agent's JavaScript run by a separately installed Node.js, e.g. `node dist/agent/main.js`).
 */

/** Set by the package builder (packaging/agent-bundle.ts, an esbuild define); absent when run from dist/. */
declare const NODEROLL_AGENT_BUILD: { version: string; commit: string; builtAt: string } | undefined;

export interface AgentBuild {
  version: string;
  /** `git describe --always --dirty` of the build; "" when not built by the package builder. */
  commit: string;
  /** ISO 8601 time of the build; "" when not built by the package builder. */
  builtAt: string;
  runtime: AgentRuntime;
}

let cached: AgentBuild | undefined;

export function agentBuild(): AgentBuild {
  if (!cached) {
    const runtime: AgentRuntime = isSea() ? 'sea' : 'node';
    cached = typeof NODEROLL_AGENT_BUILD === 'object' ? { ...NODEROLL_AGENT_BUILD, runtime } : { version: checkoutVersion(), commit: '', builtAt: '', runtime };
  }
  return cached;
}

/** The version of package.json next to dist/ (an agent run from a checkout). */
function checkoutVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The line of `noderoll-agent --version`. */
export function versionLine(b: AgentBuild): string {
  return `noderoll-agent ${b.version} (${describeBuild(b)})`;
}
