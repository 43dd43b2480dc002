import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AgentPackages } from '../../packaging/agent-packages.js';
import type { CommandResult } from '../../shared/exec/command-runner.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import type { Lab, LabNode } from '../lab/lab.js';
import { NODE_PACKAGE_DIR } from '../lab/lab-packages.js';
import type { LabPki } from '../lab/lab-pki.js';
import { AGENT_HTTP_PORT, labAgentConfigYaml } from '../lab/noderoll-config.js';
import type { NodeFile } from '../lab/node-rootfs.js';

/**
 * The agent package on one lab node, as an operator handles it: the .deb and tarball copied where
 * the node sees them, the node's bundle (agent.yaml, TLS files) written into its filesystem,
 * commands run inside the node (test/packaging/agent-package.lab.test.ts).
 */

export const AGENT_UNIT = 'noderoll-agent.service';
export const AGENT_CONFIG = '/etc/noderoll/agent.yaml';

export class AgentOnNode {
  private agentFiles: Record<string, NodeFile> | undefined;

  constructor(
    readonly lab: Lab,
    readonly node: LabNode,
    readonly pki: LabPki,
  ) {}

  /** The packages as the node sees them (lab.packageDir is bound read-only at NODE_PACKAGE_DIR). */
  async provide(packages: AgentPackages): Promise<{ deb: string; tarball: string }> {
    for (const file of [packages.deb, packages.tarball]) await copyFile(file, join(this.lab.packageDir, basename(file)));
    return { deb: `${NODE_PACKAGE_DIR}/${basename(packages.deb)}`, tarball: `${NODE_PACKAGE_DIR}/${basename(packages.tarball)}` };
  }

  run(file: string, args: string[], okExitCodes?: number[]): Promise<CommandResult> {
    return this.node.exec(file, args, { timeoutMs: 120_000, ...(okExitCodes ? { okExitCodes } : {}) });
  }

  /** The node's bundle: its TLS files (the key 0600) and the lab agent config (or configYaml), written as an operator copies them. */
  async writeBundle(configYaml = labAgentConfigYaml(this.node.names)): Promise<void> {
    this.agentFiles ??= await this.pki.agentNodeFiles({ name: this.node.name, nodeAddress: this.node.names.nodeAddress });
    for (const [path, f] of Object.entries(this.agentFiles)) await this.writeFile(path, f.content, f.mode);
    await this.writeFile(AGENT_CONFIG, configYaml, 0o644);
  }

  private async writeFile(path: string, content: string, mode: number): Promise<void> {
    const target = join(this.node.rootfs, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    await chmod(target, mode);
  }

  async unitState(unit = AGENT_UNIT): Promise<{ active: string; enabled: string; mainPid: number }> {
    const show = (await this.run('systemctl', ['show', '-p', 'ActiveState,UnitFileState,MainPID', unit])).stdout;
    const prop = (k: string): string => new RegExp(`^${k}=(.*)$`, 'm').exec(show)?.[1] ?? '';
    return { active: prop('ActiveState'), enabled: prop('UnitFileState'), mainPid: Number(prop('MainPID')) };
  }

  /** Waits until the agent on the node answers /readyz with 200; its body. */
  waitServing(timeoutMs = 60_000): Promise<unknown> {
    return waitFor({ what: `the agent on ${this.node.name} answering /readyz with ok`, timeoutMs, initialDelayMs: 200 }, async () => {
      const res = await fetch(`http://${this.node.names.nodeAddress}:${AGENT_HTTP_PORT}/readyz`, { signal: AbortSignal.timeout(5000) });
      const body: unknown = await res.json();
      return res.status === 200 ? ready(body) : notYet(`HTTP ${res.status} ${JSON.stringify(body)}`);
    });
  }

  /** VmRSS and VmHWM (KiB) of a process of the node, from /proc/PID/status inside it. */
  async memoryKib(pid: number): Promise<{ rssKib: number; hwmKib: number }> {
    const status = (await this.run('cat', [`/proc/${pid}/status`])).stdout;
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s*(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKib: kib('VmRSS'), hwmKib: kib('VmHWM') };
  }
}
