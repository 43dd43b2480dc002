import type { CoordinatorConfig } from '../config/config-types.js';
import { errorMessage } from '../engine/step-failure.js';
import type { KubeNode } from '../ports/cluster.js';
import type { AgentIdentity, NodeAgent } from '../ports/node-agent.js';
import { compileVersionPattern, validateVersion } from '../../shared/validation/version.js';
import { SUPPORTED_AGENT_API_VERSIONS } from '../ports/node-agent.js';
import type { PlannedNode } from './node-order.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { CLOCK_SKEW_NOTICE_MS, describeClockSkew } from '../steps/clock-skew.js';
import { formatDuration } from '../../shared/validation/duration.js';

export interface PreflightCheck {
  name: string;
  passed: boolean;
  detail: string;
  /** Passed, but worth the operator's attention (e.g. a node clock minutes off): shown with "!". */
  notice?: boolean;
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
 * The agent runs on the machine behind this Node: its boot ID (/proc/sys/kernel/random/boot_id, what
 * the agent itself reports) is the one the Node's kubelet reports (status.nodeInfo.bootID).
 */
/** "agent 0.1.0 (commit …, built …, runtime sea) on Debian GNU/Linux 12 (bookworm), kernel 6.1.0", as far as the agent says. */
export function describeAgent(id: Pick<AgentIdentity, 'agentVersion' | 'agentBuild' | 'os'>): string {
  return `agent ${id.agentVersion}${id.agentBuild ? ` (${id.agentBuild})` : ''}${id.os ? ` on ${id.os}` : ''}`;
}

function agentIdentityCheck(planned: PlannedNode, id: AgentIdentity, clusterNode: KubeNode | undefined): PreflightCheck {
  const name = 'agent identity';
  const agentSays = `host ${id.hostname}, boot ${id.bootId}`;
  if (!clusterNode) return { name, passed: false, detail: `cannot be confirmed: no Node ${planned.name} to compare the agent's ${agentSays} with` };
  if (!clusterNode.bootId) return { name, passed: false, detail: `cannot be confirmed: Node ${planned.name} reports no status.nodeInfo.bootID to compare the agent's ${agentSays} with` };
  if (clusterNode.bootId === id.bootId) return { name, passed: true, detail: `the agent at ${planned.agent} runs on ${planned.name} (${agentSays}, the boot its kubelet reports)` };
  return {
    name,
    passed: false,
    detail: `the agent at ${planned.agent} reports ${agentSays}, but Node ${planned.name}'s kubelet reports boot ${clusterNode.bootId}: the address belongs to another machine (or the kubelet has not reported since the node rebooted)`,
  };
}

function agentContractCheck(id: AgentIdentity): PreflightCheck {
  const name = 'agent contract';
  const supported = SUPPORTED_AGENT_API_VERSIONS.join(', ');
  if (!id.apiVersion) return { name, passed: false, detail: `the agent (version ${id.agentVersion}) does not report its API version; this coordinator supports ${supported}: upgrade the agent` };
  const compatible = SUPPORTED_AGENT_API_VERSIONS.includes(id.apiVersion);
  return { name, passed: compatible, detail: compatible ? `API ${id.apiVersion}` : `API ${id.apiVersion}; this coordinator supports ${supported}` };
}

function installCommandCheck(id: AgentIdentity): PreflightCheck {
  const name = 'install command';
  if (!id.installCommandAvailable) return { name, passed: false, detail: 'the agent has no usable install command configured' };
  // Without a watched package nobody can tell whether the install worked (found only after the reboot).
  if (!id.updatePackage) return { name, passed: false, detail: "the agent watches no package (its packages.watch is empty), so the installed version cannot be read before or after the install" };
  return { name, passed: true, detail: `installs ${id.updatePackage}` };
}

/** The agent must install the way the coordinator asks (it refuses a mismatch), and belong to the same profile. */
function installModeCheck(id: AgentIdentity, config: CoordinatorConfig): PreflightCheck[] {
  const mode: PreflightCheck =
    id.installMode === config.install.mode
      ? { name: 'install mode', passed: true, detail: `${id.installMode}${config.install.mode === 'packages' ? `: ${config.install.packages.map((p) => `${p.name}=${p.version}`).join(', ')}` : ''}` }
      : { name: 'install mode', passed: false, detail: `the agent's install.mode is ${id.installMode}, the coordinator's install.mode is ${config.install.mode}: set the same mode on both` };
  const profile: PreflightCheck =
    id.profile === config.profile
      ? { name: 'profile', passed: true, detail: id.profile }
      : { name: 'profile', passed: false, detail: `the agent's profile is ${id.profile || '(none)'}, the coordinator's profile is ${config.profile}` };
  return [mode, profile];
}

/** datastore sqlite: the single server's agent must back up k3s's SQLite database (it takes the backup). */
function datastoreCheck(planned: PlannedNode, id: AgentIdentity, config: CoordinatorConfig): PreflightCheck[] {
  if (config.datastore !== 'sqlite' || planned.role !== 'master') return [];
  return id.datastore === 'sqlite'
    ? [{ name: 'datastore', passed: true, detail: "sqlite: the agent backs up k3s's SQLite database" }]
    : [{ name: 'datastore', passed: false, detail: `the coordinator's datastore is sqlite, the agent ${id.datastore ? `backs up ${id.datastore}` : 'has no usable datastore (etcd.datastore: sqlite, sqlite3 and the database on the node?)'}` }];
}

/** gravity: the planet unit; the other profiles: every unit of units.stop and units.check is on the node. */
async function unitsCheck(planned: PlannedNode, agent: NodeAgent, config: CoordinatorConfig, call: { timeoutMs: number; signal?: AbortSignal }): Promise<PreflightCheck> {
  if (config.profile !== 'gravity') {
    const { stop, check } = config.units[planned.role === 'master' ? 'master' : 'node'];
    const names = [...new Set([...stop, ...check])];
    const missing: string[] = [];
    for (const name of names) if (!(await agent.listUnits(name, call)).some((u) => u.name === name && u.loadState === 'loaded')) missing.push(name);
    return missing.length === 0
      ? { name: 'profile units', passed: true, detail: names.length > 0 ? names.join(', ') : 'none to stop or check' }
      : { name: 'profile units', passed: false, detail: `not on the node: ${missing.join(', ')} (units.stop/units.check of profile ${config.profile})` };
  }
  const units = await agent.listUnits(config.planet.unitPattern, call);
  const planet = units.filter((u) => u.name.includes(config.planet.nameContains) && u.loadState === 'loaded');
  return planet.length > 0
    ? { name: 'planet unit', passed: true, detail: planet.map((u) => `${u.name} (${u.activeState}/${u.subState})`).join(', ') }
    : { name: 'planet unit', passed: false, detail: `no loaded unit containing "${config.planet.nameContains}" among ${config.planet.unitPattern} (${units.length} gravity units found)` };
}

/** The agent's own version rule, so a target it would refuse is refused before any node is drained. */
function targetVersionCheck(id: AgentIdentity, target: string): PreflightCheck {
  const name = 'target version';
  if (id.installVersionPattern === undefined) return { name, passed: false, detail: `cannot be checked: the agent (version ${id.agentVersion}) does not report its version rule; upgrade the agent` };
  try {
    validateVersion('--to', target, compileVersionPattern('install.versionPattern (reported by the agent)', id.installVersionPattern));
    return { name, passed: true, detail: `${target} matches the agent's install.versionPattern ${id.installVersionPattern}` };
  } catch (err) {
    return { name, passed: false, detail: `the agent would refuse to install it: ${errorMessage(err)}` };
  }
}

/** The node's clock against the coordinator's, for information: never a failure (noderoll does not rely on node clocks). */
function clockCheck(id: AgentIdentity, sentAtMs: number, receivedAtMs: number): PreflightCheck {
  const name = 'clock';
  if (id.nodeTimeMs === undefined) return { name, passed: true, detail: 'the agent does not report its time (not needed: noderoll does not rely on node clocks)' };
  const skew = describeClockSkew({ nodeTimeMs: id.nodeTimeMs, sentAtMs, receivedAtMs });
  if (skew !== undefined) return { name, passed: true, notice: true, detail: skew };
  return { name, passed: true, detail: `within ${formatDuration(CLOCK_SKEW_NOTICE_MS)} of the coordinator's` };
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
  o: { clock?: Clock; signal?: AbortSignal } = {},
): Promise<NodePreflight> {
  const checks: PreflightCheck[] = [];
  const clock = o.clock ?? systemClock;
  const call = { timeoutMs: config.agents.callTimeoutMs, ...(o.signal ? { signal: o.signal } : {}) };
  checks.push(
    clusterNode
      ? { name: 'kubernetes node', passed: true, detail: `exists, Ready=${clusterNode.readyStatus}${clusterNode.unschedulable ? ', cordoned' : ''}` }
      : { name: 'kubernetes node', passed: false, detail: `no Node named ${planned.name} in the cluster` },
  );
  let installedVersion: string | undefined;
  try {
    const sentAtMs = clock.now();
    const id = await agent.identity(call);
    const receivedAtMs = clock.now();
    checks.push({ name: 'agent reachable', passed: true, detail: `${planned.agent}: ${describeAgent(id)}, boot ${id.bootId.slice(0, 8)}` });
    checks.push(clockCheck(id, sentAtMs, receivedAtMs));
    checks.push(agentIdentityCheck(planned, id, clusterNode));
    checks.push(agentContractCheck(id));
    checks.push(...installModeCheck(id, config));
    checks.push(...datastoreCheck(planned, id, config));
    if (config.install.mode === 'command') {
      checks.push(installCommandCheck(id));
      if (targetVersion !== undefined) checks.push(targetVersionCheck(id, targetVersion));
      installedVersion = id.packages[id.updatePackage];
      checks.push({
        name: 'installed version',
        passed: true,
        detail: `${id.updatePackage} ${installedVersion ?? '(not installed)'}${targetVersion ? (installedVersion === targetVersion ? ' = target: will be skipped' : ` -> ${targetVersion}`) : ''}`,
      });
    }
    const min = config.preflight.minFreeDiskBytes;
    // Fail closed: unknown free space is not enough free space.
    if (id.diskProblem !== undefined || id.disk.length === 0) {
      checks.push({ name: 'disk space', passed: false, detail: `unknown: ${id.diskProblem ?? 'the agent reports no filesystem'}; free space cannot be checked against preflight.minFreeDisk` });
    }
    for (const d of id.disk) {
      checks.push({
        name: 'disk space',
        passed: d.availableBytes >= min,
        detail: `${d.path}: ${formatBytes(d.availableBytes)} free${d.availableBytes < min ? `, less than preflight.minFreeDisk ${formatBytes(min)}` : ''}`,
      });
    }
    checks.push(await unitsCheck(planned, agent, config, call));
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
