import { copyFile, link, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseAgentConfig } from '../../agent/config/agent-config.js';
import { projectRoot } from '../../shared/agent-api/codegen.js';
import type { CommandResult } from '../../shared/exec/command-runner.js';
import type { Logger } from '../../shared/log/logger.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { buildAgentPackages } from '../../packaging/agent-packages.js';
import { NODE_PACKAGE_DIR } from './lab-packages.js';
import type { NodeExecOptions } from './node-machine.js';
import { AGENT_UNIT } from './node-rootfs.js';

/**
 * noderoll-agent on lab nodes, installed the way an operator installs it: the agent's .deb
 * (packaging/, `npm run package`) with `dpkg -i` inside the booted node, whose postinst enables and
 * starts the agent because its configuration and TLS files are already there. The agent runs from
 * the package alone: the lab's own Node runtime and checkout live at a lab-only path it never uses.
 */

/**
 * Where the lab's agent packages are built: `npm run package`'s default directory, so the lab, the
 * packaging tests and an operator's `npm run package` share one build (buildAgentPackages reuses
 * packages whose inputs did not change, and caches the self-contained binary).
 */
export const LAB_AGENT_PACKAGE_DIR = join(projectRoot, 'dist/packages');
export const AGENT_PACKAGE = 'noderoll-agent';
/** The installed agent program (the package's layout, contract of packaging/). */
export const NODE_AGENT_BINARY = '/usr/bin/noderoll-agent';

export interface LabAgentPackage {
  version: string;
  /** The .deb on the host. */
  deb: string;
}

const builds = new Map<string, Promise<LabAgentPackage>>();

/**
 * The agent .deb of this checkout (default version: package.json's), built once per process and
 * version: every lab of a test run installs the same artifact.
 */
export function labAgentPackage(o: { version?: string; logger?: Logger } = {}): Promise<LabAgentPackage> {
  const key = o.version ?? '';
  let build = builds.get(key);
  if (!build) {
    // rpm: false: the lab installs the .deb only, and the rpm alone costs ~35 s to build
    build = buildAgentPackages({ outDir: LAB_AGENT_PACKAGE_DIR, rpm: false, ...(o.version ? { version: o.version } : {}), ...(o.logger ? { logger: o.logger } : {}) }).then(
      (p) => ({ version: p.version, deb: p.deb }),
    );
    build.catch(() => builds.delete(key));
    builds.set(key, build);
  }
  return build;
}

/**
 * Puts the .deb into the lab's package directory (bound read-only into every node at
 * NODE_PACKAGE_DIR) and returns its path inside a node. A hard link when the cache shares the file
 * system, a copy otherwise.
 */
export async function stageAgentPackage(pkg: LabAgentPackage, packageDir: string): Promise<string> {
  const name = basename(pkg.deb);
  const target = join(packageDir, name);
  await rm(target, { force: true });
  await link(pkg.deb, target).catch(() => copyFile(pkg.deb, target));
  return `${NODE_PACKAGE_DIR}/${name}`;
}

/** What runs a command inside one node (LabNode.exec). */
export interface AgentNode {
  name: string;
  exec(file: string, args: string[], options?: NodeExecOptions): Promise<CommandResult>;
}

/** `dpkg -i` of the agent package inside the node, as an operator runs it over ssh. */
export async function dpkgInstallAgent(node: AgentNode, debInNode: string): Promise<CommandResult> {
  return node.exec('dpkg', ['-i', debInNode], { timeoutMs: 180_000 });
}

export interface AgentUnitState {
  activeState: string;
  subState: string;
  mainPid: string;
  unitFileState: string;
  fragmentPath: string;
}

export async function agentUnitState(node: AgentNode): Promise<AgentUnitState> {
  const out = (await node.exec('systemctl', ['show', '-p', 'ActiveState,SubState,MainPID,UnitFileState,FragmentPath', AGENT_UNIT])).stdout;
  const v = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { activeState: v.ActiveState ?? '', subState: v.SubState ?? '', mainPid: v.MainPID ?? '', unitFileState: v.UnitFileState ?? '', fragmentPath: v.FragmentPath ?? '' };
}

/** The agent's /readyz address from its configuration (undefined when its HTTP listener is off). */
export function agentReadyzUrl(configYaml: string, node: string): string | undefined {
  const listen = parseAgentConfig(configYaml, `the lab agent config of ${node}`).http.listen;
  if (!listen) return undefined;
  return `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}/readyz`;
}

/**
 * Waits until the node's agent unit is active (Type=notify: it listens) with a main PID other than
 * `notPid`, and, when it has an HTTP listener, its /readyz answers ok.
 */
export async function waitAgentReady(node: AgentNode, o: { readyzUrl: string | undefined; timeoutMs: number; notPid?: string }): Promise<AgentUnitState> {
  const what = `the agent of ${node.name} to be active${o.notPid ? ` with a new process (was PID ${o.notPid})` : ''}${o.readyzUrl ? ` and ${o.readyzUrl} ok` : ''}`;
  return waitFor({ what, timeoutMs: o.timeoutMs, initialDelayMs: 100, maxDelayMs: 1000 }, async () => {
    const unit = await agentUnitState(node);
    if (unit.activeState !== 'active' || unit.mainPid === '0' || unit.mainPid === o.notPid) return notYet(`${AGENT_UNIT} ${unit.activeState}/${unit.subState}, MainPID ${unit.mainPid}`);
    if (!o.readyzUrl) return ready(unit);
    const r = await fetch(o.readyzUrl, { signal: AbortSignal.timeout(3000) }).then(
      async (res) => `${res.status} ${(await res.text()).trim()}`,
      (err: Error) => `no answer (${err.message})`,
    );
    return r.startsWith('200 ') ? ready(unit) : notYet(`/readyz: ${r}`);
  });
}
