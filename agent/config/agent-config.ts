import { ConfigError } from '../../shared/config/config-error.js';
import { FieldReader, type ValueRule } from '../../shared/config/field-reader.js';
import { locateProblems, parseYamlSettings } from '../../shared/config/yaml-settings.js';
import { JOURNAL_SCAN_MAX_ENTRIES } from '../../shared/journal/journal-limits.js';
import { oneOfProblem } from '../../shared/validation/choice.js';
import { cidrProblem } from '../../shared/validation/cidr.js';
import { FieldError, showValue } from '../../shared/validation/field-error.js';
import { listenAddressProblem, parseHostPort, type HostPort } from '../../shared/validation/host-port.js';
import { absolutePathProblem } from '../../shared/validation/path.js';
import { unitGlobProblem } from '../../shared/validation/unit-name.js';
import { compileVersionPattern, DEFAULT_VERSION_PATTERN } from '../../shared/validation/version.js';
import { readInstallMode, type InstallMode, type UpgradePolicy } from './install-mode-config.js';
import { AGENT_PROFILES, DEFAULT_PROFILE, withProfileDefaults, type AgentProfile } from './agent-profile.js';
import { ETCD_KEYS, readEtcdConfig, type EtcdConfig } from './etcd-config.js';

/**
 * noderoll-agent's configuration: YAML, every key optional with a default for a Gravity node,
 * validated as a whole at start so that every problem is reported at once, each naming its field
 * (`install.command[0]: ...`). Unknown keys are errors (a typo must not silently fall back to a
 * default on a node that reboots itself).
 */

/** `etcd-members-healthy`: `etcdctl cluster-health` (v2) judged by its member lines, as the coordinator's etcd gate does. */
export type PlanetCheckExpectation = 'exit-zero' | 'no-failed-units' | 'empty-output' | 'etcd-members-healthy';
export const PLANET_CHECK_EXPECTATIONS: readonly PlanetCheckExpectation[] = ['exit-zero', 'no-failed-units', 'empty-output', 'etcd-members-healthy'];
export type PackageManager = 'dpkg' | 'rpm';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface PlanetCheck {
  name: string;
  command: string[];
  expect: PlanetCheckExpectation;
}

export type ListenAddress = HostPort;

export const TLS_MODES = ['mutual', 'insecure-plaintext'] as const;
export type TlsMode = (typeof TLS_MODES)[number];
export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];
export const METRICS_TLS_MODES = ['mutual', 'server-only', 'plaintext'] as const;
export type MetricsTlsMode = (typeof METRICS_TLS_MODES)[number];

export interface AgentTlsConfig {
  /** mutual: clients need a certificate from the CA (the default); insecure-plaintext: no TLS at all. */
  mode: TlsMode;
  /** PEM of the cluster's noderoll CA (a bundle of old and new CA while rotating). */
  caFile: string;
  /** PEM of this agent's certificate (serverAuth, SAN URI spiffe://noderoll/node/<node>) and its key. */
  certFile: string;
  keyFile: string;
  minVersion: TlsVersion;
  /** A connection that has not completed its TLS handshake this long after accept is cut. */
  handshakeTimeoutMs: number;
  /** Open TLS connections at most (authenticated or not). */
  maxConnections: number;
}

export interface AgentConfig {
  /** The cluster distribution whose defaults apply (agent-profile.ts). */
  profile: AgentProfile;
  grpc: {
    listen: ListenAddress;
    maxReceiveMessageBytes: number;
    maxSendMessageBytes: number;
    maxConcurrentReads: number;
    /** Open connections one source address may hold (authenticated or not); more are closed at accept. */
    maxConnectionsPerPeer: number;
    /** CIDR ranges whose sources may connect (refused at accept, before TLS); empty: every source. */
    allowFrom: string[];
  };
  tls: AgentTlsConfig;
  http: {
    /** /healthz and /readyz (plus /metrics and /status when metrics.listen is unset); undefined: off. */
    listen: ListenAddress | undefined;
    /** A separate listener for /metrics and /status (and the health endpoints); undefined: none. */
    metrics: { listen: ListenAddress | undefined; tls: MetricsTlsMode };
  };
  stateDir: string;
  logLevel: LogLevel;
  units: {
    /** Globs of units the agent may stop, start and enable. */
    allow: string[];
    /** Globs that find the planet unit among the host units. */
    planet: string[];
    /** Globs of units whose state /metrics and /status report. */
    watch: string[];
    defaultTimeoutMs: number;
    maxTimeoutMs: number;
    maxListed: number;
  };
  packages: { manager: PackageManager; watch: string[] };
  install: {
    /** argv with `{version}` placeholders; empty: installs are refused. */
    command: string[];
    env: Record<string, string>;
    versionPattern: RegExp;
    timeoutMs: number;
    /** command: the argv above with {version}; packages: allowed packages at exact versions; upgrade-all: every pending upgrade. */
    mode: InstallMode;
    /** mode packages: globs of the package names the coordinator may ask for. */
    packages: string[];
    upgradeAll: { policy: UpgradePolicy };
    /**
     * How long apt-get waits for the dpkg lock while another apt run holds it (unattended-upgrades, an
     * operator's apt): DPkg::Lock::Timeout, in whole seconds. 0: fail at once, as apt-get does by default.
     * dnf needs none: it waits for the rpm lock by itself, within install.timeoutMs.
     */
    lockWaitMs: number;
  };
  reboot: { command: string[]; delayMs: number };
  planetChecks: { timeoutMs: number; checks: PlanetCheck[] };
  journal: {
    defaultMaxEntries: number;
    maxEntries: number;
    defaultTimeoutMs: number;
    maxTimeoutMs: number;
    maxMessageBytes: number;
    maxPatterns: number;
    maxPatternLength: number;
  };
  operations: { keep: number; shutdownGraceMs: number };
  /** etcd health and snapshots on this node; undefined: not configured (gravity's default). */
  etcd: EtcdConfig | undefined;
}

export const DEFAULT_CONFIG_PATH = '/etc/noderoll/agent.yaml';
export const DEFAULT_STATE_DIR = '/var/lib/noderoll-agent';
export const DEFAULT_TLS_DIR = '/etc/noderoll/tls';
export const VERSION_PLACEHOLDER = '{version}';

const GRAVITY_EXEC = ['gravity', 'exec', '--no-tty', '--no-interactive'];

/** The defaults, for a Gravity node, as the YAML a user would write. */
export const DEFAULT_CONFIG_DOC = {
  grpc: {
    listen: '0.0.0.0:7443',
    maxReceiveMessageBytes: 64 * 1024,
    maxSendMessageBytes: 4 * 1024 * 1024,
    maxConcurrentReads: 8,
    maxConnectionsPerPeer: 16,
    allowFrom: [] as string[],
  },
  tls: {
    mode: 'mutual',
    caFile: `${DEFAULT_TLS_DIR}/ca.crt`,
    certFile: `${DEFAULT_TLS_DIR}/agent.crt`,
    keyFile: `${DEFAULT_TLS_DIR}/agent.key`,
    minVersion: 'TLSv1.2',
    handshakeTimeoutMs: 3000,
    maxConnections: 256,
  },
  http: { listen: '127.0.0.1:7444', metrics: { listen: '', tls: 'mutual' } },
  stateDir: DEFAULT_STATE_DIR,
  logLevel: 'info',
  units: {
    allow: ['gravity__*'],
    planet: ['gravity__gravitational*planet*'],
    watch: ['gravity__gravitational*'],
    defaultTimeoutMs: 120_000,
    maxTimeoutMs: 600_000,
    maxListed: 500,
  },
  packages: { manager: 'dpkg', watch: [] as string[] },
  install: {
    command: [] as string[],
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    versionPattern: DEFAULT_VERSION_PATTERN,
    timeoutMs: 30 * 60_000,
    mode: 'command' as InstallMode,
    packages: [] as string[],
    upgradeAll: { policy: 'upgrade' as UpgradePolicy },
    lockWaitMs: 5 * 60_000,
  },
  reboot: { command: ['systemctl', 'reboot'], delayMs: 500 },
  planetChecks: {
    timeoutMs: 30_000,
    checks: [
      { name: 'failed-units', command: [...GRAVITY_EXEC, 'systemctl', '--failed', '--plain', '--no-legend'], expect: 'no-failed-units' },
      { name: 'etcd-cluster-health', command: [...GRAVITY_EXEC, '/usr/bin/etcdctl', 'cluster-health'], expect: 'etcd-members-healthy' },
    ],
  },
  journal: {
    defaultMaxEntries: 1000,
    maxEntries: JOURNAL_SCAN_MAX_ENTRIES,
    defaultTimeoutMs: 10_000,
    maxTimeoutMs: 60_000,
    maxMessageBytes: 4096,
    maxPatterns: 16,
    maxPatternLength: 256,
  },
  // shutdownGraceMs: when not configured, install.timeoutMs (see parseAgentConfig).
  operations: { keep: 200, shutdownGraceMs: 30 * 60_000 },
};

/**
 * What a stop needs after the shutdown grace: the install is aborted and given 5 s to exit
 * (NodeOperations.shutdown), recorded, gRPC drained (2 s), files closed; with margin. The unit's
 * TimeoutStopSec must be at least the grace plus this (test/unit/agent/agent-shutdown.test.ts).
 */
export const SHUTDOWN_AFTER_GRACE_MS = 30_000;

/** Flags that override the file. */
export interface ConfigOverrides {
  grpcListen?: string;
  httpListen?: string;
  stateDir?: string;
  logLevel?: string;
  profile?: string;
}

const TOP_LEVEL_KEYS = ['grpc', 'tls', 'http', 'stateDir', 'logLevel', 'units', 'packages', 'install', 'reboot', 'planetChecks', 'journal', 'operations', 'profile', 'etcd'];
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,127}$/;
const CHECK_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const D = DEFAULT_CONFIG_DOC;

/** Reads and checks the whole file; throws a ConfigError naming every bad field (with its line) or flag. */
export function parseAgentConfig(text: string, source: string, overrides: ConfigOverrides = {}): AgentConfig {
  const settings = parseYamlSettings(text, source);
  const file = new FieldReader(settings.value);
  const fileProfile = file.oneOf<AgentProfile>('profile', DEFAULT_PROFILE, AGENT_PROFILES);
  const profile = overridable(file, fileProfile, { flag: '--profile', value: overrides.profile }, (v) => oneOfProblem(v, AGENT_PROFILES));
  const root = new FieldReader(withProfileDefaults(settings.value, profile), '', file.problems);
  root.only(TOP_LEVEL_KEYS);
  const config = readAgentConfig(root, overrides, profile);
  if (root.problems.length > 0) throw new ConfigError(source, locateProblems(root.problems, settings));
  return config;
}

function readAgentConfig(root: FieldReader, overrides: ConfigOverrides, profile: AgentProfile): AgentConfig {
  const grpcSection = root.section('grpc', ['listen', 'maxReceiveMessageBytes', 'maxSendMessageBytes', 'maxConcurrentReads', 'maxConnectionsPerPeer', 'allowFrom']);
  const grpc = readGrpc(grpcSection, overrides);
  const http = readHttp(root.section('http', ['listen', 'metrics']), overrides);
  const tls = readTls(root.section('tls', ['mode', 'caFile', 'certFile', 'keyFile', 'minVersion', 'handshakeTimeoutMs', 'maxConnections']));
  if (grpc.maxConnectionsPerPeer > tls.maxConnections) grpcSection.fail('maxConnectionsPerPeer', `${grpc.maxConnectionsPerPeer} exceeds tls.maxConnections ${tls.maxConnections}`);
  const stateDir = overridable(root, root.string('stateDir', D.stateDir, absolutePathProblem), { flag: '--state-dir', value: overrides.stateDir }, absolutePathProblem);
  const fileLogLevel = root.oneOf<LogLevel>('logLevel', D.logLevel as LogLevel, LOG_LEVELS);
  const logLevel = overridable(root, fileLogLevel, { flag: '--log-level', value: overrides.logLevel }, (v) => oneOfProblem(v, LOG_LEVELS));
  const units = readUnits(root.section('units', ['allow', 'planet', 'watch', 'defaultTimeoutMs', 'maxTimeoutMs', 'maxListed']), profile);
  const packages = readPackages(root.section('packages', ['manager', 'watch']));
  const install = readInstall(root.section('install', ['command', 'env', 'versionPattern', 'timeoutMs', 'mode', 'packages', 'upgradeAll', 'lockWaitMs']));
  requireWatchedPackage(root, install, packages);
  const reboot = readReboot(root.section('reboot', ['command', 'delayMs']));
  const planetChecks = readPlanetChecks(root.section('planetChecks', ['timeoutMs', 'checks']));
  const journal = readJournal(root.section('journal', ['defaultMaxEntries', 'maxEntries', 'defaultTimeoutMs', 'maxTimeoutMs', 'maxMessageBytes', 'maxPatterns', 'maxPatternLength']));
  const operations = readOperations(root.section('operations', ['keep', 'shutdownGraceMs']), install.timeoutMs);
  const etcd = root.has('etcd') ? readEtcdConfig(root.section('etcd', ETCD_KEYS)) : undefined;
  return { profile, grpc, tls, http, stateDir, logLevel, units, packages, install, reboot, planetChecks, journal, operations, etcd };
}

interface Override {
  flag: string;
  value: string | undefined;
}

/** A setting a flag may override; a bad flag value is reported under the flag's name. */
function overridable<T extends string>(r: FieldReader, fromFile: T, override: Override | undefined, rule: ValueRule): T {
  if (override?.value === undefined) return fromFile;
  const problem = rule(override.value);
  if (!problem) return override.value as T;
  r.problems.push(new FieldError(override.flag, problem));
  return fromFile;
}

/** A listen address from the file or its flag; with `canBeOff`, '' turns the listener off (undefined). */
function readListen(r: FieldReader, key: string, fallback: string, override: Override | undefined, canBeOff = false): ListenAddress | undefined {
  const rule: ValueRule = (v) => (canBeOff && v === '' ? undefined : listenAddressProblem(v));
  const text = overridable(r, r.string(key, fallback, rule), override, rule);
  if (text === '' && canBeOff) return undefined;
  const address = parseHostPort(text, { allowPortZero: true });
  return typeof address === 'string' ? undefined : address;
}

function readGrpc(r: FieldReader, overrides: ConfigOverrides): AgentConfig['grpc'] {
  return {
    listen: readListen(r, 'listen', D.grpc.listen, { flag: '--grpc-listen', value: overrides.grpcListen }) ?? { host: '', port: 0, text: '' },
    maxReceiveMessageBytes: r.integer('maxReceiveMessageBytes', D.grpc.maxReceiveMessageBytes, 1024, 16 * 1024 * 1024),
    maxSendMessageBytes: r.integer('maxSendMessageBytes', D.grpc.maxSendMessageBytes, 64 * 1024, 64 * 1024 * 1024),
    maxConcurrentReads: r.integer('maxConcurrentReads', D.grpc.maxConcurrentReads, 1, 64),
    maxConnectionsPerPeer: r.integer('maxConnectionsPerPeer', D.grpc.maxConnectionsPerPeer, 1, 10_000),
    allowFrom: r.list('allowFrom', D.grpc.allowFrom, cidrProblem, { max: 256 }),
  };
}

function readHttp(r: FieldReader, overrides: ConfigOverrides): AgentConfig['http'] {
  const listen = readListen(r, 'listen', D.http.listen, { flag: '--http-listen', value: overrides.httpListen }, true);
  const m = r.section('metrics', ['listen', 'tls']);
  const metricsListen = readListen(m, 'listen', D.http.metrics.listen, undefined, true);
  if (metricsListen && listen && metricsListen.port !== 0 && metricsListen.port === listen.port && metricsListen.host === listen.host) {
    m.fail('listen', `${metricsListen.text} is also http.listen; give the metrics listener its own address or port`);
  }
  return { listen, metrics: { listen: metricsListen, tls: m.oneOf<MetricsTlsMode>('tls', D.http.metrics.tls as MetricsTlsMode, METRICS_TLS_MODES) } };
}

function readTls(r: FieldReader): AgentTlsConfig {
  return {
    mode: r.oneOf<TlsMode>('mode', D.tls.mode as TlsMode, TLS_MODES),
    caFile: r.string('caFile', D.tls.caFile, absolutePathProblem),
    certFile: r.string('certFile', D.tls.certFile, absolutePathProblem),
    keyFile: r.string('keyFile', D.tls.keyFile, absolutePathProblem),
    minVersion: r.oneOf<TlsVersion>('minVersion', D.tls.minVersion as TlsVersion, TLS_VERSIONS),
    handshakeTimeoutMs: r.integer('handshakeTimeoutMs', D.tls.handshakeTimeoutMs, 1000, 60_000),
    maxConnections: r.integer('maxConnections', D.tls.maxConnections, 1, 10_000),
  };
}

/** Only Gravity has planet: other profiles may leave units.planet empty. */
function readUnits(r: FieldReader, profile: AgentProfile): AgentConfig['units'] {
  const units = {
    allow: r.list('allow', D.units.allow, unitGlobProblem, { max: 64 }),
    planet: r.list('planet', D.units.planet, unitGlobProblem, { nonEmpty: profile === 'gravity', max: 16 }),
    watch: r.list('watch', D.units.watch, unitGlobProblem, { max: 64 }),
    defaultTimeoutMs: r.integer('defaultTimeoutMs', D.units.defaultTimeoutMs, 100, 3_600_000),
    maxTimeoutMs: r.integer('maxTimeoutMs', D.units.maxTimeoutMs, 100, 3_600_000),
    maxListed: r.integer('maxListed', D.units.maxListed, 1, 10_000),
  };
  refuseAboveLimit(r, 'defaultTimeoutMs', units.defaultTimeoutMs, 'maxTimeoutMs', units.maxTimeoutMs);
  return units;
}

/** A default that exceeds its own limit (`journal.defaultMaxEntries` over `journal.maxEntries`). */
function refuseAboveLimit(r: FieldReader, key: string, value: number, limitKey: string, limit: number): void {
  if (value > limit) r.fail(key, `${value} exceeds ${r.at(limitKey)} ${limit}`);
}

function readPackages(r: FieldReader): AgentConfig['packages'] {
  return {
    manager: r.oneOf<PackageManager>('manager', D.packages.manager as PackageManager, ['dpkg', 'rpm']),
    watch: r.list('watch', D.packages.watch, (s) => (PACKAGE_NAME.test(s) ? undefined : `${showValue(s)} is not a package name`), { max: 32 }),
  };
}

function readInstall(r: FieldReader): AgentConfig['install'] {
  const command = r.argv('command', D.install.command, { max: 64 });
  checkInstallTemplate(r, command);
  const timeoutMs = r.integer('timeoutMs', D.install.timeoutMs, 1000, 24 * 3_600_000);
  const modeSettings = readInstallMode(r, D.install);
  // The default wait shrinks to fit a short install timeout; a wait set by hand must leave the install time.
  const lockWaitMs = r.has('lockWaitMs') ? r.integer('lockWaitMs', D.install.lockWaitMs, 0, 3_600_000) : Math.min(D.install.lockWaitMs, Math.floor(timeoutMs / 2));
  if (r.has('lockWaitMs') && lockWaitMs >= timeoutMs) r.fail('lockWaitMs', `is ${lockWaitMs} but must be less than install.timeoutMs (${timeoutMs}): the wait for the dpkg lock is part of the install's time`);
  return {
    command,
    env: r.env('env', D.install.env),
    versionPattern: readVersionPattern(r),
    timeoutMs,
    ...modeSettings,
    lockWaitMs,
  };
}

/** The version goes into arguments only, and only through the one placeholder. */
function checkInstallTemplate(r: FieldReader, command: readonly string[]): void {
  if (command.length === 0) return;
  if (command[0]!.includes(VERSION_PLACEHOLDER)) r.problems.push(new FieldError(`${r.at('command')}[0]`, 'the program itself must not come from the version'));
  if (!command.some((a) => a.includes(VERSION_PLACEHOLDER))) r.fail('command', `must contain the placeholder ${VERSION_PLACEHOLDER} where the target version goes`);
  command.forEach((a, i) => {
    if (/[{}]/.test(a.split(VERSION_PLACEHOLDER).join(''))) r.problems.push(new FieldError(`${r.at('command')}[${i}]`, `${showValue(a)} has braces other than the ${VERSION_PLACEHOLDER} placeholder`));
  });
}

function readVersionPattern(r: FieldReader): RegExp {
  const field = r.at('versionPattern');
  try {
    return compileVersionPattern(field, r.has('versionPattern') ? r.raw('versionPattern') : D.install.versionPattern);
  } catch (err) {
    r.problems.push(err as FieldError);
    return compileVersionPattern(field, D.install.versionPattern);
  }
}

/**
 * Without a watched package the agent cannot say what is installed: an update would pass every
 * check and fail only after the node rebooted ("not installed").
 */
function requireWatchedPackage(root: FieldReader, install: AgentConfig['install'], packages: AgentConfig['packages']): void {
  if (install.mode !== 'command' || install.command.length === 0 || packages.watch.length > 0) return;
  root.problems.push(new FieldError('packages.watch', 'must name the package install.command installs (e.g. [gravity-planet]): without it the installed version cannot be read before or after an install'));
}

function readReboot(r: FieldReader): AgentConfig['reboot'] {
  const command = r.argv('command', D.reboot.command, { required: true, max: 16 });
  if (command.some((a) => a.includes(VERSION_PLACEHOLDER))) r.fail('command', `must not contain ${VERSION_PLACEHOLDER}`);
  return { command, delayMs: r.integer('delayMs', D.reboot.delayMs, 0, 60_000) };
}

function readPlanetChecks(r: FieldReader): AgentConfig['planetChecks'] {
  const checks = r.has('checks') ? readChecks(r) : D.planetChecks.checks.map((c) => ({ ...c, command: [...c.command], expect: c.expect as PlanetCheckExpectation }));
  return { timeoutMs: r.integer('timeoutMs', D.planetChecks.timeoutMs, 100, 600_000), checks };
}

function readChecks(r: FieldReader): PlanetCheck[] {
  const checks: PlanetCheck[] = [];
  for (const c of r.sections('checks', ['name', 'command', 'expect'], { max: 32 })) {
    const name = c.requiredString('name', (s) => (CHECK_NAME.test(s) ? undefined : `${showValue(s)} must be lowercase letters, digits and "-"`));
    if (!c.has('command')) c.fail('command', 'is required');
    const command = c.argv('command', [], { required: true, max: 64 });
    const expect = c.oneOf<PlanetCheckExpectation>('expect', 'exit-zero', PLANET_CHECK_EXPECTATIONS);
    if (name && checks.some((k) => k.name === name)) c.fail('name', `${showValue(name)} is used by another check`);
    else if (name && command.length > 0) checks.push({ name, command, expect });
  }
  return checks;
}

function readJournal(r: FieldReader): AgentConfig['journal'] {
  const journal = {
    defaultMaxEntries: r.integer('defaultMaxEntries', D.journal.defaultMaxEntries, 1, JOURNAL_SCAN_MAX_ENTRIES),
    maxEntries: r.integer('maxEntries', D.journal.maxEntries, 1, JOURNAL_SCAN_MAX_ENTRIES),
    defaultTimeoutMs: r.integer('defaultTimeoutMs', D.journal.defaultTimeoutMs, 100, 600_000),
    maxTimeoutMs: r.integer('maxTimeoutMs', D.journal.maxTimeoutMs, 100, 600_000),
    maxMessageBytes: r.integer('maxMessageBytes', D.journal.maxMessageBytes, 64, 65_536),
    maxPatterns: r.integer('maxPatterns', D.journal.maxPatterns, 0, 256),
    maxPatternLength: r.integer('maxPatternLength', D.journal.maxPatternLength, 1, 4096),
  };
  refuseAboveLimit(r, 'defaultMaxEntries', journal.defaultMaxEntries, 'maxEntries', journal.maxEntries);
  refuseAboveLimit(r, 'defaultTimeoutMs', journal.defaultTimeoutMs, 'maxTimeoutMs', journal.maxTimeoutMs);
  return journal;
}

/** A graceful stop lets a running install reach its own timeout rather than cutting it short. */
function readOperations(r: FieldReader, installTimeoutMs: number): AgentConfig['operations'] {
  return { keep: r.integer('keep', D.operations.keep, 1, 10_000), shutdownGraceMs: r.integer('shutdownGraceMs', installTimeoutMs, 0, 24 * 3_600_000) };
}

/** Fills `{version}` into the configured install command. The version must already be validated. */
export function installArgv(template: readonly string[], version: string): string[] {
  return template.map((a) => a.split(VERSION_PLACEHOLDER).join(version));
}

/** Whether the agent needs its certificate and key (gRPC mutual TLS, or TLS on the metrics listener). */
export function needsTlsMaterial(c: AgentConfig): boolean {
  return c.tls.mode === 'mutual' || (c.http.metrics.listen !== undefined && c.http.metrics.tls !== 'plaintext');
}

/** The effective configuration as plain data (for --check-config and /status). */
export function describeConfig(c: AgentConfig): Record<string, unknown> {
  return {
    ...c,
    grpc: { ...c.grpc, listen: c.grpc.listen.text },
    http: { listen: c.http.listen?.text ?? '', metrics: { listen: c.http.metrics.listen?.text ?? '', tls: c.http.metrics.tls } },
    install: { ...c.install, versionPattern: c.install.versionPattern.source },
  };
}
