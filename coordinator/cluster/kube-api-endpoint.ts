import { isAbsolute } from 'node:path';
import { parseJsonDocument } from './kube-objects.js';

/** Where and as whom to reach the API server without kubectl: the static credentials of one kubeconfig context. */
export interface KubeApiEndpoint {
  server: URL;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  token?: string;
  /** Read again while in use: ServiceAccount tokens projected into a file are rotated. */
  tokenFile?: string;
  basic?: { username: string; password: string };
}

/** Either the endpoint, or why only kubectl itself can talk to this API server as this user. */
export type EndpointReading = { endpoint: KubeApiEndpoint } | { kubectlOnly: string };

interface ConfigView {
  'current-context'?: string;
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
}

/** kubectl's own proxy variables; with one set, kubectl may route through it, so only kubectl goes. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/** User fields that need kubectl's plugins or impersonation headers; when present, kubectl is the one to talk. */
const KUBECTL_ONLY_USER_FIELDS: Record<string, string> = {
  exec: 'its credentials come from an exec plugin',
  'auth-provider': 'its credentials come from an auth-provider plugin',
  as: 'it impersonates another user',
  'as-groups': 'it impersonates groups',
  'as-uid': 'it impersonates a uid',
  'as-user-extra': 'it impersonates with extra fields',
};

/**
 * Reads `kubectl config view --minify --flatten --raw -o json` — kubectl's own resolution of KUBECONFIG,
 * --kubeconfig and --context, with certificate files already inlined — into an endpoint, when the context
 * uses only static credentials (client certificate, token, token file, basic) and no proxy. Anything else
 * stays with kubectl, which knows every plugin and proxy rule.
 */
export function readKubeApiEndpoint(configViewJson: string, env: NodeJS.ProcessEnv): EndpointReading {
  const view = parseJsonDocument(configViewJson, 'kubectl config view') as ConfigView;
  const cluster = view.clusters?.[0]?.cluster;
  const user = view.users?.[0]?.user ?? {};
  if (!view['current-context'] || !cluster) return { kubectlOnly: 'the kubeconfig names no current context with a cluster' };
  const server = typeof cluster.server === 'string' ? safeUrl(cluster.server) : undefined;
  if (!server || (server.protocol !== 'https:' && server.protocol !== 'http:')) return { kubectlOnly: `the cluster's server ${JSON.stringify(cluster.server)} is not an http(s) URL` };
  if (cluster['proxy-url']) return { kubectlOnly: 'the cluster is reached through its proxy-url' };
  const proxy = PROXY_VARIABLES.find((v) => env[v]);
  if (proxy) return { kubectlOnly: `${proxy} is set, and kubectl decides which requests go through it` };
  for (const [field, why] of Object.entries(KUBECTL_ONLY_USER_FIELDS)) if (user[field] !== undefined) return { kubectlOnly: why };
  const tokenFile = stringField(user, 'tokenFile');
  if (tokenFile !== undefined && !isAbsolute(tokenFile)) return { kubectlOnly: `its tokenFile ${tokenFile} is a relative path` };
  const username = stringField(user, 'username');
  const password = stringField(user, 'password');
  return {
    endpoint: {
      server,
      insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
      ...optional('ca', base64Field(cluster, 'certificate-authority-data')),
      ...optional('tlsServerName', stringField(cluster, 'tls-server-name')),
      ...optional('cert', base64Field(user, 'client-certificate-data')),
      ...optional('key', base64Field(user, 'client-key-data')),
      ...optional('token', stringField(user, 'token')),
      ...optional('tokenFile', tokenFile),
      ...(username !== undefined ? { basic: { username, password: password ?? '' } } : {}),
    },
  };
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function stringField(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function base64Field(o: Record<string, unknown>, key: string): Buffer | undefined {
  const v = stringField(o, key);
  return v === undefined ? undefined : Buffer.from(v, 'base64');
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
