import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubectlClient } from '../../../coordinator/cluster/kubectl.js';
import type { CoordinatorConfig } from '../../../coordinator/config/config-types.js';
import { parseConfigText } from '../../../coordinator/config/load-config.js';
import { KubernetesStateStore } from '../../../coordinator/state/kubernetes-state-store.js';
import { projectRoot } from '../../../shared/agent-api/codegen.js';
import { runCommand, type CommandResult } from '../../../shared/exec/command-runner.js';
import { docBlockScript } from '../../docs/doc-commands.js';
import { coordinatorRules } from '../../kube-api/deploy-rbac.js';
import { requireKubectl } from '../../kube-api/kubectl-support.js';
import { Kubectl } from '../../kube-api/kubectl.js';
import { startKubeApiServer, type KubeApiServer } from '../../kube-api/server.js';
import { contractRecord, OWNER_A } from '../coordinator/state-store-contract.js';

const DOC = 'docs/kubernetes-state.md';
const SA_USER = 'system:serviceaccount:noderoll-system:noderoll';
/** Where the doc's config says step 2 wrote the kubeconfig. */
const DOC_KUBECONFIG = '/root/.kube/noderoll.kubeconfig';
const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);

/** The doc's ```yaml block (the coordinator config snippet), as it stands. */
function configSnippet(markdown: string): string {
  const m = /^```yaml\n([\s\S]*?)^```$/m.exec(markdown);
  if (!m) throw new Error(`${DOC} shows no yaml block`);
  return m[1] as string;
}

/** `kubectl auth can-i` arguments for every verb, resource and name of a deploy/ rule. */
function canIArgs(rule: { namespace: string; rule: { apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; verbs: string[] } }): string[][] {
  const out: string[][] = [];
  for (const group of rule.rule.apiGroups ?? []) {
    for (const resource of rule.rule.resources ?? []) {
      const [base, sub] = resource.split('/') as [string, string | undefined];
      const qualified = group ? `${base}.${group}` : base;
      for (const name of rule.rule.resourceNames ?? [undefined]) {
        for (const verb of rule.rule.verbs) {
          out.push(['auth', 'can-i', verb, name ? `${qualified}/${name}` : qualified, ...(sub ? [`--subresource=${sub}`] : []), ...(rule.namespace ? ['-n', rule.namespace] : ['-A'])]);
        }
      }
    }
  }
  return out;
}

describe(`${DOC}: the ServiceAccount kubeconfig recipe, run as it stands against a secure test API server`, function () {
  this.timeout(120_000);
  let api: KubeApiServer;
  let work: string;
  let markdown: string;
  let adminConfig: string;
  let recipe: CommandResult;
  let account: Kubectl;
  const saConfig = (): string => join(work, '.kube', 'noderoll.kubeconfig');

  /** A doc-block in bash as the docs' reader runs it: from the checkout, HOME the test's, the admin's kubeconfig current. */
  const runBlock = (name: string): Promise<CommandResult> =>
    runCommand({
      file: 'bash',
      args: ['-c', `set -eo pipefail\n${docBlockScript(markdown, name)}`],
      cwd: projectRoot,
      env: { ...process.env, HOME: work, KUBECONFIG: adminConfig },
      timeoutMs: 110_000,
    });

  before(async () => {
    await requireKubectl();
    api = await startKubeApiServer({ host: '127.0.0.1', port: 0, secure: true });
    work = await mkdtemp(join(tmpdir(), 'noderoll-kubernetes-state-doc-'));
    markdown = await readFile(join(projectRoot, DOC), 'utf8');
    adminConfig = await api.writeKubeconfig(join(work, 'admin'), api.adminToken);
    recipe = await runBlock('service-account-kubeconfig');
    account = await Kubectl.forKubeconfig(saConfig());
  });
  after(async () => {
    await account?.dispose();
    await api?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('applies deploy/ and writes a kubeconfig (mode 0600) that acts as the ServiceAccount and may patch nodes', async () => {
    expect(recipe.stdout.trim().split('\n')).to.deep.equal([
      'namespace/noderoll-system created',
      'serviceaccount/noderoll created',
      'clusterrole.rbac.authorization.k8s.io/noderoll-coordinator created',
      'clusterrolebinding.rbac.authorization.k8s.io/noderoll-coordinator created',
      'role.rbac.authorization.k8s.io/noderoll-state created',
      'rolebinding.rbac.authorization.k8s.io/noderoll-state created',
      'role.rbac.authorization.k8s.io/noderoll-viewer created',
      'Cluster "noderoll" set.',
      'User "noderoll" set.',
      'Context "noderoll" created.',
      'Switched to context "noderoll".',
      'yes',
    ]);
    expect((await stat(saConfig())).mode & 0o777).to.equal(0o600);
    const view = await account.json<{ clusters: { cluster: { server: string } }[]; contexts: { context: { namespace?: string } }[] }>(['config', 'view', '--minify']);
    expect(view.clusters[0]?.cluster.server).to.equal(api.secureUrl);
    expect(view.contexts[0]?.context.namespace).to.equal('noderoll-system');
    // The token is the ServiceAccount's: the server saw its can-i as that user.
    expect(api.activity.find({ type: 'ApiRequest' }).some((a) => a.request?.user === SA_USER)).to.equal(true);
  });

  it('every permission deploy/ grants the coordinator is granted to that kubeconfig (kubectl auth can-i)', async () => {
    const checks = (await coordinatorRules()).flatMap(canIArgs);
    expect(checks.length, 'can-i checks').to.be.at.least(10);
    for (const args of checks) expect((await account.run(args, { okExitCodes: [0, 1] })).stdout.trim(), args.join(' ')).to.equal('yes');
  });

  it("anything else is refused with the API server's 403", async () => {
    const refusals: [string[], string][] = [
      [['delete', 'node', 'node-1'], `Error from server (Forbidden): nodes "node-1" is forbidden: User "${SA_USER}" cannot delete resource "nodes" in API group "" at the cluster scope`],
      // The test API server serves no Secrets; that the account cannot mint tokens (its own or another's) says as much.
      [['create', 'token', 'noderoll', '-n', 'noderoll-system'], `error: failed to create token: serviceaccounts "noderoll" is forbidden: User "${SA_USER}" cannot create resource "serviceaccounts/token" in API group "" in the namespace "noderoll-system"`],
      [['get', 'serviceaccounts', '-n', 'noderoll-system'], `Error from server (Forbidden): serviceaccounts is forbidden: User "${SA_USER}" cannot list resource "serviceaccounts" in API group "" in the namespace "noderoll-system"`],
      [['get', 'configmaps', '-n', 'kube-system'], `Error from server (Forbidden): configmaps is forbidden: User "${SA_USER}" cannot list resource "configmaps" in API group "" in the namespace "kube-system"`],
      [['get', 'configmap', 'other', '-n', 'noderoll-system'], `Error from server (Forbidden): configmaps "other" is forbidden: User "${SA_USER}" cannot get resource "configmaps" in API group "" in the namespace "noderoll-system"`],
      [['delete', 'pod', 'web-1', '-n', 'default'], `Error from server (Forbidden): pods "web-1" is forbidden: User "${SA_USER}" cannot delete resource "pods" in API group "" in the namespace "default"`],
      [['delete', 'lease', 'noderoll', '-n', 'noderoll-system'], `Error from server (Forbidden): leases.coordination.k8s.io "noderoll" is forbidden: User "${SA_USER}" cannot delete resource "leases" in API group "coordination.k8s.io" in the namespace "noderoll-system"`],
      [['get', 'lease', 'noderoll', '-n', 'kube-system'], `Error from server (Forbidden): leases.coordination.k8s.io "noderoll" is forbidden: User "${SA_USER}" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "kube-system"`],
      [['get', 'clusterroles'], `Error from server (Forbidden): clusterroles.rbac.authorization.k8s.io is forbidden: User "${SA_USER}" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope`],
    ];
    for (const [args, stderr] of refusals) {
      const r = await account.run(args, { okExitCodes: [1] });
      expect(r.stderr.trim(), args.join(' ')).to.equal(stderr);
    }
    expect((await account.run(['auth', 'can-i', 'update', 'configmaps/other', '-n', 'noderoll-system'], { okExitCodes: [1] })).stdout.trim()).to.equal('no');
    expect((await account.run(['auth', 'can-i', 'create', 'configmaps', '-n', 'kube-system'], { okExitCodes: [1] })).stdout.trim()).to.equal('no');
    expect((await account.run(['auth', 'can-i', 'patch', 'nodes', '--subresource=status'], { okExitCodes: [1] })).stdout.trim()).to.equal('no');
  });

  /** The doc's config, with the kubeconfig the block wrote (in the test's HOME instead of /root) and one node whose agent nothing dials. */
  const docConfigText = (): string =>
    'nodes:\n  - name: node-1\n    agent: 127.0.0.1:9\nagents:\n  insecurePlaintext: true\n' + configSnippet(markdown).replace(DOC_KUBECONFIG, saConfig());

  /** The state store that config describes, as services.ts builds it. */
  const storeOf = (config: CoordinatorConfig): KubernetesStateStore => {
    const { namespace, leaseName, configMapName, leaseDurationMs } = config.state.kubernetes;
    return new KubernetesStateStore({
      kubectl: new KubectlClient({ kubectl: config.kubernetes.kubectl, ...(config.kubernetes.kubeconfig ? { kubeconfig: config.kubernetes.kubeconfig } : {}), env: { ...process.env, KUBECACHEDIR: join(work, 'cache') }, callTimeoutMs: config.kubernetes.callTimeoutMs }),
      namespace,
      leaseName,
      configMapName,
      leaseDurationSeconds: leaseDurationMs / 1000,
      historyLimit: config.state.history,
      keepAlive: false,
    });
  };

  it("the doc's config snippet is a valid config, and the state store it describes works with the recipe's kubeconfig", async () => {
    expect(configSnippet(markdown)).to.contain(`kubeconfig: ${DOC_KUBECONFIG}`);
    const config = parseConfigText(docConfigText(), '/etc/noderoll/config.yaml');
    expect(config.state.backend).to.equal('kubernetes');
    expect(config.kubernetes.kubeconfig).to.equal(saConfig());
    const store = storeOf(config);
    const lock = await store.acquireLock(OWNER_A);
    const record = contractRecord();
    await store.save(record, lock);
    await store.requestAbort({ operationId: record.id, requestedAt: '2026-11-27T02:05:00.000Z', by: OWNER_A, mode: 'graceful' });
    expect((await store.readAbortRequest())?.operationId).to.equal(record.id);
    await store.clearAbortRequest(lock);
    await lock.release();
    expect((await store.load())?.id).to.equal(record.id);
    expect(api.store.leases.get('noderoll', 'noderoll-system')?.spec?.leaseDurationSeconds).to.equal(30);
  });

  it('from another host, noderoll with that kubeconfig and config: status names the holder, abort asks it to stop, watch follows it to the end', async () => {
    const hostB = join(work, 'host-b');
    await mkdir(hostB);
    const configFile = join(hostB, 'config.yaml');
    await writeFile(configFile, docConfigText());
    // The coordinator of another host (OWNER_A on contract-host) holds the lock and runs an operation.
    const coordinatorA = storeOf(parseConfigText(docConfigText(), configFile));
    const lock = await coordinatorA.acquireLock(OWNER_A);
    const record = contractRecord('cafe01');
    await coordinatorA.save(record, lock);
    const noderoll = (args: string[], onStdoutLine?: (line: string) => void): Promise<CommandResult> =>
      runCommand({
        file: process.execPath,
        args: [join(projectRoot, 'dist/coordinator/main.js'), ...args, '--config', configFile],
        cwd: hostB,
        env: { ...process.env, HOME: hostB, KUBECONFIG: '' },
        timeoutMs: 90_000,
        okExitCodes: ALL_EXIT_CODES,
        ...(onStdoutLine ? { onStdoutLine } : {}),
      });
    try {
      const status = await noderoll(['status']);
      expect(status.exitCode, status.stderr).to.equal(0);
      expect(status.stdout).to.contain(`Operation ${record.id} → ${record.targetVersion}: running`);
      expect(status.stdout, status.stdout).to.contain(`coordinator: pid ${OWNER_A.pid} on ${OWNER_A.host} (${OWNER_A.command})`);

      const abort = await noderoll(['abort']);
      expect(abort.exitCode, abort.stderr).to.equal(0);
      expect(abort.stdout).to.contain(`Asked the coordinator (pid ${OWNER_A.pid} on ${OWNER_A.host}) to stop operation ${record.id}`);
      expect(await coordinatorA.readAbortRequest()).to.deep.include({ operationId: record.id, mode: 'graceful' });

      let sawFirstEvent: () => void = () => undefined;
      const firstEvent = new Promise<void>((resolve) => (sawFirstEvent = resolve));
      const watching = noderoll(['watch', record.id, '-o', 'json'], () => sawFirstEvent());
      await Promise.race([firstEvent, watching]);
      await coordinatorA.save({ ...record, status: 'completed', finishedAt: '2026-11-27T03:00:00.000Z' }, lock);
      const watched = await watching;
      expect(watched.exitCode, watched.stderr).to.equal(0);
      const events = watched.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; operationId?: string });
      expect(events[0]).to.include({ type: 'operation-started', operationId: record.id });
      expect(events.at(-1)).to.include({ type: 'operation-completed', operationId: record.id });
    } finally {
      await coordinatorA.clearAbortRequest(lock);
      await lock.release();
    }
  });

  it('the viewer binding lets another user read the Lease and the ConfigMap, and change nothing', async () => {
    const bound = await runBlock('viewer-binding');
    expect(bound.stdout.trim()).to.equal('rolebinding.rbac.authorization.k8s.io/noderoll-viewer-alice created');
    const alice = await Kubectl.forKubeconfig(await api.writeKubeconfig(join(work, 'alice'), api.issueToken({ username: 'alice', groups: ['system:authenticated'] })));
    try {
      expect((await alice.run(['get', 'lease', 'noderoll', '-n', 'noderoll-system', '-o', 'name'])).stdout.trim()).to.equal('lease.coordination.k8s.io/noderoll');
      expect((await alice.run(['get', 'configmap', 'noderoll-operation', '-n', 'noderoll-system', '-o', 'name'])).stdout.trim()).to.equal('configmap/noderoll-operation');
      expect((await alice.run(['auth', 'can-i', 'update', 'configmaps/noderoll-operation', '-n', 'noderoll-system'], { okExitCodes: [1] })).stdout.trim()).to.equal('no');
      const refused = await alice.run(['annotate', 'lease', 'noderoll', '-n', 'noderoll-system', 'x=y'], { okExitCodes: [1] });
      expect(refused.stderr.trim()).to.equal(
        'Error from server (Forbidden): leases.coordination.k8s.io "noderoll" is forbidden: User "alice" cannot patch resource "leases" in API group "coordination.k8s.io" in the namespace "noderoll-system"',
      );
    } finally {
      await alice.dispose();
    }
  });
});
