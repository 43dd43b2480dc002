import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { renderHtmlReport } from '../../../coordinator/report/render-html.js';
import { renderMarkdownReport } from '../../../coordinator/report/render-markdown.js';
import { FileStateStore } from '../../../coordinator/state/file-state-store.js';
import { LockLostError } from '../../../coordinator/state/state-store.js';
import { testConfigYaml, THREE_NODES, TARGET } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld, PLANET_UNIT } from './fakes/fake-world.js';
import { fakeCliEnv } from './fakes/cli-env.js';

describe('noderoll CLI', function () {
  this.timeout(20_000);
  let dir = '';
  let config = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-cli-'));
    config = join(dir, 'config.yaml');
    await writeFile(config, testConfigYaml(dir, THREE_NODES));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('refuses bad command lines before anything runs, naming the flag', () => {
    const cases: [string, string[], RegExp][] = [
      ['an unknown command', ['upgrade'], /command: unknown command "upgrade"/],
      ['flags before the command', ['--yes', 'update'], /command: expected a command before flags/],
      ['an unknown flag', ['update', '--to', '1.0', '--yes', '--force'], /--force: unknown flag for noderoll update/],
      ['a misspelt flag, with a suggestion', ['update', '--too', '1.0'], /--too: unknown flag .*did you mean --to\?/],
      ['a flag of another command', ['status', '--to', '1.0'], /--to: unknown flag for noderoll status/],
      ['a missing --to', ['update', '--config', 'CONFIG', '--yes'], /--to: is required/],
      ['a version with shell metacharacters', ['update', '--to', '7.0.68;reboot', '--yes'], /--to: "7.0.68;reboot" is not a package version/],
      ['a version with $(…)', ['update', '--to', '$(id)', '--yes'], /--to: .*not a package version/],
      ['a version with a newline', ['update', '--to', '7.0\n68', '--yes'], /--to: contains control characters/],
      ['a 1 MB version', ['update', '--to', '7'.repeat(1_000_000), '--yes'], /--to: is longer than 4096 characters/],
      ['a version longer than the agent accepts (64)', ['update', '--to', `7.0.${'1'.repeat(61)}`, '--yes'], /--to: is 65 characters long; at most 64/],
      ['a flag without its value', ['update', '--to'], /--to: needs a value/],
      ['a flag value that looks like a flag', ['update', '--to', '--yes'], /--to: needs a value/],
      ['a bad duration', ['update', '--to', '1.0', '--yes', '--pause-between', '5 minutes'], /--pause-between: "5 minutes" is not a duration/],
      ['a bad output format', ['check', '-o', 'yaml'], /--output: must be text or json/],
      ['a bad boolean value', ['update', '--to', '1.0', '--yes=maybe'], /--yes: takes no value or true\/false/],
      ['a repeated flag', ['update', '--to', '1.0', '--to', '2.0', '--yes'], /--to: given more than once/],
      ['a stray argument', ['update', 'node-1', '--to', '1.0'], /arguments: unexpected argument "node-1"/],
      ['a bad node name', ['update', '--to', '1.0', '--yes', '--nodes', 'node-1,../etc'], /--nodes: "..\/etc" is not a Kubernetes node name/],
      ['an empty node name', ['plan', '--nodes', 'node-1,,node-2'], /--nodes: .*empty node name/],
      ['a bad context name', ['check', '--context', 'a\u0000b'], /--context: contains control characters/],
      ['no terminal and no --yes', ['update', '--to', '1.0'], /--yes: is required when stdin is not a terminal/],
      ['--confirm-each-node without a terminal', ['update', '--to', '1.0', '--yes', '--confirm-each-node'], /--confirm-each-node: needs a terminal/],
    ];
    for (const [what, argv, message] of cases) {
      it(`refuses ${what}`, async () => {
        const io = fakeCliEnv(new FakeClock(), undefined);
        const code = await runCli(argv.map((a) => (a === 'CONFIG' ? config : a)), io.env);
        expect(code).to.equal(ExitCode.usage);
        expect(io.err()).to.match(message);
        expect(io.servicesMade, 'nothing was built or executed').to.equal(0);
        expect(await readdir(dir)).to.deep.equal(['config.yaml']);
      });
    }

    it('refuses an invalid config, naming the field and its line, before building anything', async () => {
      await writeFile(config, testConfigYaml(dir, THREE_NODES, 'pauseBetween: soon'));
      const io = fakeCliEnv(new FakeClock(), undefined);
      expect(await runCli(['check', '--config', config], io.env)).to.equal(ExitCode.usage);
      expect(io.err()).to.match(/pauseBetween \(line 13\): "soon" is not a duration/);
      expect(io.servicesMade).to.equal(0);
    });

    it('refuses --nodes naming a node that is not in the config', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      const io = fakeCliEnv(world.clock, world);
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes', '--nodes', 'node-9'], io.env)).to.equal(ExitCode.usage);
      expect(io.err()).to.match(/--nodes: node "node-9" is not in the config/);
      expect([...world.nodes.values()].every((n) => n.calls.drain === 0)).to.equal(true);
    });

    it('refuses a --kubeconfig that does not exist, naming the flag', async () => {
      const io = fakeCliEnv(new FakeClock(), undefined);
      expect(await runCli(['check', '--config', config, '--kubeconfig', join(dir, 'nope')], io.env)).to.equal(ExitCode.usage);
      expect(io.err()).to.match(/--kubeconfig: .*nope does not exist/);
    });

    it('prints help for every command and the exit codes', async () => {
      for (const cmd of ['check', 'plan', 'update', 'status', 'resume', 'abort']) {
        const io = fakeCliEnv(new FakeClock(), undefined);
        expect(await runCli([cmd, '--help'], io.env)).to.equal(ExitCode.ok);
        expect(io.out()).to.contain(`noderoll ${cmd}`).and.contain('Exit codes:');
      }
      const io = fakeCliEnv(new FakeClock(), undefined);
      expect(await runCli(['--help'], io.env)).to.equal(ExitCode.ok);
      expect(io.out()).to.contain('Commands:');
    });
  });

  describe('against a fake cluster', () => {
    it('check: exit 0 when all gates pass, 3 naming the failing gate', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      let io = fakeCliEnv(world.clock, world);
      expect(await runCli(['check', '--config', config], io.env)).to.equal(ExitCode.ok);
      expect(io.out()).to.contain('✓ gravity').and.contain('All gates pass.');
      world.node('node-3').units.set(PLANET_UNIT, { load: 'loaded', active: 'inactive', sub: 'dead' });
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['check', '--config', config, '-o', 'json'], io.env)).to.equal(ExitCode.notHealthy);
      const doc = JSON.parse(io.out().trim()) as { type: string; passed: boolean; results: { gate: string; passed: boolean; problems: string[] }[] };
      expect(doc.type).to.equal('check');
      expect(doc.passed).to.equal(false);
      expect(doc.results.find((r) => r.gate === 'etcd')!.problems[0]).to.match(/member of node-3 is unreachable/);
    });

    it('plan: shows the order, the steps and the preflight, changing nothing', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      const io = fakeCliEnv(world.clock, world);
      expect(await runCli(['plan', '--config', config, '--to', TARGET], io.env)).to.equal(ExitCode.ok);
      const out = io.out();
      expect(out.indexOf('node-1')).to.be.below(out.indexOf('node-3'));
      expect(out.indexOf('node-3')).to.be.below(out.indexOf('node-2'));
      expect(out).to.contain('drainNode').and.contain('✓ planet unit').and.contain('7.0.67 -> 7.0.68').and.contain('Nothing was changed');
      expect([...world.nodes.values()].every((n) => n.calls.drain === 0 && n.version === '7.0.67')).to.equal(true);
      expect(await readdir(dir)).to.deep.equal(['config.yaml']);
    });

    it('plan and check show a node clock 20 minutes behind, and still pass', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-2').clockOffsetMs = -20 * 60_000;
      let io = fakeCliEnv(world.clock, world);
      expect(await runCli(['plan', '--config', config, '--to', TARGET], io.env)).to.equal(ExitCode.ok);
      expect(io.out()).to.match(/✓ node-2\n(?: +. .*\n)* +! clock: node clock is 20m behind the coordinator's \(agent time .*\); noderoll does not rely on it, but check the node's NTP\n/);
      expect(io.out()).to.contain("✓ clock: within 1m of the coordinator's").and.contain('Preflight passed.');
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['check', '--config', config], io.env)).to.equal(ExitCode.ok);
      expect(io.out()).to.match(/✓ agents +3 agents reachable\n +warning: node-2: node clock is 20m behind the coordinator's/);
    });

    it('update refuses to start when the cluster is degraded: exit 3, no operation recorded', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-3').units.set(PLANET_UNIT, { load: 'loaded', active: 'inactive', sub: 'dead' });
      const io = fakeCliEnv(world.clock, world);
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.notHealthy);
      expect(io.err()).to.contain('update refuses to start: the cluster gates fail');
      expect(io.out()).to.match(/✗ etcd +1 problem:\n +member of node-3 is unreachable/);
      expect(await new FileStateStore({ file: join(dir, 'state.json') }).load()).to.equal(undefined);
      expect([...world.nodes.values()].every((n) => n.calls.drain === 0)).to.equal(true);
    });

    it('update → halt (exit 1) → status names the failed check → resume completes; json is NDJSON', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
      let io = fakeCliEnv(world.clock, world);
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes', '-o', 'json'], io.env)).to.equal(ExitCode.halted);
      const events = io.out().trim().split('\n').map((l) => JSON.parse(l) as { type: string; resumeCommand?: string; reason?: string });
      expect(events[0]!.type).to.equal('message');
      const halted = events.find((e) => e.type === 'operation-halted')!;
      expect(halted.reason).to.contain('noderoll-lab-broken.service');
      expect(halted.resumeCommand).to.equal(`noderoll resume --config ${config}`);

      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['status', '--config', config], io.env)).to.equal(ExitCode.halted);
      expect(io.out()).to.match(/✗ node-1 .* failed at verifyNodeHealthy: failed units on node-1 after the reboot: noderoll-lab-broken.service/);
      expect(io.out()).to.contain(`Resume with:\n    noderoll resume --config ${config}`);

      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.conflict);
      expect(io.err()).to.contain('is halted').and.contain('noderoll resume');

      world.node('node-1').units.delete('noderoll-lab-broken.service');
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['resume', '--config', config, '--yes'], io.env)).to.equal(ExitCode.ok);
      expect(io.out()).to.match(/operation nr-\S+ completed: 3 node\(s\) updated/);
      expect(world.node('node-1').boots).to.equal(1);
      expect([...world.nodes.values()].every((n) => n.version === TARGET && !n.cordoned)).to.equal(true);
      expect(world.maxOutOfService).to.equal(1);

      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['status', '--config', config, '-o', 'json'], io.env)).to.equal(ExitCode.ok);
      expect((JSON.parse(io.out()) as { operation: { status: string } }).operation.status).to.equal('completed');
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['resume', '--config', config, '--yes'], io.env)).to.equal(ExitCode.conflict);
    });

    it('skips nodes already at the target version and asks for confirmation on a terminal', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-2').version = TARGET;
      let io = fakeCliEnv(world.clock, world, { tty: true, answers: ['n'] });
      expect(await runCli(['update', '--config', config, '--to', TARGET], io.env)).to.equal(ExitCode.interrupted);
      expect(io.out()).to.contain('already at target: skipped').and.contain('Not started.');
      io = fakeCliEnv(world.clock, world, { tty: true, answers: ['yes'] });
      expect(await runCli(['update', '--config', config, '--to', TARGET], io.env)).to.equal(ExitCode.ok);
      expect(world.node('node-2').boots).to.equal(0);
      expect(world.node('node-1').boots).to.equal(1);
    });

    it('Ctrl-C during an update stops at the next safe point (exit 4); a second one at the next step boundary', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      let io = fakeCliEnv(world.clock, world);
      let handler: ((s: 'SIGINT' | 'SIGTERM') => void) | undefined;
      io.env.onSignal = (h) => ((handler = h), () => (handler = undefined));
      const agent = world.agent.bind(world);
      world.agent = (name: string) => {
        const a = agent(name);
        return { ...a, install: async (...args: Parameters<typeof a.install>) => (handler?.('SIGINT'), a.install(...args)) };
      };
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.interrupted);
      expect(io.out()).to.contain('SIGINT: stopping at the next safe point').and.contain('STOPPED at node node-1');
      expect(world.node('node-1').cordoned).to.equal(false);
      expect(world.node('node-1').version).to.equal(TARGET);
      expect(world.node('node-3').calls.drain).to.equal(0);
      expect(handler, 'the signal handler is removed after the run').to.equal(undefined);

      io = fakeCliEnv(world.clock, world);
      io.env.onSignal = (h) => ((handler = h), () => (handler = undefined));
      const drain = world.cluster.drainNode;
      world.cluster.drainNode = async (n, o) => {
        await drain(n, o);
        handler?.('SIGINT');
        handler?.('SIGINT');
      };
      expect(await runCli(['resume', '--config', config, '--yes'], io.env)).to.equal(ExitCode.interrupted);
      expect(world.node('node-3').cordoned, 'stopped with node 3 drained').to.equal(true);
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['status', '--config', config], io.env)).to.equal(ExitCode.interrupted);
      expect(io.out()).to.contain('node node-3 is out of service (cordoned) until the operation is resumed');
      world.cluster.drainNode = drain;
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['resume', '--config', config, '--yes'], io.env)).to.equal(ExitCode.ok);
      expect([...world.nodes.values()].every((n) => n.version === TARGET && n.boots === 1 && !n.cordoned)).to.equal(true);
    });

    it('draws a live per-node view on a terminal', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      const io = fakeCliEnv(world.clock, world);
      (io.env.stdout as { isTTY?: boolean }).isTTY = true;
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.ok);
      const out = io.out();
      expect(out).to.contain('\x1b[J');
      expect(out).to.match(/▶ node-1 +master .*waitForReboot/);
      expect(out).to.match(/✓ node-1 +master .*updated/);
      expect(out).to.match(/coordinator overhead/);
    });

    it('abort: without a running coordinator needs --yes, then abandons and says which node stays cordoned', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-1').onNextBoot = { planetChecksFail: true };
      let io = fakeCliEnv(world.clock, world);
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.halted);
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['abort', '--config', config], io.env)).to.equal(ExitCode.conflict);
      expect(io.err()).to.contain('noderoll abort --yes');
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['abort', '--config', config, '--yes'], io.env)).to.equal(ExitCode.ok);
      expect(io.out()).to.contain('abandoned').and.contain('node-1');
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['abort', '--config', config, '--yes'], io.env)).to.equal(ExitCode.conflict);
    });

    describe('earlier operations (state.history)', () => {
      /** Runs one update per version to completion on the same cluster; returns the operation IDs, oldest first. */
      const updates = async (world: FakeWorld, versions: string[]): Promise<string[]> => {
        const ids: string[] = [];
        for (const version of versions) {
          const io = fakeCliEnv(world.clock, world);
          expect(await runCli(['update', '--config', config, '--to', version, '--yes', '-o', 'json'], io.env), io.err()).to.equal(ExitCode.ok);
          const started = io.out().trim().split('\n').map((l) => JSON.parse(l) as { type: string; operationId?: string }).find((e) => e.type === 'operation-started');
          ids.push(started!.operationId!);
        }
        return ids;
      };

      it('status lists them after the current one, on a terminal and as `history` with -o json', async () => {
        await writeFile(config, testConfigYaml(dir, THREE_NODES).replace(/state: \{ file: (\S+) \}/, 'state: { file: $1, history: 2 }'));
        const world = new FakeWorld(new FakeClock(), THREE_NODES);
        const ids = await updates(world, ['7.0.68', '7.0.69', '7.0.70', '7.0.71']);
        expect(new Set(ids).size).to.equal(4);

        let io = fakeCliEnv(world.clock, world);
        (io.env.stdout as { isTTY?: boolean }).isTTY = true;
        expect(await runCli(['status', '--config', config], io.env)).to.equal(ExitCode.ok);
        const [current, earlier] = io.out().split('Earlier operations, newest first');
        expect(current).to.contain(`Operation ${ids[3]} → 7.0.71: completed`);
        const rows = (earlier ?? '').trim().split('\n').slice(1).map((r) => r.trim());
        expect(rows).to.have.length(2);
        expect(rows[0]).to.match(new RegExp(`^${ids[2]}  → 7\\.0\\.70 +completed +started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  finished \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  3/3 nodes done$`));
        expect(rows[1]).to.match(new RegExp(`^${ids[1]}  → 7\\.0\\.69 +completed .* 3/3 nodes done$`));
        expect(io.out()).not.to.contain(ids[0]!);

        io = fakeCliEnv(world.clock, world);
        expect(await runCli(['status', '--config', config, '-o', 'json'], io.env)).to.equal(ExitCode.ok);
        const doc = JSON.parse(io.out()) as { operation: { id: string }; history: Record<string, unknown>[] };
        expect(doc.operation.id).to.equal(ids[3]);
        const kept = await new FileStateStore({ file: join(dir, 'state.json') }).history();
        expect(doc.history).to.deep.equal(
          kept.map((r) => ({ id: r.id, targetVersion: r.targetVersion, status: 'completed', startedAt: r.createdAt, finishedAt: r.finishedAt, nodesDone: 3, nodesTotal: 3 })),
        );
        expect(doc.history.map((h) => h.id)).to.deep.equal([ids[2], ids[1]]);
      });

      it('status still shows the current operation when the history is damaged, and says so', async () => {
        const world = new FakeWorld(new FakeClock(), THREE_NODES);
        const ids = await updates(world, ['7.0.68', '7.0.69']);
        await writeFile(join(dir, 'state.json.history.json'), '{"garbage"');
        let io = fakeCliEnv(world.clock, world);
        expect(await runCli(['status', '--config', config], io.env)).to.equal(ExitCode.ok);
        expect(io.out()).to.contain(`Operation ${ids[1]} → 7.0.69: completed`).and.match(/Earlier operations: cannot be read: state \S+state\.json\.history\.json: not valid JSON/);
        io = fakeCliEnv(world.clock, world);
        expect(await runCli(['status', '--config', config, '-o', 'json'], io.env)).to.equal(ExitCode.ok);
        const doc = JSON.parse(io.out()) as { operation: { id: string }; history: unknown; historyError: string };
        expect(doc.operation.id).to.equal(ids[1]);
        expect(doc.history).to.equal(null);
        expect(doc.historyError).to.contain('not valid JSON');
      });

      it('report OPERATION writes an earlier one; an ID not kept exits 5 naming the ones that are', async () => {
        await writeFile(config, testConfigYaml(dir, THREE_NODES).replace(/state: \{ file: (\S+) \}/, 'state: { file: $1, history: 2 }'));
        const world = new FakeWorld(new FakeClock(), THREE_NODES);
        const ids = await updates(world, ['7.0.68', '7.0.69', '7.0.70']);
        const out = join(dir, 'reports');
        let io = fakeCliEnv(world.clock, world);
        expect(await runCli(['report', ids[0]!, '--config', config, '--out', out, '-o', 'json'], io.env), io.err()).to.equal(ExitCode.ok);
        const earlier = (await new FileStateStore({ file: join(dir, 'state.json') }).history()).find((r) => r.id === ids[0])!;
        expect(JSON.parse(io.out())).to.include({ type: 'report', operationId: ids[0], status: 'completed', markdown: join(out, `${ids[0]}.md`) });
        expect(await readFile(join(out, `${ids[0]}.md`), 'utf8')).to.equal(renderMarkdownReport(earlier)).and.contain('- Target version: `7.0.68`');
        expect(await readFile(join(out, `${ids[0]}.html`), 'utf8')).to.equal(renderHtmlReport(earlier));

        const unknown = 'nr-20200101-000000-zzzz';
        io = fakeCliEnv(world.clock, world);
        expect(await runCli(['report', unknown, '--config', config, '--out', out], io.env)).to.equal(ExitCode.conflict);
        expect(io.err()).to.contain(`operation ${unknown} is not in ${join(dir, 'state.json')}: it holds operation ${ids[2]} and the earlier operations ${ids[1]}, ${ids[0]} (state.history keeps the last 2)`);
        expect((await readdir(out)).sort()).to.deep.equal([`${ids[0]}.html`, `${ids[0]}.md`]);
      });
    });

    it('resume with the kubernetes backend uses this host\'s kubeconfig, not the path the operation was started with on another host', async () => {
      // (the fake services keep a file store; the backend setting is what resume decides by)
      await writeFile(config, testConfigYaml(dir, THREE_NODES).replace('state: { file: ', 'state: { backend: kubernetes, file: '));
      const otherHostKubeconfig = join(dir, 'kubeconfig-of-host-a');
      await writeFile(otherHostKubeconfig, 'apiVersion: v1\nkind: Config\n');
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-1').onNextBoot = { failUnits: ['noderoll-lab-broken.service'] };
      let io = fakeCliEnv(world.clock, world);
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes', '--kubeconfig', otherHostKubeconfig, '--context', 'host-a-admin'], io.env)).to.equal(ExitCode.halted);
      await rm(otherHostKubeconfig); // "host B" does not have host A's file
      world.node('node-1').units.delete('noderoll-lab-broken.service');
      io = fakeCliEnv(world.clock, world);
      expect(await runCli(['resume', '--config', config, '--yes', '-o', 'json'], io.env), io.err()).to.equal(ExitCode.ok);
      expect(io.out()).to.not.contain(otherHostKubeconfig);
    });

    it('a coordinator whose lock is lost mid-update exits 5, says it stopped without another call, and writes no halt', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      const io = fakeCliEnv(world.clock, world);
      const makeServices = io.env.makeServices;
      io.env.makeServices = (cfg, log) => {
        const services = makeServices(cfg, log);
        const store = services.store;
        // The lease is taken by another coordinator once node-1 has been drained: every later save is refused.
        const save: typeof store.save = async (record, lock) => {
          if (record.nodes[0]?.steps.find((st) => st.name === 'drainNode')?.status === 'completed' && record.nodes[0].steps.find((st) => st.name === 'findPlanetUnit')?.status !== 'pending') {
            throw new LockLostError('lease noderoll-system/noderoll', 'it is held by pid 4242 on other-host since 2026-12-01T22:00:00.000000Z');
          }
          return store.save(record, lock);
        };
        return { ...services, store: Object.assign(Object.create(store) as typeof store, { save }) };
      };
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.conflict);
      expect(io.err()).to.match(/stopped: the lock lease noderoll-system\/noderoll is no longer ours \(it is held by pid 4242 on other-host.*made no further call to any node or the cluster/);
      const saved = await new FileStateStore({ file: join(dir, 'state.json'), host: 'test-host' }).load();
      expect(saved?.status, 'no halt written over the new holder').to.equal('running');
      expect(world.node('node-1').calls.stopUnit).to.equal(0);
    });

    it('abort with a live coordinator leaves it a request; a second coordinator is refused the lock', async () => {
      const world = new FakeWorld(new FakeClock(), THREE_NODES);
      world.node('node-1').onNextBoot = { planetChecksFail: true };
      let io = fakeCliEnv(world.clock, world);
      expect(await runCli(['update', '--config', config, '--to', TARGET, '--yes'], io.env)).to.equal(ExitCode.halted);
      const store = new FileStateStore({ file: join(dir, 'state.json'), host: 'test-host' });
      const lock = await store.acquireLock({ pid: process.pid, host: 'test-host', command: 'noderoll resume' });
      try {
        io = fakeCliEnv(world.clock, world);
        expect(await runCli(['resume', '--config', config, '--yes'], io.env)).to.equal(ExitCode.conflict);
        expect(io.err()).to.contain('another coordinator holds the lock');
        io = fakeCliEnv(world.clock, world);
        expect(await runCli(['abort', '--config', config, '--now'], io.env)).to.equal(ExitCode.ok);
        expect((await store.readAbortRequest())?.mode).to.equal('now');
      } finally {
        await lock.release();
      }
    });
  });
});

describe('noderoll log file', () => {
  it('writes pino JSON lines to the configured file, creating its directory', async () => {
    const { openFileLog } = await import('../../../coordinator/cli/services.js');
    const dir = await mkdtemp(join(tmpdir(), 'noderoll-log-'));
    try {
      const file = join(dir, 'logs', 'noderoll.log');
      const log = openFileLog(file, 'info');
      log.info({ node: 'node-1', step: 'drainNode' }, 'step started');
      log.debug('not at info');
      const { readFile } = await import('node:fs/promises');
      const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({ name: 'noderoll', node: 'node-1', step: 'drainNode', msg: 'step started', level: 30 });
      // the CLI keeps its log open for the life of its process; this test process goes on: close the file
      (log as unknown as Record<symbol, { end(): void }>)[pino.symbols.streamSym]!.end();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
