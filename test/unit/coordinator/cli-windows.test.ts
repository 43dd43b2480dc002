import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { childArguments } from '../../../coordinator/cli/commands/detach.js';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { FileStateStore } from '../../../coordinator/state/file-state-store.js';
import { testConfigYaml, THREE_NODES, TARGET } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';
import { fakeCliEnv } from './fakes/cli-env.js';

/** Friday 2026-11-27 (the fake clock starts at 02:00Z): a window closing 02:02, another on Saturday 01:00–05:00. */
const WINDOWS = [
  'windows:',
  '  - { days: [fri], start: "01:00", end: "02:02", timeZone: UTC }',
  '  - { days: [sat], start: "01:00", end: "05:00", timeZone: UTC }',
  'schedule: { nodeDurationFloor: 1m }',
].join('\n');

type Ev = { type: string; node?: string; resumeAt?: string; reason?: string };
const events = (out: string): Ev[] =>
  out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Ev);

describe('noderoll CLI: maintenance windows', function () {
  this.timeout(20_000);
  let dir = '';
  let config = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-cli-windows-'));
    config = join(dir, 'config.yaml');
    await writeFile(config, testConfigYaml(dir, THREE_NODES, WINDOWS));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const command of [['update', '--to', '1.0'], ['resume']]) {
    it(`${command[0]} refuses --wait-for-window with --until-window-end before anything runs, naming the flag`, async () => {
      const io = fakeCliEnv(new FakeClock(), undefined);
      expect(await runCli([...command, '--config', config, '--yes', '--wait-for-window', '--until-window-end'], io.env)).to.equal(ExitCode.usage);
      expect(io.err()).to.match(/--wait-for-window: cannot be combined with --until-window-end/);
      expect(io.servicesMade).to.equal(0);
      expect(await readdir(dir)).to.deep.equal(['config.yaml']);
    });
  }

  it('a detached run gets the window flag on its own command line (the child runs the same mode)', () => {
    expect(childArguments('update', ['--to', TARGET, '--yes', '--detach', '--wait-for-window'], config)).to.deep.equal(['update', '--to', TARGET, '--yes', '--wait-for-window', '--config', config]);
  });

  it('plan shows which nodes fit in the current window and when the rest would run (text and json)', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    let io = fakeCliEnv(world.clock as FakeClock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET], io.env), io.err()).to.equal(ExitCode.ok);
    expect(io.out()).to.contain('Maintenance windows: fri 01:00–02:02 UTC; sat 01:00–05:00 UTC');
    expect(io.out()).to.match(/in the current window – 2026-11-27T02:02:00.000Z:\n    node-1 +from 2026-11-27T02:00:00.000Z to 2026-11-27T02:01:00.000Z\n    node-3 +from 2026-11-27T02:01:00.000Z/);
    expect(io.out()).to.match(/in the window 2026-11-28T01:00:00.000Z – 2026-11-28T05:00:00.000Z:\n    node-2 +from 2026-11-28T01:00:00.000Z/);
    io = fakeCliEnv(world.clock as FakeClock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET, '-o', 'json'], io.env)).to.equal(ExitCode.ok);
    const doc = JSON.parse(io.out().trim().split('\n').at(-1)!) as { schedule: { nodes: { node: string; startAt: string }[] } };
    expect(doc.schedule.nodes.map((n) => `${n.node} ${n.startAt}`)).to.deep.equal(['node-1 2026-11-27T02:00:00.000Z', 'node-3 2026-11-27T02:01:00.000Z', 'node-2 2026-11-28T01:00:00.000Z']);
  });

  it('update stops before the node that no longer fits (exit 4, waiting-for-window); status, watch and a new update say so; resume --wait-for-window waits for Saturday and completes', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    const clock = world.clock as FakeClock;
    let io = fakeCliEnv(clock, world);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes', '-o', 'json'], io.env), io.err()).to.equal(ExitCode.interrupted);
    const waiting = events(io.out()).find((e) => e.type === 'operation-waiting');
    expect(waiting).to.include({ node: 'node-2', resumeAt: '2026-11-28T01:00:00.000Z' });
    expect(world.node('node-2').calls.drain).to.equal(0);
    const store = new FileStateStore({ file: join(dir, 'state.json'), now: () => clock.now() });
    expect((await store.load())?.invocation.windowMode, 'the default mode is kept with the operation').to.equal('until-end');

    io = fakeCliEnv(clock, world);
    expect(await runCli(['status', '--config', config], io.env)).to.equal(ExitCode.interrupted);
    expect(io.out()).to.contain(': waiting-for-window').and.contain('Waiting for a maintenance window before node node-2: only 39.6s left').and.contain('opens at 2026-11-28T01:00:00.000Z').and.contain('noderoll resume');

    io = fakeCliEnv(clock, world);
    expect(await runCli(['report', '--config', config, '--out', join(dir, 'reports')], io.env), io.err()).to.equal(ExitCode.ok);
    const [markdown] = (await readdir(join(dir, 'reports'))).filter((f) => f.endsWith('.md'));
    expect(await readFile(join(dir, 'reports', markdown!), 'utf8')).to.contain('- Status: **waiting-for-window**').and.match(/- Waiting for a maintenance window at .* on node node-2: only 39\.6s left/).and.contain('- Resume with: `noderoll resume');

    io = fakeCliEnv(clock, world);
    expect(await runCli(['watch', '--config', config, '-o', 'json'], io.env)).to.equal(ExitCode.interrupted);
    expect(events(io.out()).map((e) => e.type)).to.include('operation-waiting');

    io = fakeCliEnv(clock, world);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.conflict);
    expect(io.err()).to.match(/is waiting-for-window at node node-2/);

    io = fakeCliEnv(clock, world);
    expect(await runCli(['resume', '--config', config, '--yes', '--wait-for-window', '-o', 'json'], io.env), io.err()).to.equal(ExitCode.ok);
    const resumed = events(io.out());
    expect(resumed.find((e) => e.type === 'node-waiting')).to.include({ node: 'node-2' });
    expect(resumed.some((e) => e.type === 'operation-completed')).to.equal(true);
    expect(clock.now()).to.be.at.least(Date.parse('2026-11-28T01:00:00Z'));
    expect(world.node('node-2').version).to.equal(TARGET);
    expect((await store.load())?.invocation.windowMode, 'resume flags replace the recorded mode').to.equal('wait');
  });
});
