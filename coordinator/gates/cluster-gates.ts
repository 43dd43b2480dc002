import type { EtcdHealthReader, GravityStatusReader, HealthReading, KubernetesCluster } from '../ports/cluster.js';
import type { AgentEndpoint, NodeAgent } from '../ports/node-agent.js';
import { SUPPORTED_AGENT_API_VERSIONS } from '../ports/node-agent.js';
import { errorMessage } from '../engine/step-failure.js';
import type { Gate, GateScope, GateVerdict } from './gate.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { describeClockSkew } from '../steps/clock-skew.js';

export function fromReading(reading: HealthReading, healthySummary: string): GateVerdict {
  return {
    passed: reading.healthy,
    summary: reading.healthy ? healthySummary : (reading.problems[0] ?? 'not healthy'),
    problems: reading.problems,
    warnings: reading.warnings,
    evidence: `$ ${reading.command}\n${reading.evidence}`,
  };
}

/** Cluster-wide lines that only say some node is down: expected while that node is one the operation took out. */
const DEGRADED_BY_A_NODE = [/^system status is degraded/, /^cluster state is degraded/, /^gravity status exited 255 \(degraded\)/];

/**
 * Splits gravity's problems into those about nodes the operation has out of service (and the cluster
 * being degraded because of them) and the rest. A node's problem names it as `node HOSTNAME (IP)`, and
 * Gravity names Kubernetes nodes after their advertise IP, so either may be the node's name.
 */
export function toleratedGravityProblems(problems: readonly string[], expected: readonly string[]): { tolerated: string[]; remaining: string[] } {
  const aboutExpected = (p: string): boolean => expected.some((name) => p.startsWith(`node ${name} `) || (p.startsWith('node ') && p.includes(` (${name}) is `)));
  const nodeProblems = problems.filter((p) => /^node \S+ (\(.*\) )?is /.test(p));
  const allNodesExpected = nodeProblems.length > 0 && nodeProblems.every(aboutExpected);
  const tolerated: string[] = [];
  const remaining: string[] = [];
  for (const p of problems) (aboutExpected(p) || (allNodesExpected && DEGRADED_BY_A_NODE.some((r) => r.test(p))) ? tolerated : remaining).push(p);
  return { tolerated, remaining };
}

/** `gravity status`: cluster active, every node healthy (but the nodes the operation has out of service). */
export class GravityStatusGate implements Gate {
  readonly name = 'gravity' as const;
  constructor(private readonly reader: GravityStatusReader) {}
  async check(signal?: AbortSignal, scope?: GateScope): Promise<GateVerdict> {
    const reading = await this.reader.read(signal);
    const expected = scope?.expectedOutOfService ?? [];
    if (reading.healthy || expected.length === 0) return fromReading(reading, 'cluster active, every node healthy');
    const { tolerated, remaining } = toleratedGravityProblems(reading.problems, expected);
    const verdict = fromReading({ ...reading, healthy: remaining.length === 0, problems: remaining, warnings: [...reading.warnings, ...tolerated.map((p) => `${p} (out of service by this operation)`)] }, `cluster healthy but for ${expected.join(', ')} out of service by this operation`);
    return verdict;
  }
}

/** etcd: every member healthy (v2 cluster-health member lines or v3 endpoint health). */
export class EtcdHealthGate implements Gate {
  readonly name = 'etcd' as const;
  constructor(private readonly reader: EtcdHealthReader) {}
  async check(signal?: AbortSignal): Promise<GateVerdict> {
    return fromReading(await this.reader.read(signal), 'every etcd member healthy');
  }
}

/** Every pod Running or Succeeded — what `kubectl get pod -A | grep -vi Running` shows, read from JSON. */
export class PodsRunningGate implements Gate {
  readonly name = 'pods' as const;
  constructor(
    private readonly cluster: KubernetesCluster,
    private readonly ignoreNamespaces: readonly string[] = [],
  ) {}
  async check(signal?: AbortSignal, scope?: GateScope): Promise<GateVerdict> {
    const pods = (await this.cluster.listPods(signal)).filter((p) => !this.ignoreNamespaces.includes(p.namespace));
    const problems: string[] = [];
    const warnings: string[] = [];
    const expected = new Set(scope?.expectedOutOfService ?? []);
    for (const p of pods) {
      const name = `${p.namespace}/${p.name}${p.nodeName ? ` on ${p.nodeName}` : ''}`;
      // On a node the operation has out of service, or Pending for the capacity it took away: expected
      // while that lasts (the soak of the last node in flight sees them again with nothing tolerated).
      const tolerated = p.nodeName ? expected.has(p.nodeName) : expected.size > 0 && p.phase === 'Pending' && !p.terminating;
      if (tolerated) {
        if (p.phase !== 'Running' && p.phase !== 'Succeeded') warnings.push(`${name} is ${p.phase}${p.terminating ? ' (Terminating)' : ''} while ${[...expected].join(', ')} out of service by this operation`);
      } else if (p.terminating) problems.push(`${name} is Terminating`);
      else if (p.phase !== 'Running' && p.phase !== 'Succeeded') problems.push(`${name} is ${p.phase}${p.reason ? ` (${p.reason})` : ''}`);
      else if (p.phase === 'Running' && p.waitingReasons.length > 0) problems.push(`${name} is Running but ${p.waitingReasons.join(', ')}`);
      else if (p.phase === 'Running' && p.notReadyContainers.length > 0) warnings.push(`${name} has containers not ready: ${p.notReadyContainers.join(', ')}`);
    }
    return {
      passed: problems.length === 0,
      summary: problems.length === 0 ? `${pods.length} pods Running or Succeeded` : `${problems.length} of ${pods.length} pods not Running`,
      problems,
      warnings,
    };
  }
}

/** Every Node Ready and schedulable, and every configured node present. */
export class NodesReadyGate implements Gate {
  readonly name = 'nodes' as const;
  constructor(
    private readonly cluster: KubernetesCluster,
    private readonly expectedNodes: readonly string[],
  ) {}
  async check(signal?: AbortSignal, scope?: GateScope): Promise<GateVerdict> {
    const nodes = await this.cluster.listNodes(signal);
    const problems: string[] = [];
    const warnings: string[] = [];
    const expected = new Set(scope?.expectedOutOfService ?? []);
    for (const n of nodes) {
      if (expected.has(n.name)) {
        if (!n.ready || n.unschedulable) warnings.push(`node ${n.name} is out of service by this operation (${n.unschedulable ? 'cordoned' : 'schedulable'}, Ready=${n.readyStatus})`);
        continue;
      }
      if (!n.ready) problems.push(`node ${n.name} is not Ready (Ready=${n.readyStatus}${n.readyReason ? `, ${n.readyReason}` : ''}${n.readyMessage ? `: ${n.readyMessage}` : ''})`);
      if (n.unschedulable) problems.push(`node ${n.name} is cordoned (spec.unschedulable)`);
    }
    const present = new Set(nodes.map((n) => n.name));
    for (const name of this.expectedNodes) if (!present.has(name)) problems.push(`node ${name} (from the config) does not exist in the cluster`);
    return {
      passed: problems.length === 0,
      summary: problems.length === 0 ? `${nodes.length - warnings.length} nodes Ready and schedulable${warnings.length ? `, ${warnings.length} out of service by this operation` : ''}` : (problems[0] ?? ''),
      problems,
      warnings,
    };
  }
}

/**
 * Every node's agent answers, is the node it should be, and speaks a supported contract version.
 * A node clock minutes off the coordinator's is a warning (noderoll does not rely on it).
 */
export class AgentsReachableGate implements Gate {
  readonly name = 'agents' as const;
  constructor(
    private readonly agents: readonly { endpoint: AgentEndpoint; agent: NodeAgent }[],
    private readonly timeoutMs: number,
    private readonly clock: Clock = systemClock,
  ) {}
  async check(signal?: AbortSignal, scope?: GateScope): Promise<GateVerdict> {
    const problems: string[] = [];
    const warnings: string[] = [];
    const expected = new Set(scope?.expectedOutOfService ?? []);
    const asked = this.agents.filter(({ endpoint }) => !expected.has(endpoint.node));
    await Promise.all(
      asked.map(async ({ endpoint, agent }) => {
        try {
          const sentAtMs = this.clock.now();
          const id = await agent.identity({ timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}) });
          const skew = id.nodeTimeMs !== undefined ? describeClockSkew({ nodeTimeMs: id.nodeTimeMs, sentAtMs, receivedAtMs: this.clock.now() }) : undefined;
          if (skew !== undefined) warnings.push(`${endpoint.node}: ${skew}`);
          // which machine the agent runs on is preflight's check (boot ID against the Node); the contract is the agent's word
          if (!SUPPORTED_AGENT_API_VERSIONS.includes(id.apiVersion)) {
            problems.push(`agent of ${endpoint.node} speaks API ${id.apiVersion || '(none reported)'}; this coordinator supports ${SUPPORTED_AGENT_API_VERSIONS.join(', ')}`);
          }
        } catch (err) {
          problems.push(`agent of ${endpoint.node} at ${endpoint.address}: ${errorMessage(err)}`);
        }
      }),
    );
    return {
      passed: problems.length === 0,
      summary: problems.length === 0 ? `${asked.length} agents reachable${asked.length < this.agents.length ? ` (not asked: ${this.agents.length - asked.length} out of service by this operation)` : ''}` : (problems[0] ?? ''),
      problems: problems.sort(),
      warnings: warnings.sort(),
    };
  }
}
