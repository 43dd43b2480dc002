import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../../agent/agent-daemon.js';
import { parseAgentConfig } from '../../../agent/config/agent-config.js';
import type { RebootAdviceRecord } from '../../../agent/node/reboot-advice.js';
import { GrpcNodeAgent } from '../../../coordinator/agents/grpc-node-agent.js';
import { AgentClient } from '../../../shared/agent-api/agent-client.js';
import { silentLogger } from '../../../shared/log/logger.js';
import { agentTlsYaml, clientTls, useAgentTestPki } from '../../security/test-pki.js';
import { expectCode } from '../../agent/expect-call-code.js';
import { FakeApt } from './fake-apt.js';
import { FakeHost } from './fake-host.js';

/**
 * The OS-patching RPCs over gRPC (in-process agent, fake host, mutual TLS), seen from the
 * coordinator's adapter: Install in mode upgrade-all with its package changes and reboot advice
 * (live and replayed), the mode refusal, GetRebootAdvice, RestartUnit within units.allow only,
 * NodeInfo.install_mode. The lab suite test/agent/agent-ospatch.lab.test.ts runs the same on real apt.
 */

const TOOL = 'noderoll-lab-tool.service';
const ADVICE: RebootAdviceRecord = { required: true, reasons: ['/var/run/reboot-required (noderoll-lab-kernel)'], servicesToRestart: [TOOL], problem: '' };

describe('OS patching over gRPC (in-process agent, fake apt)', function () {
  this.timeout(20_000);
  const certs = useAgentTestPki();
  let dir: string;
  let agent: RunningAgent | undefined;
  let adapter: GrpcNodeAgent | undefined;
  let client: AgentClient | undefined;
  let apt: FakeApt;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-ospatch-grpc-'));
    const host = new FakeHost();
    host.units.set(TOOL, { name: TOOL, active: 'active', enabled: true, description: 'lab tool' });
    apt = new FakeApt(new Map([['noderoll-lab-kernel', '1.0'], ['noderoll-lab-tool', '1.0'], ['bash', '5.2.15-2']]), { 'noderoll-lab-kernel': '1.1', 'noderoll-lab-tool': '1.1' }, host.runner);
    const yaml = `${agentTlsYaml(certs.agentCert)}
grpc: { listen: "127.0.0.1:0" }
http: { listen: "" }
stateDir: ${dir}
logLevel: silent
units: { allow: ["gravity__*", "${TOOL}"] }
install: { mode: upgrade-all }
operations: { shutdownGraceMs: 0 }
`;
    agent = await startAgent(parseAgentConfig(yaml, 'test'), { logger: silentLogger, runner: apt.runner, boot: { bootId: '11111111-1111-4111-8111-111111111111', bootTimeUnixMs: 1 }, machineId: 'feedfacefeedfacefeedfacefeedface', rebootAdvice: async () => structuredClone(ADVICE) });
    const address = `127.0.0.1:${agent.grpcPort}`;
    adapter = new GrpcNodeAgent({ node: 'test-node', address }, { callTimeoutMs: 10_000, tls: clientTls(certs.coordinatorCert, 'test-node') });
    client = new AgentClient(address, { defaultDeadlineMs: 10_000, tls: clientTls(certs.coordinatorCert, 'test-node') });
  });
  afterEach(async () => {
    adapter?.close();
    client?.close();
    await agent?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('Install upgrade-all: the adapter gets the package changes and the reboot advice, live and on replay', async () => {
    const lines: string[] = [];
    const request = { operationId: 'upgrade-1', version: '', mode: 'upgrade-all' as const };
    const outcome = await adapter!.install(request, (l) => lines.push(l.line));
    expect(outcome).to.deep.include({ succeeded: true, replayed: false });
    expect(outcome.packageChanges).to.deep.equal([
      { name: 'noderoll-lab-kernel', before: '1.0', after: '1.1' },
      { name: 'noderoll-lab-tool', before: '1.0', after: '1.1' },
    ]);
    expect(outcome.rebootAdvice).to.deep.equal({ required: true, reasons: ADVICE.reasons, servicesToRestart: [TOOL] });
    expect(lines).to.include('Unpacking noderoll-lab-kernel (1.1) over (1.0) ...');
    const replay = await adapter!.install(request, () => undefined);
    expect(replay).to.deep.include({ succeeded: true, replayed: true, packageChanges: outcome.packageChanges, rebootAdvice: outcome.rebootAdvice });
    const op = await client!.getOperation('upgrade-1');
    expect(op.install).to.deep.include({ mode: 'upgrade-all', command: ['apt-get', 'upgrade', '-y', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', '-o', 'DPkg::Lock::Timeout=300'] });
    expect(apt.calls.filter((c) => c.startsWith('apt-get'))).to.have.length(2);
  });

  it('refuses an install for mode command on an upgrade-all agent; NodeInfo says its mode', async () => {
    const r = await client!.install('cmd-1', '7.0.68');
    expect(r.error?.codeName).to.equal('FAILED_PRECONDITION');
    expect(r.error?.details).to.match(/install mode command but this agent's install\.mode is upgrade-all/);
    expect(apt.calls.filter((c) => c.startsWith('apt-get'))).to.deep.equal([]);
    expect((await client!.getNodeInfo()).installMode).to.equal('upgrade-all');
    expect((await adapter!.identity()).installMode).to.equal('upgrade-all');
  });

  it('GetRebootAdvice through the adapter; RestartUnit only for allowed units, recorded and replayed', async () => {
    expect(await adapter!.rebootAdvice()).to.deep.equal({ required: true, reasons: ADVICE.reasons, servicesToRestart: [TOOL] });
    const unit = await adapter!.restartUnit(TOOL, { operationId: 'restart-1', timeoutMs: 5000 });
    expect(unit).to.deep.include({ name: TOOL, activeState: 'active' });
    const again = await client!.restartUnit({ operationId: 'restart-1', unit: TOOL, timeoutMs: 5000 });
    expect(again.replayed).to.equal(true);
    expect(again.operation?.kind).to.equal('OPERATION_KIND_RESTART_UNIT');
    await expectCode(client!.restartUnit({ operationId: 'restart-2', unit: 'sshd.service', timeoutMs: 5000 }), 'PERMISSION_DENIED');
  });
});
