import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NodeCgroup } from './node-cgroup.js';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import type { Logger } from '../../shared/log/logger.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import type { NodeNames } from './lab-identity.js';

/**
 * One lab node: a systemd-nspawn container booting the node's rootfs inside its network
 * namespace. It supervises the container the way firmware would: `systemctl reboot` inside makes
 * systemd-nspawn exit with 133 and the machine is started again; a poweroff (exit 0) stays off.
 */

const NSPAWN_REBOOT_EXIT = 133;
/** Starts a program inside given cgroups (see node-cgroup.ts); a fixed script, arguments passed as argv. */
const IN_CGROUP = fileURLToPath(new URL('../../../test/lab/bin/in-cgroup', import.meta.url));

export type PowerState = 'starting' | 'running' | 'rebooting' | 'off' | 'crashed' | 'stopped';

export interface BindMount {
  host: string;
  node: string;
}

export interface NodeMachineOptions {
  names: NodeNames;
  rootfs: string;
  readOnlyBinds: BindMount[];
  consoleLog: string;
  logger: Logger;
  /**
   * Time between a reboot's shutdown and the next boot, standing in for firmware and kernel start.
   * Longer than the API server's heartbeat grace, so a rebooting node goes NotReady as a real one does.
   */
  rebootDelayMs: number;
  /** Called after every (re)start with the new systemd-nspawn PID. */
  onStarted?: (pid: number) => void;
}

export interface NodeExecOptions {
  timeoutMs?: number;
  okExitCodes?: number[];
  input?: string;
}

/** PID of the container's systemd (PID 1 inside): the child of systemd-nspawn. */
export function containerInitPid(nspawnPid: number, node: string): number {
  const children = readFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  const first = children[0];
  if (!first) throw new Error(`node ${node}: systemd-nspawn ${nspawnPid} has no child yet`);
  return Number(first);
}

/** Runs a program inside a node (all its namespaces) through the shared runner. */
export function execInContainer(initPid: number, file: string, args: string[], options: NodeExecOptions = {}): Promise<CommandResult> {
  return runCommand({
    file: 'nsenter',
    args: ['-t', String(initPid), '-a', '--', file, ...args],
    timeoutMs: options.timeoutMs ?? 20_000,
    ...(options.okExitCodes ? { okExitCodes: options.okExitCodes } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

export function containerBootId(initPid: number): string {
  return readFileSync(`/proc/${initPid}/root/proc/sys/kernel/random/boot_id`, 'utf8').trim();
}

export async function containerSystemState(initPid: number): Promise<string> {
  const r = await execInContainer(initPid, 'systemctl', ['is-system-running'], { okExitCodes: [0, 1, 2, 3, 4, 5, 6] });
  return r.stdout.trim() || 'unknown';
}

export class NodeMachine {
  private child: ChildProcess | undefined;
  private stopRequested = false;
  private exitWaiters: (() => void)[] = [];
  private rebootTimer: NodeJS.Timeout | undefined;
  private readonly cgroup: NodeCgroup;
  state: PowerState = 'stopped';
  boots = 0;
  lastExitCode: number | null = null;

  constructor(private readonly o: NodeMachineOptions) {
    this.cgroup = new NodeCgroup(o.names.machine);
  }

  get name(): string {
    return this.o.names.name;
  }

  get nspawnPid(): number | undefined {
    return this.child?.pid;
  }

  private nspawnArgs(): string[] {
    return [
      '--boot',
      `--directory=${this.o.rootfs}`,
      `--machine=${this.o.names.machine}`,
      `--hostname=${this.o.names.name}`,
      '--console=pipe',
      '--register=no',
      '--keep-unit',
      `--network-namespace-path=/run/netns/${this.o.names.netns}`,
      ...this.o.readOnlyBinds.map((b) => `--bind-ro=${b.host}:${b.node}`),
    ];
  }

  /** Powers the machine on (first start, or after a poweroff). */
  start(): void {
    if (this.child || this.rebootTimer) throw new Error(`node ${this.name}: already started`);
    this.stopRequested = false;
    this.launch();
  }

  private launch(): void {
    const procs = this.cgroup.create();
    const fd = openSync(this.o.consoleLog, 'a');
    const child = spawn('/bin/sh', [IN_CGROUP, ...procs, '--', 'systemd-nspawn', ...this.nspawnArgs()], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.child = child;
    this.state = 'starting';
    this.boots += 1;
    if (child.pid !== undefined) this.o.onStarted?.(child.pid);
    this.o.logger.info({ node: this.name, pid: child.pid, boot: this.boots }, 'node machine started');
    child.on('error', (err) => this.o.logger.error({ node: this.name, err: err.message }, 'systemd-nspawn failed to start'));
    child.on('exit', (code, signal) => this.onExit(code, signal));
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.child = undefined;
    this.lastExitCode = code;
    this.o.logger.info({ node: this.name, code, signal }, 'node machine exited');
    if (!this.stopRequested && code === NSPAWN_REBOOT_EXIT) {
      this.state = 'rebooting';
      this.rebootTimer = setTimeout(() => {
        this.rebootTimer = undefined;
        if (!this.stopRequested) this.launch();
      }, this.o.rebootDelayMs);
      return;
    }
    this.settleDown(this.stopRequested ? 'stopped' : code === 0 ? 'off' : 'crashed');
  }

  private settleDown(state: PowerState): void {
    this.state = state;
    for (const problem of this.cgroup.remove()) this.o.logger.warn({ node: this.name, problem }, 'could not remove the node cgroup');
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    waiters.forEach((w) => w());
  }

  /** PID of the node's systemd (PID 1 inside), the target for nsenter. */
  systemdPid(): number {
    const pid = this.nspawnPid;
    if (pid === undefined) throw new Error(`node ${this.name} is not running (${this.state})`);
    return containerInitPid(pid, this.name);
  }

  exec(file: string, args: string[], options: NodeExecOptions = {}): Promise<CommandResult> {
    return execInContainer(this.systemdPid(), file, args, options);
  }

  bootId(): string {
    return containerBootId(this.systemdPid());
  }

  systemState(): Promise<string> {
    return containerSystemState(this.systemdPid());
  }

  /** Waits until systemd inside reports `running`. */
  async waitRunning(timeoutMs: number): Promise<void> {
    await waitFor({ what: `node ${this.name} to reach systemctl is-system-running = running`, timeoutMs, initialDelayMs: 100, maxDelayMs: 500 }, async () => {
      const s = await this.systemState();
      if (s === 'running') this.state = 'running';
      if (s === 'running') return ready(undefined);
      if (s !== 'degraded') return notYet(`state ${s}`);
      const failed = await this.exec('systemctl', ['--failed', '--plain', '--no-legend'], { okExitCodes: [0, 1, 3] });
      return notYet(`state degraded; failed units: ${failed.stdout.trim().replace(/\s+/g, ' ') || 'none listed'}`);
    });
  }

  /** Resolves when the machine has exited and will not be restarted (poweroff, crash or stop). */
  waitDown(timeoutMs: number): Promise<void> {
    if (!this.child && this.state !== 'rebooting') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`node ${this.name} did not go down within ${timeoutMs} ms`)), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Halts the node cleanly (SIGTERM to systemd-nspawn), SIGKILL after the grace period. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopRequested = true;
    if (this.rebootTimer) clearTimeout(this.rebootTimer);
    this.rebootTimer = undefined;
    const child = this.child;
    if (!child) {
      this.settleDown('stopped');
      return;
    }
    child.kill('SIGTERM');
    try {
      await this.waitDown(graceMs);
    } catch {
      this.o.logger.warn({ node: this.name, pid: child.pid }, 'node did not halt in time; killing it');
      // killing only systemd-nspawn would leave the container running: end its PID namespace first
      try {
        process.kill(this.systemdPid(), 'SIGKILL');
      } catch {
        // already gone
      }
      child.kill('SIGKILL');
      await this.waitDown(5000);
    }
  }
}
