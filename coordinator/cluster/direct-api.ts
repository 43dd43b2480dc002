import { readKubeApiEndpoint } from './kube-api-endpoint.js';
import { KubeHttpClient } from './kube-http-client.js';

/** What resolving the direct path needs of a KubectlClient (structural: no import cycle). */
export interface KubectlForDirectApi {
  call(args: readonly string[]): Promise<{ stdout: string }>;
  readonly environment: NodeJS.ProcessEnv;
  readonly callTimeoutMs: number;
}

/** A client for this kubeconfig context without kubectl, or why there is none; `how` says which, for the log. */
export type DirectApi = { client: KubeHttpClient; how: string } | { client?: undefined; how: string };

/**
 * kubectl's own view of the context (`config view --minify --flatten --raw`: KUBECONFIG, --context and
 * certificate files resolved as kubectl resolves them) turned into a direct client when the context has only
 * static credentials and no proxy (readKubeApiEndpoint); otherwise kubectl stays the way to the API server.
 */
export async function resolveDirectApi(kubectl: KubectlForDirectApi): Promise<DirectApi> {
  let reading;
  try {
    const view = await kubectl.call(['config', 'view', '--minify', '--flatten', '--raw', '-o', 'json']);
    reading = readKubeApiEndpoint(view.stdout, kubectl.environment);
  } catch (err) {
    reading = { kubectlOnly: `kubectl config view failed (${err instanceof Error ? err.message : String(err)})` };
  }
  if ('kubectlOnly' in reading) return { how: `through kubectl: ${reading.kubectlOnly}` };
  const client = new KubeHttpClient(reading.endpoint, kubectl.callTimeoutMs);
  return { client, how: `directly to the API server at ${client.server} with the kubeconfig context's credentials` };
}
