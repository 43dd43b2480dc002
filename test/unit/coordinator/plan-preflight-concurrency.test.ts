import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PREFLIGHT_CONCURRENCY } from '../../../coordinator/cli/commands/plan.js';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import type { NodeRole } from '../../../coordinator/ports/cluster.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { testConfigYaml, TARGET } from './fakes/engine-harness.js';
import { FakeClock } from './fakes/fake-clock.js';
import { FakeWorld } from './fakes/fake-world.js';

describe('noderoll plan: preflight of many nodes', function () {
  this.timeout(30_000);
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-plan-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`preflights at most ${PREFLIGHT_CONCURRENCY} nodes at once (an agent cuts a handshake that waits too long behind the others), and every node`, async () => {
    const nodes = Array.from({ length: PREFLIGHT_CONCURRENCY * 2 + 7 }, (_, i) => ({ name: `node-${i + 1}`, role: (i < 3 ? 'master' : 'node') as NodeRole }));
    const config = join(dir, 'config.yaml');
    await writeFile(config, testConfigYaml(dir, nodes));
    const world = new FakeWorld(new FakeClock(), nodes);
    // A node is in flight from its Identity call until its ListUnits answered (the last agent call of its preflight).
    let inFlight = 0;
    let most = 0;
    const preflighted = new Set<string>();
    const agentOf = world.agent.bind(world);
    world.agent = (name) => {
      const agent = agentOf(name);
      return {
        ...agent,
        identity: async (o) => {
          most = Math.max(most, ++inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          return agent.identity(o);
        },
        listUnits: async (pattern, o) => {
          await new Promise((resolve) => setImmediate(resolve));
          const units = await agent.listUnits(pattern, o);
          inFlight -= 1;
          preflighted.add(name);
          return units;
        },
      };
    };
    const io = fakeCliEnv(world.clock, world);
    expect(await runCli(['plan', '--config', config, '--to', TARGET, '-o', 'json'], io.env)).to.equal(ExitCode.ok);
    expect(most).to.equal(PREFLIGHT_CONCURRENCY);
    expect(preflighted.size).to.equal(nodes.length);
    const doc = JSON.parse(io.out().trim()) as { preflight: { node: string; passed: boolean }[] };
    expect(doc.preflight.map((p) => p.node).sort()).to.deep.equal(nodes.map((n) => n.name).sort());
  });
});
