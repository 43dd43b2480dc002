import { tail, type CommandResult } from '../../shared/exec/command-runner.js';
import type { HealthReading } from '../ports/cluster.js';

/** The API server's own readiness (`kubectl get --raw /readyz?verbose`), assessed. */
export interface ApiServerReadinessReader {
  read(signal?: AbortSignal): Promise<HealthReading>;
}

export const READYZ_PATH = '/readyz?verbose';

/**
 * Reads the verbose /readyz answer: `[+]name ok` / `[-]name failed: reason withheld` per check and
 * `readyz check passed|failed`. On failure the API server answers 500 and kubectl exits 1 with the body
 * inside its error message, so both streams are read.
 */
export function assessReadyz(r: Pick<CommandResult, 'stdout' | 'stderr' | 'exitCode'>): Omit<HealthReading, 'command'> {
  const text = `${r.stdout}\n${r.stderr}`.replace(/\\n/g, '\n');
  const failed = [...text.matchAll(/\[-\]([^\s]+) failed(?:: ([^\n"]*))?/g)].map((m) => `API server check ${m[1]} failed${m[2] ? `: ${m[2]}` : ''}`);
  const passedChecks = [...text.matchAll(/\[\+\]([^\s]+) ok/g)].length;
  const passed = r.exitCode === 0 && failed.length === 0 && (/readyz check passed/.test(text) || r.stdout.trim() === 'ok');
  const problems = passed ? [] : failed.length > 0 ? failed : [`kubectl get --raw ${READYZ_PATH} exited ${r.exitCode}: ${tail(r.stderr.trim() || r.stdout.trim(), 300) || 'no output'}`];
  return { healthy: passed, problems, warnings: [], evidence: `${passedChecks} checks ok${failed.length > 0 ? `, ${failed.length} failed` : ''}\n${tail(text.trim(), 800)}` };
}

/** Through the coordinator's kubectl (its kubeconfig and context): a kubeadm or k3s API server. */
export class KubectlReadyzReader implements ApiServerReadinessReader {
  constructor(private readonly kubectl: { call(args: readonly string[], extra?: { okExitCodes?: number[]; signal?: AbortSignal }): Promise<CommandResult> }) {}

  async read(signal?: AbortSignal): Promise<HealthReading> {
    const r = await this.kubectl.call(['get', '--raw', READYZ_PATH], { okExitCodes: [0, 1], ...(signal ? { signal } : {}) });
    return { ...assessReadyz(r), command: `kubectl get --raw ${READYZ_PATH}` };
  }
}
