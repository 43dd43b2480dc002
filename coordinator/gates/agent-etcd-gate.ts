import { errorMessage } from '../engine/step-failure.js';
import { preferInService, type ControlPlaneAgent } from '../cluster/control-plane-agents.js';
import type { EtcdHealthReport } from '../ports/node-agent.js';
import type { Gate, GateScope, GateVerdict } from './gate.js';

/**
 * etcd (kubeadm, k3s): every member healthy, asked through the agent of a control-plane node, which
 * runs `etcdctl endpoint health --cluster` with the node's own client certificates (they never leave
 * it). One answer is enough; a node that cannot answer (down, no etcd configured) passes the question on.
 */
export class AgentEtcdHealthGate implements Gate {
  readonly name = 'etcd' as const;
  constructor(
    private readonly agents: readonly ControlPlaneAgent[],
    private readonly timeoutMs: number,
  ) {}

  async check(signal?: AbortSignal, scope?: GateScope): Promise<GateVerdict> {
    if (this.agents.length === 0) return { passed: false, summary: 'no control-plane node in the config to ask about etcd', problems: ['no node has role master (or no role) in the config: etcd health cannot be asked'], warnings: [] };
    const unanswered: string[] = [];
    for (const { endpoint, agent } of preferInService(this.agents, scope?.expectedOutOfService ?? [])) {
      let report: EtcdHealthReport;
      try {
        report = await agent.etcdHealth({ timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (signal?.aborted) throw err;
        unanswered.push(`agent of ${endpoint.node}: ${errorMessage(err)}`);
        continue;
      }
      if (report.problem !== undefined && report.members.length === 0) {
        unanswered.push(`agent of ${endpoint.node} could not read etcd's health: ${report.problem}`);
        continue;
      }
      return verdictOf(endpoint.node, report, unanswered);
    }
    return { passed: false, summary: `no control-plane agent could tell etcd's health (asked ${unanswered.length})`, problems: unanswered, warnings: [] };
  }
}

function verdictOf(node: string, report: EtcdHealthReport, unanswered: readonly string[]): GateVerdict {
  const unhealthy = report.members.filter((m) => !m.healthy);
  const problems = [...unhealthy.map((m) => `etcd member ${m.endpoint} is unhealthy${m.error ? `: ${m.error}` : ''}`), ...(report.problem ? [report.problem] : [])];
  const passed = problems.length === 0 && report.members.length > 0 && report.allHealthy;
  if (!passed && problems.length === 0) problems.push('the agent reported etcd not healthy without naming a member');
  return {
    passed,
    summary: passed ? `${report.members.length} etcd members healthy (asked through the agent of ${node})` : (problems[0] ?? 'etcd not healthy'),
    problems,
    warnings: unanswered.map((u) => `${u} (asked another node)`),
    evidence: `$ ${report.command.join(' ')}   (on ${node}, through its agent)\n${report.members.map((m) => `${m.endpoint} ${m.healthy ? 'healthy' : `unhealthy${m.error ? `: ${m.error}` : ''}`}`).join('\n')}`,
  };
}
