import { CommandError, runCommand, tail, type CommandRunner } from '../../shared/exec/command-runner.js';
import { parseGravityStatusJson, type GravityStatus } from '../../shared/gravity/status.js';
import { KubectlClient } from '../cluster/kubectl.js';
import type { KubeNode } from '../ports/cluster.js';

/**
 * Reads what `noderoll init` needs from the cluster: the Nodes and the server version through
 * kubectl, and `gravity status --output=json` when a `gravity` program is on PATH.
 */

export interface ClusterReadOptions {
  kubectl: string;
  kubeconfig?: string;
  context?: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  runner?: CommandRunner;
}

export interface ClusterReading {
  kubeNodes: KubeNode[];
  kubernetesVersion: string;
  /** undefined: no gravity on PATH. */
  gravity: GravityStatus | undefined;
}

export class ClusterReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterReadError';
  }
}

export const GRAVITY_STATUS_ARGV = ['gravity', 'status', '--output=json'] as const;
/** gravity prints the status of a degraded cluster too, then exits 255. */
const GRAVITY_DEGRADED_EXIT = 255;

export async function readCluster(o: ClusterReadOptions): Promise<ClusterReading> {
  const kubectl = new KubectlClient({
    kubectl: o.kubectl,
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.context ? { context: o.context } : {}),
    env: o.env,
    callTimeoutMs: o.timeoutMs,
    ...(o.runner ? { runner: o.runner } : {}),
  });
  let kubeNodes: KubeNode[];
  let kubernetesVersion: string;
  try {
    kubeNodes = await kubectl.listNodes();
    kubernetesVersion = await kubectl.serverVersion();
  } catch (err) {
    throw new ClusterReadError(`cannot read the cluster through kubectl: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { kubeNodes, kubernetesVersion, gravity: await readGravityStatus(o) };
}

async function readGravityStatus(o: ClusterReadOptions): Promise<GravityStatus | undefined> {
  const [file, ...args] = GRAVITY_STATUS_ARGV;
  const runner = o.runner ?? runCommand;
  let stdout: string;
  try {
    stdout = (await runner({ file, args, env: o.env, timeoutMs: o.timeoutMs, okExitCodes: [0, GRAVITY_DEGRADED_EXIT] })).stdout;
  } catch (err) {
    // Not installed here: roles come from the labels alone (said in the summary).
    if (err instanceof CommandError && err.kind === 'spawn') return undefined;
    throw new ClusterReadError(`gravity is on PATH but \`gravity status --output=json\` failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return parseGravityStatusJson(stdout);
  } catch (err) {
    throw new ClusterReadError(`gravity status --output=json: ${err instanceof Error ? err.message : String(err)}; output: ${tail(stdout, 300)}`);
  }
}
