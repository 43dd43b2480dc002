/**
 * A gate answers one question about the cluster ("is etcd healthy?") with pass or fail, and says
 * what failed and why. The runbook's rule: never start a node while any gate fails.
 */

export type GateName = 'gravity' | 'etcd' | 'apiserver' | 'pods' | 'nodes' | 'agents' | 'alerts' | 'blockingPods' | 'drain';

export interface GateVerdict {
  passed: boolean;
  /** One line: "3 of 3 members healthy" / "member 8e9e05c52164694d is unreachable". */
  summary: string;
  problems: string[];
  warnings: string[];
  /** The command that was run and a tail of its output, when there was one. */
  evidence?: string;
}

export interface GateResult extends GateVerdict {
  gate: GateName;
  durationMs: number;
}

/** What the operation itself has out of service right now: expected, not a problem (reported as warnings). */
export interface GateScope {
  expectedOutOfService: readonly string[];
}

export interface Gate {
  readonly name: GateName;
  check(signal?: AbortSignal, scope?: GateScope): Promise<GateVerdict>;
}

export interface GateReport {
  passed: boolean;
  results: GateResult[];
  at: number;
}

export function failedGates(report: GateReport): GateResult[] {
  return report.results.filter((r) => !r.passed);
}

/** "etcd: member … is unreachable; pods: kube-system/coredns-1 is Pending" */
export function describeGateFailures(report: GateReport): string {
  return failedGates(report)
    .map((r) => `${r.gate}: ${r.problems[0] ?? r.summary}${r.problems.length > 1 ? ` (+${r.problems.length - 1} more)` : ''}`)
    .join('; ');
}

export function gateFailureDetails(report: GateReport): string[] {
  const lines: string[] = [];
  for (const r of failedGates(report)) {
    for (const p of r.problems) lines.push(`${r.gate}: ${p}`);
    if (r.evidence) lines.push(`${r.gate} output: ${r.evidence}`);
  }
  return lines;
}
