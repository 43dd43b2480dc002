import { expect } from 'chai';
import { orderNodes, PlanError, selectNodes } from '../../../coordinator/plan/node-order.js';
import { RUNBOOK, STEP_NAMES } from '../../../coordinator/plan/runbook.js';
import { STEP_EXECUTORS } from '../../../coordinator/steps/executors.js';
import type { NodeConfig } from '../../../coordinator/config/config-types.js';

const nodes: NodeConfig[] = [
  { name: 'w1', agent: 'w1:1', role: 'node' },
  { name: 'm1', agent: 'm1:1', role: 'master' },
  { name: 'w2', agent: 'w2:1' },
  { name: 'm2', agent: 'm2:1' },
];
const clusterRoles = new Map([
  ['w2', 'node' as const],
  ['m2', 'master' as const],
]);

describe('coordinator plan', () => {
  it('puts masters first, one at a time, then workers, each in config order', () => {
    expect(orderNodes(nodes, 'roles', clusterRoles).map((n) => `${n.name}/${n.role}`)).to.deep.equal(['m1/master', 'm2/master', 'w1/node', 'w2/node']);
  });

  it('keeps the config order with order: listed', () => {
    expect(orderNodes(nodes, 'listed', clusterRoles).map((n) => n.name)).to.deep.equal(['w1', 'm1', 'w2', 'm2']);
  });

  it('takes the role from the config over the cluster labels', () => {
    const roles = new Map([['w1', 'master' as const], ...clusterRoles]);
    expect(orderNodes(nodes, 'roles', roles)[0]!.name).to.equal('m1');
    expect(orderNodes(nodes, 'roles', roles).find((n) => n.name === 'w1')!.role).to.equal('node');
  });

  it('refuses a node whose role nobody knows, naming the config field', () => {
    const err = (() => {
      try {
        orderNodes(nodes, 'roles', new Map());
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).to.be.instanceOf(PlanError);
    expect((err as PlanError).field).to.equal('nodes[2].role');
  });

  it('selects with --nodes and --exclude and names the flag of an unknown node', () => {
    expect(selectNodes(nodes, { only: ['m1', 'w2'] }).map((n) => n.name)).to.deep.equal(['m1', 'w2']);
    expect(selectNodes(nodes, { exclude: ['w1'] }).map((n) => n.name)).to.deep.equal(['m1', 'w2', 'm2']);
    expect(() => selectNodes(nodes, { only: ['m9'] })).to.throw(PlanError, /--nodes: node "m9" is not in the config/);
    expect(() => selectNodes(nodes, { exclude: ['x'] })).to.throw(PlanError, /--exclude/);
    expect(() => selectNodes(nodes, { only: ['m1'], exclude: ['m1'] })).to.throw(PlanError, /no node is left/);
  });

  it('describes the runbook as data: every step named in order, each with an executor', () => {
    expect(RUNBOOK.map((s) => s.name)).to.deep.equal([...STEP_NAMES]);
    expect(STEP_NAMES).to.deep.equal([
      'verifyClusterHealthy',
      'takeBackup',
      'recordJournalBaseline',
      'recordFailedUnitsBaseline',
      'drainNode',
      'findPlanetUnit',
      'stopPlanetUnit',
      'installUpdate',
      'enableGravityUnits',
      'rebootNode',
      'waitForReboot',
      'verifyNodeHealthy',
      'uncordonNode',
      'soakClusterHealth',
    ]);
    for (const s of RUNBOOK) expect(STEP_EXECUTORS[s.name].name).to.equal(s.name);
    // the node is out of service exactly from the drain to the uncordon
    const out = RUNBOOK.filter((s) => !s.inService).map((s) => s.name);
    expect(out[0]).to.equal('drainNode');
    expect(out.at(-1)).to.equal('uncordonNode');
  });
});

describe('agent operation IDs', () => {
  it('are deterministic, within the agent\'s grammar and length, distinct per action', async () => {
    const { agentOperationId, AGENT_OPERATION_ID_MAX } = await import('../../../coordinator/ports/node-agent.js');
    const op = 'nr-20261127-020000-abcd12';
    expect(agentOperationId(op, '10.0.0.11', 'install')).to.equal('nr-20261127-020000-abcd12.10.0.0.11.install');
    const long = agentOperationId(op, 'a'.repeat(200), 'enable-gravity__gravitational.io__teleport__3.2.17.service');
    expect(long).to.have.length(AGENT_OPERATION_ID_MAX);
    expect(long).to.match(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/);
    expect(agentOperationId(op, 'a'.repeat(200), 'enable-x')).to.not.equal(long);
    expect(agentOperationId(op, 'n', 'enable-foo@bar\\x2d.service')).to.match(/^[A-Za-z0-9._:-]+$/);
  });
});
