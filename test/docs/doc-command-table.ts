/**
 * How a test runs every command the docs show (test/docs/doc-commands.ts extracts them). A command
 * the docs show that is not in this table fails test/unit/docs/doc-commands.test.ts, and so does an
 * entry no doc shows any more: a new doc command needs a line here, i.e. a test.
 *
 * `run` is the shell command actually run when the doc's own text cannot run as it stands (a
 * placeholder such as NODE, or a path under /etc the test must not touch); it runs in bash with
 * `set -eo pipefail`. Without `run` the doc text runs verbatim. `exit` is the expected exit status
 * (default 0). Variables in `run`: $PROJECT (the checkout), $WORK (a fresh temporary directory).
 */

export type DocCommandRun =
  /** On the host without a lab (test/unit/docs): cwd the checkout, HOME=$WORK, `noderoll` on PATH as npm would link it. */
  | { how: 'host'; run?: string; exit?: number; why?: string }
  /** A usage synopsis: every --flag in it must be listed by `noderoll COMMAND --help` (test/unit/docs). */
  | { how: 'synopsis'; why?: string }
  /** On the host against the shared lab, after `eval "$(npm run -s lab -- env)"` (test/docs/doc-commands.lab.test.ts). */
  | { how: 'lab'; run?: string; exit?: number; why?: string }
  /** Inside the shared lab's first node (nsenter), where the docs say the command runs (test/docs/doc-commands.lab.test.ts). */
  | { how: 'lab-node'; run?: string; exit?: number; why?: string }
  /** Run by `scripts/dev demo`, which test/docs/doc-commands.lab.test.ts runs; scripts/dev must contain `contains`. */
  | { how: 'demo'; contains: string; why: string }
  /** Run by another test or by CI itself; `file` must contain `contains` (checked by test/unit/docs). */
  | { how: 'elsewhere'; file: string; contains: string; why: string }
  /**
   * A whole fenced block marked `<!-- doc-block: NAME -->` (doc: `doc-block: NAME`), run as it stands by
   * `file`, which must contain `contains` (the call that runs it); covers every line of the block.
   */
  | { how: 'block'; file: string; contains: string; why: string };

export type DocCommandEntry = DocCommandRun & { doc: string };

const CA = '--dir "$WORK/ca"';

/** In the order the lab suite runs them: `npm run lab -- down` is the last lab command. */
export const DOC_COMMAND_TABLE: readonly DocCommandEntry[] = [
  // Quick start
  { doc: 'scripts/dev demo', how: 'demo', contains: 'demo() {', why: 'the lab suite runs scripts/dev demo itself (NODEROLL_LAB_ID=its own id), then every lab command below against the lab the demo leaves up' },
  { doc: 'doc-block: onboarding', how: 'block', file: 'test/e2e/onboarding.lab.test.ts', contains: "docBlockScript(await readFile(join(projectDir, 'README.md'), 'utf8'), 'onboarding')", why: 'the acceptance test runs the whole block as it stands on a fresh lab without agents' },
  { doc: 'noderoll init', how: 'elsewhere', file: 'test/e2e/onboarding.lab.test.ts', contains: "'onboarding')", why: 'the onboarding block runs noderoll init --out ~/noderoll … on the lab (and a second time after a node is added: see the init lab test)' },
  { doc: 'npm run lab -- up --no-agents', how: 'elsewhere', file: 'test/e2e/onboarding.lab.test.ts', contains: "'up', '--id', id, '--nodes', '3', '--no-agents'", why: 'the onboarding acceptance test starts its lab this way (with an id of its own)' },
  { doc: 'kubectl create token', how: 'elsewhere', file: 'test/kube-api/service-account-fixture.ts', contains: "['create', 'token', name, '-n', namespace]", why: "the RBAC tests' ServiceAccount fixture mints its token with the real kubectl against the test API server" },
  {
    doc: 'doc-block: service-account-kubeconfig',
    how: 'block',
    file: 'test/unit/docs/kubernetes-state-recipe.test.ts',
    contains: "recipe = await runBlock('service-account-kubeconfig')",
    why: 'docs/kubernetes-state.md: run as it stands from the checkout against a secure test API server (admin kubeconfig current); the test then checks the kubeconfig it wrote as the ServiceAccount',
  },
  { doc: 'doc-block: viewer-binding', how: 'block', file: 'test/unit/docs/kubernetes-state-recipe.test.ts', contains: "await runBlock('viewer-binding')", why: 'run as the admin; the test then reads and is refused writes as that user' },
  { doc: 'kubectl auth can-i', how: 'elsewhere', file: 'test/kube-api/kubectl-rbac.test.ts', contains: "['auth', 'can-i', 'update', 'leases', '-n', NS]", why: 'the RBAC test asks the test API server with the real kubectl, as the ServiceAccount and as the admin' },
  { doc: 'kubectl drain --dry-run=server', how: 'elsewhere', file: 'test/kube-api/eviction-dry-run.test.ts', contains: "[...DRAIN, '--dry-run=server', '--timeout=30s', target]", why: 'the dry-run eviction test runs the real kubectl drain --dry-run=server against the test API server' },
  { doc: 'scripts/dev test', how: 'elsewhere', file: '.ci/run', contains: 'scripts/dev test', why: 'CI runs exactly this' },
  { doc: 'npx mocha', how: 'elsewhere', file: 'test/unit/ci/test-shards.test.ts', contains: "args: ['mocha', '--dry-run', '--reporter', 'json']", why: 'the shard test lists the whole suite npx mocha runs and checks the two halves split it exactly' },
  { doc: 'scripts/dev test FILE…', how: 'elsewhere', file: 'scripts/dev', contains: 'npx mocha "$@" 2>&1 | tee', why: 'with file arguments scripts/dev test hands them to one mocha process' },
  { doc: 'npm test', how: 'elsewhere', file: 'package.json', contains: '"test": "npm run build && mocha"', why: 'the same build and mocha suite (.mocharc.cjs) that scripts/dev test runs in CI, there in two halves at once' },
  { doc: 'npx tsc -p tsconfig.json', how: 'elsewhere', file: 'package.json', contains: '"build": "tsc -p tsconfig.json"', why: 'scripts/dev test builds with npm run build, i.e. this tsc' },
  { doc: 'npm run lab -- up --nodes 3', how: 'demo', contains: 'npm run -s lab -- up --nodes 3', why: 'the demo brings its lab up with this command' },
  { doc: 'noderoll update --to 7.0.68 --yes', how: 'demo', contains: 'noderoll update --to "$target" --yes', why: 'the demo runs it with target = the lab update version (7.0.68; the lab suite checks the demo printed this command)' },
  { doc: 'noderoll update --to VERSION', how: 'demo', contains: 'noderoll update --to "$target" --yes', why: 'the demo runs it with VERSION = 7.0.68' },
  { doc: 'gravity exec', how: 'lab-node', run: 'gravity exec --no-tty --no-interactive systemctl --failed --plain --no-legend', why: "the node-local stand-in, as the lab's failed-units planet check calls it" },
  { doc: 'systemctl reboot', how: 'elsewhere', file: 'agent/config/agent-config.ts', contains: "reboot: { command: ['systemctl', 'reboot']", why: "the agent's default reboot command: every node of the demo's update reboots with it" },
  { doc: 'systemctl poweroff', how: 'elsewhere', file: 'test/lab/lab.test.ts', contains: 'poweroff', why: "the lab suite's poweroff scenario" },
  { doc: 'node dist/agent/main.js --config /etc/noderoll/agent.yaml', how: 'elsewhere', file: 'bench/agent-footprint.bench.ts', contains: "new Background('noderoll-agent', process.execPath, [AGENT, '--config', config]", why: 'the footprint bench serves with dist/agent/main.js --config (a config under its temp dir, not /etc)' },
  { doc: 'npm run package', how: 'elsewhere', file: 'test/packaging/agent-packages.test.ts', contains: "[join(projectRoot, 'dist/packaging/main.js'), '--out', join(projectRoot, 'dist/packages')]", why: 'npm run package = npm run build && node dist/packaging/main.js; the test runs that second half with the default --out' },
  { doc: 'noderoll-agent --version', how: 'elsewhere', file: 'test/packaging/agent-package.lab.test.ts', contains: "run('/usr/bin/noderoll-agent', ['--version'])", why: 'run inside a lab node after dpkg -i of the package' },
  { doc: 'noderoll-agent --config /etc/noderoll/agent.yaml --check-config', how: 'elsewhere', file: 'test/packaging/agent-package.lab.test.ts', contains: "run('/usr/bin/noderoll-agent', ['--config', CONFIG, '--check-config'])", why: 'run inside a lab node from the installed package, CONFIG = /etc/noderoll/agent.yaml' },
  { doc: 'node dist/agent/main.js --config /etc/noderoll/agent.yaml --check-config', how: 'elsewhere', file: 'test/unit/agent/agent-config.test.ts', contains: "args: [main, '--config', join(dir, 'agent.yaml'), '--check-config'", why: 'runs dist/agent/main.js --check-config on valid and broken configs with real TLS files' },
  { doc: 'node dist/shared/agent-api/codegen.js --write', how: 'elsewhere', file: 'test/unit/agent/agent-api-types.test.ts', contains: 'codegen.js --write', why: 'the unit test generates the same tree in memory and compares; running --write in a test would rewrite the checkout' },
  { doc: 'etcdctl snapshot status', how: 'elsewhere', file: 'test/coordinator/backup-etcd.test.ts', contains: "'etcdctl', 'snapshot', 'status'", why: 'the default backup verification, run against a snapshot of a real etcd and a corrupt artifact' },
  { doc: 'systemctl --failed', how: 'elsewhere', file: 'test/unit/agent/etcd/agent-profile.test.ts', contains: "command: ['systemctl', '--failed', '--plain', '--no-legend']", why: 'agent/README.md profile table: the kubeadm/k3s default node check, asserted by the profile unit test' },
  { doc: 'etcdctl … endpoint health --cluster -w json', how: 'elsewhere', file: 'test/agent/kubeadm-etcd.lab.test.ts', contains: "expect(r.command).to.include('--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt')", why: "the agent's CheckEtcdHealth runs it on a kubeadm lab node against real etcd with TLS client auth" },
  { doc: 'etcdctl snapshot save', how: 'elsewhere', file: 'test/agent/kubeadm-etcd.lab.test.ts', contains: 'adapter.saveEtcdSnapshot({ operationId: opId }, destination)', why: "the agent's SaveEtcdSnapshot runs it on a kubeadm lab node; the test streams the snapshot to the host" },
  { doc: 'etcdctl snapshot status -w json', how: 'elsewhere', file: 'test/agent/kubeadm-etcd.lab.test.ts', contains: "args: ['snapshot', 'status', destination, '-w', 'json']", why: 'the agent verifies its snapshot with it; the kubeadm lab test runs it on the host copy' },
  { doc: 'promtool check config monitoring/prometheus.yml', how: 'elsewhere', file: 'test/monitoring/promtool.test.ts', contains: "['check', 'config', 'prometheus.yml']", why: 'needs the certificate files it names: the monitoring test installs them in a temporary copy first' },
  // On the host, no lab
  { doc: 'node dist/agent/main.js --help', how: 'host' },
  { doc: 'node -e', how: 'host', run: "node -e ''", why: "the bench's baseline: a bare Node process" },
  { doc: 'promtool check rules monitoring/alerts.yml', how: 'host' },
  { doc: 'promtool test rules monitoring/tests/alerts.test.yml', how: 'host' },
  { doc: 'promtool test rules', how: 'host', run: 'promtool test rules monitoring/tests/alerts.test.yml' },
  { doc: 'noderoll certs --help', how: 'host' },
  { doc: 'noderoll certs init  --cluster prod-east', how: 'host', run: `noderoll certs init --cluster prod-east ${CA}`, why: '--dir: the test must not write /etc/noderoll/ca' },
  { doc: 'noderoll certs issue --role agent --node 10.0.0.5 --ip 10.0.0.5 --out ./node-10.0.0.5', how: 'host', run: `cd "$WORK" && noderoll certs issue --role agent --node 10.0.0.5 --ip 10.0.0.5 --out ./node-10.0.0.5 ${CA}` },
  { doc: 'noderoll certs issue --role coordinator --name ops --out ~/.noderoll/tls', how: 'host', run: `noderoll certs issue --role coordinator --name ops --out ~/.noderoll/tls ${CA}`, why: 'HOME is $WORK' },
  { doc: 'noderoll certs issue --role reader --name prometheus --out ./prometheus', how: 'host', run: `cd "$WORK" && noderoll certs issue --role reader --name prometheus --out ./prometheus ${CA}` },
  { doc: 'noderoll certs show ./node-10.0.0.5/agent.crt --ca /etc/noderoll/ca/ca.crt', how: 'host', run: 'cd "$WORK" && noderoll certs show ./node-10.0.0.5/agent.crt --ca "$WORK/ca/ca.crt"' },
  { doc: 'noderoll certs issue … --force', how: 'host', run: `cd "$WORK" && noderoll certs issue --role agent --node 10.0.0.5 --ip 10.0.0.5 --out ./node-10.0.0.5 ${CA} --force`, why: 'rotation: the same issue again, replacing the files' },
  { doc: 'noderoll certs init --dir /etc/noderoll/ca-new --cluster NAME', how: 'host', run: 'noderoll certs init --dir "$WORK/ca-new" --cluster NAME' },
  { doc: 'noderoll certs issue --role reader --name prometheus --out /etc/prometheus/noderoll', how: 'host', run: `noderoll certs issue --role reader --name prometheus --out "$WORK/etc-prometheus-noderoll" ${CA}` },
  { doc: 'noderoll certs init --cluster NAME', how: 'host', run: 'noderoll certs init --cluster NAME --dir "$WORK/ca-readme"' },
  {
    doc: 'npm run bench',
    how: 'host',
    run: 'npm run -s bench -- --dry-run',
    why: 'benchmarks measure the machine for minutes and are never part of CI: the build, argument parsing and benchmark names are run, not the measurement',
  },
  // The build step of `npm run bench` ran just above; the rest run its second half (package.json "bench") to keep the suite fast.
  { doc: 'npm run bench -- journal-scan fan-out', how: 'host', run: 'node dist/bench/run.js --dry-run journal-scan fan-out', why: 'as npm run bench' },
  { doc: 'npm run bench -- --quick', how: 'host', run: 'node dist/bench/run.js --dry-run --quick', why: 'as npm run bench' },
  { doc: 'npm run bench -- --dry-run journal-scan', how: 'host', run: 'node dist/bench/run.js --dry-run journal-scan' },
  // Installing the coordinator (README "Using noderoll on a cluster")
  {
    doc: 'noderoll completion bash > /etc/bash_completion.d/noderoll',
    how: 'host',
    run: 'noderoll completion bash > "$WORK/bash_completion.d-noderoll" && bash --norc -c \'source "$WORK/bash_completion.d-noderoll" && complete -p noderoll\'',
    why: 'not into /etc: the file it writes registers _noderoll in bash (test/unit/coordinator/completion.test.ts drives it)',
  },
  {
    doc: 'noderoll completion zsh > "${fpath[1]}/_noderoll"',
    how: 'host',
    run: 'mkdir "$WORK/zsh-functions" && zsh -f -c \'fpath=("$WORK/zsh-functions" $fpath); noderoll completion zsh > "${fpath[1]}/_noderoll"; autoload -U compinit; compinit -u -D; [[ ${_comps[noderoll]} == _noderoll ]]\'',
    why: "the doc's text in a zsh whose first $fpath directory is the test's: compinit then completes noderoll with _noderoll (test/unit/coordinator/completion.test.ts presses Tab)",
  },
  { doc: 'noderoll completion bash', how: 'host' },
  { doc: 'noderoll completion zsh', how: 'host' },
  { doc: 'noderoll completion --help', how: 'host' },
  // Synopses
  { doc: 'noderoll plan [--to V] [--nodes …] [--exclude …]', how: 'synopsis' },
  { doc: 'noderoll update --to V [--yes] [--confirm-each-node] [--pause-between D] [--nodes …] [--exclude …]', how: 'synopsis' },
  { doc: 'noderoll resume [--yes] [--confirm-each-node] [--pause-between D]', how: 'synopsis' },
  { doc: 'noderoll abort [--now] [--yes]', how: 'synopsis' },
  { doc: 'noderoll hold NODE --reason TEXT', how: 'elsewhere', file: 'test/coordinator/blockers-kubectl.test.ts', contains: "noderoll(['hold', 'node-2', '--reason', 'disk replacement, OPS-1234'])", why: 'the built noderoll sets the hold with the real kubectl against the test API server (NODE = node-2)' },
  { doc: 'noderoll release NODE', how: 'elsewhere', file: 'test/coordinator/blockers-kubectl.test.ts', contains: "noderoll(['release', 'node-2', '-o', 'json'])", why: 'the built noderoll removes the hold with the real kubectl against the test API server (NODE = node-2)' },
  { doc: 'noderoll update --yes', how: 'elsewhere', file: 'test/e2e/os-patch-checks.ts', contains: "s.noderoll(['update', '--yes']", why: 'the kubeadm and k3s profiles end to end: install.mode upgrade-all takes no --to' },
  { doc: 'noderoll rollback NODE', how: 'elsewhere', file: 'test/e2e/rollback-scenarios.ts', contains: "s.noderoll(['rollback', 'node-1', '--yes'])", why: 'the built noderoll rolls node-1 of the halted operation back on the lab by hand: install of the recorded version, a real reboot, post checks, uncordon (NODE = node-1); test/unit/coordinator/rollback-cli.test.ts covers its refusals' },
  { doc: 'noderoll update --to V --yes --detach [--pause-between D] [--nodes …] [--exclude …]', how: 'synopsis' },
  { doc: 'noderoll resume --yes --detach', how: 'synopsis' },
  { doc: 'noderoll update --to VERSION --yes --detach --wait-for-window', how: 'synopsis' },
  { doc: 'noderoll resume --until-window-end', how: 'synopsis' },
  {
    doc: 'noderoll resume --confirm',
    how: 'elsewhere',
    file: 'test/e2e/pool-scenarios.ts',
    contains: "['resume', '--confirm', '--yes']",
    why: 'the pool scenario of the lab suite confirms the canary this way (--yes: no terminal)',
  },
  {
    doc: 'noderoll resume --wait-for-window',
    how: 'elsewhere',
    file: 'test/e2e/window-scenarios.ts',
    contains: "['resume', '--yes', '--wait-for-window']",
    why: 'the maintenance-window scenario of the lab suite resumes a waiting-for-window operation this way (--yes: no terminal)',
  },
  {
    doc: 'noderoll watch [OPERATION]',
    how: 'elsewhere',
    file: 'test/unit/coordinator/watch-detach.test.ts',
    contains: "runCli(['watch', record.id, '--config', config, '-o', 'json'], io.env)",
    why: 'a synopsis without flags: the test watches a given OPERATION, a wrong one and none',
  },
  {
    doc: 'noderoll update --to VERSION --yes --detach',
    how: 'elsewhere',
    file: 'test/unit/coordinator/watch-detach.test.ts',
    contains: "runCli(['update', '--to', TARGET, '--yes', '--detach', '--config', config], env)",
    why: 'the end-to-end test runs it with the real detached-process launcher (a child process over a fake cluster; no systemd on the CI host) and then watches it to completion',
  },
  {
    doc: 'noderoll watch',
    how: 'elsewhere',
    file: 'test/unit/coordinator/watch-detach.test.ts',
    contains: "runCli(['watch', '--config', config, '-o', 'json'], io.env)",
    why: 'watches an update running against a fake cluster to its end; the same file watches a detached run, a halted one and a missing one',
  },
  { doc: 'noderoll report [OPERATION] [--out DIR]', how: 'synopsis' },
  { doc: 'noderoll init --out DIR [--cluster NAME] [--ca-dir DIR] [--etcd-endpoints URL,…] [--agent-settings FILE]', how: 'synopsis' },
  { doc: 'noderoll init --help', how: 'host' },
  { doc: 'noderoll update --metrics-address', how: 'synopsis', why: 'a flag named in prose' },
  // Against the lab the demo left up
  { doc: 'eval "$(npm run -s lab -- env)"', how: 'lab', run: 'eval "$(npm run -s lab -- env)" && test "$(type -t noderoll)" = file && test "$(type -t gravity)" = file', why: 'the promise: noderoll and gravity are programs on PATH, not aliases' },
  { doc: 'npm run lab -- env', how: 'lab' },
  { doc: 'npm run lab -- status', how: 'lab' },
  { doc: 'noderoll status', how: 'lab' },
  { doc: 'noderoll check', how: 'lab' },
  { doc: 'kubectl get --raw /readyz?verbose', how: 'elsewhere', file: 'test/unit/coordinator/api-server-gate.test.ts', contains: 'new ApiServerReadyGate(new KubectlReadyzReader(kubectl))', why: "the apiserver gate (kubeadm, k3s) runs it with the real kubectl, as deploy/'s ServiceAccount, against the test API server's /readyz" },
  { doc: 'kubectl get nodes', how: 'lab' },
  { doc: 'kubectl get nodes -L noderoll.io/phase', how: 'lab' },
  { doc: 'gravity status', how: 'lab' },
  { doc: 'gravity status --output=json|text', how: 'lab', run: 'gravity status --output=json && gravity status --output=text' },
  { doc: 'noderoll plan --to VERSION', how: 'lab', run: 'noderoll plan --to "$NODEROLL_LAB_UPDATE_VERSION"' },
  { doc: 'noderoll plan', how: 'lab', run: 'noderoll plan --to "$NODEROLL_LAB_UPDATE_VERSION"', why: 'bench/README.md names the command; --to is required' },
  { doc: 'noderoll report', how: 'lab', run: 'cd "$WORK" && noderoll report && ls "$WORK"/*.html', why: 'in $WORK: the report is written to the current directory' },
  {
    doc: 'noderoll resume',
    how: 'lab',
    run: 'noderoll resume --yes',
    exit: 5,
    why: 'the test has no terminal to confirm on, so --yes (an operator at a terminal answers the prompt); after the completed demo update there is nothing to resume (exit 5, not 2: the command line is right)',
  },
  { doc: 'noderoll abort', how: 'lab', exit: 5, why: 'no operation is running (exit 5, not 2)' },
  { doc: 'systemctl reload noderoll-agent', how: 'lab-node' },
  { doc: 'journalctl -u noderoll-agent -o cat | grep \'"audit":true\'', how: 'lab-node', why: "the demo's update made mutating calls: audit lines exist" },
  { doc: 'journalctl -o json', how: 'lab-node', run: 'journalctl -o json -n 1 | grep -q __CURSOR', why: 'the last entry is enough to see the JSON form' },
  { doc: 'npm run lab -- down', how: 'lab', why: 'last: takes the shared lab down' },
];
