import { CommandError, type CommandResult } from '../../shared/exec/command-runner.js';

/**
 * The API's own judgement of one eviction, asked with a server-side dry run: `kubectl create --raw
 * /api/v1/namespaces/NS/pods/P/eviction?dryRun=All -f -` with an Eviction whose deleteOptions say
 * dryRun All too. The API server answers exactly as it would for the real eviction (201, 429 when a
 * PodDisruptionBudget refuses, 500 when several cover the pod) and changes nothing.
 */

export type EvictionJudgement =
  | { verdict: 'allowed' }
  /** The pod is gone already: nothing to evict. */
  | { verdict: 'gone' }
  | { verdict: 'refused-by-budget'; message: string }
  | { verdict: 'several-budgets'; message: string };

export interface DryRunEvictionRequest {
  /** kubectl arguments after the global flags. */
  args: string[];
  /** The Eviction, for kubectl's stdin. */
  body: string;
}

export function dryRunEvictionRequest(namespace: string, pod: string): DryRunEvictionRequest {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/eviction?dryRun=All`;
  const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace }, deleteOptions: { dryRun: ['All'] } };
  return { args: ['create', '--raw', path, '-f', '-'], body: JSON.stringify(body) };
}

const BUDGET_REFUSAL = /Cannot evict pod as it would violate the pod's disruption budget/;
const SEVERAL_BUDGETS = /more than one PodDisruptionBudget/;
const NOT_FOUND = /\(NotFound\)/;

/** What kubectl's exit code and stderr say the API decided; any other failure is thrown as the command's error. */
export function readEvictionJudgement(result: CommandResult): EvictionJudgement {
  if (result.exitCode === 0) return { verdict: 'allowed' };
  const message = result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
  if (BUDGET_REFUSAL.test(result.stderr)) return { verdict: 'refused-by-budget', message };
  if (SEVERAL_BUDGETS.test(result.stderr)) return { verdict: 'several-budgets', message };
  if (NOT_FOUND.test(result.stderr)) return { verdict: 'gone' };
  throw new CommandError('exit', result);
}
