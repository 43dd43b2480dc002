import { EXIT_CODE_HELP } from './exit-codes.js';
import { CERTS_SUBCOMMANDS, CERTS_SUMMARY } from '../certs/certs-command.js';
import { flagsHelp, type FlagSpec } from '../../shared/cli/flag-parser.js';
import { listenAddressProblem } from '../../shared/validation/host-port.js';
import { kubeContextProblem } from '../../shared/validation/kube-names.js';
import { nodeNameProblem } from '../../shared/validation/node-name.js';
import { versionProblem } from '../../shared/validation/version.js';
import { FieldError, showValue } from '../../shared/validation/field-error.js';
import { checkCommonName } from '../../shared/pki/openssl.js';
import { webhookUrlProblem } from '../config/validate-config.js';
import { UNTIL_WINDOW_END, WAIT_FOR_WINDOW } from './window-mode-flags.js';

export type CommandName = 'check' | 'plan' | 'update' | 'status' | 'resume' | 'abort' | 'report' | 'init' | 'watch' | 'hold' | 'release' | 'rollback';

export interface CommandSpec {
  name: CommandName;
  summary: string;
  usage: string;
  description: string;
  flags: readonly FlagSpec[];
  examples: readonly string[];
  /** The one word after the command that is not a flag, when it takes one (hold and release: NODE, required). */
  argument?: ArgumentSpec & { check: (value: string) => string | undefined };
}

const NODE_LIST = { separator: ',', item: 'node name' };
const OUTPUT_FORMATS = ['text', 'json'];

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'config', kind: 'string', value: 'PATH', help: 'config file (default: $NODEROLL_CONFIG, else /etc/noderoll/config.yaml)' },
  { name: 'kubeconfig', kind: 'string', value: 'PATH', help: 'kubeconfig for kubectl (overrides kubernetes.kubeconfig)' },
  { name: 'context', kind: 'string', check: kubeContextProblem, value: 'NAME', help: 'kubeconfig context (overrides kubernetes.context)' },
  { name: 'output', short: 'o', kind: 'string', choices: OUTPUT_FORMATS, check: (v) => (OUTPUT_FORMATS.includes(v) ? undefined : `must be ${OUTPUT_FORMATS.join(' or ')}, got ${showValue(v)}`), value: 'text|json', help: 'text (default; a live per-node view on a terminal) or json (NDJSON, one event per line)' },
  { name: 'log-file', kind: 'string', value: 'PATH', help: 'pino JSON log file (overrides log.file)' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'show this help' },
];

const NODES: FlagSpec = { name: 'nodes', kind: 'list', split: NODE_LIST, check: nodeNameProblem, value: 'NAME[,NAME…]', help: 'only these nodes (names from the config; repeatable)' };
const EXCLUDE: FlagSpec = { name: 'exclude', kind: 'list', split: NODE_LIST, check: nodeNameProblem, value: 'NAME[,NAME…]', help: 'not these nodes (repeatable)' };
const YES: FlagSpec = { name: 'yes', short: 'y', kind: 'boolean', help: 'do not ask for confirmation (required when stdin is not a terminal)' };
const CONFIRM_CANARY: FlagSpec = { name: 'confirm', kind: 'boolean', help: 'confirm the canary the operation waits for (status waiting-for-confirmation) and continue' };
const CONFIRM_EACH: FlagSpec = { name: 'confirm-each-node', kind: 'boolean', help: 'ask before starting each node (needs a terminal)' };
const METRICS_ADDRESS: FlagSpec = { name: 'metrics-address', kind: 'string', check: listenAddressProblem, value: 'HOST:PORT', help: "serve the run's Prometheus /metrics here (e.g. 127.0.0.1:9477)" };
const DETACH: FlagSpec = { name: 'detach', kind: 'boolean', help: 'run on in the background, surviving this terminal and SSH session (needs --yes); prints how to follow it' };
const PAUSE: FlagSpec = { name: 'pause-between', kind: 'duration', value: 'DURATION', help: 'wait this long between nodes, after the soak (e.g. 5m)' };

/** An etcd client URL for --etcd-endpoints: http(s), no credentials, no path. */
function etcdEndpointProblem(v: string): string | undefined {
  const problem = webhookUrlProblem(v);
  if (problem) return problem;
  const url = new URL(v);
  return url.pathname !== '/' || url.search || url.hash ? `${showValue(v)} must be scheme://host:port only (e.g. https://10.0.0.11:2379)` : undefined;
}

function clusterNameProblem(v: string): string | undefined {
  try {
    checkCommonName('--cluster', v);
    return undefined;
  } catch (err) {
    return err instanceof FieldError ? err.problem : String(err);
  }
}

const DETACH_HELP =
  'With --detach (needs --yes) it runs on as a transient systemd unit (systemd-run --unit noderoll-COMMAND-OPERATION),\n' +
  'or without systemd as a process in its own session writing to OPERATION.out beside the state file; this command\n' +
  'returns once that coordinator has taken over the operation (or with its error when it did not start) and prints\n' +
  'how to follow it (noderoll watch) and stop it (noderoll abort).';

const WINDOWS_HELP =
  'With maintenance windows configured (windows:), a node starts only inside a window whose remainder covers the\n' +
  "node's expected duration (the longest node so far, at least schedule.nodeDurationFloor); otherwise the run stops\n" +
  'at that safe point with status waiting-for-window and exit 4 (--until-window-end, the default), or waits for the\n' +
  'next window that fits (--wait-for-window). The choice is kept with the operation for resume.\n';

const globalFlag = (name: string): FlagSpec => GLOBAL_FLAGS.find((f) => f.name === name)!;

const INIT_FLAGS: readonly FlagSpec[] = [
  { name: 'out', kind: 'string', value: 'DIR', help: 'where to write config.yaml, pki/ and nodes/NODE/ (required; created 0700; a re-run adds new nodes)' },
  { name: 'cluster', kind: 'string', check: clusterNameProblem, value: 'NAME', help: "cluster name in a new CA (default: gravity status's cluster domain)" },
  { name: 'ca-dir', kind: 'string', value: 'DIR', help: 'use this existing CA (noderoll certs init) instead of DIR/pki' },
  { name: 'etcd-endpoints', kind: 'list', split: { separator: ',', item: 'URL' }, maxItems: 16, check: etcdEndpointProblem, value: 'URL[,URL…]', help: "etcd client URLs for the etcd gate and the backup (default: Gravity's gravity exec etcdctl)" },
  { name: 'agent-settings', kind: 'string', value: 'FILE', help: 'YAML of site-wide agent settings (install.command, packages.watch, planetChecks…) merged into every agent.yaml' },
  globalFlag('kubeconfig'),
  globalFlag('context'),
  { ...globalFlag('output'), help: 'text (default) or json (one summary document)' },
  globalFlag('help'),
];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'check',
    summary: 'check the cluster gates now',
    usage: 'noderoll check [flags]',
    description:
      'Runs every gate once: gravity status (cluster active, every node healthy), etcd health (every member),\n' +
      'every pod Running or Succeeded, every Node Ready and schedulable, every agent reachable; when configured,\n' +
      'no matching Prometheus alert active (gates.alerts) and no pod matching gates.blockingPods still running.\n' +
      'Prints what failed and why. Exit 0 when all pass, 3 when any fails.',
    flags: GLOBAL_FLAGS,
    examples: ['noderoll check', 'noderoll check -o json | jq .'],
  },
  {
    name: 'plan',
    summary: 'show the plan and preflight every agent, changing nothing',
    usage: 'noderoll plan [--to VERSION] [--nodes …] [--exclude …] [flags]',
    description:
      'The dry run: the order nodes would be updated in (masters one at a time first, then workers, or the\n' +
      'config order with `order: listed`), the runbook steps of each node, and a read-only preflight of every\n' +
      'agent (reachable, contract version, planet unit found, install command present, free disk space,\n' +
      'installed version). With maintenance windows (windows:), the schedule: which nodes fit in the current window at\n' +
      'the expected node duration and when the rest would run. Exit 0 when every preflight check passes, 3 otherwise.',
    flags: [...GLOBAL_FLAGS, { name: 'to', kind: 'string', check: versionProblem, value: 'VERSION', help: 'target version, to show which nodes need it' }, NODES, EXCLUDE],
    examples: ['noderoll plan --to 7.0.68', 'noderoll plan --nodes 10.0.0.2,10.0.0.3'],
  },
  {
    name: 'update',
    summary: 'update the nodes to VERSION, one at a time',
    usage: 'noderoll update --to VERSION [--yes] [--confirm-each-node | --detach] [--pause-between DURATION] [--wait-for-window | --until-window-end] [--nodes …] [--exclude …] [flags]',
    description:
      'Runs the plan. Refuses to start unless every gate and preflight check passes. Per node: gates → backup\n' +
      '(once) → journal baseline → drain → find and stop the planet unit → install → reboot → wait for a new\n' +
      'boot ID, Node Ready with a fresh heartbeat and the target version → post checks → uncordon → gates pass\n' +
      'N times in a row → next node. A failure halts with the node left cordoned and prints the resume command.\n' +
      'Ctrl-C stops at the next safe point (twice: at the next step boundary).\n' +
      WINDOWS_HELP +
      DETACH_HELP,
    flags: [...GLOBAL_FLAGS, { name: 'to', kind: 'string', check: versionProblem, value: 'VERSION', help: 'target package version (required with install.mode command, refused with the other modes)' }, YES, CONFIRM_EACH, DETACH, PAUSE, WAIT_FOR_WINDOW, UNTIL_WINDOW_END, NODES, EXCLUDE, METRICS_ADDRESS],
    examples: ['noderoll update --to 7.0.68', 'noderoll update --to 7.0.68 --yes -o json > events.ndjson', 'noderoll update --to 7.0.68 --confirm-each-node --pause-between 10m', 'noderoll update --to 7.0.68 --yes --detach', 'noderoll update --to 7.0.68 --yes --detach --wait-for-window'],
  },
  {
    name: 'status',
    summary: 'where the current or last operation stands, and the earlier ones kept',
    usage: 'noderoll status [flags]',
    description:
      'Per node: status, current/last step, timings, last error; whether a coordinator is running it; the resume\n' +
      'command when it halted. Then the earlier operations the state keeps (state.history, newest first): ID, target\n' +
      'version, status, start, end, nodes done of all (-o json: `history`). Exit codes tell of the current or last\n' +
      'operation: 0 (completed, running, or no operation), 1 (halted), 4 (interrupted, or waiting-for-window: stopped\n' +
      'until a maintenance window, with when the next one that fits opens).',
    flags: GLOBAL_FLAGS,
    examples: ['noderoll status', 'noderoll status -o json'],
  },
  {
    name: 'resume',
    summary: 'continue a halted, interrupted or crashed operation',
    usage: 'noderoll resume [--yes] [--confirm] [--confirm-each-node | --detach] [--pause-between DURATION] [--wait-for-window | --until-window-end] [flags]',
    description:
      'Continues the last operation where it stands, re-reading reality rather than trusting the record: a node\n' +
      'that already rebooted (new boot ID) is not rebooted again, the agent answers a repeated install with its\n' +
      'recorded result, idempotent steps (drain, post checks, uncordon, gates) run again. The maintenance windows\n' +
      'apply again; --wait-for-window / --until-window-end replace the mode the operation was started with.\n' +
      'An operation stopped after its canary (status waiting-for-confirmation) continues with --confirm.\n' +
      DETACH_HELP,
    flags: [...GLOBAL_FLAGS, YES, CONFIRM_CANARY, CONFIRM_EACH, DETACH, PAUSE, WAIT_FOR_WINDOW, UNTIL_WINDOW_END, METRICS_ADDRESS],
    examples: ['noderoll resume --config /etc/noderoll/config.yaml', 'noderoll resume --yes --detach', 'noderoll resume --confirm --yes'],
  },
  {
    name: 'abort',
    summary: 'stop the running operation at its next safe point',
    usage: 'noderoll abort [--now] [--yes] [flags]',
    description:
      'Asks the running coordinator to stop at its next safe point (no node left out of service); with --now,\n' +
      'at its next step boundary. When no coordinator is running, --yes abandons the halted operation so that a\n' +
      'new update can start (nodes are left as they are; the command says which one is still cordoned).',
    flags: [...GLOBAL_FLAGS, { name: 'now', kind: 'boolean', help: 'stop at the next step boundary, even with a node out of service' }, YES],
    examples: ['noderoll abort', 'noderoll abort --yes   # abandon a halted operation'],
  },
  {
    name: 'report',
    summary: 'write the record of an operation as Markdown and a self-contained HTML page',
    usage: 'noderoll report [OPERATION] [--out DIR] [flags]',
    description:
      'Writes DIR/OPERATION.md and DIR/OPERATION.html (default DIR: the current directory) from the state:\n' +
      'per node each step with start, end, duration and result, versions and boot IDs before and after, gate\n' +
      'results, journal findings, and a timeline chart with one lane per node. OPERATION defaults to the current\n' +
      'or last operation; it may name an earlier one the state keeps (state.history; noderoll status lists them),\n' +
      'else exit 5 names those it keeps. Prints the paths. Reads the state only.',
    flags: [...GLOBAL_FLAGS, { name: 'out', kind: 'string', value: 'DIR', help: 'directory to write the report to (default: .; created if missing)' }],
    examples: ['noderoll report --out /var/tmp/noderoll-reports', 'noderoll report nr-20261127-031500-abcd -o json'],
  },
  {
    name: 'watch',
    summary: 'follow an operation live, from any host that can read the state',
    usage: 'noderoll watch [OPERATION] [flags]',
    description:
      'Shows the current or last operation (or OPERATION, which must be it) as `update` does: the live per-node\n' +
      'view on a terminal, NDJSON events with -o json, derived from the operation record, which it reads every\n' +
      'second and never changes. It first replays what already happened. Step progress messages, command output\n' +
      'and gate reports are not in the record: watch shows steps starting, completing and failing, and the outcome.\n' +
      'Ends with the operation, with its exit code as `update` gives it (0 completed, 1 halted, 4 interrupted,\n' +
      'waiting-for-window or abandoned, or when its coordinator is gone); Ctrl-C stops watching only (exit 4). Exit 5:\n' +
      'no such operation.',
    flags: GLOBAL_FLAGS,
    examples: ['noderoll watch', 'noderoll watch nr-20261127-031500-abcd -o json'],
  },
  {
    name: 'init',
    summary: 'onboard a cluster: config, CA and certificates, one agent bundle per node',
    usage: 'noderoll init --out DIR [--cluster NAME] [--ca-dir DIR] [--etcd-endpoints URL,…] [--agent-settings FILE] [--kubeconfig PATH] [--context NAME]',
    description:
      'Reads the nodes through kubectl (names, InternalIP, roles from the labels, kubelet versions, the Kubernetes\n' +
      'version) and `gravity status` when gravity is on PATH, then writes DIR/config.yaml (the annotated example with\n' +
      'these nodes), a CA in DIR/pki (or uses --ca-dir) with a coordinator and a reader (Prometheus) certificate, and\n' +
      'per node DIR/nodes/NODE/agent.yaml and tls/ (its certificate names the node and its IP): what goes to\n' +
      '/etc/noderoll/ on the node. Prints the commands that install each bundle, then `noderoll plan`.\n' +
      'Run again after nodes joined: only they are added (existing certificates and edits stay; a node that left is\n' +
      'reported, not removed). Refuses, writing nothing, a node without InternalIP, an invalid node name, or a role\n' +
      'on which the labels and gravity disagree (exit 3).',
    flags: INIT_FLAGS,
    examples: ['noderoll init --out ./noderoll-prod', 'noderoll init --out ./noderoll-prod --agent-settings site-agent.yaml --etcd-endpoints https://10.0.0.11:2379'],
  },
  {
    name: 'hold',
    summary: 'keep a node out of every update until it is released, saying why',
    usage: 'noderoll hold NODE --reason TEXT [flags]',
    description:
      'Annotates the Kubernetes node noderoll.io/hold=TEXT (kubectl annotate --overwrite; a second hold replaces\n' +
      'the reason). An operation asks before it starts each node: a held node is waited for (hold.policy: wait, the\n' +
      'default: asked again every soak interval, and after timeouts.gatesBeforeNode the operation halts naming the\n' +
      'reason) or skipped with the reason (hold.policy: skip). A node already in progress finishes. `noderoll plan`\n' +
      'shows held nodes. TEXT: one line, at most 256 characters. Exit 0 when set, 2 when NODE does not exist.',
    flags: [...GLOBAL_FLAGS, { name: 'reason', kind: 'string', value: 'TEXT', help: 'why the node is held, shown in plan, events and the report (required)' }],
    examples: ['noderoll hold 10.0.0.3 --reason "disk replacement, ticket OPS-1234"'],
    argument: { value: 'NODE', check: nodeNameProblem },
  },
  {
    name: 'release',
    summary: 'release a held node: operations may start it again',
    usage: 'noderoll release NODE [flags]',
    description:
      'Removes the noderoll.io/hold annotation of the Kubernetes node (kubectl annotate noderoll.io/hold-). An\n' +
      'operation waiting for the node starts it at its next ask. Exit 0 (also when the node was not on hold),\n' +
      '2 when NODE does not exist.',
    flags: GLOBAL_FLAGS,
    examples: ['noderoll release 10.0.0.3'],
    argument: { value: 'NODE', check: nodeNameProblem },
  },
  {
    name: 'rollback',
    summary: 'put a node of the stopped operation back on the version it had before the update',
    usage: 'noderoll rollback NODE [--yes] [flags]',
    description:
      'For a node of the current halted or interrupted operation whose install has run: drains it (a no-op when\n' +
      'drained), stops planet, installs the version recorded right before the update (its rollback point) through\n' +
      "the agent's allow-listed install command, reboots, waits for the new boot on that version, runs the post\n" +
      'checks and uncordons it, as onFailure: rollback does by itself. The operation stays stopped; resume updates\n' +
      'the node from the start. Exit 0 when the node is back, 1 when the rollback failed (the node stays cordoned),\n' +
      '5 when there is no such operation or node, or no rollback point.',
    flags: [...GLOBAL_FLAGS, YES],
    examples: ['noderoll rollback 10.0.0.3', 'noderoll rollback 10.0.0.3 --yes -o json'],
    argument: { value: 'NODE', check: nodeNameProblem },
  },
];

/** A word after a command that is not a flag: its placeholder and, when they are a fixed set, its values. */
export interface ArgumentSpec {
  value: string;
  choices?: readonly string[];
}

/**
 * A command that reads its own command line, without the config and flags of the operation commands
 * above (`certs` with its subcommands, `completion`): `noderoll --help` lists it after them, and shell
 * completion offers it with its subcommands, flags and argument.
 */
export interface StandaloneCommandSpec {
  name: string;
  summary: string;
  flags: readonly FlagSpec[];
  argument?: ArgumentSpec;
  subcommands?: readonly StandaloneCommandSpec[];
}

export const COMPLETION_SHELLS = ['bash', 'zsh'];

export const STANDALONE_COMMANDS: readonly StandaloneCommandSpec[] = [
  { name: 'certs', summary: CERTS_SUMMARY, flags: [{ name: 'help', short: 'h', kind: 'boolean', help: 'show the help of noderoll certs' }], subcommands: CERTS_SUBCOMMANDS },
  {
    name: 'completion',
    summary: 'print the shell completion script for bash or zsh (noderoll completion --help)',
    flags: [{ name: 'help', short: 'h', kind: 'boolean', help: 'show how to install it' }],
    argument: { value: 'SHELL', choices: COMPLETION_SHELLS },
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The left column of every command's flag help. */
const FLAG_COLUMN = 38;

export function commandHelp(spec: CommandSpec): string {
  return [
    `${spec.summary}`,
    '',
    `Usage: ${spec.usage}`,
    '',
    spec.description,
    '',
    'Flags:',
    flagsHelp(spec.flags, FLAG_COLUMN),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    EXIT_CODE_HELP,
    '',
  ].join('\n');
}

function commandList(): string[] {
  const all = [...COMMANDS, ...STANDALONE_COMMANDS];
  const width = Math.max(...all.map((c) => c.name.length));
  return all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
}

export function mainHelp(): string {
  return [
    'noderoll: safe, resumable rolling update of an on-prem Kubernetes (Gravity) cluster, one node at a time.',
    '',
    'Usage: noderoll COMMAND [flags]',
    '',
    'Commands:',
    ...commandList(),
    '',
    'Flags of every command:',
    flagsHelp(GLOBAL_FLAGS, FLAG_COLUMN),
    '',
    'Run `noderoll COMMAND --help` for a command\'s flags.',
    '',
    EXIT_CODE_HELP,
    '',
  ].join('\n');
}
