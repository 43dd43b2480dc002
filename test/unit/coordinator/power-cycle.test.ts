import { expect } from 'chai';
import { stepRecord } from '../../../coordinator/state/operation-record.js';
import { configuredExecutors } from '../../../coordinator/steps/configured-executors.js';
import { makeHarness, type Harness } from './fakes/engine-harness.js';
import { FakeRunner, type FakeCommandOutcome } from './fakes/fake-runner.js';

const POWER_CYCLE = 'powerCycle: { command: [ipmitool, -H, "bmc-{node}", -U, admin, chassis, power, "on", "--for={address}"], timeout: 20s }';

describe('power cycle of a node that does not come back (fake cluster, fake runner, fake clock)', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  /** The BMC's answer: the fake node-1 powers on (and boots after the world's boot time) unless `stayOff`. */
  function bmc(h: Harness, outcome: FakeCommandOutcome & { stayOff?: boolean } = {}): FakeRunner {
    return new FakeRunner(() => ({
      ...outcome,
      effect: () => {
        const n = h.world.node('node-1');
        if (outcome.stayOff || (outcome.exitCode ?? 0) !== 0 || n.power !== 'off') return;
        n.power = 'rebooting';
        n.upAt = h.clock.now() + 5_000;
      },
    }));
  }

  it('after the reboot timeout runs the command once with {node} and {address}, waits again, and the node completes', async () => {
    h = await makeHarness({ configExtra: POWER_CYCLE });
    const n1 = h.world.node('node-1');
    const bootBefore = n1.bootId;
    n1.onNextBoot = { powerOff: true };
    const runner = bmc(h, { stdout: ['Chassis Power Control: Up/On'] });
    expect(await h.run({ deps: { executors: configuredExecutors(h.config, runner.run) } })).to.equal('completed');
    expect(runner.calls).to.deep.equal([{ argv: ['ipmitool', '-H', 'bmc-node-1', '-U', 'admin', 'chassis', 'power', 'on', '--for=node-1'], timeoutMs: 20_000 }]);
    const saved = await h.load();
    const node1 = saved.nodes.find((n) => n.name === 'node-1')!;
    expect(node1.facts.powerCycles).to.have.length(1);
    expect(node1.facts.powerCycles![0]).to.deep.include({ outcome: 'succeeded', exitCode: 0, outputTail: 'Chassis Power Control: Up/On' });
    expect(node1.facts.bootIdAfterReboot).to.not.equal(bootBefore);
    expect(stepRecord(node1, 'waitForReboot').note).to.match(/^back in boot \w+ after a power cycle \(ipmitool -H bmc-node-1 .*\), Node Ready/);
    expect(h.events.some((e) => e.type === 'step-output' && e.node === 'node-1' && e.step === 'waitForReboot' && e.line === 'power cycle: Chassis Power Control: Up/On')).to.equal(true);
    expect(h.events.some((e) => e.type === 'step-progress' && e.node === 'node-1' && /power-cycling node node-1/.test(e.message))).to.equal(true);
  });

  it('a node still down after the power cycle: halts naming the node, its last boot ID and what was tried, the command run once', async () => {
    h = await makeHarness({ configExtra: POWER_CYCLE });
    const n1 = h.world.node('node-1');
    const bootBefore = n1.bootId;
    n1.onNextBoot = { powerOff: true };
    const runner = bmc(h, { stayOff: true, stdout: ['Chassis Power Control: Up/On'] });
    expect(await h.run({ deps: { executors: configuredExecutors(h.config, runner.run) } })).to.equal('halted');
    expect(runner.calls).to.have.length(1);
    const saved = await h.load();
    expect(saved.halt).to.deep.include({ node: 'node-1', step: 'waitForReboot' });
    expect(saved.halt?.reason).to.match(new RegExp(`^node node-1 did not come back after its reboot and a power cycle \\(300s after it\\): agent unreachable.*; last boot ID ${bootBefore} \\(the one before the reboot; no new boot seen\\)$`));
    const details = saved.halt!.details.join('\n');
    expect(details).to.match(/tried: reboot requested at \S+; power cycle at \S+: `ipmitool -H bmc-node-1 -U admin chassis power on --for=node-1` exited 0/);
    expect(details).to.contain('power cycle output: Chassis Power Control: Up/On');
    expect(saved.nodes[0]!.facts.powerCycles?.map((p) => p.outcome)).to.deep.equal(['succeeded']);
    expect(h.world.node('node-3').calls.drain, 'no other node started').to.equal(0);
  });

  it('a power command that fails halts at once with its exit code and output, without a second wait', async () => {
    h = await makeHarness({ configExtra: POWER_CYCLE });
    const n1 = h.world.node('node-1');
    n1.onNextBoot = { powerOff: true };
    const runner = bmc(h, { exitCode: 1, stderr: ['Error: Unable to establish IPMI v2 / RMCP+ session'] });
    const started = h.clock.now();
    expect(await h.run({ deps: { executors: configuredExecutors(h.config, runner.run) } })).to.equal('halted');
    expect(runner.calls).to.have.length(1);
    const saved = await h.load();
    expect(saved.halt?.reason).to.match(/^node node-1 did not come back within 300s of the reboot request: .*; the power cycle failed \(command `ipmitool .*` exited with code 1\); last boot ID \S+/);
    expect(saved.halt?.details.join('\n')).to.contain('Unable to establish IPMI v2 / RMCP+ session');
    expect(saved.nodes[0]!.facts.powerCycles?.[0]).to.deep.include({ outcome: 'failed', exitCode: 1 });
    // one reboot timeout (and the steps before it), not two: the fake clock only moves in the waits
    expect(h.clock.now() - started).to.be.below(2 * h.config.timeouts.rebootMs);
  });

  it('resumed long after the reboot request: one look, then the power cycle at once (the timeout counts from the request); the halt without powerCycle says to configure it', async () => {
    h = await makeHarness();
    const n1 = h.world.node('node-1');
    n1.onNextBoot = { powerOff: true };
    expect(await h.run()).to.equal('halted');
    const halted = await h.load();
    expect(halted.halt?.details.join('\n')).to.contain('configure powerCycle');

    // the operator adds a power cycle and resumes: the reboot timeout has long passed
    const withPower = await makeHarness({ configExtra: POWER_CYCLE });
    try {
      const runner = new FakeRunner(() => ({
        effect: () => {
          n1.power = 'rebooting';
          n1.upAt = h.clock.now() + 5_000;
        },
      }));
      const resumeAt = h.clock.now();
      const outcome = await h.run({ resumed: true, record: halted, deps: { executors: configuredExecutors(withPower.config, runner.run), config: withPower.config } });
      expect(outcome).to.equal('completed');
      expect(runner.calls).to.have.length(1);
      const waitStarted = h.events.findLast((e) => e.type === 'step-started' && e.node === 'node-1' && e.step === 'waitForReboot')!;
      const cycled = h.events.find((e) => e.type === 'step-progress' && e.node === 'node-1' && /power-cycling/.test(e.message))!;
      expect(Date.parse(cycled.time) - Date.parse(waitStarted.time), 'the power cycle came after one look, not another timeout').to.be.below(h.config.timeouts.rebootMs);
      expect(Date.parse(waitStarted.time)).to.be.at.least(resumeAt);
    } finally {
      await withPower.close();
    }
  });
});
