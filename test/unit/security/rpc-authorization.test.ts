import { expect } from 'chai';
import { authorizationProblem, MUTATING_RPCS, READ_RPCS, roleMayCall } from '../../../agent/tls/rpc-authorization.js';
import { nodeAgentService } from '../../../shared/agent-api/proto.js';

describe('RPC authorization by role', () => {
  it('classifies every RPC of the service exactly once (a new RPC must be classified)', () => {
    const methods = Object.values(nodeAgentService()).map((m) => (m as { originalName?: string; path: string }).path.split('/').pop()!);
    const classified = [...READ_RPCS, ...MUTATING_RPCS];
    expect([...classified].sort()).to.deep.equal([...methods].sort());
    expect(new Set(classified).size).to.equal(classified.length);
  });

  it('lets a coordinator call everything and a reader only read RPCs; anything unknown is denied', () => {
    for (const m of [...READ_RPCS, ...MUTATING_RPCS]) expect(roleMayCall('coordinator', m), m).to.equal(true);
    for (const m of READ_RPCS) expect(roleMayCall('reader', m), m).to.equal(true);
    for (const m of MUTATING_RPCS) {
      expect(roleMayCall('reader', m), m).to.equal(false);
      expect(authorizationProblem('reader', m)).to.match(new RegExp(`^${m} changes the node; role reader may call only read RPCs`));
    }
    expect(roleMayCall('coordinator', 'RunCommand')).to.equal(false);
    expect(authorizationProblem('coordinator', 'RunCommand')).to.equal('RunCommand is not allowed for role coordinator');
  });
});
