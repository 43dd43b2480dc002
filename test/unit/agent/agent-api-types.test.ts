import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffTrees, GENERATED_DIR, generateAgentApiTypes, readTree } from '../../../shared/agent-api/codegen.js';
import { AGENT_SERVICE_NAME, loadAgentApi, nodeAgentService } from '../../../shared/agent-api/proto.js';

describe('agent API contract (proto ⇄ committed TypeScript types)', function () {
  this.timeout(60_000);

  it('the committed types are exactly what proto-loader-gen-types makes of proto/ (regenerate: node dist/shared/agent-api/codegen.js --write)', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'noderoll-agent-api-check-'));
    try {
      await generateAgentApiTypes(tmp);
      const problems = diffTrees(await readTree(tmp), await readTree(GENERATED_DIR));
      expect(problems, problems.join('\n')).to.deep.equal([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('loads the service with the options the types were generated for (enums as names, int64 as numbers, defaults)', () => {
    const svc = nodeAgentService();
    expect(Object.keys(svc).sort()).to.deep.equal(
      ['CheckEtcdHealth', 'EnableUnit', 'GetNodeInfo', 'GetOperation', 'GetRebootAdvice', 'Install', 'ListFailedUnits', 'ListOperations', 'ListUnits', 'Reboot', 'RestartUnit', 'RunPlanetChecks', 'SaveEtcdSnapshot', 'ScanJournal', 'SetUpdatePhase', 'StartUnit', 'StopUnit'].sort(),
    );
    expect(svc.GetNodeInfo.path).to.equal(`/${AGENT_SERVICE_NAME}/GetNodeInfo`);
    expect(svc.Install.responseStream).to.equal(true);
    const op = svc.GetOperation.responseDeserialize(svc.GetOperation.responseSerialize({ id: 'x', kind: 'OPERATION_KIND_REBOOT', createdUnixMs: 1795744667485 }));
    expect(op.kind).to.equal('OPERATION_KIND_REBOOT');
    expect(op.state).to.equal('OPERATION_STATE_UNSPECIFIED');
    expect(op.createdUnixMs).to.equal(1795744667485);
    expect(op.install).to.equal(null);
    expect(loadAgentApi().noderoll.agent.v1.NodeAgent.service).to.equal(svc);
  });
});
