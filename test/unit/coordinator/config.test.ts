import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration, formatDuration } from '../../../shared/validation/duration.js';
import { loadConfig, parseConfigText } from '../../../coordinator/config/load-config.js';
import { ConfigError } from '../../../shared/config/config-error.js';
import { makeStateStore } from '../../../coordinator/cli/services.js';
import { KubectlClient } from '../../../coordinator/cluster/kubectl.js';
import { KubernetesStateStore } from '../../../coordinator/state/kubernetes-state-store.js';

const MINIMAL = `
nodes:
  - name: 10.0.0.1
    agent: 10.0.0.1:7443
agents:
  tls: { ca: ca.pem, cert: coordinator.pem, key: coordinator-key.pem }
`;

function issues(text: string): { path: string; message: string; line?: number }[] {
  try {
    parseConfigText(text, '/etc/noderoll/config.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => ({ path: p.field, message: p.problem, ...(p.line !== undefined ? { line: p.line } : {}) }));
    throw err;
  }
  throw new Error('config was accepted');
}

function expectIssue(text: string, path: string, message: RegExp): void {
  const found = issues(text);
  const hit = found.find((i) => i.path === path);
  expect(hit, `no issue at ${path}; got ${JSON.stringify(found)}`).to.not.equal(undefined);
  expect(hit!.message).to.match(message);
}

describe('coordinator config', () => {
  it('fills every default and resolves paths relative to the config file', () => {
    const c = parseConfigText(MINIMAL, '/etc/noderoll/config.yaml');
    expect(c.nodes).to.deep.equal([{ name: '10.0.0.1', agent: '10.0.0.1:7443' }]);
    expect(c.order).to.equal('roles');
    expect(c.agents.tls).to.deep.equal({ ca: '/etc/noderoll/ca.pem', cert: '/etc/noderoll/coordinator.pem', key: '/etc/noderoll/coordinator-key.pem' });
    expect(c.gates.gravity.argv).to.deep.equal(['gravity', 'status', '--output=json']);
    expect(c.gates.etcd.argv).to.deep.equal(['gravity', 'exec', '--no-tty', '--no-interactive', '/usr/bin/etcdctl', 'cluster-health']);
    expect(c.timeouts.drainMs).to.equal(600_000);
    expect(c.soak).to.deep.equal({ intervalMs: 15_000, passes: 3, timeoutMs: 900_000 });
    expect(c.pools, 'no pools: the default masters, then workers').to.deep.equal([]);
    expect(c.canary).to.equal(undefined);
    expect(c.drain).to.deep.equal({ onBlocked: 'wait' });
    expect(parseConfigText(MINIMAL + 'drain: { onBlocked: halt }\n', '/etc/noderoll/config.yaml').drain).to.deep.equal({ onBlocked: 'halt' });
    expect(c.state).to.deep.equal({
      backend: 'file',
      file: '/var/lib/noderoll/state.json',
      history: 5,
      kubernetes: { namespace: 'noderoll-system', leaseName: 'noderoll', configMapName: 'noderoll-operation', leaseDurationMs: 30_000 },
    });
    expect(c.backup.argv).to.deep.equal(['etcdctl', 'snapshot', 'save', '{artifact}']);
  });

  it('verifies the backup by default and refuses an unverifiable one unless the operator opts out explicitly', () => {
    const c = parseConfigText(MINIMAL, '/etc/noderoll/config.yaml');
    expect(c.backup.verifyArgv).to.deep.equal(['etcdctl', 'snapshot', 'status', '{artifact}', '-w', 'json']);
    expect(c.backup.env).to.deep.equal({ ETCDCTL_API: '3' });
    expect(c.backup.allowUnverified).to.equal(false);
    const refused = (yaml: string): string => {
      try {
        parseConfigText(MINIMAL + yaml, '/etc/noderoll/config.yaml');
      } catch (err) {
        return (err as Error).message;
      }
      return expect.fail('accepted');
    };
    expect(refused('backup: { command: [gravity, backup, "{artifact}"], artifact: "/b/{operation}.tar.gz" }\n')).to.match(/backup\.verifyCommand \(line \d+\): the default .* checks an etcd snapshot, but backup\.command is not/);
    const optedOut = parseConfigText(MINIMAL + 'backup: { command: [gravity, backup, "{artifact}"], artifact: "/b/{operation}.tar.gz", allowUnverified: true }\n', '/etc/noderoll/config.yaml');
    expect(optedOut.backup).to.deep.include({ verifyArgv: [], allowUnverified: true });
    const gravity = parseConfigText(MINIMAL + 'backup: { command: [gravity, backup, "{artifact}"], artifact: "/b/{operation}.tar.gz", verifyCommand: [tar, -tzf, "{artifact}"] }\n', '/etc/noderoll/config.yaml');
    expect(gravity.backup.verifyArgv).to.deep.equal(['tar', '-tzf', '{artifact}']);
  });

  it('accepts the documented example config, whose values are the defaults', async () => {
    const { fileURLToPath } = await import('node:url');
    const example = fileURLToPath(new URL('../../../../coordinator/config/example-config.yaml', import.meta.url));
    const c = await loadConfig(example);
    const d = parseConfigText(MINIMAL, '/etc/noderoll/config.yaml');
    expect(c.nodes).to.have.length(4);
    for (const key of ['order', 'gates', 'backup', 'install', 'timeouts', 'drain', 'soak', 'journal', 'planet', 'preflight', 'state', 'log', 'pools', 'canary', 'pauseBetweenMs'] as const) {
      expect(c[key], key).to.deep.equal(d[key]);
    }
  });

  it('state.backend kubernetes selects the Lease + ConfigMap store on the coordinator\'s kubectl, with the configured names', () => {
    const c = parseConfigText(MINIMAL + 'state: { backend: kubernetes, history: 3, kubernetes: { namespace: ops, leaseName: roll, configMapName: roll-op, leaseDuration: 12s } }\n', '/etc/noderoll/config.yaml');
    expect(c.state.kubernetes).to.deep.equal({ namespace: 'ops', leaseName: 'roll', configMapName: 'roll-op', leaseDurationMs: 12_000 });
    const kubectl = new KubectlClient({ kubectl: 'kubectl', callTimeoutMs: 1000 });
    const store = makeStateStore(c, kubectl, { now: () => 0, sleep: async () => undefined });
    expect(store).to.be.instanceOf(KubernetesStateStore);
    expect(store.location).to.equal('configmap ops/roll-op');
    expect(makeStateStore(parseConfigText(MINIMAL, '/etc/noderoll/config.yaml'), kubectl, { now: () => 0, sleep: async () => undefined }).location).to.equal('/var/lib/noderoll/state.json');
  });

  it('v3 etcd format gets the v3 default command', () => {
    const c = parseConfigText(MINIMAL + 'gates: { etcd: { format: v3 } }\n', '/c.yaml');
    expect(c.gates.etcd.argv).to.include('endpoint').and.include('json');
  });

  const bad: [string, string, string, RegExp][] = [
    ['unknown top-level field, with a suggestion', MINIMAL + 'Soak: { passes: 2 }\n', 'Soak', /unknown field \(did you mean "soak"\?\)/],
    ['unknown nested field', MINIMAL + 'gates: { etcd: { comand: [etcdctl] } }\n', 'gates.etcd.comand', /unknown field/],
    ['no nodes', 'agents: { insecurePlaintext: true }\n', 'nodes', /is required/],
    ['empty node list', 'nodes: []\nagents: { insecurePlaintext: true }\n', 'nodes', /at least one node/],
    ['node name with shell metacharacters', MINIMAL.replace('name: 10.0.0.1', 'name: "n1;reboot"'), 'nodes[0].name', /not a Kubernetes node name/],
    ['agent without port', MINIMAL.replace('agent: 10.0.0.1:7443', 'agent: 10.0.0.1'), 'nodes[0].agent', /host:port/],
    ['agent port out of range', MINIMAL.replace('agent: 10.0.0.1:7443', 'agent: 10.0.0.1:70000'), 'nodes[0].agent', /port/],
    ['role not master/node', MINIMAL.replace('agent: 10.0.0.1:7443', 'agent: 10.0.0.1:7443\n    role: boss'), 'nodes[0].role', /one of master, node/],
    ['duplicate node', MINIMAL.replace('agents:', '  - { name: 10.0.0.1, agent: "10.0.0.2:7443" }\nagents:'), 'nodes[1].name', /listed twice/],
    ['bad duration', MINIMAL + 'timeouts: { drain: 10 minutes }\n', 'timeouts.drain', /not a duration/],
    ['negative duration', MINIMAL + 'timeouts: { reboot: -5 }\n', 'timeouts.reboot', /non-negative/],
    ['duration too long', MINIMAL + 'timeouts: { reboot: 9000h }\n', 'timeouts.reboot', /at most/],
    ['passes not a number', MINIMAL + 'soak: { passes: three }\n', 'soak.passes', /whole number/],
    ['passes out of range', MINIMAL + 'soak: { passes: 0 }\n', 'soak.passes', /between 1 and 100/],
    ['soak timeout shorter than the passes', MINIMAL + 'soak: { passes: 10, interval: 1m, timeout: 2m }\n', 'soak.timeout', /shorter than/],
    ['unknown drain policy', MINIMAL + 'drain: { onBlocked: force }\n', 'drain.onBlocked', /one of wait, halt/],
    ['unknown drain field', MINIMAL + 'drain: { onBlock: halt }\n', 'drain.onBlock', /unknown field \(did you mean "onBlocked"\?\)/],
    ['top-level maxUnavailable', MINIMAL + 'maxUnavailable: 2\n', 'maxUnavailable', /replaced by pools\[\]\.maxUnavailable/],
    ['pool without a selector', MINIMAL + 'pools: [{ name: workers }]\n', 'pools[0].selector', /required/],
    ['pool with a bad selector', MINIMAL + 'pools: [{ name: w, selector: "a in ()" }]\n', 'pools[0].selector', /needs at least one value/],
    ['pool budget 0', MINIMAL + 'pools: [{ name: w, selector: role=w, maxUnavailable: 0 }]\n', 'pools[0].maxUnavailable', /whole number of nodes \(at least 1\) or a percentage/],
    ['pool budget 150%', MINIMAL + 'pools: [{ name: w, selector: role=w, maxUnavailable: "150%" }]\n', 'pools[0].maxUnavailable', /percentage "1%".."100%"/],
    ['pool named twice', MINIMAL + 'pools: [{ name: w, selector: a=b }, { name: w, selector: c=d }]\n', 'pools[1].name', /listed twice/],
    ['canary scope', MINIMAL + 'canary: { scope: cluster }\n', 'canary.scope', /one of pool, operation/],
    ['canary nodes 0', MINIMAL + 'canary: { nodes: 0 }\n', 'canary.nodes', /between 1 and/],
    ['command as a shell string', MINIMAL + 'gates: { etcd: { command: "etcdctl cluster-health; rm -rf /" } }\n', 'gates.etcd.command', /must be a list \(argv\)/],
    ['empty command', MINIMAL + 'backup: { command: [] }\n', 'backup.command', /must not be empty: name a program/],
    ['an empty argument (the agent refuses them too)', MINIMAL + 'gates: { gravity: { command: [gravity, "", status] } }\n', 'gates.gravity.command[1]', /must not be empty/],
    ['a program as a relative path', MINIMAL + 'backup: { command: [bin/etcdctl, snapshot, save, "{artifact}"] }\n', 'backup.command[0]', /"bin\/etcdctl" must be an absolute path or a name looked up in PATH/],
    ['an env value with a line break', MINIMAL + 'backup: { env: { ETCDCTL_API: "3\\nX=1" } }\n', 'backup.env.ETCDCTL_API', /control characters/],
    ['argv with a newline', MINIMAL + 'backup: { command: ["gravity", "backup\\n--evil"] }\n', 'backup.command[1]', /control characters/],
    ['unknown placeholder', MINIMAL + 'backup: { command: [gravity, backup, "{path}"] }\n', 'backup.command[2]', /unknown placeholder \{path\}/],
    ['artifact that would be overwritten', MINIMAL + 'backup: { artifact: /var/backups/latest.tar.gz }\n', 'backup.artifact', /must contain \{operation\} or \{time\}/],
    ['bad regex in journal.ignore', MINIMAL + 'journal: { ignore: ["(unclosed"] }\n', 'journal.ignore[0]', /not a valid regular expression/],
    ['bad env var name', MINIMAL + 'gates: { etcd: { env: { "BAD-NAME": x } } }\n', 'gates.etcd.env.BAD-NAME', /environment variable name/],
    ['TLS missing without insecurePlaintext', 'nodes: [{ name: a, agent: "a:1" }]\n', 'agents.tls.ca', /mutual TLS is the default/],
    ['wrong type for a section', MINIMAL + 'timeouts: 5m\n', 'timeouts', /must be a mapping/],
    ['boolean as string', MINIMAL + 'gates: { pods: { enabled: "yes" } }\n', 'gates.pods.enabled', /true or false/],
    ['bad log level', MINIMAL + 'log: { level: loud }\n', 'log.level', /one of fatal/],
    ['unknown state backend', MINIMAL + 'state: { backend: etcd }\n', 'state.backend', /one of file, kubernetes/],
    ['a lease duration in fractions of a second', MINIMAL + 'state: { kubernetes: { leaseDuration: 7500ms } }\n', 'state.kubernetes.leaseDuration', /whole seconds/],
    ['a lease too short to renew', MINIMAL + 'state: { kubernetes: { leaseDuration: 2s } }\n', 'state.kubernetes.leaseDuration', /at least 6000 ms/],
    ['a lease name with capitals', MINIMAL + 'state: { kubernetes: { leaseName: Noderoll } }\n', 'state.kubernetes.leaseName', /not a Kubernetes object name/],
    ['a state namespace with a slash', MINIMAL + 'state: { kubernetes: { namespace: a/b } }\n', 'state.kubernetes.namespace', /not a namespace name/],
    ['history out of range', MINIMAL + 'state: { history: 51 }\n', 'state.history', /between 0 and 50/],
    ['bad namespace', MINIMAL + 'gates: { pods: { ignoreNamespaces: ["Kube_System"] } }\n', 'gates.pods.ignoreNamespaces[0]', /namespace/],
    ['unit pattern with a slash', MINIMAL + 'planet: { unitPattern: "../../etc/*" }\n', 'planet.unitPattern', /not a unit-name pattern/],
    ['bad apiVersion', 'apiVersion: v2\n' + MINIMAL, 'apiVersion', /noderoll.io\/v1alpha1/],
    ['bad disk size', MINIMAL + 'preflight: { minFreeDisk: lots }\n', 'preflight.minFreeDisk', /size/],
    ['a window day that is no day', MINIMAL + 'windows: [{ days: [mon, funday], start: "22:00", end: "04:00", timeZone: UTC }]\n', 'windows[0].days[1]', /"funday" is not a day; use sun, mon/],
    ['a window without days', MINIMAL + 'windows: [{ start: "22:00", end: "04:00", timeZone: UTC }]\n', 'windows[0].days', /is required/],
    ['a window with an empty day list', MINIMAL + 'windows: [{ days: [], start: "22:00", end: "04:00", timeZone: UTC }]\n', 'windows[0].days', /at least one day/],
    ['a window start that is not HH:MM', MINIMAL + 'windows: [{ days: [mon], start: "22h", end: "04:00", timeZone: UTC }]\n', 'windows[0].start', /not a time of day HH:MM/],
    ['a window end past 23:59', MINIMAL + 'windows: [{ days: [mon], start: "22:00", end: "24:00", timeZone: UTC }]\n', 'windows[0].end', /not a time of day HH:MM/],
    ['a window without an end', MINIMAL + 'windows: [{ days: [mon], start: "22:00", timeZone: UTC }]\n', 'windows[0].end', /is required/],
    ['a window whose end equals its start', MINIMAL + 'windows: [{ days: [mon], start: "22:00", end: "22:00", timeZone: UTC }]\n', 'windows[0].end', /equals start/],
    ['an unknown time zone', MINIMAL + 'windows: [{ days: [mon], start: "22:00", end: "04:00", timeZone: Europe/Springfield }]\n', 'windows[0].timeZone', /not a time zone known here/],
    ['a window without a time zone', MINIMAL + 'windows: [{ days: [mon], start: "22:00", end: "04:00" }]\n', 'windows[0].timeZone', /is required/],
    ['an unknown window field', MINIMAL + 'windows: [{ days: [mon], start: "22:00", end: "04:00", timeZone: UTC, zone: UTC }]\n', 'windows[0].zone', /unknown field/],
    ['windows not a list', MINIMAL + 'windows: { days: [mon] }\n', 'windows', /list/],
    ['a node duration floor that is no duration', MINIMAL + 'schedule: { nodeDurationFloor: soon }\n', 'schedule.nodeDurationFloor', /not a duration/],
  ];
  for (const [what, text, path, message] of bad) {
    it(`refuses ${what}, naming ${path}`, () => expectIssue(text, path, message));
  }

  it('reports every problem at once, with the line of each field', () => {
    const found = issues(MINIMAL + 'timeouts:\n  drain: soon\nsoak:\n  passes: -1\n');
    expect(found.map((i) => i.path)).to.deep.equal(['timeouts.drain', 'soak.passes']);
    expect(found[0]!.line).to.equal(8);
    expect(found[1]!.line).to.equal(10);
    const error = (() => {
      try {
        parseConfigText(MINIMAL + 'timeouts:\n  drain: soon\n', '/etc/noderoll/config.yaml');
      } catch (err) {
        return err as Error;
      }
      return expect.fail('accepted');
    })();
    expect(error.message).to.equal('invalid configuration in /etc/noderoll/config.yaml:\n  - timeouts.drain (line 8): "soon" is not a duration (examples: 30s, 10m, 1h30m, 500ms)');
  });

  it('refuses malformed YAML with its line, duplicate keys, an empty file, a non-mapping and NUL bytes', () => {
    expect(issues('nodes: [\n  {name: a\n')[0]!.message).to.match(/^not valid YAML: /);
    expect(issues('nodes: [\n  {name: a\n')[0]!.line).to.be.a('number');
    expect(issues(MINIMAL + 'order: roles\norder: listed\n')[0]!.message).to.match(/^not valid YAML: .*unique/i);
    expect(issues('')[0]).to.include({ path: 'nodes' }); // an empty file is all defaults, and nodes has none
    expect(issues('- a\n- b\n')[0]!.message).to.match(/must be a YAML mapping of settings, got a list/);
    expect(issues('nodes: x\u0000')[0]!.message).to.match(/NUL/);
  });

  it('loadConfig refuses a missing file and an oversized one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'noderoll-config-'));
    try {
      const missing = await loadConfig(join(dir, 'nope.yaml')).catch((e: unknown) => e);
      expect(missing).to.be.instanceOf(ConfigError);
      expect((missing as Error).message).to.contain('file not found');
      const big = join(dir, 'big.yaml');
      await writeFile(big, '#'.repeat(2 * 1024 * 1024));
      expect(((await loadConfig(big).catch((e: unknown) => e)) as Error).message).to.match(/at most/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads maintenance windows (days, HH:MM in minutes, IANA zone) and the node duration floor; none by default', () => {
    expect(parseConfigText(MINIMAL, '/etc/noderoll/config.yaml').windows).to.deep.equal([]);
    expect(parseConfigText(MINIMAL, '/etc/noderoll/config.yaml').schedule).to.deep.equal({ nodeDurationFloorMs: 30 * 60_000 });
    const c = parseConfigText(
      MINIMAL + 'windows:\n  - { days: [mon, tue, mon], start: "22:00", end: "04:30", timeZone: Europe/Berlin }\n  - { days: [sat], start: "09:15", end: "12:00", timeZone: UTC }\nschedule: { nodeDurationFloor: 45m }\n',
      '/etc/noderoll/config.yaml',
    );
    expect(c.windows).to.deep.equal([
      { days: ['mon', 'tue'], startMinute: 22 * 60, endMinute: 4 * 60 + 30, timeZone: 'Europe/Berlin' },
      { days: ['sat'], startMinute: 9 * 60 + 15, endMinute: 12 * 60, timeZone: 'UTC' },
    ]);
    expect(c.schedule.nodeDurationFloorMs).to.equal(45 * 60_000);
  });

  it('parses and formats durations strictly', () => {
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration(90)).to.equal(90_000);
    expect(parseDuration('90')).to.equal(90_000);
    expect(parseDuration('1.5m')).to.be.a('string');
    expect(parseDuration('5 m')).to.be.a('string');
    expect(parseDuration('')).to.be.a('string');
    expect(formatDuration(65_000)).to.equal('1m5s');
    expect(formatDuration(1500)).to.equal('1.5s');
  });
});
