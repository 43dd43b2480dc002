import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { readdir, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../shared/log/logger.js';
import { sleep } from '../../shared/time/wait-for.js';
import { Lab, LAB_PROFILES, type LabProfile } from './lab.js';
import { k3sAgentConfigYaml, kubeadmAgentConfigYaml } from './kubeadm/kubeadm-agent-config.js';
import { labAgentConfigYaml, labSiteAgentSettingsYaml, writeLabCoordinatorConfig } from './noderoll-config.js';
import { labEnvScript, siteAgentSettingsFile } from './lab-env.js';
import { runNodeShell } from './node-shell.js';
import { ensureNodeImage } from './node-image.js';
import { labAgentPackage } from './lab-agent.js';
import { validateLabId } from './lab-identity.js';
import { labDir, labsRoot, readLabState } from './lab-state.js';
import { collectLabStatus, formatStatusTable } from './lab-status.js';
import { pidAlive, sweepLab } from './lab-sweep.js';

/**
 * `npm run lab -- <command>`: up, status, env, down. `up` starts a detached daemon that owns the
 * lab (nodes, API server) until `down` sends it SIGTERM.
 */

/** The lab every command means without --id: $NODEROLL_LAB_ID, else "demo". */
const DEFAULT_ID = process.env.NODEROLL_LAB_ID || 'demo';
const USAGE = `usage: npm run lab -- <command> [flags]
  up     [--id ID] [--nodes N]   start a lab (default id ${DEFAULT_ID}, 3 nodes) and wait until it is healthy
  status [--id ID] [-o json]     nodes: power, systemd state, etcd, Kubernetes readiness, boot ID
  up     [--id ID] --no-agents   a lab whose nodes have no noderoll agent yet (install it as an operator would)
  up     [--id ID] --profile kubeadm   kubelet/containerd units, etcd with TLS client auth at kubeadm's paths (default: gravity)
  up     [--id ID] --profile k3s       k3s.service on servers (embedded etcd, TLS at k3s's paths), k3s-agent.service on agents
  env    [--id ID]               shell exports: kubectl, gravity and noderoll on PATH, pointed at the lab (eval "$(...)"),
                                 and the site settings of "Using noderoll on a cluster" (README) for this lab
  shell  [--id ID] NODE [CMD…]   run CMD (default: a login shell) as root inside NODE, as ssh root@NODE would
  down   [--id ID | --all]       stop and remove the lab, leaving nothing behind
  image                          build the cached node image (debootstrap; once per recipe) and the agent package every lab installs`;

interface Flags {
  id: string;
  nodes: number;
  output: 'text' | 'json';
  all: boolean;
  agents: boolean;
  profile: LabProfile;
}

class UsageError extends Error {}

function parseFlags(args: string[]): Flags {
  const flags: Flags = { id: validateLabId(DEFAULT_ID), nodes: 3, output: 'text', all: false, agents: true, profile: 'gravity' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`flag ${a} needs a value`);
      return v;
    };
    if (a === '--id') flags.id = validateLabId(value());
    else if (a === '--nodes') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 20) throw new UsageError(`--nodes: "${v}" must be a whole number 1..20`);
      flags.nodes = Number(v);
    } else if (a === '-o' || a === '--output') {
      const v = value();
      if (v !== 'text' && v !== 'json') throw new UsageError(`--output: "${v}" must be text or json`);
      flags.output = v;
    } else if (a === '--all') flags.all = true;
    else if (a === '--no-agents') flags.agents = false;
    else if (a === '--profile') {
      const v = value();
      if (!LAB_PROFILES.includes(v as LabProfile)) throw new UsageError(`--profile: "${v}" must be one of ${LAB_PROFILES.join(', ')}`);
      flags.profile = v as LabProfile;
    }
    else throw new UsageError(`unknown flag "${a}"`);
  }
  return flags;
}

function daemonLogFile(id: string): string {
  return join(labsRoot(), `${id}.daemon.log`);
}

async function up(flags: Flags): Promise<number> {
  const dir = labDir(flags.id);
  if (existsSync(dir)) {
    process.stderr.write(`lab "${flags.id}" already exists (${dir}); run: npm run lab -- down --id ${flags.id}\n`);
    return 1;
  }
  await mkdir(labsRoot(), { recursive: true });
  const logFile = daemonLogFile(flags.id);
  const fd = openSync(logFile, 'w');
  const self = fileURLToPath(import.meta.url);
  const daemon = spawn(process.execPath, [self, 'daemon', '--id', flags.id, '--nodes', String(flags.nodes), ...(flags.agents ? [] : ['--no-agents']), ...(flags.profile === 'gravity' ? [] : ['--profile', flags.profile])], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  daemon.unref();
  const started = Date.now();
  process.stderr.write(`starting lab "${flags.id}" with ${flags.nodes} nodes (daemon pid ${daemon.pid}, log ${logFile})\n`);
  const deadline = started + 25 * 60_000;
  while (Date.now() < deadline) {
    await sleep(500);
    const state = await readLabState(flags.id).catch(() => undefined);
    if (state?.ready) {
      process.stderr.write(`lab "${flags.id}" is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return status(flags);
    }
    if (daemon.pid === undefined || !pidAlive(daemon.pid)) {
      process.stderr.write(`lab daemon exited before the lab was up; see ${logFile}\n`);
      return 1;
    }
  }
  process.stderr.write(`lab "${flags.id}" was not up after 25 minutes; see ${logFile}; taking it down\n`);
  await down(flags);
  return 1;
}

async function status(flags: Flags): Promise<number> {
  const state = await readLabState(flags.id);
  const rows = await collectLabStatus(state);
  if (flags.output === 'json') process.stdout.write(JSON.stringify({ id: state.id, apiServerUrl: state.apiServerUrl, nodes: rows }) + '\n');
  else process.stdout.write(`lab ${state.id}: API server ${state.apiServerUrl}, kubeconfig ${state.kubeconfig}\n${formatStatusTable(rows)}\n`);
  const healthy = rows.every((r) => r.power === 'running' && r.systemState === 'running' && r.etcd !== 'unhealthy' && r.kubeReady === 'Ready');
  return healthy ? 0 : 3;
}

async function env(flags: Flags): Promise<number> {
  const s = await readLabState(flags.id);
  if (!existsSync(join(s.binDir, 'gravity'))) {
    process.stderr.write(`lab "${s.id}": gravity missing from ${s.binDir} (a lab not started by \`npm run lab -- up\`?)\n`);
    return 1;
  }
  process.stdout.write(labEnvScript(s, { cli: fileURLToPath(import.meta.url), node: process.execPath }));
  return 0;
}

async function downOne(id: string): Promise<number> {
  const state = await readLabState(id);
  if (state.daemonPid !== undefined && pidAlive(state.daemonPid)) {
    process.kill(state.daemonPid, 'SIGTERM');
    for (let i = 0; i < 240 && pidAlive(state.daemonPid); i++) await sleep(250);
  }
  const problems = existsSync(state.dir) ? await sweepLab(state) : [];
  for (const p of problems) process.stderr.write(`lab ${id}: ${p}\n`);
  if (problems.length === 0) await rm(daemonLogFile(id), { force: true });
  process.stderr.write(`lab "${id}" is down\n`);
  return problems.length ? 1 : 0;
}

async function down(flags: Flags): Promise<number> {
  if (!flags.all) return downOne(flags.id);
  if (!existsSync(labsRoot())) return 0;
  let rc = 0;
  for (const id of await readdir(labsRoot())) {
    if (id.startsWith('.') || !existsSync(join(labsRoot(), id, 'state.json'))) continue;
    rc = Math.max(rc, await downOne(id));
  }
  return rc;
}

async function image(): Promise<number> {
  const img = await ensureNodeImage({ logger: createLogger('lab-image') });
  process.stdout.write(`node image ${img.key}: ${img.rootfs} (${img.builtNow ? `built in ${(img.buildMs / 1000).toFixed(1)} s` : 'cached'})\n`);
  const started = Date.now();
  const pkg = await labAgentPackage({ logger: createLogger('lab-image') });
  process.stdout.write(`agent package ${pkg.version}: ${pkg.deb} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return 0;
}

async function daemon(flags: Flags): Promise<number> {
  const logger = createLogger('lab-daemon');
  const agentConfig = { gravity: labAgentConfigYaml, kubeadm: kubeadmAgentConfigYaml, k3s: k3sAgentConfigYaml }[flags.profile];
  const lab = await Lab.up({ id: flags.id, nodes: flags.nodes, logger, ownedByDaemon: true, ...(flags.profile === 'gravity' ? {} : { profile: flags.profile }), ...(flags.agents ? { agentConfig } : {}) });
  await writeFile(siteAgentSettingsFile(lab.dir), labSiteAgentSettingsYaml());
  // Without agents the lab has no coordinator config of its own: `noderoll init` writes the operator's.
  if (flags.agents) await writeLabCoordinatorConfig(lab);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const problems = await lab.down();
  return problems.length ? 1 : 0;
}

/** `shell [--id ID] NODE [COMMAND…]`: everything after NODE is the command, its flags included. */
async function shell(args: string[]): Promise<number> {
  let id = DEFAULT_ID;
  let rest = args;
  if (rest[0] === '--id') {
    if (rest[1] === undefined) throw new UsageError('flag --id needs a value');
    id = rest[1];
    rest = rest.slice(2);
  }
  const [node, ...command] = rest;
  if (!node) throw new UsageError('shell needs a node name, e.g. npm run lab -- shell node-1 systemctl status noderoll-agent');
  return runNodeShell(await readLabState(validateLabId(id)), node, command);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  if (command === 'shell') return shell(rest);
  const flags = parseFlags(rest);
  switch (command) {
    case 'up':
      return up(flags);
    case 'status':
      return status(flags);
    case 'env':
      return env(flags);
    case 'down':
      return down(flags);
    case 'daemon':
      return daemon(flags);
    case 'image':
      return image();
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`lab: ${err.message}\n${err instanceof UsageError ? USAGE + '\n' : ''}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
