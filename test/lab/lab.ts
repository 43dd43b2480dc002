import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { createLogger, type Logger } from '../../shared/log/logger.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { startKubeApiServer, seedRealisticWorkload, writeKubeconfig, type KubeApiServer } from '../kube-api/index.js';
import type { GravityLabState } from './gravity-standin/lab-state.js';
import { probeEtcdMember } from './gravity-standin/etcd-member-probe.js';
import { HostGateway } from './host-gateway.js';
import { LabBmc } from './lab-bmc.js';
import { LabIdentity, randomLabId, validateLabId, type NodeNames } from './lab-identity.js';
import { createBridge, createNodeNetwork, labNetworkLeftovers, removeLabNetwork } from './lab-network.js';
import { buildLabAptRepository, NODE_APT_REPOSITORY_DIR, prepareNodeAptSource } from './lab-apt-repository.js';
import { buildPlanetPackage, NODE_PACKAGE_DIR, PLANET_PACKAGE, PLANET_VERSION_FILE } from './lab-packages.js';
import { LabPki } from './lab-pki.js';
import { LAB_TIMING, rebootPauseProblem, type LabTiming } from './lab-timing.js';
import { labDir, labStateFile, writeLabState, type LabNodeRecord, type LabState } from './lab-state.js';
import { NodeMachine, type NodeExecOptions } from './node-machine.js';
import { labCgroupLeftovers, removeLabCgroups } from './node-cgroup.js';
import { ensureNodeImage } from './node-image.js';
import { NODE_LAB_NODE_BINARY, NODE_LAB_PROJECT_DIR, PLANET_UNIT, prepareNodeRootfs, TELEPORT_UNIT, type NodeFile } from './node-rootfs.js';
import { agentReadyzUrl, dpkgInstallAgent, labAgentPackage, stageAgentPackage, waitAgentReady, type LabAgentPackage } from './lab-agent.js';
import { releaseOctet, reserveOctet } from './octet-reservation.js';
import { makeCoordinatorIdentity } from './lab-coordinator-identity.js';
import { applyManifests, DEPLOY_DIR, type ServiceAccountIdentity } from '../kube-api/service-account-fixture.js';
import type { PlanetConfig } from './planet/planet-config.js';
import { CONTAINER_RUNTIME_SOCKET } from './planet/container-runtime-standin.js';
import { EtcdPki } from './etcd-pki.js';
import { KUBEADM_ETCD_PKI_LAYOUT } from './kubeadm/kubeadm-etcd-pki.js';
import { prepareKubeadmNodeRootfs } from './kubeadm/kubeadm-rootfs.js';
import { ETCD_CLIENT_PORT as TLS_ETCD_CLIENT_PORT, ETCD_PEER_PORT as TLS_ETCD_PEER_PORT, type KubeadmEtcdMember } from './kubeadm/kubeadm-units.js';
import { kubeadmKubeletConfig } from './kubeadm/kubeadm-node.js';
import { K3S_ETCD_BINARY, K3S_ETCD_PKI_LAYOUT } from './k3s/k3s-paths.js';
import { k3sKubeletConfig, prepareK3sNodeRootfs } from './k3s/k3s-node.js';
import { K3S_SQLITE_DATABASE, NODE_SQLITE3, seedKineSql } from './k3s/kine-sqlite.js';
import { labEtcdPkiDir, seedEtcdWithApiObjects, waitTlsEtcdHealthy } from './tls-etcd.js';

/**
 * A lab cluster: real systemd nodes (systemd-nspawn) with Gravity-like planet and teleport units,
 * a real etcd member per master, and a test Kubernetes API server their kubelet stand-ins report to.
 * Tests use this class directly; `npm run lab` wraps it in a daemon.
 */

export const PLANET_VERSION_INSTALLED = '7.0.67';
export const PLANET_VERSION_UPDATE = '7.0.68';
/** Further releases on offer, so one lab can run several rolling updates in a row. */
export const PLANET_VERSIONS_LATER = ['7.0.69', '7.0.70', '7.0.71', '7.0.72', '7.0.73', '7.0.74', '7.0.75', '7.0.76', '7.0.77', '7.0.78', '7.0.79', '7.0.80'];
const ETCD_CLIENT_PORT = 2379;
const ETCD_PEER_PORT = 2380;

/**
 * gravity: planet/teleport units (the default); kubeadm: kubelet/containerd units and etcd with
 * kubeadm's TLS (test/lab/kubeadm); k3s: k3s.service/k3s-agent.service with embedded etcd at k3s's
 * paths and a `k3s` program (test/lab/k3s).
 */
export type LabProfile = 'gravity' | 'kubeadm' | 'k3s';
export const LAB_PROFILES: readonly LabProfile[] = ['gravity', 'kubeadm', 'k3s'];

export interface LabOptions {
  id?: string;
  nodes: number;
  /**
   * What the nodes run (default gravity). kubeadm: kubelet.service and containerd.service stand-ins,
   * on control-plane nodes (the masters) a real etcd member with TLS client authentication and
   * kubeadm's PKI at /etc/kubernetes/pki, Nodes labelled and tainted as kubeadm does; no planet
   * package, no gravity stand-in. lab.etcdPki holds the etcd CA and a host client certificate.
   * k3s: the masters are servers running k3s.service (kubelet and container runtime stand-ins and the
   * embedded etcd member in one unit, TLS at /var/lib/rancher/k3s/server/tls/etcd), the other nodes
   * agents running k3s-agent.service; /usr/local/bin/k3s implements `k3s etcd-snapshot save`; Nodes
   * labelled as k3s labels them, untainted.
   */
  profile?: LabProfile;
  /**
   * kubeadm: whether control-plane Nodes carry kubeadm's NoSchedule taint (default true). false: the
   * taint removed, as small kubeadm clusters do so that workloads run on their control-plane nodes too
   * (`kubectl taint nodes --all node-role.kubernetes.io/control-plane-`); the seeded workload then
   * has room on every node, as it assumes.
   */
  controlPlaneTaint?: boolean;
  /**
   * k3s: the servers' datastore (default etcd, embedded). sqlite: k3s's default install, a single
   * server (masters: 1) keeping kine's SQLite database (k3s/kine-sqlite.ts) instead of an etcd member;
   * the lab's API objects are written into it once the lab is up.
   */
  datastore?: 'etcd' | 'sqlite';
  /** How many of the nodes are masters with an etcd member (default: min(nodes, 3)). */
  masters?: number;
  logger?: Logger;
  imageCacheDir?: string;
  /** Kubelet stand-in heartbeat interval (default LAB_TIMING, lab-timing.ts). */
  heartbeatIntervalMs?: number;
  /** API server's node monitor grace (default LAB_TIMING). */
  nodeHeartbeatGraceMs?: number;
  podStartDelayMs?: number;
  bootTimeoutMs?: number;
  /** Pause between a node's shutdown and its next boot on reboot (default LAB_TIMING); must outlast the grace. */
  rebootDelayMs?: number;
  /**
   * Nodes whose clock is off, by node name (e.g. { 'node-2': -20 * 60_000 }): their kubelet stand-in
   * and agent run with that wall-clock offset (libfaketime, see clockDropIn in node-rootfs.ts).
   */
  clockOffsetMs?: Record<string, number>;
  seedWorkload?: boolean;
  /**
   * Install noderoll-agent on every node, with the configuration this returns for the node (YAML
   * text): the file (and the TLS files) are written before the node's first boot, as an operator
   * copies a node's bundle first; once the node runs, the agent's .deb is installed inside it with
   * `dpkg -i`, whose postinst enables and starts the agent; Lab.up returns when every agent is active
   * and its /readyz is ok. Without agentConfig the nodes have no agent.
   */
  agentConfig?: (node: { name: string; role: 'master' | 'node'; nodeAddress: string }) => string;
  /**
   * More files for the agent, written into each node before its first boot (e.g. its TLS
   * certificate and key, which name the node and its address): path in the node → content, mode.
   */
  agentFiles?: (node: { name: string; role: 'master' | 'node'; nodeAddress: string }) => Promise<Record<string, NodeFile>> | Record<string, NodeFile>;
  /**
   * With agents: give the lab a noderoll CA (lab.pki) and every agent its certificate, so agents
   * require mutual TLS (default true). agentFiles, when given, may add or replace files.
   */
  agentPki?: boolean;
  /**
   * With agents: the agent unit's WatchdogSec= in seconds through a drop-in (default: the unit's own
   * value, 30 s), so a watchdog test need not wait half a minute for each restart.
   */
  agentWatchdogSec?: number;
  /** Set by the lab daemon: `lab down` may then stop the lab by signalling this process. */
  ownedByDaemon?: boolean;
  /** With agents: how long Lab.up waits for every installed agent to be active and ready (default 60 s). */
  agentReadyTimeoutMs?: number;
  /**
   * Also serve the API on its HTTPS port, where every request needs a token and RBAC decides, and
   * apply deploy/ there as the cluster admin; coordinatorIdentity() then gives each coordinator its
   * own ServiceAccount. The plain port keeps serving the kubelet stand-ins and test code as before.
   */
  secureApi?: boolean;
  /**
   * A local apt repository on every node (test/lab/lab-apt-repository.ts): noderoll-lab-tool, -lib
   * and -kernel at 1.0 installed before the first boot, 1.1 on offer; the node's only apt source.
   * `kernelNodes`: only these nodes get the kernel package (the one whose upgrade asks for a reboot).
   */
  aptRepository?: boolean | { kernelNodes: readonly string[] };
}

/** The lab's node timing: LAB_TIMING with the options' overrides. */
export function labTiming(o: Pick<LabOptions, 'heartbeatIntervalMs' | 'nodeHeartbeatGraceMs' | 'rebootDelayMs'>): LabTiming {
  return {
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? LAB_TIMING.heartbeatIntervalMs,
    nodeHeartbeatGraceMs: o.nodeHeartbeatGraceMs ?? LAB_TIMING.nodeHeartbeatGraceMs,
    rebootPauseMs: o.rebootDelayMs ?? LAB_TIMING.rebootPauseMs,
  };
}

export const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export class LabNode {
  constructor(
    readonly names: NodeNames,
    readonly role: 'master' | 'node',
    readonly machine: NodeMachine,
    readonly rootfs: string,
    readonly consoleLog: string,
    readonly profile: LabProfile = 'gravity',
    readonly datastore: 'etcd' | 'sqlite' = 'etcd',
  ) {}

  get name(): string {
    return this.names.name;
  }

  /** The member's client URL as the host reaches it (kubeadm: https, client certificate required). */
  get etcdClientUrl(): string | undefined {
    if (this.role !== 'master' || this.datastore === 'sqlite') return undefined;
    return this.profile === 'gravity' ? `http://${this.names.nodeAddress}:${ETCD_CLIENT_PORT}` : `https://${this.names.nodeAddress}:${TLS_ETCD_CLIENT_PORT}`;
  }

  exec(file: string, args: string[], options?: NodeExecOptions): Promise<CommandResult> {
    return this.machine.exec(file, args, options);
  }

  bootId(): string {
    return this.machine.bootId();
  }

  /** A script in a login shell of root on the node with nothing of the host's environment, as after `ssh root@node`. */
  loginShell(script: string, options?: NodeExecOptions): Promise<CommandResult> {
    return this.exec('env', ['-i', 'HOME=/root', 'TERM=dumb', 'bash', '-l', '-c', script], options);
  }

  /** Journal of the node read from the host (persistent journal in the rootfs). */
  journalDir(): string {
    return join(this.rootfs, 'var/log/journal');
  }
}

export class Lab {
  readonly nodes: LabNode[] = [];
  api: KubeApiServer | undefined;
  /** The lab's noderoll CA and client certificates (labs with agents). */
  pki: LabPki | undefined;
  /** kubeadm and k3s labs: the etcd CAs and a client certificate for the host. */
  etcdPki: EtcdPki | undefined;
  /** The agent package installed on every node (labs with agents). */
  agentPackage: LabAgentPackage | undefined;
  /** Powers nodes on from any process (Redfish-shaped, 127.0.0.1): lab-bmc.ts. */
  bmc: LabBmc | undefined;
  private gateways: HostGateway[] = [];
  private downDone = false;
  private readonly identities = new Map<string, Promise<ServiceAccountIdentity>>();
  readonly timings: Record<string, number> = {};

  private constructor(
    readonly identity: LabIdentity,
    readonly dir: string,
    readonly logger: Logger,
    private readonly options: LabOptions,
  ) {}

  get id(): string {
    return this.identity.id;
  }
  get profile(): LabProfile {
    return this.options.profile ?? 'gravity';
  }
  get datastore(): 'etcd' | 'sqlite' {
    return this.options.datastore ?? 'etcd';
  }
  /**
   * Where the etcd program is in a node: /usr/local/bin/etcd (planet's and kubeadm's etcd stand-ins);
   * k3s: with the lab's runtime (K3S_ETCD_BINARY), as k3s embeds etcd and a k3s node has no etcd program.
   */
  get etcdBinaryInNode(): string {
    return this.profile === 'k3s' ? K3S_ETCD_BINARY : '/usr/local/bin/etcd';
  }
  get kubeconfig(): string {
    return join(this.dir, 'kube', 'config');
  }
  get kubeCacheDir(): string {
    return join(this.dir, 'kube', 'cache');
  }
  get binDir(): string {
    return join(this.dir, 'bin');
  }
  get packageDir(): string {
    return join(this.dir, 'packages');
  }
  get gravityLabStateFile(): string {
    return join(this.dir, 'gravity-lab-state.json');
  }
  get apiServerUrl(): string {
    if (!this.api) throw new Error('lab API server is not running');
    return this.api.url;
  }

  /**
   * A coordinator identity (labs with secureApi): the ServiceAccount `serviceAccount` with only the roles
   * deploy/ ships, its token and a kubeconfig for the secure port; made once per name. The shipped
   * account `noderoll` is deploy/'s own; any other name gets bindings of its own to the same roles.
   */
  coordinatorIdentity(serviceAccount: string): Promise<ServiceAccountIdentity> {
    if (!this.options.secureApi || !this.api) throw new Error(`lab ${this.id} was brought up without secureApi: its API server has no secure port with RBAC`);
    let identity = this.identities.get(serviceAccount);
    if (!identity) {
      identity = makeCoordinatorIdentity(this.api, serviceAccount, join(this.dir, 'kube'));
      this.identities.set(serviceAccount, identity);
    }
    return identity;
  }

  node(name: string): LabNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`lab ${this.id} has no node "${name}" (nodes: ${this.nodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  /** Environment for host tools run against this lab: kubectl's kubeconfig/cache and the gravity stand-in on PATH. */
  hostEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      KUBECONFIG: this.kubeconfig,
      KUBECACHEDIR: this.kubeCacheDir,
      PATH: `${this.binDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
      NODEROLL_LAB_STATE: this.gravityLabStateFile,
    };
  }

  /** Real kubectl against the lab API server. */
  kubectl(args: string[], options: { timeoutMs?: number; okExitCodes?: number[] } = {}): Promise<CommandResult> {
    return runCommand({ file: 'kubectl', args, env: this.hostEnv(), timeoutMs: options.timeoutMs ?? 30_000, ...(options.okExitCodes ? { okExitCodes: options.okExitCodes } : {}) });
  }

  /** The host-side gravity stand-in, as a user would run it. */
  gravity(args: string[], options: { okExitCodes?: number[]; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
    return runCommand({
      file: join(this.binDir, 'gravity'),
      args,
      env: { ...this.hostEnv(), ...options.env },
      timeoutMs: 15_000,
      ...(options.okExitCodes ? { okExitCodes: options.okExitCodes } : {}),
    });
  }

  /** Real etcdctl (v2 API) cluster-health across every member, as the runbook runs it. */
  etcdctlClusterHealth(): Promise<CommandResult> {
    return runCommand({
      file: 'etcdctl',
      args: [`--endpoints=${this.etcdEndpoints().join(',')}`, 'cluster-health'],
      env: { ...process.env, ETCDCTL_API: '2' },
      timeoutMs: 20_000,
      okExitCodes: [0, 4, 5],
    });
  }

  etcdEndpoints(): string[] {
    return this.nodes.map((n) => n.etcdClientUrl).filter((u): u is string => Boolean(u));
  }

  static async up(options: LabOptions): Promise<Lab> {
    if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 20) throw new Error(`nodes: ${options.nodes} must be 1..20`);
    const timingProblem = rebootPauseProblem(labTiming(options));
    if (timingProblem) throw new Error(timingProblem);
    for (const [name, offset] of Object.entries(options.clockOffsetMs ?? {})) {
      if (!/^node-\d+$/.test(name) || Number(name.slice(5)) > options.nodes) throw new Error(`clockOffsetMs: "${name}" is not a node of this lab (node-1..node-${options.nodes})`);
      if (!Number.isInteger(offset / 1000) || Math.abs(offset) > 86_400_000) throw new Error(`clockOffsetMs.${name}: ${offset} must be whole seconds within a day`);
    }
    if (options.profile !== undefined && !LAB_PROFILES.includes(options.profile)) throw new Error(`profile: "${String(options.profile)}" must be one of ${LAB_PROFILES.join(', ')}`);
    if (options.datastore === 'sqlite' && (options.profile !== 'k3s' || options.masters !== 1)) throw new Error('datastore: sqlite is a single k3s server: profile k3s with masters: 1');
    const id = validateLabId(options.id ?? randomLabId());
    const dir = labDir(id);
    if (existsSync(dir)) throw new Error(`lab "${id}" already exists at ${dir}; take it down first: npm run lab -- down --id ${id}`);
    const logger = options.logger ?? createLogger('lab');
    await mkdir(dir, { recursive: true });
    const octet = await reserveOctet(id);
    const lab = new Lab(new LabIdentity(id, octet), dir, logger.child({ lab: id }), options);
    try {
      await lab.bringUp();
      return lab;
    } catch (err) {
      lab.logger.error({ err: (err as Error).message }, 'lab up failed; tearing down what was started');
      await lab.down().catch((e: Error) => lab.logger.error({ err: e.message }, 'teardown after failed up also failed'));
      throw err;
    }
  }

  private async bringUp(): Promise<void> {
    const t0 = Date.now();
    const o = this.options;
    const masters = Math.min(o.masters ?? Math.min(o.nodes, 3), o.nodes);
    await Promise.all(['nodes', 'kube/cache', 'bin', 'packages'].map((d) => mkdir(join(this.dir, d), { recursive: true })));
    await ensureNspawnRuntimeDir();

    const tPackage = Date.now();
    const agentPackage = o.agentConfig
      ? labAgentPackage({ logger: this.logger }).then((p) => {
          this.timings.agentPackageMs = Date.now() - tPackage;
          return p;
        })
      : undefined;
    // a failed up must not leave this promise's rejection unhandled while the rest is awaited
    agentPackage?.catch(() => undefined);
    const kubeadm = this.profile === 'kubeadm';
    // kubeadm and k3s: etcd with TLS client authentication, no planet, no gravity
    const tlsEtcd = this.profile !== 'gravity';
    const [image] = await Promise.all([
      ensureNodeImage({ logger: this.logger, ...(o.imageCacheDir ? { cacheDir: o.imageCacheDir } : {}) }),
      ...(tlsEtcd ? [] : [PLANET_VERSION_INSTALLED, PLANET_VERSION_UPDATE, ...PLANET_VERSIONS_LATER].map((v) => buildPlanetPackage(this.packageDir, v))),
      this.startApiServer(),
      tlsEtcd && this.datastore === 'etcd' ? EtcdPki.create(labEtcdPkiDir(this.dir), kubeadm ? KUBEADM_ETCD_PKI_LAYOUT : K3S_ETCD_PKI_LAYOUT).then((p) => void (this.etcdPki = p)) : undefined,
    ]);
    this.timings.imageMs = image.buildMs;
    this.timings.imageBuilt = image.builtNow ? 1 : 0;
    const aptRepository = o.aptRepository ? await buildLabAptRepository(join(this.dir, 'apt'), image.rootfs) : undefined;

    const names = Array.from({ length: o.nodes }, (_, i) => this.identity.node(i + 1));
    const initialCluster = names
      .slice(0, masters)
      .map((n) => `${n.name}=http://${n.bridgeAddress}:${ETCD_PEER_PORT}`)
      .join(',');

    const tlsInitialCluster = names
      .slice(0, masters)
      .map((n) => `${n.name}=https://${n.bridgeAddress}:${TLS_ETCD_PEER_PORT}`)
      .join(',');

    const tNet = Date.now();
    await createBridge(this.identity);
    for (const n of names) await createNodeNetwork(this.identity, n);
    this.timings.networkMs = Date.now() - tNet;

    this.bmc = await LabBmc.listen((node) => this.nodes.find((n) => n.name === node)?.machine, this.logger.child({ component: 'bmc' }));
    const apiPort = this.api!.port;
    for (const n of names) this.gateways.push(await HostGateway.listen(n.hostAddress, apiPort, '127.0.0.1', apiPort));

    if (o.agentConfig && o.agentPki !== false) this.pki = await LabPki.create(join(this.dir, 'pki'), `lab-${this.id}`);

    const tRootfs = Date.now();
    await Promise.all(
      names.map(async (n, i) => {
        const role = i < masters ? 'master' : 'node';
        const agentNode = { name: n.name, role, nodeAddress: n.nodeAddress } as const;
        const rootfs = join(this.dir, 'nodes', n.name, 'rootfs');
        const consoleLog = join(this.dir, 'nodes', n.name, 'console.log');
        const agent = o.agentConfig
          ? {
              agent: {
                configYaml: o.agentConfig(agentNode),
                files: { ...(await this.pki?.agentNodeFiles(agentNode)), ...(await o.agentFiles?.(agentNode)) },
                ...(o.agentWatchdogSec !== undefined ? { watchdogSec: o.agentWatchdogSec } : {}),
              },
            }
          : {};
        if (tlsEtcd) await this.prepareTlsEtcdNode(n, role, { image: image.rootfs, rootfs, apiPort, initialCluster: tlsInitialCluster, agent });
        else await prepareNodeRootfs({
          image: image.rootfs,
          rootfs,
          hostname: n.name,
          planet: this.planetConfig(n, role, apiPort, initialCluster),
          initialPackage: join(this.packageDir, `${PLANET_PACKAGE}_${PLANET_VERSION_INSTALLED}_all.deb`),
          ...(o.clockOffsetMs?.[n.name] !== undefined ? { clockOffsetMs: o.clockOffsetMs[n.name] } : {}),
          ...agent,
        });
        if (aptRepository) await prepareNodeAptSource(rootfs, aptRepository, { kernel: typeof o.aptRepository !== 'object' || o.aptRepository.kernelNodes.includes(n.name) });
        const machine = new NodeMachine({
          names: n,
          rootfs,
          consoleLog,
          logger: this.logger,
          rebootDelayMs: labTiming(o).rebootPauseMs,
          readOnlyBinds: [
            { host: process.execPath, node: NODE_LAB_NODE_BINARY },
            { host: projectDir, node: NODE_LAB_PROJECT_DIR },
            { host: '/usr/bin/etcd', node: this.etcdBinaryInNode },
            // kubeadm: etcdctl where Debian's etcd-client puts it (kubeadm itself installs none)
            { host: '/usr/bin/etcdctl', node: kubeadm ? '/usr/bin/etcdctl' : '/usr/local/bin/etcdctl' },
            { host: this.packageDir, node: NODE_PACKAGE_DIR },
            ...(aptRepository ? [{ host: aptRepository.dir, node: NODE_APT_REPOSITORY_DIR }] : []),
          ],
          onStarted: () => void this.saveState().catch(() => undefined),
        });
        this.nodes.push(new LabNode(n, role, machine, rootfs, consoleLog, this.profile, this.datastore));
      }),
    );
    this.nodes.sort((a, b) => a.names.index - b.names.index);
    this.timings.rootfsMs = Date.now() - tRootfs;

    const tBoot = Date.now();
    for (const n of this.nodes) n.machine.start();
    const bootTimeout = o.bootTimeoutMs ?? 60_000;
    await Promise.all(this.nodes.map((n) => n.machine.waitRunning(bootTimeout)));
    this.timings.bootMs = Date.now() - tBoot;
    const agentsInstalled = agentPackage ? this.installAgents(agentPackage) : undefined;
    agentsInstalled?.catch(() => undefined);
    await this.waitEtcdHealthy(bootTimeout);
    await this.waitNodesReady(bootTimeout);
    this.timings.healthyMs = Date.now() - tBoot;
    await agentsInstalled;

    if (o.seedWorkload !== false) await seedRealisticWorkload(this.api!, this.nodes.map((n) => n.name));
    if (this.datastore === 'sqlite') await this.seedKine();
    else if (tlsEtcd) await seedEtcdWithApiObjects(this.etcdEndpoints(), this.etcdPki!.hostClient, this.apiObjects());
    else await this.writeHostTools();
    this.timings.upMs = Date.now() - t0;
    await this.saveState(true);
    this.logger.info({ timings: this.timings }, 'lab is up');
  }

  /**
   * `dpkg -i` of the agent package inside every running node (at once), then waits until every agent
   * is active and ready.
   */
  private async installAgents(pkg: Promise<LabAgentPackage>): Promise<void> {
    const agentConfig = this.options.agentConfig!;
    this.agentPackage = await pkg;
    const tInstall = Date.now();
    const debInNode = await stageAgentPackage(this.agentPackage, this.packageDir);
    await Promise.all(
      this.nodes.map(async (n) => {
        const readyzUrl = agentReadyzUrl(agentConfig({ name: n.name, role: n.role, nodeAddress: n.names.nodeAddress }), n.name);
        const dpkg = await dpkgInstallAgent(n, debInNode);
        await waitAgentReady(n, { readyzUrl, timeoutMs: this.options.agentReadyTimeoutMs ?? 60_000 }).catch((err: Error) => {
          throw new Error(`${err.message}; dpkg -i ${debInNode} said: ${(dpkg.stdout + dpkg.stderr).trim().split('\n').join(' | ').slice(-2000)}`);
        });
      }),
    );
    this.timings.agentInstallMs = Date.now() - tInstall;
  }

  /**
   * A kubeadm node's rootfs (test/lab/kubeadm: kubelet/containerd, on control-plane nodes etcd with
   * kubeadm's PKI) or a k3s node's (test/lab/k3s: k3s.service with the embedded etcd member on
   * servers, k3s-agent.service on agents).
   */
  private async prepareTlsEtcdNode(
    n: NodeNames,
    role: 'master' | 'node',
    p: { image: string; rootfs: string; apiPort: number; initialCluster: string; agent: Pick<Parameters<typeof prepareKubeadmNodeRootfs>[0], 'agent'> },
  ): Promise<void> {
    const o = this.options;
    const apiServerUrl = `http://${n.hostAddress}:${p.apiPort}`;
    const heartbeat = labTiming(o).heartbeatIntervalMs;
    const member: KubeadmEtcdMember = { name: n.name, bridgeAddress: n.bridgeAddress, nodeAddress: n.nodeAddress, initialCluster: p.initialCluster, clusterToken: `noderoll-lab-${this.id}` };
    const common = {
      image: p.image,
      rootfs: p.rootfs,
      hostname: n.name,
      ...(role === 'master' && this.datastore === 'etcd' ? { etcd: { binary: this.etcdBinaryInNode, member, pkiFiles: await this.etcdPki!.controlPlaneFiles(n) } } : {}),
      ...(role === 'master' && this.datastore === 'sqlite' ? { sqlite: { database: K3S_SQLITE_DATABASE } } : {}),
      ...(o.clockOffsetMs?.[n.name] !== undefined ? { clockOffsetMs: o.clockOffsetMs[n.name] } : {}),
      ...p.agent,
    };
    if (this.profile === 'k3s') await prepareK3sNodeRootfs({ ...common, kubelet: k3sKubeletConfig(n, role, apiServerUrl, heartbeat) });
    else await prepareKubeadmNodeRootfs({ ...common, kubelet: kubeadmKubeletConfig(n, role, apiServerUrl, heartbeat, { taint: o.controlPlaneTaint !== false }) });
  }

  private planetConfig(n: NodeNames, role: 'master' | 'node', apiPort: number, initialCluster: string): PlanetConfig {
    return {
      nodeName: n.name,
      role,
      apiServerUrl: `http://${n.hostAddress}:${apiPort}`,
      nodeAddress: n.nodeAddress,
      heartbeatIntervalMs: labTiming(this.options).heartbeatIntervalMs,
      versionFile: PLANET_VERSION_FILE,
      containerRuntimeSocket: CONTAINER_RUNTIME_SOCKET,
      ...(role === 'master'
        ? {
            etcd: {
              binary: '/usr/local/bin/etcd',
              name: n.name,
              dataDir: '/var/lib/noderoll-lab/etcd',
              listenPeerUrl: `http://${n.bridgeAddress}:${ETCD_PEER_PORT}`,
              // the bridge address too: the workers' etcd proxies reach the members there
              listenClientUrls: [`http://${n.nodeAddress}:${ETCD_CLIENT_PORT}`, `http://${n.bridgeAddress}:${ETCD_CLIENT_PORT}`, `http://127.0.0.1:${ETCD_CLIENT_PORT}`],
              advertiseClientUrl: `http://${n.nodeAddress}:${ETCD_CLIENT_PORT}`,
              initialCluster,
              clusterToken: `noderoll-lab-${this.id}`,
            },
          }
        : {
            etcdProxy: {
              binary: '/usr/local/bin/etcd',
              // the members' bridge addresses, from their peer URLs
              endpoints: initialCluster.split(',').map((member) => member.replace(/^[^=]+=http:\/\//, '').replace(`:${ETCD_PEER_PORT}`, `:${ETCD_CLIENT_PORT}`)),
              listenAddr: `127.0.0.1:${ETCD_CLIENT_PORT}`,
            },
          }),
    };
  }

  private async startApiServer(): Promise<void> {
    this.api = await startKubeApiServer({
      host: '127.0.0.1',
      port: 0,
      logger: this.logger.child({ component: 'kube-api' }),
      nodeHeartbeatGraceMs: labTiming(this.options).nodeHeartbeatGraceMs,
      podStartDelayMs: this.options.podStartDelayMs ?? 1500,
      ...(this.options.secureApi ? { secure: true } : {}),
    });
    await writeKubeconfig(dirname(this.kubeconfig), this.api.url);
    if (this.options.secureApi) {
      const tDeploy = Date.now();
      await applyManifests(this.api, [DEPLOY_DIR]);
      this.timings.deployMs = Date.now() - tDeploy;
    }
  }

  async etcdMemberHealthy(url: string): Promise<boolean> {
    return (await probeEtcdMember(url, 1500)).kind === 'healthy';
  }

  /** The nodes, namespaces and pods of the lab's API server, for seeding a kubeadm or k3s lab's etcd. */
  private apiObjects(): { resource: string; namespace?: string; name: string; json: string }[] {
    const store = this.api!.store;
    return [
      ...store.nodes.list().map((n) => ({ resource: 'minions', name: n.metadata.name, json: JSON.stringify(n) })),
      ...store.pods.list().map((p) => ({ resource: 'pods', namespace: p.metadata.namespace ?? 'default', name: p.metadata.name, json: JSON.stringify(p) })),
    ];
  }

  /** datastore sqlite: the API objects into kine's database on the server, beside the k3s stand-in's open connection. */
  private async seedKine(): Promise<void> {
    const server = this.nodes.find((n) => n.role === 'master')!;
    await server.exec(NODE_SQLITE3, ['-init', '/dev/null', '-batch', '-bail', K3S_SQLITE_DATABASE], { input: seedKineSql(this.apiObjects()), timeoutMs: 60_000 });
  }

  async waitEtcdHealthy(timeoutMs: number): Promise<void> {
    if (this.etcdEndpoints().length === 0) return;
    if (this.etcdPki) return waitTlsEtcdHealthy(this.etcdEndpoints(), this.etcdPki.hostClient, timeoutMs, `lab ${this.id}`);
    await waitFor({ what: `etcd healthy on every master of lab ${this.id}`, timeoutMs, initialDelayMs: 200, maxDelayMs: 1000 }, async () => {
      const results = await Promise.all(this.etcdEndpoints().map(async (u) => ({ url: u, probe: await probeEtcdMember(u, 1500) })));
      const bad = results.flatMap(({ url, probe }) => (probe.kind === 'healthy' ? [] : [`${url} (${probe.detail})`]));
      return bad.length === 0 ? ready(undefined) : notYet(`unhealthy members: ${bad.join(', ')}`);
    });
  }

  /** Ready condition of each Node as the lab API server has it. */
  async nodeReadiness(): Promise<Map<string, { ready: boolean; bootID: string | undefined; reason: string | undefined }>> {
    const res = await fetch(`${this.apiServerUrl}/api/v1/nodes`, { signal: AbortSignal.timeout(3000) });
    const list = (await res.json()) as {
      items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string; reason?: string }[]; nodeInfo?: { bootID?: string } } }[];
    };
    const out = new Map<string, { ready: boolean; bootID: string | undefined; reason: string | undefined }>();
    for (const item of list.items) {
      const cond = item.status?.conditions?.find((c) => c.type === 'Ready');
      out.set(item.metadata.name, { ready: cond?.status === 'True', bootID: item.status?.nodeInfo?.bootID, reason: cond?.reason });
    }
    return out;
  }

  async waitNodesReady(timeoutMs: number): Promise<void> {
    await waitFor({ what: `every Node of lab ${this.id} to be Ready`, timeoutMs, initialDelayMs: 200, maxDelayMs: 1000 }, async () => {
      const r = await this.nodeReadiness();
      const notReady = this.nodes.filter((n) => !r.get(n.name)?.ready).map((n) => n.name);
      return notReady.length === 0 ? ready(undefined) : notYet(`not Ready: ${notReady.join(', ')}`);
    });
  }

  /** Host-side tools for this lab: the gravity stand-in (on PATH via hostEnv()). */
  private async writeHostTools(): Promise<void> {
    const gravityState: GravityLabState = {
      clusterName: `lab-${this.id}.noderoll.local`,
      apiServerUrl: this.apiServerUrl,
      machineStateFile: labStateFile(this.dir),
      nodes: this.nodes.map((n) => ({
        name: n.name,
        advertiseIp: n.names.nodeAddress,
        role: n.role,
        ...(n.etcdClientUrl ? { etcdClientUrl: n.etcdClientUrl } : {}),
      })),
    };
    await writeFile(this.gravityLabStateFile, JSON.stringify(gravityState, null, 2) + '\n');
    const gravity = join(this.binDir, 'gravity');
    const entry = join(projectDir, 'dist/test/lab/gravity-standin/main.js');
    await writeFile(gravity, `#!/bin/sh\n# noderoll lab ${this.id}: host-side gravity stand-in\nexec '${process.execPath}' '${entry}' --lab-state '${this.gravityLabStateFile}' "$@"\n`);
    await chmod(gravity, 0o755);
  }

  state(ready = false): LabState {
    return {
      id: this.id,
      octet: this.identity.octet,
      dir: this.dir,
      projectDir,
      ...(this.options.ownedByDaemon ? { daemonPid: process.pid } : {}),
      ready,
      apiServerUrl: this.api?.url ?? '',
      ...(this.bmc ? { bmcUrl: this.bmc.url } : {}),
      kubeconfig: this.kubeconfig,
      kubeCacheDir: this.kubeCacheDir,
      binDir: this.binDir,
      packages: { name: PLANET_PACKAGE, installed: PLANET_VERSION_INSTALLED, update: PLANET_VERSION_UPDATE, dir: this.packageDir, nodeDir: NODE_PACKAGE_DIR },
      planetUnit: PLANET_UNIT,
      teleportUnit: TELEPORT_UNIT,
      nodes: this.nodes.map(
        (n): LabNodeRecord => ({
          name: n.name,
          index: n.names.index,
          role: n.role,
          machine: n.names.machine,
          netns: n.names.netns,
          hostAddress: n.names.hostAddress,
          nodeAddress: n.names.nodeAddress,
          bridgeAddress: n.names.bridgeAddress,
          rootfs: n.rootfs,
          consoleLog: n.consoleLog,
          ...(n.machine.nspawnPid !== undefined ? { nspawnPid: n.machine.nspawnPid } : {}),
          ...(n.etcdClientUrl ? { etcdClientUrl: n.etcdClientUrl } : {}),
        }),
      ),
      timings: this.timings,
    };
  }

  private readyRecorded = false;
  private stateWrites: Promise<void> = Promise.resolve();

  /** Records the lab's state; writes are serialized and each takes its snapshot when it runs, so the file ends up current. */
  saveState(ready?: boolean): Promise<void> {
    if (ready) this.readyRecorded = true;
    this.stateWrites = this.stateWrites
      .catch(() => undefined)
      .then(() => (this.downDone ? undefined : writeLabState(this.state(this.readyRecorded))));
    return this.stateWrites;
  }

  /** Stops every node, the API server and gateways, removes namespaces, links and files. Idempotent. */
  async down(): Promise<string[]> {
    if (this.downDone) return [];
    this.downDone = true;
    const problems: string[] = [];
    await Promise.all(this.nodes.map((n) => n.machine.stop().catch((e: Error) => problems.push(e.message))));
    await Promise.all(this.gateways.map((g) => g.close()));
    this.gateways = [];
    await this.bmc?.close();
    await this.api?.close().catch((e: Error) => problems.push(e.message));
    problems.push(...removeLabCgroups(this.identity.id));
    problems.push(...(await removeLabNetwork(this.identity)));
    await rm(this.dir, { recursive: true, force: true }).catch((e: Error) => problems.push(e.message));
    await releaseOctet(this.identity.octet);
    this.logger.info({ problems }, 'lab is down');
    return problems;
  }

  /** Everything of this lab still present on the host: processes, namespaces, links, mounts, files. */
  async leftovers(): Promise<string[]> {
    const found = await labNetworkLeftovers(this.identity);
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    for (const line of mounts.split('\n')) if (line.includes(this.dir)) found.push(`mount ${line.split(' ')[4]}`);
    found.push(...(await processesOfLab(this.dir, this.identity.id)));
    found.push(...labCgroupLeftovers(this.identity.id).map((d) => `cgroup ${d}`));
    if (existsSync(this.dir)) found.push(`directory ${this.dir}`);
    return found;
  }
}

/** systemd-nspawn keeps a propagation directory per machine here; on a disk-backed /run it warns on cleanup. */
async function ensureNspawnRuntimeDir(): Promise<void> {
  const dir = '/run/systemd/nspawn';
  await mkdir(dir, { recursive: true });
  const mounted = await runCommand({ file: 'mountpoint', args: ['-q', dir], timeoutMs: 5000, okExitCodes: [0, 1, 32] });
  if (mounted.exitCode !== 0) await runCommand({ file: 'mount', args: ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', dir], timeoutMs: 5000 });
}

/** Processes whose command line names this lab's directory or machines (systemd-nspawn, node daemons). */
export async function processesOfLab(dir: string, id: string): Promise<string[]> {
  const r = await runCommand({ file: 'ps', args: ['-eo', 'pid=,args='], timeoutMs: 5000 });
  const machinePrefix = `--machine=nr${id}-`;
  return r.stdout
    .split('\n')
    .filter((l) => (l.includes(dir + '/') || l.includes(machinePrefix)) && !l.includes(' ps -eo'))
    .map((l) => `process ${l.trim()}`);
}
