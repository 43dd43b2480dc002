import { isAbsolute, resolve } from 'node:path';
import type { NodeRole } from '../ports/cluster.js';
import type { AlertsGateConfig, CanaryConfig, CanaryScope, PoolBudget, PoolConfig, CoordinatorConfig, LogLevel, StateBackend, NodeConfig, NodeOrderPolicy, WebhookConfig, WebhookFormat } from './config-types.js';
import { CANARY_SCOPES, DRAIN_BLOCKED_POLICIES, HOLD_POLICIES, LOG_LEVELS, ON_FAILURE_POLICIES, STATE_BACKENDS, WEBHOOK_FORMATS, type HoldPolicy, type OnFailurePolicy } from './config-types.js';
import { describeValue, FieldReader, isMapping } from '../../shared/config/field-reader.js';
import { placeholderProblem } from '../../shared/exec/argv-template.js';
import { JOURNAL_SCAN_MAX_ENTRIES } from '../../shared/journal/journal-limits.js';
import { showValue } from '../../shared/validation/field-error.js';
import { hostPortProblem } from '../../shared/validation/host-port.js';
import { kubeContextProblem, namespaceProblem, objectNameProblem } from '../../shared/validation/kube-names.js';
import { labelSelectorProblem } from '../../shared/validation/label-selector.js';
import { nodeNameProblem } from '../../shared/validation/node-name.js';
import { nonEmptyProblem } from '../../shared/validation/plain-text.js';
import { unitGlobProblem } from '../../shared/validation/unit-name.js';
import { HOOK_POINTS } from '../hooks/hook-points.js';
import { readHooks } from '../hooks/read-hooks-config.js';
import { readPowerCycle } from '../power/power-cycle-config.js';
import { PROFILES, type ProfileData } from '../plan/profiles.js';
import { readProfileConfig, type Datastore } from './read-profile-config.js';
import { parseClockTime, timeZoneProblem, weekdayProblem, type MaintenanceWindow, type WeekdayName } from '../schedule/maintenance-window.js';

const TOP_LEVEL = [
  'apiVersion',
  'kind',
  'profile',
  'datastore',
  'reboot',
  'units',
  'nodes',
  'order',
  'kubernetes',
  'agents',
  'gates',
  'backup',
  'install',
  'timeouts',
  'drain',
  'soak',
  'journal',
  'postChecks',
  'planet',
  'preflight',
  'state',
  'log',
  'maxUnavailable',
  'pools',
  'canary',
  'pauseBetween',
  'notifications',
  'hold',
  'windows',
  'schedule',
  'onFailure',
  'powerCycle',
  'hooks',
] as const;

export const CONFIG_API_VERSION = 'noderoll.io/v1alpha1';
export const CONFIG_KIND = 'CoordinatorConfig';

const MAX_NODES = 1000;
const MAX_WEBHOOKS = 10;
const GRAVITY_EXEC = ['gravity', 'exec', '--no-tty', '--no-interactive'];

/** By default the backup is an etcd v3 snapshot, verified with `etcdctl snapshot status` before any node is touched. */
export const DEFAULT_BACKUP = {
  command: ['etcdctl', 'snapshot', 'save', '{artifact}'],
  verifyCommand: ['etcdctl', 'snapshot', 'status', '{artifact}', '-w', 'json'],
  artifact: '/var/lib/noderoll/backups/{operation}.db',
  env: { ETCDCTL_API: '3' } as Record<string, string>,
};

/**
 * Turns a parsed YAML document into a complete, validated configuration. Every problem is collected
 * (not just the first), each naming its field; nothing is accepted half-valid. Relative paths are
 * taken from `baseDir` (the config file's directory).
 */
export function validateConfig(doc: unknown, source: string, baseDir: string): CoordinatorConfig {
  const root = FieldReader.document(doc);
  root.only(TOP_LEVEL);
  const config = readCoordinatorConfig(root, source, baseDir);
  if (config.onFailure === 'rollback' && config.install.mode !== 'command') {
    root.fail('onFailure', `rollback reinstalls the version recorded before the install, which only install.mode command has; install.mode is ${config.install.mode}`);
  } else if (config.onFailure === 'rollback' && config.profile !== 'gravity') {
    // The rollback sequence (coordinator/recovery) is built from the gravity runbook's planet steps.
    root.fail('onFailure', `rollback is built for profile gravity so far; profile is ${config.profile}`);
  }
  if (config.datastore === 'sqlite' && config.state.backend === 'kubernetes') {
    // The API server runs inside the single k3s server: while it reboots nobody can renew the Lease.
    root.fail('state.backend', 'must be file with datastore sqlite: the API server of a single k3s server is down while that server reboots, so the coordinator could not keep its Lease');
  }
  root.throwIfProblems(source);
  return config;
}

function readCoordinatorConfig(root: FieldReader, source: string, baseDir: string): CoordinatorConfig {
  checkFixedFields(root);
  const profile = readProfileConfig(root);
  const data = PROFILES[profile.profile];
  return {
    source,
    nodes: readNodes(root, profile.datastore),
    profile: profile.profile,
    datastore: profile.datastore,
    reboot: profile.reboot,
    units: profile.units,
    order: root.oneOf<NodeOrderPolicy>('order', 'roles', ['roles', 'listed']),
    kubernetes: readKubernetes(root.section('kubernetes', ['kubectl', 'kubeconfig', 'context', 'callTimeout']), baseDir),
    agents: readAgents(root.section('agents', ['callTimeout', 'tls', 'insecurePlaintext']), baseDir),
    gates: readGates(root.section('gates', ['gravity', 'etcd', 'apiServer', 'pods', 'nodes', 'agents', 'alerts', 'blockingPods']), data, profile.datastore),
    backup: { ...readBackup(root.section('backup', ['enabled', 'command', 'artifact', 'verifyCommand', 'allowUnverified', 'env', 'timeout']), baseDir), source: data.backup },
    install: profile.install,
    timeouts: readTimeouts(root.section('timeouts', ['gatesBeforeNode', 'backup', 'drain', 'stopPlanet', 'install', 'reboot', 'postChecks', 'uncordon'])),
    drain: { onBlocked: root.section('drain', ['onBlocked']).oneOf('onBlocked', 'wait', DRAIN_BLOCKED_POLICIES) },
    soak: readSoak(root.section('soak', ['interval', 'passes', 'timeout'])),
    journal: readJournal(root.section('journal', ['ignore', 'maxEntries'])),
    postChecks: { failedUnits: { ignore: root.section('postChecks', ['failedUnits']).section('failedUnits', ['ignore']).list('ignore', [], unitGlobProblem, { max: 200 }) } },
    planet: readPlanet(root.section('planet', ['unitPattern', 'nameContains'])),
    preflight: { minFreeDiskBytes: readBytes(root.section('preflight', ['minFreeDisk']), 'minFreeDisk', 1024 ** 3) },
    state: readState(root.section('state', ['backend', 'file', 'history', 'kubernetes']), baseDir),
    log: readLog(root.section('log', ['file', 'level']), baseDir),
    pools: readPools(root),
    ...readCanary(root),
    pauseBetweenMs: root.duration('pauseBetween', 0),
    notifications: { webhooks: readWebhooks(root.section('notifications', ['webhooks'])) },
    hold: { policy: root.section('hold', ['policy']).oneOf<HoldPolicy>('policy', 'wait', HOLD_POLICIES) },
    windows: readWindows(root),
    schedule: { nodeDurationFloorMs: root.section('schedule', ['nodeDurationFloor']).duration('nodeDurationFloor', 30 * 60_000, 1000) },
    onFailure: root.oneOf<OnFailurePolicy>('onFailure', 'halt', ON_FAILURE_POLICIES),
    ...readPowerCycle(root),
    hooks: readHooks(root.section('hooks', HOOK_POINTS)),
  };
}

/** Fields with one accepted value: the document's type and the one supported mode. */
function checkFixedFields(root: FieldReader): void {
  const fixed: [key: string, value: unknown, why: string][] = [
    ['apiVersion', CONFIG_API_VERSION, ''],
    ['kind', CONFIG_KIND, ''],
  ];
  if (root.has('maxUnavailable')) root.fail('maxUnavailable', 'is replaced by pools[].maxUnavailable (e.g. pools: [{ name: workers, selector: "!node-role.kubernetes.io/master", maxUnavailable: 2 }])');
  for (const [key, value, why] of fixed) {
    const v = root.raw(key);
    if (v !== undefined && v !== value) root.fail(key, `must be ${String(value)}${why}, got ${describeValue(v)}`);
  }
}

/** A file path; a relative one is taken from the config file's directory. */
function readPath(r: FieldReader, key: string, fallback: string | undefined, baseDir: string): string | undefined {
  const v = r.string(key, '', nonEmptyProblem);
  if (v === '') return fallback;
  return isAbsolute(v) ? v : resolve(baseDir, v);
}

function readNodes(root: FieldReader, datastore: Datastore): NodeConfig[] {
  const raw = root.raw('nodes');
  if (!root.has('nodes')) root.fail('nodes', 'is required: list every node with its name and agent address');
  if (Array.isArray(raw) && raw.length === 0) root.fail('nodes', 'must list at least one node');
  const nodes: NodeConfig[] = [];
  const seenNames = new Map<string, number>();
  const seenAgents = new Map<string, number>();
  root.sections('nodes', ['name', 'agent', 'role'], { max: MAX_NODES }).forEach((n, i) => {
    const name = n.requiredString('name', nodeNameProblem);
    const agent = n.requiredString('agent', hostPortProblem);
    const role = n.oneOf<NodeRole | ''>('role', '', ['master', 'node']);
    if (name && seenNames.has(name)) n.fail('name', `"${name}" is listed twice (also nodes[${seenNames.get(name)}])`);
    if (agent && seenAgents.has(agent)) n.fail('agent', `"${agent}" is used twice (also nodes[${seenAgents.get(agent)}])`);
    seenNames.set(name, i);
    seenAgents.set(agent, i);
    nodes.push({ name, agent, ...(role ? { role } : {}) });
  });
  if (datastore === 'sqlite') checkSingleServer(root, nodes);
  return nodes;
}

/** k3s on SQLite has exactly one server; its role must be known before any node is touched (it takes the backup). */
function checkSingleServer(root: FieldReader, nodes: readonly NodeConfig[]): void {
  const unknown = nodes.filter((n) => n.role === undefined).map((n) => n.name);
  const servers = nodes.filter((n) => n.role === 'master').map((n) => n.name);
  if (unknown.length > 0) root.fail('nodes', `datastore sqlite: give every node its role (master for the k3s server, node for agents); no role: ${unknown.join(', ')}`);
  else if (servers.length !== 1) root.fail('nodes', `datastore sqlite: a k3s cluster on SQLite has exactly one server (role master), found ${servers.length}${servers.length > 0 ? `: ${servers.join(', ')}` : ''}`);
}

function readState(r: FieldReader, baseDir: string): CoordinatorConfig['state'] {
  const k = r.section('kubernetes', ['namespace', 'leaseName', 'configMapName', 'leaseDuration']);
  const leaseDurationMs = k.duration('leaseDuration', 30_000, 6_000);
  if (leaseDurationMs % 1000 !== 0) k.fail('leaseDuration', `must be whole seconds (a Lease counts in seconds), got ${leaseDurationMs} ms`);
  return {
    backend: r.oneOf<StateBackend>('backend', 'file', STATE_BACKENDS),
    file: readPath(r, 'file', '/var/lib/noderoll/state.json', baseDir) ?? '',
    history: r.integer('history', 5, 0, 50),
    kubernetes: {
      namespace: k.string('namespace', 'noderoll-system', namespaceProblem),
      leaseName: k.string('leaseName', 'noderoll', objectNameProblem),
      configMapName: k.string('configMapName', 'noderoll-operation', objectNameProblem),
      // Renewed every third of it; a holder that stops renewing is replaced only after it.
      leaseDurationMs,
    },
  };
}

function readKubernetes(r: FieldReader, baseDir: string): CoordinatorConfig['kubernetes'] {
  const kubeconfig = readPath(r, 'kubeconfig', undefined, baseDir);
  const context = r.string('context', '', kubeContextProblem);
  return {
    kubectl: r.string('kubectl', 'kubectl', nonEmptyProblem),
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(context ? { context } : {}),
    callTimeoutMs: r.duration('callTimeout', 60_000, 1000),
  };
}

function readAgents(r: FieldReader, baseDir: string): CoordinatorConfig['agents'] {
  const insecurePlaintext = r.boolean('insecurePlaintext', false);
  const tlsRaw = r.raw('tls');
  const tlsGiven = isMapping(tlsRaw) && Object.keys(tlsRaw).length > 0;
  const t = r.section('tls', ['ca', 'cert', 'key']);
  const tls = tlsGiven || !insecurePlaintext ? readAgentTls(t, baseDir) : undefined;
  return { callTimeoutMs: r.duration('callTimeout', 15_000, 100), ...(tls ? { tls } : {}), insecurePlaintext };
}

/** The coordinator's client certificate: all three files, unless the operator chose plaintext for a lab. */
function readAgentTls(t: FieldReader, baseDir: string): NonNullable<CoordinatorConfig['agents']['tls']> | undefined {
  const [ca, cert, key] = (['ca', 'cert', 'key'] as const).map((field) => {
    if (!t.has(field)) t.fail(field, 'is required (mutual TLS is the default; set agents.insecurePlaintext: true only for a lab)');
    return readPath(t, field, undefined, baseDir);
  });
  return ca && cert && key ? { ca, cert, key } : undefined;
}

function readGates(r: FieldReader, profile: ProfileData, datastore: Datastore): CoordinatorConfig['gates'] {
  const gravity = r.section('gravity', ['enabled', 'command', 'timeout']);
  const pods = r.section('pods', ['enabled', 'ignoreNamespaces']);
  return {
    gravity: {
      enabled: gravity.boolean('enabled', profile.gates.gravityStatus),
      argv: gravity.argv('command', ['gravity', 'status', '--output=json'], { required: true }),
      timeoutMs: gravity.duration('timeout', 60_000, 100),
    },
    etcd: { ...readEtcdGate(r.section('etcd', ['enabled', 'format', 'command', 'env', 'timeout']), datastore), source: profile.gates.etcd },
    apiServer: { enabled: r.section('apiServer', ['enabled']).boolean('enabled', profile.gates.apiServer) },
    pods: { enabled: pods.boolean('enabled', true), ignoreNamespaces: pods.list('ignoreNamespaces', [], namespaceProblem) },
    nodes: { enabled: r.section('nodes', ['enabled']).boolean('enabled', true) },
    agents: { enabled: r.section('agents', ['enabled']).boolean('enabled', true) },
    ...readAlertsGate(r),
    blockingPods: r.list('blockingPods', [], labelSelectorProblem, { max: 50 }),
  };
}

/** gates.alerts, only when present. */
function readAlertsGate(gates: FieldReader): { alerts?: AlertsGateConfig } {
  if (!gates.has('alerts')) return {};
  const r = gates.section('alerts', ['url', 'filter', 'ignore', 'firingOnly', 'timeout']);
  const filter = r.string('filter', '', regexProblem);
  return {
    alerts: {
      url: r.requiredString('url', prometheusUrlProblem),
      ...(filter ? { filter } : {}),
      ignore: r.list('ignore', [], regexProblem, { max: 100 }),
      firingOnly: r.boolean('firingOnly', true),
      timeoutMs: r.duration('timeout', 10_000, 100),
    },
  };
}

/** A Prometheus base URL: http(s), no credentials, query or fragment (/api/v1/alerts is appended to its path). */
function prometheusUrlProblem(v: string): string | undefined {
  const problem = webhookUrlProblem(v);
  if (problem) return problem;
  const url = new URL(v);
  return url.search || url.hash ? `${showValue(v)} must be scheme://host:port[/path prefix] without a query or fragment (e.g. http://prometheus.monitoring:9090)` : undefined;
}

/** datastore sqlite: a single k3s server has no etcd, so there is no etcd gate. */
function readEtcdGate(r: FieldReader, datastore: Datastore): Omit<CoordinatorConfig['gates']['etcd'], 'source'> {
  const format = r.oneOf('format', 'v2', ['v2', 'v3'] as const);
  const defaultArgv =
    format === 'v2'
      ? [...GRAVITY_EXEC, '/usr/bin/etcdctl', 'cluster-health']
      : [...GRAVITY_EXEC, '/usr/bin/etcdctl3', 'endpoint', 'health', '--cluster', '-w', 'json', '--command-timeout=2s'];
  const enabled = r.boolean('enabled', datastore === 'etcd');
  if (enabled && datastore === 'sqlite') r.fail('enabled', 'must be false with datastore sqlite: a single k3s server on SQLite has no etcd members to check');
  return { enabled, format, argv: r.argv('command', defaultArgv, { required: true }), env: r.env('env'), timeoutMs: r.duration('timeout', 30_000, 100) };
}

function readBackup(r: FieldReader, baseDir: string): Omit<CoordinatorConfig['backup'], 'source'> {
  const enabled = r.boolean('enabled', true);
  const artifact = readPath(r, 'artifact', DEFAULT_BACKUP.artifact, baseDir) ?? '';
  const argv = r.argv('command', DEFAULT_BACKUP.command, { required: true });
  const allowUnverified = r.boolean('allowUnverified', false);
  // The opt-out drops the default verification; a verifyCommand the operator wrote still runs.
  const verifyArgv = r.argv('verifyCommand', allowUnverified ? [] : DEFAULT_BACKUP.verifyCommand, { required: true });
  if (enabled && !allowUnverified && r.has('command') && !r.has('verifyCommand') && !isEtcdSnapshotSave(argv)) {
    r.fail('verifyCommand', `the default (${DEFAULT_BACKUP.verifyCommand.join(' ')}) checks an etcd snapshot, but backup.command is not \`etcdctl snapshot save\`: set a verifyCommand that fits it (e.g. [tar, -tzf, "{artifact}"] for gravity backup), or opt out explicitly with backup.allowUnverified: true`);
  }
  checkBackupPlaceholders(r, argv, verifyArgv, artifact);
  if (enabled && !artifact.includes('{operation}') && !artifact.includes('{time}')) {
    r.fail('artifact', 'must contain {operation} or {time} so that one backup never overwrites another');
  }
  return {
    enabled,
    argv,
    artifact,
    verifyArgv,
    allowUnverified,
    env: r.has('env') ? r.env('env') : { ...DEFAULT_BACKUP.env },
    timeoutMs: r.duration('timeout', 30 * 60_000, 1000),
  };
}

function isEtcdSnapshotSave(argv: readonly string[]): boolean {
  const i = argv.indexOf('snapshot');
  return i >= 0 && argv[i + 1] === 'save' && argv.some((a) => /(^|\/)etcdctl3?$/.test(a));
}

/** The artifact may use {operation} and {time}; the commands also {artifact}. */
function checkBackupPlaceholders(r: FieldReader, argv: readonly string[], verifyArgv: readonly string[], artifact: string): void {
  const check = (field: string, value: string, allowed: readonly string[]): void => {
    const problem = placeholderProblem(value, allowed);
    if (problem) r.fail(field, problem);
  };
  argv.forEach((a, i) => check(`command[${i}]`, a, ['operation', 'time', 'artifact']));
  verifyArgv.forEach((a, i) => check(`verifyCommand[${i}]`, a, ['operation', 'time', 'artifact']));
  check('artifact', artifact, ['operation', 'time']);
}

function readTimeouts(r: FieldReader): CoordinatorConfig['timeouts'] {
  return {
    gatesBeforeNodeMs: r.duration('gatesBeforeNode', 5 * 60_000),
    backupMs: r.duration('backup', 30 * 60_000, 1000),
    drainMs: r.duration('drain', 10 * 60_000, 1000),
    stopPlanetMs: r.duration('stopPlanet', 5 * 60_000, 1000),
    installMs: r.duration('install', 30 * 60_000, 1000),
    rebootMs: r.duration('reboot', 15 * 60_000, 1000),
    postChecksMs: r.duration('postChecks', 10 * 60_000, 1000),
    uncordonMs: r.duration('uncordon', 2 * 60_000, 1000),
  };
}

function readSoak(r: FieldReader): CoordinatorConfig['soak'] {
  const intervalMs = r.duration('interval', 15_000, 1);
  const passes = r.integer('passes', 3, 1, 100);
  const timeoutMs = r.duration('timeout', 15 * 60_000, 1);
  if (timeoutMs < intervalMs * (passes - 1)) r.fail('timeout', `is shorter than ${passes} passes ${intervalMs} ms apart could ever take`);
  return { intervalMs, passes, timeoutMs };
}

function readJournal(r: FieldReader): CoordinatorConfig['journal'] {
  return { ignore: r.list('ignore', [], regexProblem, { max: 200 }), maxEntries: r.integer('maxEntries', 2000, 1, JOURNAL_SCAN_MAX_ENTRIES) };
}

function regexProblem(pattern: string): string | undefined {
  if (pattern.length > 512) return 'is longer than 512 characters';
  try {
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return `is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`;
  }
}

function readPlanet(r: FieldReader): CoordinatorConfig['planet'] {
  return {
    unitPattern: r.string('unitPattern', 'gravity__gravitational*', unitGlobProblem),
    nameContains: r.string('nameContains', 'planet', (v) => (/^[A-Za-z0-9_.@-]{1,64}$/.test(v) ? undefined : `${showValue(v)} is not part of a unit name`)),
  };
}

function readLog(r: FieldReader, baseDir: string): CoordinatorConfig['log'] {
  return { file: readPath(r, 'file', '/var/log/noderoll/noderoll.log', baseDir) ?? '', level: r.oneOf<LogLevel>('level', 'info', LOG_LEVELS) };
}

/** Where a webhook URL is wrong, or undefined. Only http(s), no user:password (put secrets in the path, as Slack does). */
export function webhookUrlProblem(v: string): string | undefined {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return `${showValue(v, 40)} is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must be an http or https URL, got ${url.protocol}`;
  if (url.username || url.password) return 'must not contain a user name or password';
  if (v.length > 2048) return 'is longer than 2048 characters';
  return undefined;
}

function readWebhooks(r: FieldReader): WebhookConfig[] {
  const out: WebhookConfig[] = [];
  for (const w of r.sections('webhooks', ['url', 'format', 'timeout', 'maxAttempts', 'maxBackoff'], { max: MAX_WEBHOOKS })) {
    const url = w.requiredString('url', webhookUrlProblem);
    const format = w.oneOf<WebhookFormat>('format', 'json', WEBHOOK_FORMATS);
    const timeoutMs = w.duration('timeout', 10_000, 100);
    const maxAttempts = w.integer('maxAttempts', 5, 1, 20);
    const maxBackoffMs = w.duration('maxBackoff', 30_000, 10);
    if (url) out.push({ url, format, timeoutMs, maxAttempts, maxBackoffMs });
  }
  return out;
}

const MAX_WINDOWS = 50;

function readClockTime(w: FieldReader, key: string): number | undefined {
  const text = w.requiredString(key);
  if (text === '') return undefined;
  const minute = parseClockTime(text);
  if (typeof minute === 'string') w.fail(key, minute);
  return typeof minute === 'number' ? minute : undefined;
}

function readWindows(root: FieldReader): MaintenanceWindow[] {
  const out: MaintenanceWindow[] = [];
  for (const w of root.sections('windows', ['days', 'start', 'end', 'timeZone'], { max: MAX_WINDOWS })) {
    if (!w.has('days')) w.fail('days', 'is required: the days the window opens (mon, tue, …)');
    const days = w.list('days', [], weekdayProblem, { max: 7 }) as WeekdayName[];
    if (w.has('days') && Array.isArray(w.raw('days')) && (w.raw('days') as unknown[]).length === 0) w.fail('days', 'must name at least one day');
    const startMinute = readClockTime(w, 'start');
    const endMinute = readClockTime(w, 'end');
    if (startMinute !== undefined && startMinute === endMinute) w.fail('end', 'equals start: a window must have a length (for one crossing midnight, end before start, e.g. 22:00–04:00)');
    if (!w.has('timeZone')) w.fail('timeZone', 'is required: an IANA time zone such as Europe/Berlin or UTC');
    const timeZone = w.has('timeZone') ? w.string('timeZone', '', timeZoneProblem) : '';
    if (days.length > 0 && startMinute !== undefined && endMinute !== undefined && startMinute !== endMinute && timeZone !== '') {
      out.push({ days: [...new Set(days)], startMinute, endMinute, timeZone });
    }
  }
  return out;
}

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3, TB: 1000 ** 4 };

/** A size: a number of bytes or `512MiB`, `2GiB`, `10GB`. */
function readBytes(r: FieldReader, key: string, fallback: number): number {
  const v = r.raw(key);
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?$/.exec(v.trim()) : null;
  if (!m) {
    r.fail(key, `must be a size such as 512MiB or 2GiB, got ${describeValue(v)}`);
    return fallback;
  }
  return Math.round(Number(m[1]) * (BYTE_UNITS[m[2] ?? ''] ?? 1));
}

const MAX_POOLS = 20;

/** pools: [{ name, selector, maxUnavailable: 2 | "25%" }]; the budget is checked here, its meaning in coordinator/schedule/pools.ts. */
function readPools(root: FieldReader): PoolConfig[] {
  const pools: PoolConfig[] = [];
  const seen = new Set<string>();
  for (const p of root.sections('pools', ['name', 'selector', 'maxUnavailable'], { max: MAX_POOLS })) {
    const name = p.requiredString('name', (v) => objectNameProblem(v));
    if (seen.has(name)) p.fail('name', `pool ${showValue(name)} is listed twice`);
    seen.add(name);
    const selector = p.requiredString('selector', labelSelectorProblem);
    const maxUnavailable = readPoolBudget(p);
    if (maxUnavailable) pools.push({ name, selector, maxUnavailable });
  }
  return pools;
}

function readPoolBudget(p: FieldReader): PoolBudget | undefined {
  const v = p.raw('maxUnavailable');
  if (v === undefined || v === null) return { count: 1 };
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_NODES) return { count: v };
  const m = typeof v === 'string' ? /^(\d{1,3})%$/.exec(v.trim()) : null;
  const percent = m ? Number(m[1]) : NaN;
  if (percent >= 1 && percent <= 100) return { percent };
  p.fail('maxUnavailable', `must be a whole number of nodes (at least 1) or a percentage "1%".."100%", got ${describeValue(v)}`);
  return undefined;
}

/** canary: { nodes: 1, soak: 10m, confirm: false, scope: pool | operation }; absent: none. */
function readCanary(root: FieldReader): { canary?: CanaryConfig } {
  if (!root.has('canary')) return {};
  const c = root.section('canary', ['nodes', 'soak', 'confirm', 'scope']);
  return {
    canary: {
      nodes: c.integer('nodes', 1, 1, MAX_NODES),
      soakMs: c.duration('soak', 10 * 60_000, 0),
      confirm: c.boolean('confirm', false),
      scope: c.oneOf<CanaryScope>('scope', 'pool', CANARY_SCOPES),
    },
  };
}
