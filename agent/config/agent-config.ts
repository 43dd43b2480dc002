import { parseDocument } from 'yaml';
import { ConfigError } from '../../shared/config/config-error.js';
import { JOURNAL_SCAN_MAX_ENTRIES } from '../../shared/journal/journal-limits.js';
import { envNameProblem } from '../../shared/validation/env-name.js';
import { FieldError, refuseIf, showValue } from '../../shared/validation/field-error.js';
import { validateHostPort, type HostPort } from '../../shared/validation/host-port.js';
import { absolutePathProblem } from '../../shared/validation/path.js';
import { nonEmptyProblem, plainTextProblem } from '../../shared/validation/plain-text.js';
import { validateUnitGlob } from '../../shared/validation/unit-name.js';
import { compileVersionPattern, DEFAULT_VERSION_PATTERN } from '../../shared/validation/version.js';

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
  handshakeTimeoutMs: number;
  /** Open TLS connections at most (authenticated or not). */
  maxConnections: number;
}

export interface AgentConfig {
  grpc: { listen: ListenAddress; maxReceiveMessageBytes: number; maxSendMessageBytes: number; maxConcurrentReads: number };
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
}

export const DEFAULT_CONFIG_PATH = '/etc/noderoll/agent.yaml';
export const DEFAULT_STATE_DIR = '/var/lib/noderoll-agent';
export const DEFAULT_TLS_DIR = '/etc/noderoll/tls';
export const VERSION_PLACEHOLDER = '{version}';

const GRAVITY_EXEC = ['gravity', 'exec', '--no-tty', '--no-interactive'];

/** The defaults, for a Gravity node, as the YAML a user would write. */
export const DEFAULT_CONFIG_DOC = {
  grpc: { listen: '0.0.0.0:7443', maxReceiveMessageBytes: 64 * 1024, maxSendMessageBytes: 4 * 1024 * 1024, maxConcurrentReads: 8 },
  tls: {
    mode: 'mutual',
    caFile: `${DEFAULT_TLS_DIR}/ca.crt`,
    certFile: `${DEFAULT_TLS_DIR}/agent.crt`,
    keyFile: `${DEFAULT_TLS_DIR}/agent.key`,
    minVersion: 'TLSv1.2',
    handshakeTimeoutMs: 10_000,
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
  install: { command: [] as string[], env: { DEBIAN_FRONTEND: 'noninteractive' }, versionPattern: DEFAULT_VERSION_PATTERN, timeoutMs: 30 * 60_000 },
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
  operations: { keep: 200, shutdownGraceMs: 60_000 },
};

/** Flags that override the file. */
export interface ConfigOverrides {
  grpcListen?: string;
  httpListen?: string;
  stateDir?: string;
  logLevel?: string;
}

/** The shared ConfigError, also exported here for the agent's config tests. */
export { ConfigError };

type Obj = Record<string, unknown>;

/** Reads fields of one YAML mapping, collecting problems instead of stopping at the first. */
class Reader {
  constructor(
    private readonly problems: FieldError[],
    private readonly obj: Obj,
    private readonly path: string,
  ) {}

  private key(k: string): string {
    return this.path ? `${this.path}.${k}` : k;
  }

  fail(k: string, problem: string): void {
    this.problems.push(new FieldError(this.key(k), problem));
  }

  /** Reports keys that are not among `known`. */
  only(known: string[]): void {
    for (const k of Object.keys(this.obj)) if (!known.includes(k)) this.fail(k, `unknown key (known keys here: ${known.join(', ')})`);
  }

  section(k: string): Reader {
    const v = this.obj[k];
    if (v === undefined || v === null) return new Reader(this.problems, {}, this.key(k));
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.fail(k, `must be a mapping, got ${describe(v)}`);
      return new Reader(this.problems, {}, this.key(k));
    }
    return new Reader(this.problems, v as Obj, this.key(k));
  }

  string(k: string, dflt: string, check?: (s: string) => string | undefined): string {
    const v = this.obj[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'string') {
      this.fail(k, `must be a string, got ${describe(v)}`);
      return dflt;
    }
    const problem = check?.(v);
    if (problem) {
      this.fail(k, problem);
      return dflt;
    }
    return v;
  }

  int(k: string, dflt: number, min: number, max: number): number {
    const v = this.obj[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.fail(k, `must be an integer, got ${describe(v)}`);
      return dflt;
    }
    if (v < min || v > max) {
      this.fail(k, `${v} is out of range ${min}..${max}`);
      return dflt;
    }
    return v;
  }

  stringList(k: string, dflt: string[], check: (field: string, s: string) => void, options: { nonEmpty?: boolean; max?: number } = {}): string[] {
    const v = this.obj[k];
    if (v === undefined || v === null) return dflt;
    if (!Array.isArray(v)) {
      this.fail(k, `must be a list of strings, got ${describe(v)}`);
      return dflt;
    }
    if (options.nonEmpty && v.length === 0) {
      this.fail(k, 'must not be empty');
      return dflt;
    }
    if (options.max !== undefined && v.length > options.max) {
      this.fail(k, `has ${v.length} entries; at most ${options.max}`);
      return dflt;
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      const field = `${this.key(k)}[${i}]`;
      if (typeof item !== 'string') {
        this.problems.push(new FieldError(field, `must be a string, got ${describe(item)}`));
        return;
      }
      try {
        check(field, item);
        out.push(item);
      } catch (err) {
        this.problems.push(err instanceof FieldError ? err : new FieldError(field, (err as Error).message));
      }
    });
    return out;
  }

  raw(k: string): unknown {
    return this.obj[k];
  }
}

/** A check that a string is one of `choices`. */
function oneOf(choices: readonly string[]): (s: string) => string | undefined {
  return (s) => (choices.includes(s) ? undefined : `${showValue(s)} must be one of ${choices.join(', ')}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${showValue(v, 40)}`;
}

/** `host:port` (IPv4, hostname or [IPv6]); port 0 asks for any free port (tests). */
export function parseListenAddress(field: string, text: string): ListenAddress {
  return validateHostPort(field, text, { allowPortZero: true });
}

function checkArgv(field: string, s: string): void {
  refuseIf(field, nonEmptyProblem(s) ?? plainTextProblem(s));
}

function checkProgram(field: string, argv: string[], problems: FieldError[]): void {
  const program = argv[0];
  if (program === undefined) return;
  if (program.includes(VERSION_PLACEHOLDER)) problems.push(new FieldError(`${field}[0]`, `the program itself must not come from the version`));
  if (!program.startsWith('/') && program.includes('/')) problems.push(new FieldError(`${field}[0]`, `${showValue(program)} must be an absolute path or a name looked up in PATH`));
}

const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,127}$/;
const CHECK_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function parseAgentConfig(text: string, source: string, overrides: ConfigOverrides = {}): AgentConfig {
  const problems: FieldError[] = [];
  let doc: unknown = {};
  const parsed = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (parsed.errors.length > 0) {
    const first = parsed.errors[0]!;
    throw new ConfigError(source, [new FieldError('(file)', `not valid YAML: ${first.message.split('\n')[0]}`)]);
  }
  try {
    doc = parsed.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    // e.g. an alias bomb ("billion laughs"): the yaml library stops expanding and says why.
    throw new ConfigError(source, [new FieldError('(file)', `cannot be read as settings: ${(err as Error).message}`)]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConfigError(source, [new FieldError('(file)', `must be a YAML mapping of settings, got ${describe(doc)}`)]);
  }
  const D = DEFAULT_CONFIG_DOC;
  const root = new Reader(problems, doc as Obj, '');
  root.only(['grpc', 'tls', 'http', 'stateDir', 'logLevel', 'units', 'packages', 'install', 'reboot', 'planetChecks', 'journal', 'operations']);

  const listen = (field: string, text: string): ListenAddress | undefined => {
    try {
      return parseListenAddress(field, text);
    } catch (err) {
      problems.push(err as FieldError);
      return undefined;
    }
  };

  const grpcR = root.section('grpc');
  grpcR.only(['listen', 'maxReceiveMessageBytes', 'maxSendMessageBytes', 'maxConcurrentReads']);
  const grpcListenText = overrides.grpcListen ?? grpcR.string('listen', D.grpc.listen);
  const grpcListen = listen(overrides.grpcListen !== undefined ? '--grpc-listen' : 'grpc.listen', grpcListenText);

  const httpR = root.section('http');
  httpR.only(['listen', 'metrics']);
  const httpListenText = overrides.httpListen ?? httpR.string('listen', D.http.listen);
  const httpListen = httpListenText === '' ? undefined : listen(overrides.httpListen !== undefined ? '--http-listen' : 'http.listen', httpListenText);
  const metricsR = httpR.section('metrics');
  metricsR.only(['listen', 'tls']);
  const metricsListenText = metricsR.string('listen', D.http.metrics.listen);
  const metricsListen = metricsListenText === '' ? undefined : listen('http.metrics.listen', metricsListenText);
  const metricsTls = metricsR.string('tls', D.http.metrics.tls, oneOf(METRICS_TLS_MODES)) as MetricsTlsMode;

  const absPath = absolutePathProblem;

  const tlsR = root.section('tls');
  tlsR.only(['mode', 'caFile', 'certFile', 'keyFile', 'minVersion', 'handshakeTimeoutMs', 'maxConnections']);
  const tls: AgentTlsConfig = {
    mode: tlsR.string('mode', D.tls.mode, oneOf(TLS_MODES)) as TlsMode,
    caFile: tlsR.string('caFile', D.tls.caFile, absPath),
    certFile: tlsR.string('certFile', D.tls.certFile, absPath),
    keyFile: tlsR.string('keyFile', D.tls.keyFile, absPath),
    minVersion: tlsR.string('minVersion', D.tls.minVersion, oneOf(TLS_VERSIONS)) as TlsVersion,
    handshakeTimeoutMs: tlsR.int('handshakeTimeoutMs', D.tls.handshakeTimeoutMs, 1000, 60_000),
    maxConnections: tlsR.int('maxConnections', D.tls.maxConnections, 1, 10_000),
  };
  if (metricsListen && httpListen && metricsListen.port !== 0 && metricsListen.port === httpListen.port && metricsListen.host === httpListen.host) {
    metricsR.fail('listen', `${metricsListen.text} is also http.listen; give the metrics listener its own address or port`);
  }
  let stateDir = root.string('stateDir', D.stateDir, absPath);
  if (overrides.stateDir !== undefined) {
    const p = absPath(overrides.stateDir);
    if (p) problems.push(new FieldError('--state-dir', p));
    else stateDir = overrides.stateDir;
  }
  const levelCheck = (s: string): string | undefined => ((LOG_LEVELS as readonly string[]).includes(s) ? undefined : `${showValue(s)} must be one of ${LOG_LEVELS.join(', ')}`);
  let logLevel = root.string('logLevel', D.logLevel, levelCheck) as LogLevel;
  if (overrides.logLevel !== undefined) {
    const p = levelCheck(overrides.logLevel);
    if (p) problems.push(new FieldError('--log-level', p));
    else logLevel = overrides.logLevel as LogLevel;
  }

  const unitsR = root.section('units');
  unitsR.only(['allow', 'planet', 'watch', 'defaultTimeoutMs', 'maxTimeoutMs', 'maxListed']);
  const globCheck = (field: string, s: string): void => void validateUnitGlob(field, s);
  const units = {
    allow: unitsR.stringList('allow', D.units.allow, globCheck, { max: 64 }),
    planet: unitsR.stringList('planet', D.units.planet, globCheck, { nonEmpty: true, max: 16 }),
    watch: unitsR.stringList('watch', D.units.watch, globCheck, { max: 64 }),
    defaultTimeoutMs: unitsR.int('defaultTimeoutMs', D.units.defaultTimeoutMs, 100, 3_600_000),
    maxTimeoutMs: unitsR.int('maxTimeoutMs', D.units.maxTimeoutMs, 100, 3_600_000),
    maxListed: unitsR.int('maxListed', D.units.maxListed, 1, 10_000),
  };
  if (units.defaultTimeoutMs > units.maxTimeoutMs) unitsR.fail('defaultTimeoutMs', `${units.defaultTimeoutMs} exceeds units.maxTimeoutMs ${units.maxTimeoutMs}`);

  const pkgR = root.section('packages');
  pkgR.only(['manager', 'watch']);
  const packages = {
    manager: pkgR.string('manager', D.packages.manager, (s) => (s === 'dpkg' || s === 'rpm' ? undefined : `${showValue(s)} must be dpkg or rpm`)) as PackageManager,
    watch: pkgR.stringList(
      'watch',
      D.packages.watch,
      (field, s) => {
        if (!PACKAGE_NAME.test(s)) throw new FieldError(field, `${showValue(s)} is not a package name`);
      },
      { max: 32 },
    ),
  };

  const installR = root.section('install');
  installR.only(['command', 'env', 'versionPattern', 'timeoutMs']);
  const installCommand = installR.stringList('command', D.install.command, checkArgv, { max: 64 });
  checkProgram('install.command', installCommand, problems);
  if (installCommand.length > 0 && !installCommand.some((a) => a.includes(VERSION_PLACEHOLDER))) {
    installR.fail('command', `must contain the placeholder ${VERSION_PLACEHOLDER} where the target version goes`);
  }
  for (const [i, a] of installCommand.entries()) {
    const rest = a.split(VERSION_PLACEHOLDER).join('');
    if (/[{}]/.test(rest)) problems.push(new FieldError(`install.command[${i}]`, `${showValue(a)} has braces other than the ${VERSION_PLACEHOLDER} placeholder`));
  }
  const env: Record<string, string> = { ...D.install.env };
  const envRaw = installR.raw('env');
  if (envRaw !== undefined && envRaw !== null) {
    if (typeof envRaw !== 'object' || Array.isArray(envRaw)) installR.fail('env', `must be a mapping of NAME: value, got ${describe(envRaw)}`);
    else
      for (const [k, v] of Object.entries(envRaw as Obj)) {
        const problem = envNameProblem(k) ?? (typeof v !== 'string' || /[\0]/.test(v) ? `must be a string without NUL, got ${describe(v)}` : undefined);
        if (problem) problems.push(new FieldError(`install.env.${k}`, problem));
        else env[k] = v as string;
      }
  }
  let versionPattern = compileVersionPattern('install.versionPattern', D.install.versionPattern);
  const vp = installR.raw('versionPattern');
  if (vp !== undefined && vp !== null) {
    try {
      versionPattern = compileVersionPattern('install.versionPattern', vp);
    } catch (err) {
      problems.push(err as FieldError);
    }
  }
  const install = { command: installCommand, env, versionPattern, timeoutMs: installR.int('timeoutMs', D.install.timeoutMs, 1000, 24 * 3_600_000) };

  const rebootR = root.section('reboot');
  rebootR.only(['command', 'delayMs']);
  const rebootCommand = rebootR.stringList('command', D.reboot.command, checkArgv, { nonEmpty: true, max: 16 });
  checkProgram('reboot.command', rebootCommand, problems);
  if (rebootCommand.some((a) => a.includes(VERSION_PLACEHOLDER))) rebootR.fail('command', `must not contain ${VERSION_PLACEHOLDER}`);
  const reboot = { command: rebootCommand, delayMs: rebootR.int('delayMs', D.reboot.delayMs, 0, 60_000) };

  const checksR = root.section('planetChecks');
  checksR.only(['timeoutMs', 'checks']);
  const checks: PlanetCheck[] = [];
  const checksRaw = checksR.raw('checks');
  if (checksRaw === undefined || checksRaw === null) checks.push(...D.planetChecks.checks.map((c) => ({ ...c, command: [...c.command], expect: c.expect as PlanetCheckExpectation })));
  else if (!Array.isArray(checksRaw)) checksR.fail('checks', `must be a list of {name, command, expect}, got ${describe(checksRaw)}`);
  else if (checksRaw.length > 32) checksR.fail('checks', `has ${checksRaw.length} entries; at most 32`);
  else
    checksRaw.forEach((item, i) => {
      const field = `planetChecks.checks[${i}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        problems.push(new FieldError(field, `must be a mapping {name, command, expect}, got ${describe(item)}`));
        return;
      }
      const r = new Reader(problems, item as Obj, field);
      r.only(['name', 'command', 'expect']);
      const name = r.string('name', '', (s) => (CHECK_NAME.test(s) ? undefined : `${showValue(s)} must be lowercase letters, digits and "-"`));
      if (!name && (item as Obj).name === undefined) r.fail('name', 'is required');
      const command = r.stringList('command', [], checkArgv, { nonEmpty: true, max: 64 });
      if ((item as Obj).command === undefined) r.fail('command', 'is required');
      checkProgram(`${field}.command`, command, problems);
      const expect = r.string('expect', 'exit-zero', (s) =>
        (PLANET_CHECK_EXPECTATIONS as readonly string[]).includes(s) ? undefined : `${showValue(s)} must be one of ${PLANET_CHECK_EXPECTATIONS.join(', ')}`,
      ) as PlanetCheckExpectation;
      if (checks.some((c) => c.name === name)) r.fail('name', `${showValue(name)} is used by another check`);
      if (name && command.length > 0) checks.push({ name, command, expect });
    });
  const planetChecks = { timeoutMs: checksR.int('timeoutMs', D.planetChecks.timeoutMs, 100, 600_000), checks };

  const jR = root.section('journal');
  jR.only(['defaultMaxEntries', 'maxEntries', 'defaultTimeoutMs', 'maxTimeoutMs', 'maxMessageBytes', 'maxPatterns', 'maxPatternLength']);
  const journal = {
    defaultMaxEntries: jR.int('defaultMaxEntries', D.journal.defaultMaxEntries, 1, JOURNAL_SCAN_MAX_ENTRIES),
    maxEntries: jR.int('maxEntries', D.journal.maxEntries, 1, JOURNAL_SCAN_MAX_ENTRIES),
    defaultTimeoutMs: jR.int('defaultTimeoutMs', D.journal.defaultTimeoutMs, 100, 600_000),
    maxTimeoutMs: jR.int('maxTimeoutMs', D.journal.maxTimeoutMs, 100, 600_000),
    maxMessageBytes: jR.int('maxMessageBytes', D.journal.maxMessageBytes, 64, 65_536),
    maxPatterns: jR.int('maxPatterns', D.journal.maxPatterns, 0, 256),
    maxPatternLength: jR.int('maxPatternLength', D.journal.maxPatternLength, 1, 4096),
  };
  if (journal.defaultMaxEntries > journal.maxEntries) jR.fail('defaultMaxEntries', `${journal.defaultMaxEntries} exceeds journal.maxEntries ${journal.maxEntries}`);
  if (journal.defaultTimeoutMs > journal.maxTimeoutMs) jR.fail('defaultTimeoutMs', `${journal.defaultTimeoutMs} exceeds journal.maxTimeoutMs ${journal.maxTimeoutMs}`);

  const opsR = root.section('operations');
  opsR.only(['keep', 'shutdownGraceMs']);
  const operations = { keep: opsR.int('keep', D.operations.keep, 1, 10_000), shutdownGraceMs: opsR.int('shutdownGraceMs', D.operations.shutdownGraceMs, 0, 3_600_000) };

  const grpc = {
    listen: grpcListen ?? { host: '', port: 0, text: '' },
    maxReceiveMessageBytes: grpcR.int('maxReceiveMessageBytes', D.grpc.maxReceiveMessageBytes, 1024, 16 * 1024 * 1024),
    maxSendMessageBytes: grpcR.int('maxSendMessageBytes', D.grpc.maxSendMessageBytes, 64 * 1024, 64 * 1024 * 1024),
    maxConcurrentReads: grpcR.int('maxConcurrentReads', D.grpc.maxConcurrentReads, 1, 64),
  };

  if (problems.length > 0) throw new ConfigError(source, problems);
  return { grpc, tls, http: { listen: httpListen, metrics: { listen: metricsListen, tls: metricsTls } }, stateDir, logLevel, units, packages, install, reboot, planetChecks, journal, operations };
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
