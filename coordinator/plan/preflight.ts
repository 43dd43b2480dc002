import type { CoordinatorConfig } from '../config/config-types.js';
import { errorMessage } from '../engine/step-failure.js';
import type { KubeNode } from '../ports/cluster.js';
import type { NodeAgent } from '../ports/node-agent.js';
import { SUPPORTED_AGENT_API_VERSIONS } from '../ports/node-agent.js';
import type { PlannedNode } from './node-order.js';

export interface PreflightCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface NodePreflight {
  node: string;
  passed: boolean;
  checks: PreflightCheck[];
  installedVersion?: string;
  /** The node already runs the target version: update skips it. */
  alreadyAtTarget: boolean;
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/**
 * The read-only checks `plan` (and `update`, before it starts) runs against one node: its agent
 * answers as that node with a supported contract, can install, has a planet unit and disk space;
 * its Node exists. Nothing is changed.
 */
export async function preflightNode(
  planned: PlannedNode,
  agent: NodeAgent,
  clusterNode: KubeNode | undefined,
  config: CoordinatorConfig,
  targetVersion: string | undefined,
  signal?: AbortSignal,
): Promise<NodePreflight> {
  const checks: PreflightCheck[] = [];
  const call = { timeoutMs: config.agents.callTimeoutMs, ...(signal ? { signal } : {}) };
  checks.push(
    clusterNode
      ? { name: 'kubernetes node', passed: true, detail: `exists, Ready=${clusterNode.readyStatus}${clusterNode.unschedulable ? ', cordoned' : ''}` }
      : { name: 'kubernetes node', passed: false, detail: `no Node named ${planned.name} in the cluster` },
  );
  let installedVersion: string | undefined;
  try {
    const id = await agent.identity(call);
    checks.push({ name: 'agent reachable', passed: true, detail: `${planned.agent}: agent ${id.agentVersion}, boot ${id.bootId.slice(0, 8)}` });
    checks.push(
      id.nodeName === planned.name
        ? { name: 'agent identity', passed: true, detail: `serves node ${id.nodeName}` }
        : { name: 'agent identity', passed: false, detail: `the agent at ${planned.agent} serves node ${id.nodeName}, not ${planned.name}` },
    );
    const compatible = SUPPORTED_AGENT_API_VERSIONS.includes(id.apiVersion);
    checks.push({ name: 'agent contract', passed: compatible, detail: compatible ? `API ${id.apiVersion}` : `API ${id.apiVersion}; this coordinator supports ${SUPPORTED_AGENT_API_VERSIONS.join(', ')}` });
    checks.push({
      name: 'install command',
      passed: id.installCommandAvailable,
      detail: id.installCommandAvailable ? `installs ${id.updatePackage}` : 'the agent has no usable install command configured',
    });
    installedVersion = id.packages[id.updatePackage];
    checks.push({
      name: 'installed version',
      passed: true,
      detail: `${id.updatePackage} ${installedVersion ?? '(not installed)'}${targetVersion ? (installedVersion === targetVersion ? ' = target: will be skipped' : ` -> ${targetVersion}`) : ''}`,
    });
    const min = config.preflight.minFreeDiskBytes;
    if (id.disk.length === 0) checks.push({ name: 'disk space', passed: true, detail: 'the agent reports no install disk' });
    for (const d of id.disk) {
      checks.push({
        name: 'disk space',
        passed: d.availableBytes >= min,
        detail: `${d.path}: ${formatBytes(d.availableBytes)} free${d.availableBytes < min ? `, less than preflight.minFreeDisk ${formatBytes(min)}` : ''}`,
      });
    }
    const units = await agent.listUnits(config.planet.unitPattern, call);
    const planet = units.filter((u) => u.name.includes(config.planet.nameContains) && u.loadState === 'loaded');
    checks.push(
      planet.length > 0
        ? { name: 'planet unit', passed: true, detail: planet.map((u) => `${u.name} (${u.activeState}/${u.subState})`).join(', ') }
        : { name: 'planet unit', passed: false, detail: `no loaded unit containing "${config.planet.nameContains}" among ${config.planet.unitPattern} (${units.length} gravity units found)` },
    );
  } catch (err) {
    checks.push({ name: 'agent reachable', passed: false, detail: `${planned.agent}: ${errorMessage(err)}` });
  }
  return {
    node: planned.name,
    passed: checks.every((c) => c.passed),
    checks,
    ...(installedVersion !== undefined ? { installedVersion } : {}),
    alreadyAtTarget: targetVersion !== undefined && installedVersion === targetVersion,
  };
}
