/**
 * How an agent was built, as `noderoll-agent --version` prints it and NodeInfo reports it
 * (agent_commit, agent_built_at, agent_runtime).
 */

export type AgentRuntime = 'sea' | 'node';

export interface AgentBuildFacts {
  /** `git describe --always --dirty` of the build; "" when not built by the package builder. */
  commit: string;
  /** ISO 8601 time of the build; "" when not built by the package builder. */
  builtAt: string;
  /** "sea": the package's self-contained binary; "node": JavaScript run by a separate Node.js ("" from older agents). */
  runtime: string;
}

/** "commit 1a2b3c4d5e6f, built 2026-12-01T19:00:00Z, runtime sea"; "" when nothing is known. */
export function describeBuild(b: AgentBuildFacts): string {
  return [b.commit && `commit ${b.commit}`, b.builtAt && `built ${b.builtAt}`, b.runtime && `runtime ${b.runtime}`].filter(Boolean).join(', ');
}
