import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { HOLD_ANNOTATION } from '../../../coordinator/schedule/hold-rule.js';
import { testConfigYaml, THREE_NODES, TARGET } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';
import { fakeCliEnv } from './fakes/cli-env.js';

describe('noderoll hold / release / plan / update with held nodes (CLI over the fake cluster)', function () {
  this.timeout(20_000);
  let dir = '';
  let config = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-hold-cli-'));
    config = join(dir, 'config.yaml');
    await writeFile(config, testConfigYaml(dir, THREE_NODES, 'hold: { policy: skip }'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hold sets the annotation with the reason, release removes it; both say what they did', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['hold', 'node-2', '--reason', 'disk replacement, OPS-1234', '--config', config], io.env)).to.equal(ExitCode.ok);
    expect(world.node('node-2').annotations[HOLD_ANNOTATION]).to.equal('disk replacement, OPS-1234');
    expect(io.out()).to.contain('Node node-2 is on hold: disk replacement, OPS-1234.');
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['hold', 'node-2', '--reason', 'firmware', '--config', config, '-o', 'json'], io.env)).to.equal(ExitCode.ok);
    expect(JSON.parse(io.out())).to.include({ type: 'hold', node: 'node-2', reason: 'firmware', previousReason: 'disk replacement, OPS-1234' });
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['release', 'node-2', '--config', config], io.env)).to.equal(ExitCode.ok);
    expect(world.node('node-2').annotations).to.not.have.property(HOLD_ANNOTATION);
    expect(io.out()).to.contain('Node node-2 is released (it was on hold: firmware).');
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['release', 'node-2', '--config', config], io.env)).to.equal(ExitCode.ok);
    expect(io.out()).to.contain('Node node-2 was not on hold; nothing changed.');
  });

  const refused: [string, string[], RegExp][] = [
    ['hold without a node', ['hold', '--reason', 'x'], /NODE: is required/],
    ['hold without a reason', ['hold', 'node-2'], /--reason: must say why the node is held/],
    ['a blank reason', ['hold', 'node-2', '--reason', '  '], /--reason: must say why/],
    ['a reason with a line break', ['hold', 'node-2', '--reason', 'a\nb'], /--reason: contains control characters/],
    ['a reason of 257 characters', ['hold', 'node-2', '--reason', 'r'.repeat(257)], /--reason: is longer than 256 characters/],
    ['a node name with shell syntax', ['hold', 'node-2;reboot', '--reason', 'x'], /NODE: "node-2;reboot" is not a Kubernetes node name/],
    ['release of a bad node name', ['release', '../etc'], /NODE: "..\/etc" is not a Kubernetes node name/],
    ['two nodes', ['release', 'node-1', 'node-2'], /unexpected argument "node-2"/],
  ];
  for (const [what, argv, message] of refused) {
    it(`refuses ${what} before anything runs (exit 2)`, async () => {
      const io = fakeCliEnv(new FakeClock(), undefined);
      expect(await runCli([...argv, '--config', config], io.env)).to.equal(ExitCode.usage);
      expect(io.err()).to.match(message);
      expect(io.servicesMade).to.equal(0);
    });
  }

  it('hold of a node the cluster does not have: exit 2, nothing annotated', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['hold', 'node-9', '--reason', 'x', '--config', config], io.env)).to.equal(ExitCode.usage);
    expect(io.err()).to.match(/node node-9 does not exist in the cluster/);
    expect(world.annotationsSet).to.deep.equal([]);
  });

  it('plan shows a held node with its reason and what the policy will do; update (hold.policy: skip) leaves it out', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    world.node('node-3').annotations[HOLD_ANNOTATION] = 'waiting for a new PSU';
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET], io.env)).to.equal(ExitCode.ok);
    expect(io.out()).to.match(/node-3 .* \(on hold: waiting for a new PSU; will be skipped\)/);
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET, '-o', 'json'], io.env)).to.equal(ExitCode.ok);
    expect((JSON.parse(io.out()) as { held: unknown }).held).to.deep.equal([{ node: 'node-3', reason: 'waiting for a new PSU' }]);

    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes', '-o', 'json'], io.env)).to.equal(ExitCode.ok);
    const events = io.out().trim().split('\n').map((l) => JSON.parse(l) as { type: string; node?: string; rule?: string; reason?: string });
    expect(events.find((e) => e.type === 'node-skipped')).to.include({ node: 'node-3', rule: 'hold', reason: 'on hold: waiting for a new PSU' });
    expect(world.node('node-3').version).to.not.equal(TARGET);
    expect(world.node('node-2').version).to.equal(TARGET);
    expect(await readdir(dir)).to.include('state.json');
  });
});
