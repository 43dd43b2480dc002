import { expect } from 'chai';
import { parseConfigText } from '../../../coordinator/config/load-config.js';
import { renderPlan } from '../../../coordinator/cli/commands/plan.js';
import { HOOK_POINTS } from '../../../coordinator/hooks/hook-points.js';
import { stepRecord } from '../../../coordinator/state/operation-record.js';
import { configuredExecutors } from '../../../coordinator/steps/configured-executors.js';
import { fillArgv, placeholderProblem } from '../../../shared/exec/argv-template.js';
import { makeHarness, type Harness } from './fakes/engine-harness.js';
import { configProblems, MINIMAL_CONFIG } from './fakes/config-problems.js';
import { FakeRunner } from './fakes/fake-runner.js';

const MINIMAL = MINIMAL_CONFIG;

describe('hooks and powerCycle: config, placeholders', () => {
  it('reads no hooks and no power cycle by default; reads each hook point and the power cycle with their timeouts', () => {
    const d = parseConfigText(MINIMAL, '/c.yaml');
    expect(d.powerCycle).to.equal(undefined);
    for (const p of HOOK_POINTS) expect(d.hooks[p], p).to.deep.equal([]);
    const c = parseConfigText(
      MINIMAL +
        [
          'powerCycle: { command: [curl, -X, POST, --data, \'{"ResetType":"On"}\', "https://bmc-{node}.example/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"], timeout: 30s }',
          'hooks:',
          '  preDrain: [{ command: [/usr/local/bin/db-step-down, "{node}", "{operation}", "{phase}"], timeout: 2m }]',
          '  postUncordon: [{ command: [logger, "noderoll {phase} {node}"] }, { command: [/bin/true] }]',
        ].join('\n'),
      '/c.yaml',
    );
    expect(c.powerCycle).to.deep.equal({ argv: ['curl', '-X', 'POST', '--data', '{"ResetType":"On"}', 'https://bmc-{node}.example/redfish/v1/Systems/1/Actions/ComputerSystem.Reset'], timeoutMs: 30_000 });
    expect(c.hooks.preDrain).to.deep.equal([{ argv: ['/usr/local/bin/db-step-down', '{node}', '{operation}', '{phase}'], timeoutMs: 120_000 }]);
    expect(c.hooks.postUncordon).to.deep.equal([
      { argv: ['logger', 'noderoll {phase} {node}'], timeoutMs: 300_000 },
      { argv: ['/bin/true'], timeoutMs: 300_000 },
    ]);
    expect(c.hooks.postDrain).to.deep.equal([]);
  });

  const bad: [string, string, string, RegExp][] = [
    ['a hook point that does not exist', 'hooks: { preDrian: [{ command: [true] }] }', 'hooks.preDrian', /unknown field \(did you mean "preDrain"\?\)/],
    ['a hook without a command', 'hooks: { preDrain: [{ timeout: 1m }] }', 'hooks.preDrain[0].command', /is required/],
    ['a hook command as a shell string', 'hooks: { postDrain: [{ command: "echo {node}; reboot" }] }', 'hooks.postDrain[0].command', /must be a list \(argv\)/],
    ['a hook with a placeholder it does not have', 'hooks: { preReboot: [{ command: [notify, "{address}"] }] }', 'hooks.preReboot[0].command[1]', /unknown placeholder \{address\}; allowed: \{node\}, \{operation\}, \{phase\}/],
    ['a hook with a misspelt placeholder', 'hooks: { postReboot: [{ command: [notify, "--node={Node}"] }] }', 'hooks.postReboot[0].command[1]', /unknown placeholder \{Node\}/],
    ['a hook timeout that is no duration', 'hooks: { postUncordon: [{ command: [true], timeout: soon }] }', 'hooks.postUncordon[0].timeout', /not a duration/],
    ['a hook with an unknown field', 'hooks: { preDrain: [{ command: [true], env: { A: b } }] }', 'hooks.preDrain[0].env', /unknown field/],
    ['hooks of a point not a list', 'hooks: { preDrain: { command: [true] } }', 'hooks.preDrain', /must be a list/],
    ['a power cycle without a command', 'powerCycle: { timeout: 1m }', 'powerCycle.command', /is required/],
    ['a power cycle with the operation placeholder', 'powerCycle: { command: [ipmitool, -H, "{address}", chassis, power, cycle, "{operation}"] }', 'powerCycle.command[6]', /unknown placeholder \{operation\}; allowed: \{node\}, \{address\}/],
    ['a power cycle program as a relative path', 'powerCycle: { command: [bin/ipmitool, -H, "{address}"] }', 'powerCycle.command[0]', /must be an absolute path or a name looked up in PATH/],
    ['a power cycle timeout under a second', 'powerCycle: { command: [true], timeout: 10ms }', 'powerCycle.timeout', /at least 1000 ms/],
    ['a power cycle field misspelt', 'powerCycle: { command: [true], timout: 1m }', 'powerCycle.timout', /unknown field \(did you mean "timeout"\?\)/],
  ];
  for (const [what, yaml, path, message] of bad) {
    it(`refuses ${what}, naming ${path}`, () => {
      const found = configProblems(MINIMAL + yaml + '\n');
      const hit = found.find((p) => p.path === path);
      expect(hit, `no problem at ${path}; got ${JSON.stringify(found)}`).to.not.equal(undefined);
      expect(hit!.message).to.match(message);
    });
  }

  it('noderoll plan shows the hooks beside their steps and what the reboot wait does when the node is not back', () => {
    const plan = (yaml: string): string[] =>
      renderPlan({ nodes: [], preflight: [], passed: true, warnings: [], held: [], drainForesight: [] }, parseConfigText(MINIMAL + yaml, '/c.yaml'), '7.0.68', undefined).split('\n');
    const without = plan('');
    expect(without.filter((l) => /hook:/.test(l))).to.deep.equal([]);
    expect(without).to.include('      not back in time: halt (no powerCycle configured)');
    const lines = plan('powerCycle: { command: [ipmitool, -H, "{address}", chassis, power, cycle] }\nhooks: { preDrain: [{ command: [/bin/db-step-down, "{node}"], timeout: 1m }] }\n');
    const drain = lines.findIndex((l) => /^ +\d+\. drainNode/.test(l));
    expect(lines[drain + 1]).to.equal("      preDrain hook: /bin/db-step-down '{node}' (timeout 60s)");
    const wait = lines.findIndex((l) => /^ +\d+\. waitForReboot/.test(l));
    expect(lines[wait + 1]).to.equal("      not back in time: power cycle once, ipmitool -H '{address}' chassis power cycle (timeout 120s), then wait again");
  });

  it('fills placeholders inside each argv element on its own: a value never becomes several arguments, unknown ones stay as written', () => {
    expect(fillArgv(['/bin/hook', '--node={node}', '{operation}', '{phase}', '{other}'], { node: 'n 1; rm -rf /', operation: 'nr-1', phase: 'preDrain' })).to.deep.equal([
      '/bin/hook',
      '--node=n 1; rm -rf /',
      'nr-1',
      'preDrain',
      '{other}',
    ]);
    expect(placeholderProblem('{"ResetType":"ForceRestart"}', ['node'])).to.equal(undefined);
    expect(placeholderProblem('http://bmc/{node}/{}', ['node'])).to.match(/unknown placeholder \{\}/);
  });
});

describe('hooks around the steps (fake cluster, fake runner)', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const hooksYaml = (points: readonly string[]): string => ['hooks:', ...points.map((p) => `  ${p}: [{ command: [/opt/hooks/${p}, "{node}", "{operation}", "{phase}"], timeout: 30s }]`)].join('\n');

  it('a failing preDrain hook halts the operation before the node is cordoned, with the hook\'s output in the halt and the step record', async () => {
    h = await makeHarness({ configExtra: hooksYaml(['preDrain']) });
    const runner = new FakeRunner(() => ({ stdout: ['asking the primary to step down'], stderr: ['step-down refused: replica lag 40s'], exitCode: 3 }));
    expect(await h.run({ deps: { executors: configuredExecutors(h.config, runner.run) } })).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt).to.deep.include({ node: 'node-1', step: 'drainNode' });
    expect(saved.halt?.reason).to.match(/^preDrain hook failed on node node-1: command `\/opt\/hooks\/preDrain node-1 nr-\S+ preDrain` exited with code 3$/);
    expect(saved.halt?.details).to.include('step-down refused: replica lag 40s').and.include('asking the primary to step down');
    const drain = stepRecord(saved.nodes[0]!, 'drainNode');
    expect(drain.status).to.equal('failed');
    expect(drain.details?.join('\n')).to.contain('step-down refused');
    expect(h.world.node('node-1').cordoned, 'never cordoned').to.equal(false);
    expect(h.world.node('node-1').calls.drain).to.equal(0);
    expect(runner.calls.map((c) => c.argv)).to.deep.equal([['/opt/hooks/preDrain', 'node-1', saved.id, 'preDrain']]);
    expect(runner.calls[0]!.timeoutMs).to.equal(30_000);
    const output = h.events.filter((e) => e.type === 'step-output' && e.node === 'node-1' && e.step === 'drainNode').map((e) => (e as { line: string }).line);
    expect(output).to.deep.equal(['preDrain hook: asking the primary to step down', 'preDrain hook: step-down refused: replica lag 40s']);
  });

  it('a hook that times out fails its step like any failure (postReboot: the node stays cordoned)', async () => {
    h = await makeHarness({ configExtra: hooksYaml(['postReboot']) });
    const runner = new FakeRunner(() => ({ timedOut: true }));
    expect(await h.run({ deps: { executors: configuredExecutors(h.config, runner.run) } })).to.equal('halted');
    const saved = await h.load();
    expect(saved.halt).to.deep.include({ node: 'node-1', step: 'waitForReboot' });
    expect(saved.halt?.reason).to.match(/postReboot hook failed on node node-1: command `.*` timed out after 30000 ms/);
    expect(h.world.node('node-1').cordoned).to.equal(true);
    expect(h.world.node('node-1').calls.reboot).to.equal(1);
  });

  it('runs every hook point in order around its step, on every node, and records each in the step\'s note; a resume runs the hooks of the steps it runs again', async () => {
    h = await makeHarness({ configExtra: hooksYaml(HOOK_POINTS) });
    let failPostUncordonOnce = true;
    const runner = new FakeRunner((argv) => {
      if (argv[3] === 'postUncordon' && argv[1] === 'node-3' && failPostUncordonOnce) {
        failPostUncordonOnce = false;
        return { stderr: ['monitoring API unavailable'], exitCode: 1 };
      }
      return { stdout: [`${argv[3]} ok for ${argv[1]}`] };
    });
    const executors = configuredExecutors(h.config, runner.run);
    expect(await h.run({ deps: { executors } })).to.equal('halted');
    const halted = await h.load();
    expect(halted.halt).to.deep.include({ node: 'node-3', step: 'uncordonNode' });
    expect(h.world.node('node-3').cordoned, 'the uncordon itself was done').to.equal(false);
    expect(await h.run({ resumed: true, record: halted, deps: { executors } })).to.equal('completed');
    const calls = runner.calls.map((c) => `${c.argv[1]} ${c.argv[3]}`);
    expect(calls).to.deep.equal([
      ...['node-1', 'node-3'].flatMap((n) => HOOK_POINTS.map((p) => `${n} ${p}`)),
      // the resume re-checks node-3's steps against reality: the drain step cordons it again (no drain) and the
      // wait finds it back, each with its hooks; the reboot is found already done (no preReboot); the failed
      // uncordon runs again, and its hook
      'node-3 preDrain',
      'node-3 postDrain',
      'node-3 postReboot',
      'node-3 postUncordon',
      ...HOOK_POINTS.map((p) => `node-2 ${p}`),
    ]);
    const saved = await h.load();
    const node1 = saved.nodes.find((n) => n.name === 'node-1')!;
    expect(stepRecord(node1, 'drainNode').note).to.match(/^drained \(\d+ pods evicted\); preDrain hook `\/opt\/hooks\/preDrain node-1 nr-\S+ preDrain` exited 0: preDrain ok for node-1; postDrain hook `.*` exited 0: postDrain ok for node-1$/);
    expect(stepRecord(node1, 'rebootNode').note).to.match(/preReboot hook .* exited 0/);
    expect(stepRecord(node1, 'waitForReboot').note).to.match(/postReboot hook .* exited 0/);
    expect(stepRecord(node1, 'uncordonNode').note).to.match(/^schedulable again; postUncordon hook .* exited 0: postUncordon ok for node-1$/);
    expect(h.world.maxOutOfService).to.equal(1);
  });

  it('leaves the executors as they are when no hook is configured', async () => {
    h = await makeHarness();
    const runner = new FakeRunner();
    const executors = configuredExecutors(h.config, runner.run);
    expect(await h.run({ deps: { executors } })).to.equal('completed');
    expect(runner.calls).to.deep.equal([]);
  });
});
