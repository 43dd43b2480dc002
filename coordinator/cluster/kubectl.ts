import { CommandError, runCommand, tail, type CommandResult, type CommandRunner } from '../../shared/exec/command-runner.js';
import type { Logger } from '../../shared/log/logger.js';
import { silentLogger } from '../../shared/log/logger.js';
import { DrainError, type DrainOptions, type ForeseenDrainBlocker, type KubeNode, type KubePod, type KubePodDisruptionBudget, type KubernetesCluster, type LabelledPodLister, type NodeDrainForesight } from '../ports/cluster.js';
import { refuseIf } from '../../shared/validation/field-error.js';
import { labelSelectorProblem } from '../../shared/validation/label-selector.js';
import { chooseLocalDataFlag, describeBlocker, explainBlockedPods, readDrainFailure, type LocalDataFlag } from './drain-output.js';
import { foreseeDrainBlockers, foreseeDrainBlockersOfNodes } from './drain-foresight.js';
import { dryRunEvictionRequest, readEvictionJudgement, type EvictionJudgement } from './eviction-dry-run.js';
import { resolveDirectApi, type DirectApi } from './direct-api.js';
import { KubeHttpError, objectNotFound, statusOf, type KubeHttpClient } from './kube-http-client.js';
import { listItems, parseJsonDocument, readNode, readNodeList, readPod, readPodDisruptionBudgetList, readPodList, readServerVersion } from './kube-objects.js';

export interface KubectlOptions {
  /** kubectl binary (path or name on PATH). */
  kubectl: string;
  kubeconfig?: string;
  context?: string;
  /** Environment of every kubectl run (e.g. KUBECACHEDIR); default: the process's. */
  env?: NodeJS.ProcessEnv;
  /** Deadline of a get/cordon/annotate call. */
  callTimeoutMs: number;
  runner?: CommandRunner;
  log?: Logger;
  /**
   * Node and pod gets and lists (the gates, the waits) and node annotations (the phase at every step) as
   * requests to the API server instead of a kubectl process each, when the kubeconfig context allows it
   * (directApi()). Cordon, drain, uncordon and everything else stay with kubectl.
   */
  directRequests?: boolean;
}

/** Said when this kubectl knows neither emptyDir flag: the drain still runs, but the operator must know why it may stop. */
export const NO_LOCAL_DATA_FLAG_WARNING =
  '`kubectl drain --help` lists neither --delete-emptydir-data nor --delete-local-data: draining without either, so kubectl refuses ' +
  'to evict pods with emptyDir volumes and the drain fails on them (allowing it would delete their emptyDir data, which is lost); ' +
  'use a kubectl that matches the cluster, or move those pods off the node first';

export interface KubectlCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onLine?: (l: string) => void;
  okExitCodes?: number[];
  /** Written to kubectl's stdin (`create -f -`, `replace -f -`). */
  input?: string;
}

/** Extra time the process gets beyond drain's own --timeout before it is killed. */
const DRAIN_GRACE_MS = 30_000;

/**
 * The Kubernetes side of noderoll, through the real kubectl (the same binary an operator uses,
 * planet's on a Gravity node): `get -o json` for reading, cordon/drain/uncordon/annotate for acting.
 */
export class KubectlClient implements KubernetesCluster, LabelledPodLister {
  private localDataFlag: Promise<LocalDataFlag | undefined> | undefined;
  private readonly runner: CommandRunner;
  private readonly log: Logger;

  private direct: Promise<DirectApi> | undefined;

  constructor(private readonly options: KubectlOptions) {
    this.runner = options.runner ?? runCommand;
    this.log = options.log ?? silentLogger;
  }

  /** kubeconfig/context flags that go before every subcommand. */
  private globalArgs(): string[] {
    const args: string[] = [];
    if (this.options.kubeconfig) args.push(`--kubeconfig=${this.options.kubeconfig}`);
    if (this.options.context) args.push(`--context=${this.options.context}`);
    return args;
  }

  private run(args: readonly string[], extra: KubectlCallOptions = {}): Promise<CommandResult> {
    const spec = {
      file: this.options.kubectl,
      args: [...this.globalArgs(), ...args],
      timeoutMs: extra.timeoutMs ?? this.options.callTimeoutMs,
      ...(this.options.env ? { env: this.options.env } : {}),
      ...(extra.signal ? { signal: extra.signal } : {}),
      ...(extra.onLine ? { onStdoutLine: extra.onLine, onStderrLine: extra.onLine } : {}),
      ...(extra.okExitCodes ? { okExitCodes: extra.okExitCodes } : {}),
      ...(extra.input !== undefined ? { input: extra.input } : {}),
    };
    this.log.debug({ argv: spec.args }, 'kubectl');
    return this.runner(spec);
  }

  /** The environment kubectl runs with (KUBECONFIG, proxy variables): whoever talks to the API server directly must honour the same. */
  get environment(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  /** The deadline of one get/create/replace call. */
  get callTimeoutMs(): number {
    return this.options.callTimeoutMs;
  }

  /** How this client's kubeconfig context can be reached without kubectl, resolved once (one `kubectl config view`). */
  directApi(): Promise<DirectApi> {
    this.direct ??= resolveDirectApi(this);
    return this.direct;
  }

  private async directClient(): Promise<KubeHttpClient | undefined> {
    return this.options.directRequests ? (await this.directApi()).client : undefined;
  }

  /** Any kubectl subcommand with this client's kubeconfig, context and deadline (the Kubernetes state store's get/create/replace). */
  call(args: readonly string[], extra: Pick<KubectlCallOptions, 'input' | 'okExitCodes' | 'signal'> = {}): Promise<CommandResult> {
    return this.run(args, extra);
  }

  async listNodes(signal?: AbortSignal): Promise<KubeNode[]> {
    const http = await this.directClient();
    if (http) return itemsOf(await http.expectOk('GET', '/api/v1/nodes', undefined, signal), 'get nodes').map((item, i) => readNode(item, `get nodes: items[${i}]`));
    const r = await this.run(['get', 'nodes', '-o', 'json'], { ...(signal ? { signal } : {}) });
    return readNodeList(r.stdout);
  }

  /** The Kubernetes version of the API server (`kubectl version -o json`). */
  async serverVersion(signal?: AbortSignal): Promise<string> {
    const r = await this.run(['version', '-o', 'json'], { ...(signal ? { signal } : {}) });
    return readServerVersion(r.stdout);
  }

  async getNode(name: string, signal?: AbortSignal): Promise<KubeNode | undefined> {
    const http = await this.directClient();
    if (http) {
      const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
      const got = await http.request('GET', path, undefined, signal);
      if (got.status === 404 && objectNotFound(got.body, name)) return undefined;
      if (got.status !== 200) throw new KubeHttpError('GET', path, got.status, statusOf(got.body));
      return readNode(got.body, `get node ${name}`);
    }
    const r = await this.run(['get', 'node', name, '-o', 'json'], { okExitCodes: [0, 1], ...(signal ? { signal } : {}) });
    if (r.exitCode === 1) {
      if (/\(NotFound\)/.test(r.stderr)) return undefined;
      throw new CommandError('exit', r);
    }
    return readNode(parseJsonDocument(r.stdout, `get node ${name}`), `get node ${name}`);
  }

  async listPods(signal?: AbortSignal): Promise<KubePod[]> {
    const direct = await this.directPods('', signal);
    if (direct) return direct;
    const r = await this.run(['get', 'pods', '--all-namespaces', '-o', 'json'], { ...(signal ? { signal } : {}) });
    return readPodList(r.stdout);
  }

  async listPodsWithLabels(selector: string, signal?: AbortSignal): Promise<KubePod[]> {
    refuseIf('selector', labelSelectorProblem(selector));
    const direct = await this.directPods(`?labelSelector=${encodeURIComponent(selector)}`, signal);
    if (direct) return direct;
    const r = await this.run(['get', 'pods', '--all-namespaces', `--selector=${selector}`, '-o', 'json'], { ...(signal ? { signal } : {}) });
    return readPodList(r.stdout);
  }

  async listPodsOnNode(node: string, signal?: AbortSignal): Promise<KubePod[]> {
    const direct = await this.directPods(`?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`, signal);
    if (direct) return direct;
    const r = await this.run(['get', 'pods', '--all-namespaces', '--field-selector', `spec.nodeName=${node}`, '-o', 'json'], { ...(signal ? { signal } : {}) });
    return readPodList(r.stdout);
  }

  /** Pods of every namespace straight from the API (core v1, served by every Kubernetes), or undefined to ask kubectl. */
  private async directPods(query: string, signal: AbortSignal | undefined): Promise<KubePod[] | undefined> {
    const http = await this.directClient();
    if (!http) return undefined;
    return itemsOf(await http.expectOk('GET', `/api/v1/pods${query}`, undefined, signal), 'get pods').map((item, i) => readPod(item, `get pods: items[${i}]`));
  }

  // PodDisruptionBudgets stay with kubectl: it picks the policy version the server has (v1beta1 before 1.21).
  async listPodDisruptionBudgets(signal?: AbortSignal): Promise<KubePodDisruptionBudget[]> {
    const r = await this.run(['get', 'poddisruptionbudgets', '--all-namespaces', '-o', 'json'], { ...(signal ? { signal } : {}) });
    return readPodDisruptionBudgetList(r.stdout);
  }

  /** The API's judgement of evicting one pod now, asked with a server-side dry run (nothing changes). */
  async dryRunEviction(namespace: string, pod: string, signal?: AbortSignal): Promise<EvictionJudgement> {
    const request = dryRunEvictionRequest(namespace, pod);
    const r = await this.run(request.args, { input: request.body, okExitCodes: [0, 1], ...(signal ? { signal } : {}) });
    return readEvictionJudgement(r);
  }

  foreseeDrainBlockers(name: string, signal?: AbortSignal): Promise<ForeseenDrainBlocker[]> {
    return foreseeDrainBlockers(this, name, signal);
  }

  foreseeDrainBlockersOfNodes(names: readonly string[], signal?: AbortSignal): Promise<NodeDrainForesight[]> {
    return foreseeDrainBlockersOfNodes(this, names, signal);
  }

  async cordonNode(name: string, signal?: AbortSignal): Promise<void> {
    await this.run(['cordon', name], { ...(signal ? { signal } : {}) });
  }

  async uncordonNode(name: string, signal?: AbortSignal): Promise<void> {
    await this.run(['uncordon', name], { ...(signal ? { signal } : {}) });
  }

  async annotateNode(name: string, annotations: Readonly<Record<string, string | null>>, signal?: AbortSignal): Promise<void> {
    const pairs = Object.entries(annotations).map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`));
    if (pairs.length === 0) return;
    const http = await this.directClient();
    // A JSON merge patch means what `annotate --overwrite` does: set each value, remove each null.
    if (http) return void (await http.expectOk('PATCH', `/api/v1/nodes/${encodeURIComponent(name)}`, { metadata: { annotations } }, signal, 'application/merge-patch+json'));
    await this.run(['annotate', 'node', name, '--overwrite', ...pairs], { ...(signal ? { signal } : {}) });
  }

  /** The emptyDir flag this kubectl (as selected for this server) knows, read once from `kubectl drain --help`. */
  detectLocalDataFlag(signal?: AbortSignal): Promise<LocalDataFlag | undefined> {
    this.localDataFlag ??= this.run(['drain', '--help'], { ...(signal ? { signal } : {}) }).then(
      (r) => chooseLocalDataFlag(r.stdout + '\n' + r.stderr),
      (err: unknown) => {
        this.localDataFlag = undefined;
        throw err;
      },
    );
    return this.localDataFlag;
  }

  async drainNode(name: string, options: DrainOptions): Promise<void> {
    const flag = await this.detectLocalDataFlag(options.signal);
    if (!flag) {
      this.log.warn({ node: name }, NO_LOCAL_DATA_FLAG_WARNING);
      options.onOutput?.(`noderoll: warning: ${NO_LOCAL_DATA_FLAG_WARNING}`);
    }
    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    const args = ['drain', name, '--ignore-daemonsets', ...(flag ? [flag] : []), `--timeout=${seconds}s`];
    try {
      await this.run(args, {
        timeoutMs: seconds * 1000 + DRAIN_GRACE_MS,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onOutput ? { onLine: options.onOutput } : {}),
      });
    } catch (err) {
      if (!(err instanceof CommandError) || err.kind === 'aborted' || err.kind === 'spawn') throw err;
      throw await this.explainDrainFailure(name, err, options.signal);
    }
  }

  private async explainDrainFailure(node: string, err: CommandError, signal?: AbortSignal): Promise<DrainError> {
    const output = `${err.result.stdout}\n${err.result.stderr}`;
    const report = readDrainFailure(output);
    const timedOut = report.timedOut || err.kind === 'timeout';
    let blockers = report.pods.map((p) => ({ namespace: p.namespace ?? '', pod: p.pod, ...(p.detail ? { detail: p.detail } : {}) }));
    if (report.pods.length > 0) {
      try {
        const [pods, budgets] = await Promise.all([this.listPodsOnNode(node, signal), this.listPodDisruptionBudgets(signal)]);
        blockers = explainBlockedPods(report, pods, budgets);
      } catch (lookupErr) {
        this.log.warn({ err: lookupErr }, 'could not look up the disruption budgets behind a failed drain');
      }
    }
    const why = blockers.length > 0 ? blockers.map(describeBlocker).join('; ') : report.errors.join('; ') || tail(err.result.stderr, 300) || err.message;
    const summary = `drain of node ${node} ${timedOut ? 'timed out' : 'failed'}: ${why}`;
    return new DrainError(node, timedOut, blockers, tail(output, 2000), summary);
  }
}

function itemsOf(body: unknown, what: string): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`${what}: the API server's answer is not a JSON object`);
  return listItems(body as Parameters<typeof listItems>[0], what);
}
