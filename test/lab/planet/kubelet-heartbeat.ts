import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { NODE_ALLOCATABLE, NODE_CAPACITY } from './node-capacity.js';
import type { PlanetConfig } from './planet-config.js';
import { containerRuntimeAnswers } from './container-runtime-standin.js';

/**
 * The kubelet part of the planet stand-in: registers the Node and posts its status the way a
 * kubelet does, so the lab API server sees Ready, the boot ID and versions, and marks the node
 * NotReady when heartbeats stop.
 */

export const KUBELET_VERSION = 'v1.32.4';
const REQUEST_TIMEOUT_MS = 3000;

function readTrimmed(path: string, fallback = ''): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function osImage(): string {
  const osRelease = readTrimmed('/etc/os-release');
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? 'Linux';
}

export function nodeLabels(config: PlanetConfig, planetVersion: string): Record<string, string> {
  if (config.labels) return config.labels;
  return {
    'kubernetes.io/hostname': config.nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'gravitational.io/k8s-role': config.role,
    'gravitational.io/advertise-ip': config.nodeAddress,
    ...(config.role === 'master' ? { 'node-role.kubernetes.io/master': '' } : {}),
    'planet.noderoll.io/version': planetVersion.replace(/[^A-Za-z0-9._-]/g, '_'),
  };
}

/** The kubelet's own verdict on its node (pkg/kubelet/nodestatus ReadyCondition). */
export interface KubeletReadiness {
  ready: boolean;
  /** When `ready` last changed. */
  since: Date;
}

/** Why a kubelet whose runtime does not answer says NotReady, in the real kubelet's words. */
export const RUNTIME_DOWN_MESSAGE = 'container runtime is down';

function readyCondition(readiness: KubeletReadiness, now: Date): object {
  return {
    type: 'Ready',
    ...(readiness.ready
      ? { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { status: 'False', reason: 'KubeletNotReady', message: RUNTIME_DOWN_MESSAGE }),
    lastHeartbeatTime: now.toISOString(),
    lastTransitionTime: readiness.since.toISOString(),
  };
}

export function nodeStatus(config: PlanetConfig, planetVersion: string, now: Date, readiness: KubeletReadiness): object {
  return {
    conditions: [readyCondition(readiness, now)],
    addresses: [
      { type: 'InternalIP', address: config.nodeAddress },
      { type: 'Hostname', address: config.nodeName },
    ],
    capacity: NODE_CAPACITY,
    allocatable: NODE_ALLOCATABLE,
    nodeInfo: {
      machineID: readTrimmed('/etc/machine-id'),
      systemUUID: readTrimmed('/etc/machine-id'),
      bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: config.containerRuntimeVersion ?? `planet://${planetVersion}`,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

async function request(config: PlanetConfig, method: string, path: string, body: object, contentType: string): Promise<number> {
  const res = await fetch(`${config.apiServerUrl}${path}`, {
    method,
    headers: { 'content-type': contentType, accept: 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  await res.arrayBuffer();
  return res.status;
}

export class KubeletHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private registered = false;
  private readiness: KubeletReadiness = { ready: true, since: new Date() };

  constructor(
    private readonly config: PlanetConfig,
    private readonly log: (msg: string) => void,
  ) {}

  private planetVersion(): string {
    return readTrimmed(this.config.versionFile, 'unknown');
  }

  private async register(version: string): Promise<void> {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.config.nodeName, labels: nodeLabels(this.config, version) },
      spec: this.config.taints ? { taints: this.config.taints } : {},
      status: nodeStatus(this.config, version, new Date(), this.readiness),
    };
    const created = await request(this.config, 'POST', '/api/v1/nodes', node, 'application/json');
    if (created !== 201 && created !== 200 && created !== 409) throw new Error(`register node: HTTP ${created}`);
    const labelled = await request(
      this.config,
      'PATCH',
      `/api/v1/nodes/${encodeURIComponent(this.config.nodeName)}`,
      { metadata: { labels: nodeLabels(this.config, version) } },
      'application/merge-patch+json',
    );
    if (labelled !== 200) throw new Error(`label node: HTTP ${labelled}`);
    this.registered = true;
    this.log(`registered node ${this.config.nodeName} (HTTP ${created})`);
  }

  /** Ready unless the container runtime (when there is one to ask) does not answer. */
  private async updateReadiness(): Promise<void> {
    const socket = this.config.containerRuntimeSocket;
    const ready = socket === undefined ? true : await containerRuntimeAnswers(socket);
    if (ready !== this.readiness.ready) {
      this.readiness = { ready, since: new Date() };
      this.log(ready ? 'container runtime answers: Ready' : `NotReady: ${RUNTIME_DOWN_MESSAGE}`);
    }
  }

  async beat(): Promise<void> {
    const version = this.planetVersion();
    await this.updateReadiness();
    if (!this.registered) await this.register(version);
    const status = await request(
      this.config,
      'PATCH',
      `/api/v1/nodes/${encodeURIComponent(this.config.nodeName)}/status`,
      { status: nodeStatus(this.config, version, new Date(), this.readiness) },
      'application/merge-patch+json',
    );
    if (status === 404) this.registered = false;
    if (status !== 200) throw new Error(`post node status: HTTP ${status}`);
  }

  start(): void {
    const tick = (): void => {
      this.beat()
        .catch((err: Error) => this.log(`heartbeat failed: ${err.message}`))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.config.heartbeatIntervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
