import { expect } from 'chai';
import { renderStatus } from '../../../coordinator/cli/commands/status.js';
import { agentOperationId } from '../../../coordinator/ports/node-agent.js';
import { stepRecord, type OperationRecord } from '../../../coordinator/state/operation-record.js';
import { makeHarness, TARGET, type Harness } from './fakes/engine-harness.js';

/** Issue #10 defect 2: an install interrupted by an agent restart or a power loss is not a dead end. */
describe('resume after an interrupted install', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const attemptsOf = (r: OperationRecord, node = 'node-1') => r.nodes.find((n) => n.name === node)!.facts.installAttempts ?? [];
  const haltOf = (h: Harness) => h.events.filter((e) => e.type === 'operation-halted').at(-1) as { step?: string; reason?: string; details?: string[] } | undefined;

  it('the package not at the target: resume makes a fresh attempt with a new operation ID, and records both', async () => {
    h = await makeHarness();
    const n1 = h.world.node('node-1');
    n1.installFaults = ['interrupted-before-unpack'];
    expect(await h.run()).to.equal('halted');
    expect(haltOf(h)?.step).to.equal('installUpdate');
    expect(haltOf(h)?.reason).to.match(/lost the agent of node-1 during install attempt 1 of 3/);
    expect(n1.version, 'the interrupted attempt did not reach the target').to.not.equal(TARGET);
    // `noderoll status` lists the attempt with what the agent recorded once the step re-reads it
    expect(renderStatus(await h.load(), undefined, h.clock.now())).to.match(/install attempt 1 \(.*\.install\): outcome unknown/);

    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('completed');
    const record = await h.load();
    const attempts = attemptsOf(record);
    expect(attempts.map((a) => [a.attempt, a.agentOperationId, a.outcome])).to.deep.equal([
      [1, agentOperationId(record.id, 'node-1', 'install'), 'interrupted'],
      [2, agentOperationId(record.id, 'node-1', 'install-2'), 'succeeded'],
    ]);
    expect(attempts[0]!.detail).to.contain('its outcome is unknown');
    expect(n1.calls.install).to.equal(2);
    expect(n1.version).to.equal(TARGET);
    const progress = h.events.filter((e) => e.type === 'step-progress').map((e) => (e as { message: string }).message);
    expect(progress.some((m) => /install attempt 2 of 3: attempt 1 \(operation .*\.install\) ended interrupted .*not 7\.0\.68: installing again as operation .*\.install-2/.test(m)), progress.join('\n')).to.equal(true);
    expect(stepRecord(record.nodes[0]!, 'installUpdate').note).to.contain('attempt 2 of 3');
    // the other nodes installed once each, on their first attempt
    expect(attemptsOf(record, 'node-2').map((a) => a.attempt)).to.deep.equal([1]);
  });

  it('the package already at the target: resume records the step done without installing again', async () => {
    h = await makeHarness();
    const n1 = h.world.node('node-1');
    n1.installFaults = ['interrupted-after-unpack'];
    expect(await h.run()).to.equal('halted');
    expect(n1.version).to.equal(TARGET);
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('completed');
    const record = await h.load();
    expect(n1.calls.install, 'no second install').to.equal(1);
    expect(stepRecord(record.nodes[0]!, 'installUpdate').note).to.match(/already done: install attempt 1 \(operation .*\) ended interrupted, but gravity-planet is installed at 7\.0\.68, the target/);
    expect(attemptsOf(record).map((a) => a.outcome)).to.deep.equal(['interrupted']);
    expect(n1.boots).to.equal(1);
  });

  it('attempts are bounded (install.maxAttempts): past the bound resume halts, listing every attempt', async () => {
    h = await makeHarness({ configExtra: 'install: { maxAttempts: 2 }' });
    const n1 = h.world.node('node-1');
    n1.installFaults = ['interrupted-before-unpack', 'interrupted-before-unpack'];
    expect(await h.run()).to.equal('halted');
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('halted');
    expect(haltOf(h)?.details?.at(-1)).to.equal('the agent may have restarted or the node lost power; `noderoll resume` reads what the agent recorded and the installed version: at the target the step is done, otherwise it tries again');
    expect(await h.run({ resumed: true, record: await h.load() })).to.equal('halted');
    const halt = haltOf(h)!;
    expect(halt.reason).to.match(/did not succeed in 2 attempt\(s\) \(install\.maxAttempts: 2\); the last one ended interrupted/);
    expect(halt.details).to.have.length(2);
    expect(halt.details![1]).to.match(/^attempt 2 \(agent operation .*\.install-2, started .*\): interrupted/);
    expect(n1.calls.install, 'no third install').to.equal(2);
    const status = renderStatus(await h.load(), undefined, h.clock.now());
    expect(status).to.match(/install attempt 1 \(.*\.install\): interrupted — the agent stopped while install/);
    expect(status).to.match(/install attempt 2 \(.*\.install-2\): interrupted/);
    expect(attemptsOf(await h.load()).map((a) => a.outcome)).to.deep.equal(['interrupted', 'interrupted']);
  });
});
