/**
 * Pure parsers for the two ways noderoll asks etcd about its health:
 *
 * - v2 `ETCDCTL_API=2 etcdctl cluster-health` (what Gravity's runbook runs inside planet);
 * - v3 `etcdctl endpoint health --cluster -w json --command-timeout=2s` (or its text form).
 *
 * Neither trusts etcdctl's own one-word verdict: etcd <= 3.2 prints `cluster is healthy` when ANY
 * member is healthy, so the verdict is built from the per-member lines and the exit code.
 */

export type EtcdMemberState = 'healthy' | 'unhealthy' | 'unreachable';

export interface EtcdMemberHealth {
  /** Member ID as printed (hex); kept as a string, it does not fit a double. */
  id: string;
  state: EtcdMemberState;
  /** The client URL the verdict came from, when etcdctl names one. */
  url?: string;
  /** The rest of the member's line, e.g. `got healthy result from http://…`. */
  detail: string;
}

export interface EtcdClusterHealth {
  /** True only when every member line says healthy, there is at least one, and etcdctl exited 0. */
  healthy: boolean;
  members: EtcdMemberHealth[];
  /** The word after `cluster is`: healthy, degraded, unavailable (etcd >= 3.3) or unhealthy (<= 3.2). */
  summary?: string;
  /** Everything that keeps the cluster from being healthy, one sentence each. Empty when healthy. */
  problems: string[];
}

export interface EtcdEndpointStatus {
  endpoint: string;
  healthy: boolean;
  /** How long the check took, as etcdctl prints it (`2.8ms`). */
  took?: string;
  error?: string;
}

export interface EtcdEndpointHealth {
  healthy: boolean;
  endpoints: EtcdEndpointStatus[];
  problems: string[];
}

/** etcdctl v2 exit codes (etcdctl/ctlv2/command/error.go). */
const V2_EXIT_SUCCESS = 0;
const V2_EXIT_SERVER_ERROR = 4;
const V2_EXIT_CLUSTER_NOT_HEALTHY = 5;

const MEMBER_LINE = /^member (\S+) is (healthy|unhealthy|unreachable)(?::\s*(.*))?$/;
const RESULT_URL = /result from (\S+)$/;
const FAILED_CHECK_LINE = /^failed to check the health of member (\S+) on (\S+?): (.*)$/;
const SUMMARY_LINE = /^cluster is (\S+)$/;
const LIST_FAILED_LINE = /^cluster may be unhealthy: failed to list members$/;

/**
 * Parses `ETCDCTL_API=2 etcdctl cluster-health`. `stderr` is optional and only used to explain
 * failures (etcdctl prints `Error: …` there when it cannot list the members, exit code 4).
 */
export function parseClusterHealthV2(stdout: string, exitCode: number | null, stderr = ''): EtcdClusterHealth {
  const members = new Map<string, EtcdMemberHealth>();
  const failedChecks = new Map<string, string[]>();
  const unrecognized: string[] = [];
  let summary: string | undefined;
  let listFailed = false;

  for (const rawLine of stdout.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    const member = MEMBER_LINE.exec(line);
    if (member) {
      const [, id = '', state = 'unreachable', detail = ''] = member;
      const url = RESULT_URL.exec(detail)?.[1];
      members.set(id, { id, state: state as EtcdMemberState, ...(url ? { url } : {}), detail });
      continue;
    }
    const failed = FAILED_CHECK_LINE.exec(line);
    if (failed) {
      const [, id = '', url = '', error = ''] = failed;
      failedChecks.set(id, [...(failedChecks.get(id) ?? []), `${url}: ${error}`]);
      continue;
    }
    const summaryMatch = SUMMARY_LINE.exec(line);
    if (summaryMatch) {
      summary = summaryMatch[1];
      continue;
    }
    if (LIST_FAILED_LINE.test(line)) {
      listFailed = true;
      continue;
    }
    unrecognized.push(line);
  }

  const problems: string[] = [];
  const stderrText = firstLines(stderr);
  if (listFailed || exitCode === V2_EXIT_SERVER_ERROR) {
    problems.push(`etcd members could not be listed (etcdctl exit code ${exitCode ?? 'none'})` + (stderrText ? `: ${stderrText}` : ''));
  }
  for (const m of members.values()) {
    if (m.state === 'healthy') continue;
    const attempts = failedChecks.get(m.id);
    problems.push(`member ${m.id} is ${m.state}: ${m.detail || 'no detail'}` + (attempts ? ` (${attempts.join('; ')})` : ''));
  }
  for (const [id, attempts] of failedChecks) {
    if (!members.has(id)) problems.push(`member ${id} could not be checked: ${attempts.join('; ')}`);
  }
  if (members.size === 0 && !listFailed && exitCode !== V2_EXIT_SERVER_ERROR) {
    problems.push('etcdctl cluster-health printed no member lines');
  }
  if (summary === undefined && !listFailed && exitCode !== V2_EXIT_SERVER_ERROR) {
    problems.push('etcdctl cluster-health printed no `cluster is …` line');
  }
  if (summary !== undefined && summary !== 'healthy') {
    problems.push(`etcdctl reports cluster is ${summary}`);
  }
  if (exitCode === null) {
    problems.push('etcdctl did not exit normally');
  } else if (exitCode !== V2_EXIT_SUCCESS && exitCode !== V2_EXIT_SERVER_ERROR && exitCode !== V2_EXIT_CLUSTER_NOT_HEALTHY) {
    problems.push(`etcdctl exited with code ${exitCode}` + (stderrText ? `: ${stderrText}` : ''));
  } else if (exitCode === V2_EXIT_CLUSTER_NOT_HEALTHY && problems.length === 0) {
    problems.push('etcdctl exited with code 5 (cluster not healthy)');
  }
  if (problems.length > 0 && unrecognized.length > 0) {
    problems.push(`unrecognized etcdctl output: ${unrecognized.join(' | ')}`);
  }

  return {
    healthy: problems.length === 0,
    members: [...members.values()],
    ...(summary !== undefined ? { summary } : {}),
    problems,
  };
}

/**
 * Parses `etcdctl endpoint health --cluster`: the JSON form (`-w json`, one array of
 * `{"endpoint","health","took","error"?}` on stdout) or the text form (`URL is healthy: …` /
 * `URL is unhealthy: …` lines, which etcdctl 3.4 prints to stderr among its JSON log lines).
 * No endpoint at all means the member list could not be fetched.
 */
export function parseEndpointHealthV3(stdout: string, exitCode: number | null, stderr = ''): EtcdEndpointHealth {
  const text = stdout.trim();
  if (text.startsWith('[')) return parseEndpointHealthJson(text, exitCode, stderr);
  const textForm = parseEndpointHealthText(`${stdout}\n${stderr}`);
  if (textForm.endpoints.length === 0) {
    const said = textForm.errors.length > 0 ? textForm.errors.join(' | ') : firstLines(text === '' ? withoutLogLines(stderr) : text);
    const what = text === '' ? 'printed nothing' : `printed no endpoint (output is neither JSON nor \`URL is healthy\` lines: ${clip(text)})`;
    return {
      healthy: false,
      endpoints: [],
      problems: [`etcdctl endpoint health ${what}: the member list could not be fetched (exit code ${exitCode ?? 'none'})` + (said ? `: ${said}` : '')],
    };
  }
  const problems = textForm.endpoints.filter((e) => !e.healthy).map((e) => `endpoint ${e.endpoint} is unhealthy: ${e.error ?? 'no error reported'}`);
  if (exitCode === null) problems.push('etcdctl did not exit normally');
  else if (exitCode !== 0 && problems.length === 0) {
    problems.push(`etcdctl exited with code ${exitCode}` + (textForm.errors.length > 0 ? `: ${textForm.errors.join(' | ')}` : ''));
  }
  return { healthy: problems.length === 0, endpoints: textForm.endpoints, problems };
}

function parseEndpointHealthJson(text: string, exitCode: number | null, stderr: string): EtcdEndpointHealth {
  let parsed: unknown;
  try {
    parsed = parseJsonPreservingLargeIntegers(text);
  } catch (err) {
    return { healthy: false, endpoints: [], problems: [`etcdctl endpoint health output is not JSON (${errorText(err)}): ${clip(text)}`] };
  }
  if (!Array.isArray(parsed)) {
    return { healthy: false, endpoints: [], problems: [`etcdctl endpoint health output is not a JSON array: ${clip(text)}`] };
  }

  const endpoints: EtcdEndpointStatus[] = [];
  const problems: string[] = [];
  parsed.forEach((entry: unknown, index) => {
    const status = toEndpointStatus(entry);
    if (typeof status === 'string') {
      problems.push(`endpoint health entry [${index}] ${status}`);
      return;
    }
    endpoints.push(status);
    if (!status.healthy) problems.push(`endpoint ${status.endpoint} is unhealthy: ${status.error ?? 'no error reported'}`);
  });
  if (parsed.length === 0) problems.push('etcdctl endpoint health listed no endpoints');
  if (exitCode === null) {
    problems.push('etcdctl did not exit normally');
  } else if (exitCode !== 0 && problems.length === 0) {
    const stderrText = firstLines(withoutLogLines(stderr));
    problems.push(`etcdctl exited with code ${exitCode}` + (stderrText ? `: ${stderrText}` : ''));
  }
  return { healthy: problems.length === 0, endpoints, problems };
}

/** `http://127.0.0.1:2379 is healthy: successfully committed proposal: took = 2.9ms` (etcdctl 3.3/3.4 text form). */
const ENDPOINT_TEXT_LINE = /^(\S+) is (healthy|unhealthy): (.*)$/;
const TOOK = /took = (\S+)$/;

function parseEndpointHealthText(output: string): { endpoints: EtcdEndpointStatus[]; errors: string[] } {
  const endpoints: EtcdEndpointStatus[] = [];
  const errors: string[] = [];
  for (const rawLine of withoutLogLines(output).split('\n')) {
    const line = rawLine.trim();
    const m = ENDPOINT_TEXT_LINE.exec(line);
    if (m) {
      const [, endpoint = '', state, detail = ''] = m;
      const took = TOOK.exec(detail)?.[1];
      endpoints.push({ endpoint, healthy: state === 'healthy', ...(took ? { took } : {}), ...(state === 'healthy' ? {} : { error: detail }) });
    } else if (line.startsWith('Error:')) {
      errors.push(line);
    }
  }
  return { endpoints, errors };
}

/** Drops etcdctl's own structured log lines (`{"level":"warn",…}`), which are noise next to its result lines. */
function withoutLogLines(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('{"level":'))
    .join('\n');
}

function toEndpointStatus(entry: unknown): EtcdEndpointStatus | string {
  if (!isRecord(entry)) return 'is not an object';
  const { endpoint, health, took, error } = entry;
  if (typeof endpoint !== 'string' || endpoint === '') return 'has no "endpoint" string';
  let healthy: boolean;
  if (typeof health === 'boolean') healthy = health;
  else if (health === 'true' || health === 'false') healthy = health === 'true';
  else return `(${endpoint}) has no boolean "health"`;
  return {
    endpoint,
    healthy,
    ...(typeof took === 'string' ? { took } : {}),
    ...(typeof error === 'string' && error !== '' ? { error } : {}),
  };
}

/**
 * JSON.parse, except that integers too large for a double (etcd member and cluster IDs) come back
 * as decimal strings instead of silently rounded numbers.
 */
export function parseJsonPreservingLargeIntegers(text: string): unknown {
  const numberToken = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
  let rewritten = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i = endOfString(text, i);
      continue;
    }
    if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      numberToken.lastIndex = i;
      const match = numberToken.exec(text);
      if (!match) {
        i++;
        continue;
      }
      const token = match[0];
      const isInteger = match[1] === undefined && match[2] === undefined;
      if (isInteger && !Number.isSafeInteger(Number(token))) {
        rewritten += text.slice(copiedUpTo, i) + `"${token}"`;
        copiedUpTo = i + token.length;
      }
      i += token.length;
      continue;
    }
    i++;
  }
  return JSON.parse(rewritten + text.slice(copiedUpTo));
}

function endOfString(text: string, openingQuote: number): number {
  let i = openingQuote + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i + 1;
    else i++;
  }
  return text.length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLines(text: string, maxLines = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(0, maxLines)
    .join(' | ');
}

function clip(text: string, max = 200): string {
  return text.length <= max ? text : text.slice(0, max) + '…';
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
