import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GRPC_DRAIN_MS } from '../../../agent/agent-daemon.js';
import { parseAgentConfig, SHUTDOWN_AFTER_GRACE_MS } from '../../../agent/config/agent-config.js';
import { INSTALL_ABORT_SETTLE_MS } from '../../../agent/node/node-operations.js';
import { projectRoot } from '../../../shared/agent-api/codegen.js';
import { labAgentConfigYaml } from '../../lab/noderoll-config.js';

const LAB_AGENT_YAML = labAgentConfigYaml({ nodeAddress: '127.12.1.2' });

/** A graceful stop (SIGTERM, `systemctl stop/restart`) must not cut a running install short. */
describe('agent shutdown and the running install', () => {
  it('waits for a running install as long as the install itself may run, unless configured otherwise', () => {
    const defaults = parseAgentConfig(LAB_AGENT_YAML, 'test.yaml');
    expect(defaults.operations.shutdownGraceMs).to.equal(defaults.install.timeoutMs);
    const longer = parseAgentConfig(`${LAB_AGENT_YAML.replace('install:\n', 'install:\n  timeoutMs: 7200000\n')}`, 'test.yaml');
    expect(longer.install.timeoutMs).to.equal(7_200_000);
    expect(longer.operations.shutdownGraceMs).to.equal(7_200_000);
    const explicit = parseAgentConfig(labAgentConfigYaml({ nodeAddress: '127.12.1.2' }, { extraYaml: 'operations:\n  shutdownGraceMs: 120000\n' }), 'test.yaml');
    expect(explicit.operations.shutdownGraceMs).to.equal(120_000);
  });

  it("systemd/noderoll-agent.service's TimeoutStopSec covers the default grace plus what the agent does after it", async () => {
    const unit = await readFile(join(projectRoot, 'systemd/noderoll-agent.service'), 'utf8');
    const values = [...unit.matchAll(/^TimeoutStopSec=(\d+)$/gm)].map((m) => Number(m[1]));
    expect(values, 'exactly one TimeoutStopSec= in seconds').to.have.length(1);
    const graceMs = parseAgentConfig(LAB_AGENT_YAML, 'test.yaml').operations.shutdownGraceMs;
    // after the grace: the aborted install gets INSTALL_ABORT_SETTLE_MS, open calls GRPC_DRAIN_MS, then files close
    expect(SHUTDOWN_AFTER_GRACE_MS).to.be.at.least(INSTALL_ABORT_SETTLE_MS + GRPC_DRAIN_MS + 10_000);
    expect(values[0]! * 1000, `TimeoutStopSec must be >= ${(graceMs + SHUTDOWN_AFTER_GRACE_MS) / 1000}`).to.be.at.least(graceMs + SHUTDOWN_AFTER_GRACE_MS);
    expect(unit, 'the unit explains where its stop timeout comes from').to.contain('SHUTDOWN_AFTER_GRACE_MS');
    // KillMode=mixed: SIGTERM reaches the agent only, so the install is not signalled by the stop itself
    expect(unit).to.match(/^KillMode=mixed$/m);
  });
});
