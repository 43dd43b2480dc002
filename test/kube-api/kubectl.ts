import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { makeKubectlCacheDir, writeKubeconfig, type KubeconfigCredentials } from './kubeconfig.js';

export interface KubectlOptions {
  timeoutMs?: number;
  /** Exit codes that resolve instead of rejecting. Default [0]. */
  okExitCodes?: readonly number[];
  /** Written to kubectl's stdin (`-f -`). */
  input?: string;
}

/**
 * The real kubectl pointed at one test API server, with its own kubeconfig and discovery cache
 * (passed as --kubeconfig and --cache-dir) in a temporary directory that dispose() removes (a
 * kubeconfig given to forKubeconfig stays).
 */
export class Kubectl {
  private constructor(
    readonly dir: string,
    readonly kubeconfig: string,
    readonly cacheDir: string,
    private readonly binary: string,
  ) {}

  /** With `credentials`, kubectl acts as the identity of their token (serverUrl is then the HTTPS port). */
  static async forServer(serverUrl: string, binary = process.env.KUBECTL ?? 'kubectl', credentials?: KubeconfigCredentials): Promise<Kubectl> {
    const dir = await mkdtemp(join(tmpdir(), 'noderoll-kubectl-'));
    const kubeconfig = await writeKubeconfig(dir, serverUrl, 'config', credentials);
    return new Kubectl(dir, kubeconfig, await makeKubectlCacheDir(dir), binary);
  }

  /** kubectl acting as whoever `kubeconfig` (a file the caller owns) says; only the cache directory is its own. */
  static async forKubeconfig(kubeconfig: string, binary = process.env.KUBECTL ?? 'kubectl'): Promise<Kubectl> {
    const dir = await mkdtemp(join(tmpdir(), 'noderoll-kubectl-'));
    return new Kubectl(dir, kubeconfig, await makeKubectlCacheDir(dir), binary);
  }

  run(args: readonly string[], options: KubectlOptions = {}): Promise<CommandResult> {
    return runCommand({
      file: this.binary,
      args: ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args],
      timeoutMs: options.timeoutMs ?? 30_000,
      okExitCodes: options.okExitCodes ?? [0],
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
  }

  /** `kubectl ARGS -o json`, parsed. */
  async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse((await this.run([...args, '-o', 'json'])).stdout) as T;
  }

  dispose(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}
