import { expect } from 'chai';
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { childArguments } from '../../../coordinator/cli/commands/detach.js';
import { exitCodeForFinalStatus } from '../../../coordinator/cli/commands/watch.js';
import { inheritedEnv, SpawnLauncher, systemdRunArgv, type DetachedLauncher, type DetachRequest } from '../../../coordinator/cli/detach/launcher.js';
import type { CliEnvironment } from '../../../coordinator/cli/services.js';
import type { TimedEvent } from '../../../coordinator/engine/events.js';
import { FileStateStore } from '../../../coordinator/state/file-state-store.js';
import type { OperationRecord } from '../../../coordinator/state/operation-record.js';
import type { StateStore } from '../../../coordinator/state/state-store.js';
import { recordEvents } from '../../../coordinator/watch/record-events.js';
import { makeHarness, testConfigYaml, THREE_NODES, TARGET } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld, PLANET_UNIT } from './fakes/fake-world.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { notYet, ready, waitFor } from '../../../shared/time/wait-for.js';

/** The engine events the record holds the transitions of (the others are not in the record). */
const IN_RECORD = new Set(['operation-started', 'node-started', 'step-started', 'step-completed', 'step-failed', 'node-completed', 'operation-halted', 'operation-interrupted', 'operation-completed']);

const summary = (events: readonly TimedEvent[]): string[] =>
  events.filter((e) => IN_RECORD.has(e.type)).map((e) => [e.type, 'node' in e ? e.node : '', 'step' in e ? e.step : ''].join(' ').trim());

/** A store that keeps a copy of every record saved. */
function recording(store: StateStore, saved: OperationRecord[]): StateStore {
  return new Proxy(store, {
    get: (target, prop) =>
      prop === 'save'
        ? async (record: OperationRecord, lock: Parameters<StateStore['save']>[1]) => {
            await target.save(record, lock);
            saved.push(structuredClone(record));
          }
        : (target as unknown as Record<string | symbol, unknown>)[prop] instanceof Function
          ? ((target as unknown as Record<string | symbol, (...a: unknown[]) => unknown>)[prop] as (...a: unknown[]) => unknown).bind(target)
          : (target as unknown as Record<string | symbol, unknown>)[prop],
  });
}

/** What watch derives when it reads each saved record in turn. */
function eventsOfEverySave(saved: readonly OperationRecord[]): TimedEvent[] {
  return saved.flatMap((r, i) => recordEvents(saved[i - 1], r));
}

describe('noderoll watch: events derived from the operation record', function () {
  this.timeout(20_000);

  it('every saved record in turn yields the events update printed, in order, with the same totals', async () => {
    const h = await makeHarness();
    try {
      const saved: OperationRecord[] = [];
      expect(await h.run({ store: recording(h.store, saved) })).to.equal('completed');
      const derived = eventsOfEverySave(saved);
      expect(summary(derived)).to.deep.equal(summary(h.events));
      const done = (es: TimedEvent[]) => es.find((e) => e.type === 'operation-completed') as Extract<TimedEvent, { type: 'operation-completed' }>;
      expect(done(derived)).to.include({ durationMs: done(h.events).durationMs, waitingMs: done(h.events).waitingMs, nodes: 3 });
      // Reading only the last record (watch started late, or polled slowly) replays the same history.
      expect(summary(recordEvents(undefined, saved.at(-1)!))).to.deep.equal(summary(h.events));
    } finally {
      await h.close();
    }
  });

  it('several nodes in flight: a replayed record interleaves their events by time', async () => {
    const h = await makeHarness({
      nodes: [
        { name: 'm1', role: 'master' },
        { name: 'w1', role: 'node' },
        { name: 'w2', role: 'node' },
      ],
      configExtra: 'pools:\n  - { name: masters, selector: "gravitational.io/k8s-role=master" }\n  - { name: workers, selector: "gravitational.io/k8s-role=node", maxUnavailable: 2 }',
    });
    try {
      expect(await h.run()).to.equal('completed');
      const replay = recordEvents(undefined, await h.load());
      // the operation's own events carry the record's last update; the nodes' carry their steps' times
      const times = replay.filter((e) => !e.type.startsWith('operation-')).map((e) => Date.parse(e.time));
      expect(times, 'in time order').to.deep.equal([...times].sort((a, b) => a - b));
      const at = (type: string, node: string): number => replay.findIndex((e) => e.type === type && 'node' in e && e.node === node);
      expect(at('node-started', 'w2'), 'w2 started before w1 finished').to.be.lessThan(at('node-completed', 'w1'));
    } finally {
      await h.close();
    }
  });

  it('a halted operation: step-failed and operation-halted with the reason and the resume command', async () => {
    const h = await makeHarness();
    try {
      h.world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
      const saved: OperationRecord[] = [];
      expect(await h.run({ store: recording(h.store, saved) })).to.equal('halted');
      const derived = eventsOfEverySave(saved);
      expect(summary(derived)).to.deep.equal(summary(h.events));
      const halted = derived.find((e) => e.type === 'operation-halted') as Extract<TimedEvent, { type: 'operation-halted' }>;
      expect(halted.reason).to.contain('noderoll-lab-broken.service');
      expect(halted.resumeCommand).to.equal(h.record.halt?.resumeCommand);
    } finally {
      await h.close();
    }
  });

  it('final states map to the exit codes update gives', () => {
    expect(exitCodeForFinalStatus('completed')).to.equal(ExitCode.ok);
    expect(exitCodeForFinalStatus('halted')).to.equal(ExitCode.halted);
    expect(exitCodeForFinalStatus('interrupted')).to.equal(ExitCode.interrupted);
    expect(exitCodeForFinalStatus('abandoned')).to.equal(ExitCode.interrupted);
  });
});

describe('noderoll watch and --detach through the CLI', function () {
  this.timeout(60_000);
  let dir = '';
  let config = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-watch-'));
    config = join(dir, 'config.yaml');
    await writeFile(config, testConfigYaml(dir, THREE_NODES));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The order the update took the nodes in (masters first), from the record. */
  const updateOrder = async () => ((await new FileStateStore({ file: join(dir, 'state.json') }).load())?.nodes ?? []).map((n) => n.name);
  const ndjson = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });

  it('no operation recorded: exit 5 with a clear message', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['watch', '--config', config], io.env)).to.equal(ExitCode.conflict);
    expect(io.err()).to.match(/nothing to watch: no operation is recorded in .*state\.json/);
  });

  it('follows a halted operation to exit 1 without writing it; another operation ID: exit 5 naming the one there', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], fakeCliEnv(world.clock, world).env)).to.equal(ExitCode.halted);
    const record = (await new FileStateStore({ file: join(dir, 'state.json') }).load())!;

    const stateBefore = await readFile(join(dir, 'state.json'), 'utf8');
    let io = fakeCliEnv(world.clock, world);
    expect(await runCli(['watch', record.id, '--config', config, '-o', 'json'], io.env)).to.equal(ExitCode.halted);
    expect(await readFile(join(dir, 'state.json'), 'utf8'), 'watch never writes the record').to.equal(stateBefore);
    const events = ndjson(io.out());
    expect(events[0]).to.include({ type: 'operation-started', operationId: record.id });
    expect(events.at(-1)).to.include({ type: 'operation-halted', node: 'node-1' });

    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['watch', 'nr-20260101-000000-zzzz', '--config', config], io.env)).to.equal(ExitCode.conflict);
    expect(io.err()).to.contain(`operation nr-20260101-000000-zzzz is not in`).and.contain(`it holds ${record.id} (halted)`);
    io = fakeCliEnv(world.clock, world);
    expect(await runCli(['watch', 'not-an-id', '--config', config], io.env)).to.equal(ExitCode.usage);
    expect(io.err()).to.match(/OPERATION: "not-an-id" is not an operation ID/);
  });

  it('on a terminal: the live per-node view update draws', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], fakeCliEnv(world.clock, world).env)).to.equal(ExitCode.ok);
    const io = fakeCliEnv(world.clock, world);
    (io.env.stdout as { isTTY?: boolean }).isTTY = true;
    expect(await runCli(['watch', '--config', config], io.env)).to.equal(ExitCode.ok);
    const out = io.out();
    expect(out).to.contain('\x1b[J');
    expect(out).to.match(/▶ node-1 +master .*waitForReboot/);
    expect(out).to.match(/✓ node-1 +master .*updated/);
    expect(out).to.match(/operation nr-\S+ completed: 3 node\(s\) updated .*coordinator overhead/);
  });

  it('watch while the update runs: polls the record and ends with the update (exit 0)', async () => {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    const runner = fakeCliEnv(world.clock, world);
    const update = runCli(['update', '--config', config, '--to', TARGET, '--yes'], runner.env);
    // Watch starts once the record exists (before: "nothing to watch").
    const store = new FileStateStore({ file: join(dir, 'state.json') });
    while (!(await store.load())) await new Promise((r) => setTimeout(r, 5));
    const io = fakeCliEnv(world.clock, world);
    io.env.watchPollMs = 50;
    const watched = await runCli(['watch', '--config', config, '-o', 'json'], io.env);
    expect(await update).to.equal(ExitCode.ok);
    expect(watched).to.equal(ExitCode.ok);
    const events = ndjson(io.out());
    expect(events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.deep.equal(await updateOrder());
    expect(events.at(-1)).to.include({ type: 'operation-completed', nodes: 3 });
  });

  /** A halted operation turned back into a running one, as a coordinator working on it would have it. */
  async function runningOperation(): Promise<{ store: FileStateStore; record: OperationRecord }> {
    const world = new FakeWorld(new FakeClock(), THREE_NODES);
    world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
    expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], fakeCliEnv(world.clock, world).env)).to.equal(ExitCode.halted);
    const store = new FileStateStore({ file: join(dir, 'state.json'), host: 'test-host' });
    const record = (await store.load())!;
    record.status = 'running';
    delete record.halt;
    await writeFile(join(dir, 'state.json'), JSON.stringify(record));
    return { store, record };
  }

  it('Ctrl-C stops watching only: exit 4, the operation and its record untouched', async () => {
    const { store, record } = await runningOperation();
    const lock = await store.acquireLock({ pid: process.pid, host: 'test-host', command: 'a coordinator' });
    try {
      const before = await readFile(join(dir, 'state.json'), 'utf8');
      const io = fakeCliEnv(new FakeClock(), undefined);
      io.env.makeServices = () => ({ store, cluster: undefined as never, gates: [], backup: undefined, agent: () => undefined as never, close: () => undefined });
      io.env.watchPollMs = 10;
      let press: (() => void) | undefined;
      io.env.onSignal = (handler) => ((press = () => handler('SIGINT')), () => undefined);
      const watching = runCli(['watch', '--config', config], io.env);
      // Ctrl-C once watch has shown the operation and polls it.
      while (!io.out().includes(`operation ${record.id}`)) await new Promise((r) => setTimeout(r, 5));
      press!();
      expect(await watching).to.equal(ExitCode.interrupted);
      expect(io.out()).to.contain(`stopped watching; operation ${record.id} goes on`);
      expect(await readFile(join(dir, 'state.json'), 'utf8')).to.equal(before);
      expect((await store.lockHolder())?.info.token).to.equal(lock.info.token);
    } finally {
      await lock.release();
    }
  });

  it('a running operation whose coordinator is gone (no lock): exit 4 naming resume', async () => {
    const { record } = await runningOperation();
    const io = fakeCliEnv(new FakeClock(), new FakeWorld(new FakeClock(), THREE_NODES));
    io.env.watchPollMs = 10;
    expect(await runCli(['watch', '--config', config], io.env)).to.equal(ExitCode.interrupted);
    expect(io.out()).to.contain(`operation ${record.id} is recorded as running but no coordinator holds`).and.contain('noderoll resume');
  });

  describe('--detach', () => {
    it('builds the systemd-run command line: a transient unit named after the operation, collected, with the env (PATH, HOME, KUBECONFIG passed on) and the same directory', () => {
      expect(
        systemdRunArgv({ unit: 'noderoll-update-nr-20261127-031500-abcd', argv: ['/usr/bin/node', '/opt/noderoll/main.js', 'update', '--to', '7.0.68', '--yes'], cwd: '/root', env: { NODEROLL_OPERATION_ID: 'nr-20261127-031500-abcd' } }),
      ).to.deep.equal([
        'systemd-run',
        '--unit',
        'noderoll-update-nr-20261127-031500-abcd',
        '--collect',
        '--quiet',
        '--service-type=exec',
        '--working-directory=/root',
        '--setenv=NODEROLL_OPERATION_ID=nr-20261127-031500-abcd',
        '--',
        '/usr/bin/node',
        '/opt/noderoll/main.js',
        'update',
        '--to',
        '7.0.68',
        '--yes',
      ]);
      expect(inheritedEnv({ PATH: '/usr/bin', HOME: '/root', KUBECONFIG: '/root/k', SSH_AUTH_SOCK: '/tmp/x', TERM: 'xterm' })).to.deep.equal({ PATH: '/usr/bin', HOME: '/root', KUBECONFIG: '/root/k' });
      expect(childArguments('update', ['--to', '7.0.68', '--yes', '--detach'], '/etc/noderoll/config.yaml')).to.deep.equal(['update', '--to', '7.0.68', '--yes', '--config', '/etc/noderoll/config.yaml']);
      expect(childArguments('resume', ['--detach=true', '--config', 'c.yaml', '--yes'], '/abs/c.yaml')).to.deep.equal(['resume', '--config', 'c.yaml', '--yes']);
    });

    const refusals: [string, string[], RegExp][] = [
      ['--detach without --yes', ['update', '--to', TARGET, '--detach'], /--detach: needs --yes/],
      ['--detach with --confirm-each-node', ['update', '--to', TARGET, '--yes', '--detach', '--confirm-each-node'], /--detach: cannot be combined with --confirm-each-node/],
      ['resume --detach without --yes', ['resume', '--detach'], /--detach: needs --yes/],
    ];
    for (const [what, argv, message] of refusals) {
      it(`refuses ${what}: exit 2, nothing started`, async () => {
        const io = fakeCliEnv(new FakeClock(), undefined, { tty: true });
        let launched = 0;
        io.env.launchDetached = { start: async () => (launched++, Promise.reject(new Error('must not start'))) };
        expect(await runCli([...argv, '--config', config], io.env)).to.equal(ExitCode.usage);
        expect(io.err()).to.match(message);
        expect(io.servicesMade).to.equal(0);
        expect(launched).to.equal(0);
      });
    }

    /** Runs the child in this process: the CLI as the detached coordinator would run it, over the same fake world. */
    function inProcessLauncher(world: FakeWorld, exits: number[]): DetachedLauncher & { requests: DetachRequest[] } {
      const requests: DetachRequest[] = [];
      return {
        requests,
        async start(request) {
          requests.push(request);
          const child = fakeCliEnv(world.clock, world);
          child.env.env = request.env;
          let exit: number | undefined;
          void runCli(request.argv.slice(2), child.env).then((code) => {
            exit = code;
            exits.push(code);
          });
          return { description: 'in-process child', output: join(dir, 'none.out'), exitStatus: async () => (exit === undefined ? undefined : { code: exit, detail: `exited with status ${exit}` }) };
        },
      };
    }

    it('update --detach returns 0 once the child has taken over the operation, and prints how to follow and stop it', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      const exits: number[] = [];
      const launcher = inProcessLauncher(world, exits);
      const io = fakeCliEnv(world.clock, world);
      io.env.launchDetached = launcher;
      io.env.selfCommand = ['node', 'main.js'];
      expect(await runCli(['update', '--to', TARGET, '--yes', '--detach', '--config', config], io.env)).to.equal(ExitCode.ok);
      const request = launcher.requests[0]!;
      const id = request.env.NODEROLL_OPERATION_ID!;
      expect(request.unit).to.equal(`noderoll-update-${id}`);
      expect(request.argv).to.deep.equal(['node', 'main.js', 'update', '--to', TARGET, '--yes', '--config', config]);
      expect(io.out()).to.contain(`Operation ${id} runs detached`).and.contain(`noderoll watch ${id} --config ${config}`).and.contain('noderoll abort');
      const record = await new FileStateStore({ file: join(dir, 'state.json') }).load();
      expect(record?.id).to.equal(id);
      // The child goes on after the parent returned.
      while (exits.length === 0) await new Promise((r) => setTimeout(r, 5));
      expect(exits).to.deep.equal([ExitCode.ok]);
    });

    it('update --detach whose child fails the gates: exits with the child status (3) and its error, no operation', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-3').units.set(PLANET_UNIT, { load: 'loaded', active: 'inactive', sub: 'dead' });
      const exits: number[] = [];
      const io = fakeCliEnv(world.clock, world);
      io.env.launchDetached = inProcessLauncher(world, exits);
      expect(await runCli(['update', '--to', TARGET, '--yes', '--detach', '--config', config], io.env)).to.equal(ExitCode.notHealthy);
      expect(io.err()).to.match(/the detached update did not start: exited with status 3/);
      expect(exits).to.deep.equal([ExitCode.notHealthy]);
      expect(await new FileStateStore({ file: join(dir, 'state.json') }).load()).to.equal(undefined);
    });

    it('resume --detach continues a halted operation in the child: unit noderoll-resume-OPERATION, exit 0 once it took over', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], fakeCliEnv(world.clock, world).env)).to.equal(ExitCode.halted);
      const halted = (await new FileStateStore({ file: join(dir, 'state.json') }).load())!;
      world.node('node-1').units.delete('noderoll-lab-broken.service');
      const exits: number[] = [];
      const launcher = inProcessLauncher(world, exits);
      const io = fakeCliEnv(world.clock, world);
      io.env.launchDetached = launcher;
      io.env.selfCommand = ['node', 'main.js'];
      expect(await runCli(['resume', '--yes', '--detach', '--config', config], io.env), io.err()).to.equal(ExitCode.ok);
      expect(launcher.requests[0]).to.deep.include({ unit: `noderoll-resume-${halted.id}`, argv: ['node', 'main.js', 'resume', '--yes', '--config', config], env: {} });
      while (exits.length === 0) await new Promise((r) => setTimeout(r, 5));
      expect(exits).to.deep.equal([ExitCode.ok]);
    });

    it('the detached process runs in a session of its own with stdin from /dev/null and outlives the command that started it', async () => {
      const out = join(dir, 'child.out');
      const run = await new SpawnLauncher().start({ unit: 'unused', argv: [process.execPath, '-e', 'setTimeout(() => {}, 60_000)'], cwd: dir, env: {}, outputFile: out });
      const pid = Number(/^pid (\d+)$/.exec(run.description)![1]);
      try {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        expect(Number(fields[3]), 'session ID = its own PID (setsid)').to.equal(pid);
        expect(Number(fields[3])).to.not.equal(Number((await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ')[3]));
        expect(await readlink(`/proc/${pid}/fd/0`)).to.equal('/dev/null');
        expect(await readlink(`/proc/${pid}/fd/1`)).to.equal(out);
        expect(await run.exitStatus()).to.equal(undefined);
      } finally {
        process.kill(pid, 'SIGKILL');
      }
    });

    it('resume --detach of an operation started with --confirm-each-node: exit 2 naming --detach, nothing started', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
      const first = fakeCliEnv(world.clock, world, { tty: true, answers: ['y', 'y', 'y'] });
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes', '--confirm-each-node'], first.env)).to.equal(ExitCode.halted);
      const io = fakeCliEnv(world.clock, world);
      io.env.launchDetached = { start: async () => Promise.reject(new Error('must not start')) };
      expect(await runCli(['resume', '--yes', '--detach', '--config', config], io.env)).to.equal(ExitCode.usage);
      expect(io.err()).to.match(/was started with --confirm-each-node, which asks on a terminal: resume it without --detach/);
    });

    it('resume --detach with nothing to resume: exit 5, nothing started', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      const io = fakeCliEnv(world.clock, world);
      io.env.launchDetached = { start: async () => Promise.reject(new Error('must not start')) };
      expect(await runCli(['resume', '--yes', '--detach', '--config', config], io.env)).to.equal(ExitCode.conflict);
      expect(io.err()).to.contain('nothing to resume');
    });

    it('end to end: update --detach starts a real detached process writing to OPERATION.out; watch follows it to exit 0', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      const io = fakeCliEnv(world.clock, world);
      const env = io.env as CliEnvironment;
      env.launchDetached = new SpawnLauncher();
      env.selfCommand = [process.execPath, fileURLToPath(new URL('./fakes/detached-cli-main.js', import.meta.url))];
      expect(await runCli(['update', '--to', TARGET, '--yes', '--detach', '--config', config], env), io.err()).to.equal(ExitCode.ok);
      const id = /Operation (nr-\S+) runs detached \(pid (\d+)\)/.exec(io.out());
      expect(id, io.out()).to.not.equal(null);

      const watcher = fakeCliEnv(new FakeClock(), world);
      watcher.env.watchPollMs = 50;
      expect(await runCli(['watch', id![1]!, '--config', config, '-o', 'json'], watcher.env), watcher.err()).to.equal(ExitCode.ok);
      const events = ndjson(watcher.out());
      expect(events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.deep.equal(await updateOrder());
      expect(events.at(-1)).to.include({ type: 'operation-completed', operationId: id![1] });
      // The child's own output went to OPERATION.out beside the state file. The child prints its last
      // line after it saved the completed record, which is what ended the watch: wait for that line.
      const outFile = join(dir, `${id![1]}.out`);
      const finalLine = `operation ${id![1]} completed`;
      const output = await waitFor({ what: `the detached process to write "${finalLine}" to ${outFile}`, timeoutMs: 15_000, initialDelayMs: 20, maxDelayMs: 250 }, async () => {
        const text = await readFile(outFile, 'utf8');
        return text.includes(finalLine) ? ready(text) : notYet(`its last line: ${text.trimEnd().split('\n').at(-1) ?? ''}`);
      });
      expect(output).to.contain(finalLine);
    });
  });
});
