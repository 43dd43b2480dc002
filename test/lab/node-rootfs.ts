import { randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile, rm, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand } from '../../shared/exec/command-runner.js';
import type { PlanetConfig } from './planet/planet-config.js';
import { CONTAINER_RUNTIME_SOCKET } from './planet/container-runtime-standin.js';

/**
 * Turns a copy of the node image into one lab node: its own identity, the Gravity-like units
 * (planet with a real etcd member and a kubelet stand-in, teleport), the node-local `gravity exec`
 * stand-in, and the initial version of the planet package installed with dpkg.
 */

export const GRAVITY_PLANET_VERSION = '7.0.67-11709';
export const GRAVITY_TELEPORT_VERSION = '3.2.17';
export const PLANET_UNIT = `gravity__gravitational.io__planet__${GRAVITY_PLANET_VERSION}.service`;
export const TELEPORT_UNIT = `gravity__gravitational.io__teleport__${GRAVITY_TELEPORT_VERSION}.service`;
/** The container runtime inside planet (docker on Gravity); here a unit bound to the planet unit. */
export const CONTAINER_RUNTIME_UNIT = 'noderoll-lab-container-runtime.service';

/**
 * Paths inside a node. The lab's own stand-ins (planet, container runtime) and lab-only test tools run on
 * the host's Node 20 and this checkout, bound read-only at a lab-only path: nothing at /usr/bin/node or
 * on PATH, so the agent, installed from its package, can only be self-contained.
 */
export const NODE_LAB_DIR = '/opt/noderoll-lab';
export const NODE_LAB_PROJECT_DIR = `${NODE_LAB_DIR}/project`;
export const NODE_LAB_NODE_BINARY = `${NODE_LAB_DIR}/bin/node`;
export const AGENT_UNIT = 'noderoll-agent.service';
export const NODE_AGENT_CONFIG = '/etc/noderoll/agent.yaml';
export const NODE_PLANET_CONFIG = '/etc/noderoll-lab/planet.json';

/** A file to put into a node: its content and mode. */
export interface NodeFile {
  content: string;
  mode: number;
}

export interface NodeRootfsOptions {
  image: string;
  rootfs: string;
  hostname: string;
  planet: PlanetConfig;
  /** Host path of the package to install before first boot. */
  initialPackage: string;
  /**
   * What an operator copies onto the node before installing noderoll-agent's package (the lab runs
   * `dpkg -i` once the node is up, test/lab/lab-agent.ts): its configuration file, TLS files, and the
   * lab's drop-ins for the packaged unit (watchdog period, clock offset).
   */
  agent?: { configYaml: string; files?: Record<string, NodeFile>; watchdogSec?: number };
  /** The node's clock minus the real one, as its kubelet stand-in and agent see it (see clockDropIn). */
  clockOffsetMs?: number;
}

/**
 * The lab's drop-in that hides the lab-only runtime and checkout from the agent and everything it
 * runs (installs, planet checks): for the agent the node looks like one with no Node.js and no
 * noderoll checkout at all. It only takes away; the packaged unit is otherwise as shipped.
 */
export const AGENT_HIDE_LAB_DROP_IN = 'lab-hide-lab-runtime.conf';

export function agentHideLabDropIn(): string {
  return `[Service]\n# noderoll lab: the stand-ins' runtime and code are not part of the node the agent sees\nInaccessiblePaths=-${NODE_LAB_DIR}\n`;
}

/** The lab's drop-in that shortens the agent unit's WatchdogSec= (LabOptions.agentWatchdogSec). */
export const AGENT_WATCHDOG_DROP_IN = 'lab-watchdog.conf';

export function agentWatchdogDropIn(watchdogSec: number): string {
  if (!Number.isInteger(watchdogSec) || watchdogSec < 2) throw new Error(`agentWatchdogSec: ${watchdogSec} must be a whole number of seconds, at least 2`);
  return `[Service]\nWatchdogSec=${watchdogSec}\n`;
}

function inRoot(rootfs: string, path: string): string {
  return join(rootfs, path.replace(/^\/+/, ''));
}

export async function writeInRoot(rootfs: string, path: string, content: string, mode = 0o644): Promise<void> {
  const full = inRoot(rootfs, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, content, { mode });
  await chmod(full, mode);
}

export async function enableUnit(rootfs: string, unit: string, target = 'multi-user.target'): Promise<void> {
  const link = inRoot(rootfs, `/etc/systemd/system/${target}.wants/${unit}`);
  await mkdir(dirname(link), { recursive: true });
  await rm(link, { force: true });
  await symlink(`/etc/systemd/system/${unit}`, link);
}

export function planetUnitText(): string {
  return [
    '[Unit]',
    `Description=Auto-generated service for the gravitational.io/planet:${GRAVITY_PLANET_VERSION} package (noderoll lab stand-in)`,
    'After=network.target',
    `Wants=${CONTAINER_RUNTIME_UNIT}`,
    `After=${CONTAINER_RUNTIME_UNIT}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${NODE_LAB_NODE_BINARY} ${NODE_LAB_PROJECT_DIR}/dist/test/lab/planet/planet-standin.js ${NODE_PLANET_CONFIG}`,
    'Restart=on-failure',
    'RestartSec=2',
    'KillMode=control-group',
    'TimeoutStopSec=20',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Started with planet and stopped with it (PartOf), as docker lives and dies with the planet container. */
export function containerRuntimeUnitText(): string {
  return [
    '[Unit]',
    'Description=noderoll lab stand-in for the container runtime inside planet',
    `PartOf=${PLANET_UNIT}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${NODE_LAB_NODE_BINARY} ${NODE_LAB_PROJECT_DIR}/dist/test/lab/planet/container-runtime-standin.js ${CONTAINER_RUNTIME_SOCKET}`,
    'Restart=on-failure',
    'RestartSec=1',
    '',
  ].join('\n');
}

export function teleportUnitText(): string {
  return [
    '[Unit]',
    `Description=Auto-generated service for the gravitational.io/teleport:${GRAVITY_TELEPORT_VERSION} package (noderoll lab stand-in)`,
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    'ExecStart=/bin/sleep infinity',
    'Restart=on-failure',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** libfaketime from the node image's Debian package (the thread-safe variant: Node is multi-threaded). */
export const NODE_LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

/**
 * A systemd drop-in that runs a unit's processes (and what they start) with their wall clock off by
 * `offsetMs`: libfaketime shifts CLOCK_REALTIME/time()/gettimeofday for them. Monotonic clocks are
 * left alone, so timers and timeouts behave; PID 1, journald and the kernel keep the real time.
 */
export function clockDropIn(offsetMs: number): string {
  if (!Number.isInteger(offsetMs / 1000)) throw new Error(`clockOffsetMs: ${offsetMs} must be whole seconds`);
  const seconds = offsetMs / 1000;
  return [
    '[Service]',
    `Environment=LD_PRELOAD=${NODE_LIBFAKETIME}`,
    `Environment=FAKETIME=${seconds >= 0 ? '+' : ''}${seconds}`,
    'Environment=FAKETIME_DONT_FAKE_MONOTONIC=1',
    '',
  ].join('\n');
}

/**
 * On Gravity, `gravity exec --no-tty --no-interactive CMD...` runs CMD inside the planet container;
 * here planet shares the node's root, so the command runs here, but only while the planet unit is
 * active: with planet stopped there is no container to enter, and the real one fails (exit 255).
 */
export function gravityExecStandinScript(): string {
  return `#!/bin/sh
# noderoll lab stand-in for gravity exec: planet shares the node's root, so run the command here.
set -e
[ "$1" = exec ] || { echo "[ERROR]: this lab stand-in only implements 'gravity exec'" >&2; exit 255; }
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --no-tty|--no-interactive|-t|-i|--tty|--interactive) shift ;;
    --) shift; break ;;
    -*) echo "[ERROR]: unknown flag $1" >&2; exit 255 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "[ERROR]: gravity exec needs a command" >&2; exit 255; }
state=$(systemctl show -p ActiveState --value ${PLANET_UNIT} 2>/dev/null || true)
[ "$state" = active ] || { echo "[ERROR]: planet container is not running (${PLANET_UNIT} is \${state:-unknown}): cannot exec into it" >&2; exit 255; }
exec "$@"
`;
}

/** A fresh copy of the node image with its own machine ID and host name (every lab profile). */
export async function prepareNodeIdentity(o: Pick<NodeRootfsOptions, 'image' | 'rootfs' | 'hostname'>): Promise<void> {
  await rm(o.rootfs, { recursive: true, force: true });
  await mkdir(dirname(o.rootfs), { recursive: true });
  await runCommand({ file: 'cp', args: ['-a', '--reflink=auto', o.image, o.rootfs], timeoutMs: 180_000 });

  const machineId = randomBytes(16).toString('hex');
  await writeInRoot(o.rootfs, '/etc/machine-id', `${machineId}\n`, 0o444);
  await mkdir(inRoot(o.rootfs, '/var/lib/dbus'), { recursive: true });
  await rm(inRoot(o.rootfs, '/var/lib/dbus/machine-id'), { force: true });
  await symlink('/etc/machine-id', inRoot(o.rootfs, '/var/lib/dbus/machine-id'));
  await writeInRoot(o.rootfs, '/etc/hostname', `${o.hostname}\n`);
  await writeInRoot(o.rootfs, '/etc/hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${o.hostname}\n`);
}

/** What an operator puts on a node before installing noderoll-agent (config, TLS files) and the lab's drop-ins. */
export async function writeAgentFiles(rootfs: string, agent: NonNullable<NodeRootfsOptions['agent']>, skewed: string | undefined): Promise<void> {
  await writeInRoot(rootfs, NODE_AGENT_CONFIG, agent.configYaml, 0o600);
  for (const [path, file] of Object.entries(agent.files ?? {})) {
    if (!path.startsWith('/') || path.split('/').includes('..')) throw new Error(`agent file ${JSON.stringify(path)}: must be an absolute path inside the node`);
    await writeInRoot(rootfs, path, file.content, file.mode);
  }
  await writeInRoot(rootfs, `/etc/systemd/system/${AGENT_UNIT}.d/${AGENT_HIDE_LAB_DROP_IN}`, agentHideLabDropIn());
  if (skewed) await writeInRoot(rootfs, `/etc/systemd/system/${AGENT_UNIT}.d/lab-clock.conf`, skewed);
  if (agent.watchdogSec !== undefined) await writeInRoot(rootfs, `/etc/systemd/system/${AGENT_UNIT}.d/${AGENT_WATCHDOG_DROP_IN}`, agentWatchdogDropIn(agent.watchdogSec));
}

export async function prepareNodeRootfs(o: NodeRootfsOptions): Promise<void> {
  await prepareNodeIdentity(o);

  await writeInRoot(o.rootfs, NODE_PLANET_CONFIG, JSON.stringify(o.planet, null, 2) + '\n');
  await writeInRoot(o.rootfs, `/etc/systemd/system/${PLANET_UNIT}`, planetUnitText());
  await writeInRoot(o.rootfs, `/etc/systemd/system/${TELEPORT_UNIT}`, teleportUnitText());
  await writeInRoot(o.rootfs, `/etc/systemd/system/${CONTAINER_RUNTIME_UNIT}`, containerRuntimeUnitText());
  await enableUnit(o.rootfs, PLANET_UNIT);
  await enableUnit(o.rootfs, TELEPORT_UNIT);
  await writeInRoot(o.rootfs, '/usr/local/bin/gravity', gravityExecStandinScript(), 0o755);
  const skewed = o.clockOffsetMs !== undefined && o.clockOffsetMs !== 0 ? clockDropIn(o.clockOffsetMs) : undefined;
  if (skewed) await writeInRoot(o.rootfs, `/etc/systemd/system/${PLANET_UNIT}.d/lab-clock.conf`, skewed);

  if (o.agent) await writeAgentFiles(o.rootfs, o.agent, skewed);

  await runCommand({
    file: 'dpkg',
    args: [`--root=${o.rootfs}`, '--force-script-chrootless', '-i', o.initialPackage],
    timeoutMs: 60_000,
  });
}
