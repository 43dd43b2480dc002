import { isAbsolute, resolve } from 'node:path';
import type { NodeRole } from '../ports/cluster.js';
import type { CoordinatorConfig, LogLevel, NodeConfig, NodeOrderPolicy, WebhookConfig, WebhookFormat } from './config-types.js';
import { LOG_LEVELS, WEBHOOK_FORMATS } from './config-types.js';
import { JOURNAL_SCAN_MAX_ENTRIES } from '../../shared/journal/journal-limits.js';
import { parseDuration } from '../../shared/validation/duration.js';
import { envNameProblem } from '../../shared/validation/env-name.js';
import { showValue } from '../../shared/validation/field-error.js';
import { hostPortProblem } from '../../shared/validation/host-port.js';
import { kubeContextProblem, namespaceProblem } from '../../shared/validation/kube-names.js';
import { nodeNameProblem } from '../../shared/validation/node-name.js';
import { plainTextProblem } from '../../shared/validation/plain-text.js';
import { unitGlobProblem } from '../../shared/validation/unit-name.js';

export interface ConfigIssue {
  /** Dotted path of the field: `gates.etcd.timeout`, `nodes[1].agent`. */
  path: string;
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `invalid configuration${source ? ` in ${source}` : ''}:\n` +
        issues.map((i) => `  ${i.path || '(document)'}${i.line ? ` (line ${i.line})` : ''}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

type Raw = Record<string, unknown>;

const MAX_LIST = 1000;
const MAX_ARGV = 256;

function isMap(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${showValue(v, 30)}`;
  return `${typeof v} ${String(v)}`;
}

/** Walks a parsed document, collecting every problem with the path of the field it is in. */
class FieldReader {
  readonly issues: ConfigIssue[] = [];

  constructor(private readonly baseDir: string) {}

  fail(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** A mapping with only the given keys (absent/null = empty mapping). */
  section(parent: Raw, key: string, path: string, allowed: readonly string[]): Raw {
    const value = parent[key];
    if (value === undefined || value === null) return {};
    if (!isMap(value)) {
      this.fail(path, `must be a mapping, got ${kind(value)}`);
      return {};
    }
    this.onlyKeys(value, path, allowed);
    return value;
  }

  onlyKeys(value: Raw, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(value)) {
      if (!allowed.includes(k)) {
        const near = allowed.find((a) => a.toLowerCase() === k.toLowerCase());
        this.fail(join(path, k), `unknown field${near ? ` (did you mean "${near}"?)` : ''}; allowed: ${allowed.join(', ')}`);
      }
    }
  }

  string(obj: Raw, key: string, path: string, fallback: string | undefined, check?: (v: string) => string | undefined): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') {
      this.fail(path, `must be a string, got ${kind(v)}`);
      return fallback;
    }
    const problem = plainTextProblem(v) ?? check?.(v);
    if (problem) {
      this.fail(path, problem);
      return fallback;
    }
    return v;
  }

  requiredString(obj: Raw, key: string, path: string, check?: (v: string) => string | undefined): string {
    if (obj[key] === undefined || obj[key] === null) {
      this.fail(path, 'is required');
      return '';
    }
    return this.string(obj, key, path, '', check) ?? '';
  }

  path(obj: Raw, key: string, path: string, fallback: string | undefined): string | undefined {
    const v = this.string(obj, key, path, undefined, (s) => (s === '' ? 'must not be empty' : undefined));
    if (v === undefined) return fallback;
    return isAbsolute(v) ? v : resolve(this.baseDir, v);
  }

  boolean(obj: Raw, key: string, path: string, fallback: boolean): boolean {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') {
      this.fail(path, `must be true or false, got ${kind(v)}`);
      return fallback;
    }
    return v;
  }

  integer(obj: Raw, key: string, path: string, fallback: number, min: number, max: number): number {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.fail(path, `must be a whole number, got ${kind(v)}`);
      return fallback;
    }
    if (v < min || v > max) {
      this.fail(path, `must be between ${min} and ${max}, got ${v}`);
      return fallback;
    }
    return v;
  }

  duration(obj: Raw, key: string, path: string, fallback: number, minMs = 0): number {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' && typeof v !== 'number') {
      this.fail(path, `must be a duration such as 30s or 10m, got ${kind(v)}`);
      return fallback;
    }
    const ms = parseDuration(v);
    if (typeof ms === 'string') {
      this.fail(path, ms);
      return fallback;
    }
    if (ms < minMs) {
      this.fail(path, `must be at least ${minMs} ms`);
      return fallback;
    }
    return ms;
  }

  oneOf<T extends string>(obj: Raw, key: string, path: string, fallback: T, allowed: readonly T[]): T {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(path, `must be one of ${allowed.join(', ')}, got ${kind(v)}`);
      return fallback;
    }
    return v as T;
  }

  stringList(obj: Raw, key: string, path: string, fallback: string[], check?: (v: string) => string | undefined, max = MAX_LIST): string[] {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (!Array.isArray(v)) {
      this.fail(path, `must be a list of strings, got ${kind(v)}`);
      return fallback;
    }
    if (v.length > max) {
      this.fail(path, `has ${v.length} entries; at most ${max} are allowed`);
      return fallback;
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      const itemPath = `${path}[${i}]`;
      if (typeof item !== 'string') return this.fail(itemPath, `must be a string, got ${kind(item)}`);
      const problem = plainTextProblem(item) ?? check?.(item);
      if (problem) return this.fail(itemPath, problem);
      out.push(item);
    });
    return out;
  }

  argv(obj: Raw, key: string, path: string, fallback: string[] | undefined): string[] | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') {
      this.fail(path, 'must be a list (argv), e.g. [etcdctl, cluster-health]; commands never go through a shell');
      return fallback;
    }
    const list = this.stringList(obj, key, path, [], undefined, MAX_ARGV);
    if (Array.isArray(v) && list.length === v.length) {
      if (list.length === 0) this.fail(path, 'must name a program');
      else if (list[0] === '') this.fail(`${path}[0]`, 'program must not be empty');
      else return list;
    }
    return fallback;
  }

  env(obj: Raw, key: string, path: string): Record<string, string> {
    const v = obj[key];
    if (v === undefined || v === null) return {};
    if (!isMap(v)) {
      this.fail(path, `must be a mapping of NAME: value, got ${kind(v)}`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(v)) {
      const p = join(path, name);
      const problem = envNameProblem(name) ?? (typeof value !== 'string' ? `must be a string, got ${kind(value)}` : plainTextProblem(value));
      if (problem) this.fail(p, problem);
      else out[name] = value as string;
    }
    return out;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

const TOP_LEVEL = [
  'apiVersion',
  'kind',
  'nodes',
  'order',
  'kubernetes',
  'agents',
  'gates',
  'backup',
  'timeouts',
  'soak',
  'journal',
  'postChecks',
  'planet',
  'preflight',
  'state',
  'log',
  'maxUnavailable',
  'pauseBetween',
  'notifications',
] as const;

export const CONFIG_API_VERSION = 'noderoll.io/v1alpha1';
export const CONFIG_KIND = 'CoordinatorConfig';

const DEFAULT_JOURNAL_IGNORE: string[] = [];

/**
 * Turns a parsed YAML document into a complete, validated configuration. Every problem is collected
 * (not just the first), each naming its field; nothing is accepted half-valid.
 */
export function validateConfig(doc: unknown, source: string, baseDir: string): CoordinatorConfig {
  const r = new FieldReader(baseDir);
  if (!isMap(doc)) throw new ConfigError(source, [{ path: '', message: `the document must be a mapping, got ${doc === undefined ? 'an empty file' : kind(doc)}` }]);
  r.onlyKeys(doc, '', TOP_LEVEL);

  const apiVersion = doc.apiVersion;
  if (apiVersion !== undefined && apiVersion !== CONFIG_API_VERSION) r.fail('apiVersion', `must be ${CONFIG_API_VERSION}, got ${kind(apiVersion)}`);
  if (doc.kind !== undefined && doc.kind !== CONFIG_KIND) r.fail('kind', `must be ${CONFIG_KIND}, got ${kind(doc.kind)}`);

  const nodes = readNodes(r, doc);
  const order = r.oneOf<NodeOrderPolicy>(doc, 'order', 'order', 'roles', ['roles', 'listed']);

  const k8s = r.section(doc, 'kubernetes', 'kubernetes', ['kubectl', 'kubeconfig', 'context', 'callTimeout']);
  const kubeconfig = r.path(k8s, 'kubeconfig', 'kubernetes.kubeconfig', undefined);
  const context = r.string(k8s, 'context', 'kubernetes.context', undefined, kubeContextProblem);

  const agents = r.section(doc, 'agents', 'agents', ['callTimeout', 'tls', 'insecurePlaintext']);
  const insecurePlaintext = r.boolean(agents, 'insecurePlaintext', 'agents.insecurePlaintext', false);
  const tlsRaw = r.section(agents, 'tls', 'agents.tls', ['ca', 'cert', 'key']);
  let tls: CoordinatorConfig['agents']['tls'];
  if (Object.keys(tlsRaw).length > 0 || !insecurePlaintext) {
    const ca = r.path(tlsRaw, 'ca', 'agents.tls.ca', undefined);
    const cert = r.path(tlsRaw, 'cert', 'agents.tls.cert', undefined);
    const key = r.path(tlsRaw, 'key', 'agents.tls.key', undefined);
    for (const [field, value] of [['ca', ca], ['cert', cert], ['key', key]] as const) {
      if (value === undefined && !r.issues.some((i) => i.path === `agents.tls.${field}`)) {
        r.fail(`agents.tls.${field}`, 'is required (mutual TLS is the default; set agents.insecurePlaintext: true only for a lab)');
      }
    }
    if (ca && cert && key) tls = { ca, cert, key };
  }

  const gates = r.section(doc, 'gates', 'gates', ['gravity', 'etcd', 'pods', 'nodes', 'agents']);
  const gGravity = r.section(gates, 'gravity', 'gates.gravity', ['enabled', 'command', 'timeout']);
  const gEtcd = r.section(gates, 'etcd', 'gates.etcd', ['enabled', 'format', 'command', 'env', 'timeout']);
  const gPods = r.section(gates, 'pods', 'gates.pods', ['enabled', 'ignoreNamespaces']);
  const gNodes = r.section(gates, 'nodes', 'gates.nodes', ['enabled']);
  const gAgents = r.section(gates, 'agents', 'gates.agents', ['enabled']);
  const etcdFormat = r.oneOf(gEtcd, 'format', 'gates.etcd.format', 'v2', ['v2', 'v3'] as const);

  const backup = r.section(doc, 'backup', 'backup', ['enabled', 'command', 'artifact', 'verifyCommand', 'env', 'timeout']);
  const backupEnabled = r.boolean(backup, 'enabled', 'backup.enabled', true);
  const artifact = r.path(backup, 'artifact', 'backup.artifact', '/var/lib/noderoll/backups/{operation}.tar.gz') ?? '';
  const backupArgv = r.argv(backup, 'command', 'backup.command', ['gravity', 'backup', '{artifact}']) ?? [];
  const verifyArgv = r.argv(backup, 'verifyCommand', 'backup.verifyCommand', undefined);
  for (const [field, values] of [
    ['backup.command', backupArgv],
    ['backup.verifyCommand', verifyArgv ?? []],
    ['backup.artifact', [artifact]],
  ] as const) {
    values.forEach((value, i) => {
      for (const m of value.matchAll(/\{([^}]*)\}/g)) {
        const allowed = field === 'backup.artifact' ? ['operation', 'time'] : ['operation', 'time', 'artifact'];
        if (!allowed.includes(m[1] ?? '')) r.fail(field === 'backup.artifact' ? field : `${field}[${i}]`, `unknown placeholder {${m[1]}}; allowed: ${allowed.map((a) => `{${a}}`).join(', ')}`);
      }
    });
  }
  if (backupEnabled && !artifact.includes('{operation}') && !artifact.includes('{time}')) {
    r.fail('backup.artifact', 'must contain {operation} or {time} so that one backup never overwrites another');
  }

  const t = r.section(doc, 'timeouts', 'timeouts', ['gatesBeforeNode', 'backup', 'drain', 'stopPlanet', 'install', 'reboot', 'postChecks', 'uncordon']);
  const soak = r.section(doc, 'soak', 'soak', ['interval', 'passes', 'timeout']);
  const journal = r.section(doc, 'journal', 'journal', ['ignore', 'maxEntries']);
  const postChecks = r.section(doc, 'postChecks', 'postChecks', ['failedUnits']);
  const failedUnits = r.section(postChecks, 'failedUnits', 'postChecks.failedUnits', ['ignore']);
  const planet = r.section(doc, 'planet', 'planet', ['unitPattern', 'nameContains']);
  const preflight = r.section(doc, 'preflight', 'preflight', ['minFreeDisk']);
  const state = r.section(doc, 'state', 'state', ['file']);
  const log = r.section(doc, 'log', 'log', ['file', 'level']);

  const ignore = r.stringList(journal, 'ignore', 'journal.ignore', DEFAULT_JOURNAL_IGNORE, (pattern) => {
    if (pattern.length > 512) return 'is longer than 512 characters';
    try {
      new RegExp(pattern);
      return undefined;
    } catch (err) {
      return `is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`;
    }
  }, 200);

  if (doc.maxUnavailable !== undefined && doc.maxUnavailable !== 1) {
    r.fail('maxUnavailable', `must be 1 (one node out of service at a time is the only supported mode), got ${kind(doc.maxUnavailable)}`);
  }

  const soakIntervalMs = r.duration(soak, 'interval', 'soak.interval', 15_000, 1);
  const soakPasses = r.integer(soak, 'passes', 'soak.passes', 3, 1, 100);
  const soakTimeoutMs = r.duration(soak, 'timeout', 'soak.timeout', 15 * 60_000, 1);
  if (soakTimeoutMs < soakIntervalMs * (soakPasses - 1)) {
    r.fail('soak.timeout', `is shorter than ${soakPasses} passes ${soakIntervalMs} ms apart could ever take`);
  }

  const config: CoordinatorConfig = {
    source,
    nodes,
    order,
    kubernetes: {
      kubectl: r.string(k8s, 'kubectl', 'kubernetes.kubectl', 'kubectl', (v) => (v === '' ? 'must not be empty' : undefined)) ?? 'kubectl',
      ...(kubeconfig ? { kubeconfig } : {}),
      ...(context ? { context } : {}),
      callTimeoutMs: r.duration(k8s, 'callTimeout', 'kubernetes.callTimeout', 60_000, 1000),
    },
    agents: {
      callTimeoutMs: r.duration(agents, 'callTimeout', 'agents.callTimeout', 15_000, 100),
      ...(tls ? { tls } : {}),
      insecurePlaintext,
    },
    gates: {
      gravity: {
        enabled: r.boolean(gGravity, 'enabled', 'gates.gravity.enabled', true),
        argv: r.argv(gGravity, 'command', 'gates.gravity.command', ['gravity', 'status', '--output=json']) ?? [],
        timeoutMs: r.duration(gGravity, 'timeout', 'gates.gravity.timeout', 60_000, 100),
      },
      etcd: {
        enabled: r.boolean(gEtcd, 'enabled', 'gates.etcd.enabled', true),
        format: etcdFormat,
        argv:
          r.argv(
            gEtcd,
            'command',
            'gates.etcd.command',
            etcdFormat === 'v2'
              ? ['gravity', 'exec', '--no-tty', '--no-interactive', '/usr/bin/etcdctl', 'cluster-health']
              : ['gravity', 'exec', '--no-tty', '--no-interactive', '/usr/bin/etcdctl3', 'endpoint', 'health', '--cluster', '-w', 'json', '--command-timeout=2s'],
          ) ?? [],
        env: r.env(gEtcd, 'env', 'gates.etcd.env'),
        timeoutMs: r.duration(gEtcd, 'timeout', 'gates.etcd.timeout', 30_000, 100),
      },
      pods: {
        enabled: r.boolean(gPods, 'enabled', 'gates.pods.enabled', true),
        ignoreNamespaces: r.stringList(gPods, 'ignoreNamespaces', 'gates.pods.ignoreNamespaces', [], namespaceProblem),
      },
      nodes: { enabled: r.boolean(gNodes, 'enabled', 'gates.nodes.enabled', true) },
      agents: { enabled: r.boolean(gAgents, 'enabled', 'gates.agents.enabled', true) },
    },
    backup: {
      enabled: backupEnabled,
      argv: backupArgv,
      artifact,
      ...(verifyArgv ? { verifyArgv } : {}),
      env: r.env(backup, 'env', 'backup.env'),
      timeoutMs: r.duration(backup, 'timeout', 'backup.timeout', 30 * 60_000, 1000),
    },
    timeouts: {
      gatesBeforeNodeMs: r.duration(t, 'gatesBeforeNode', 'timeouts.gatesBeforeNode', 5 * 60_000),
      backupMs: r.duration(t, 'backup', 'timeouts.backup', 30 * 60_000, 1000),
      drainMs: r.duration(t, 'drain', 'timeouts.drain', 10 * 60_000, 1000),
      stopPlanetMs: r.duration(t, 'stopPlanet', 'timeouts.stopPlanet', 5 * 60_000, 1000),
      installMs: r.duration(t, 'install', 'timeouts.install', 30 * 60_000, 1000),
      rebootMs: r.duration(t, 'reboot', 'timeouts.reboot', 15 * 60_000, 1000),
      postChecksMs: r.duration(t, 'postChecks', 'timeouts.postChecks', 10 * 60_000, 1000),
      uncordonMs: r.duration(t, 'uncordon', 'timeouts.uncordon', 2 * 60_000, 1000),
    },
    soak: { intervalMs: soakIntervalMs, passes: soakPasses, timeoutMs: soakTimeoutMs },
    journal: { ignore, maxEntries: r.integer(journal, 'maxEntries', 'journal.maxEntries', 2000, 1, JOURNAL_SCAN_MAX_ENTRIES) },
    postChecks: { failedUnits: { ignore: r.stringList(failedUnits, 'ignore', 'postChecks.failedUnits.ignore', [], unitGlobProblem, 200) } },
    planet: {
      unitPattern: r.string(planet, 'unitPattern', 'planet.unitPattern', 'gravity__gravitational*', unitGlobProblem) ?? 'gravity__gravitational*',
      nameContains: r.string(planet, 'nameContains', 'planet.nameContains', 'planet', (v) => (/^[A-Za-z0-9_.@-]{1,64}$/.test(v) ? undefined : `${showValue(v)} is not part of a unit name`)) ?? 'planet',
    },
    preflight: { minFreeDiskBytes: readBytes(r, preflight, 'minFreeDisk', 'preflight.minFreeDisk', 1024 ** 3) },
    state: { file: r.path(state, 'file', 'state.file', '/var/lib/noderoll/state.json') ?? '' },
    log: {
      file: r.path(log, 'file', 'log.file', '/var/log/noderoll/noderoll.log') ?? '',
      level: r.oneOf<LogLevel>(log, 'level', 'log.level', 'info', LOG_LEVELS),
    },
    maxUnavailable: 1,
    pauseBetweenMs: r.duration(doc, 'pauseBetween', 'pauseBetween', 0),
    notifications: { webhooks: readWebhooks(r, r.section(doc, 'notifications', 'notifications', ['webhooks'])) },
  };
  if (r.issues.length > 0) throw new ConfigError(source, r.issues);
  return config;
}

function readNodes(r: FieldReader, doc: Raw): NodeConfig[] {
  const value = doc.nodes;
  if (value === undefined || value === null) {
    r.fail('nodes', 'is required: list every node with its name and agent address');
    return [];
  }
  if (!Array.isArray(value)) {
    r.fail('nodes', `must be a list, got ${kind(value)}`);
    return [];
  }
  if (value.length === 0) r.fail('nodes', 'must list at least one node');
  if (value.length > MAX_LIST) {
    r.fail('nodes', `has ${value.length} entries; at most ${MAX_LIST} are allowed`);
    return [];
  }
  const nodes: NodeConfig[] = [];
  const seenNames = new Map<string, number>();
  const seenAgents = new Map<string, number>();
  value.forEach((entry, i) => {
    const path = `nodes[${i}]`;
    if (!isMap(entry)) return r.fail(path, `must be a mapping with name and agent, got ${kind(entry)}`);
    r.onlyKeys(entry, path, ['name', 'agent', 'role']);
    const name = r.requiredString(entry, 'name', `${path}.name`, nodeNameProblem);
    const agent = r.requiredString(entry, 'agent', `${path}.agent`, hostPortProblem);
    const role = r.oneOf<NodeRole | ''>(entry, 'role', `${path}.role`, '', ['master', 'node']);
    if (name && seenNames.has(name)) r.fail(`${path}.name`, `"${name}" is listed twice (also nodes[${seenNames.get(name)}])`);
    if (agent && seenAgents.has(agent)) r.fail(`${path}.agent`, `"${agent}" is used twice (also nodes[${seenAgents.get(agent)}])`);
    seenNames.set(name, i);
    seenAgents.set(agent, i);
    nodes.push({ name, agent, ...(role ? { role } : {}) });
  });
  return nodes;
}

const MAX_WEBHOOKS = 10;

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

function readWebhooks(r: FieldReader, notifications: Raw): WebhookConfig[] {
  const value = notifications.webhooks;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    r.fail('notifications.webhooks', `must be a list, got ${kind(value)}`);
    return [];
  }
  if (value.length > MAX_WEBHOOKS) {
    r.fail('notifications.webhooks', `has ${value.length} entries; at most ${MAX_WEBHOOKS} are allowed`);
    return [];
  }
  const out: WebhookConfig[] = [];
  value.forEach((entry, i) => {
    const path = `notifications.webhooks[${i}]`;
    if (!isMap(entry)) return r.fail(path, `must be a mapping with a url, got ${kind(entry)}`);
    r.onlyKeys(entry, path, ['url', 'format', 'timeout', 'maxAttempts', 'maxBackoff']);
    const url = r.requiredString(entry, 'url', `${path}.url`, webhookUrlProblem);
    const format = r.oneOf<WebhookFormat>(entry, 'format', `${path}.format`, 'json', WEBHOOK_FORMATS);
    const timeoutMs = r.duration(entry, 'timeout', `${path}.timeout`, 10_000, 100);
    const maxAttempts = r.integer(entry, 'maxAttempts', `${path}.maxAttempts`, 5, 1, 20);
    const maxBackoffMs = r.duration(entry, 'maxBackoff', `${path}.maxBackoff`, 30_000, 10);
    if (url) out.push({ url, format, timeoutMs, maxAttempts, maxBackoffMs });
  });
  return out;
}

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3, TB: 1000 ** 4 };

function readBytes(r: FieldReader, obj: Raw, key: string, path: string, fallback: number): number {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?$/.exec(v.trim()) : null;
  if (!m) {
    r.fail(path, `must be a size such as 512MiB or 2GiB, got ${kind(v)}`);
    return fallback;
  }
  return Math.round(Number(m[1]) * (BYTE_UNITS[m[2] ?? ''] ?? 1));
}
