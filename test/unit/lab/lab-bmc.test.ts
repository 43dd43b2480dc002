import { expect } from 'chai';
import { silentLogger } from '../../../shared/log/logger.js';
import { LabBmc } from '../../lab/lab-bmc.js';
import type { NodeMachine, PowerState } from '../../lab/node-machine.js';

/** Stands in for a NodeMachine: its power state, and the starts and stops the BMC asks for. */
class MachineStandIn {
  starts = 0;
  stops = 0;
  constructor(public state: PowerState) {}
  start(): void {
    this.starts++;
    this.state = 'starting';
  }
  async stop(): Promise<void> {
    this.stops++;
    this.state = 'stopped';
  }
}

describe('lab BMC (Redfish-shaped power control on 127.0.0.1)', () => {
  let bmc: LabBmc;
  const machines = new Map<string, MachineStandIn>();
  before(async () => {
    bmc = await LabBmc.listen((node) => machines.get(node) as unknown as NodeMachine | undefined, silentLogger);
  });
  after(() => bmc.close());
  beforeEach(() => {
    machines.clear();
    machines.set('node-1', new MachineStandIn('off'));
    machines.set('node-2', new MachineStandIn('running'));
  });

  const reset = (node: string, body: string): Promise<Response> => fetch(bmc.resetUrl(node), { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });

  it('reports the power state and powers an off node on; "On" for a running node changes nothing; ForceRestart restarts it', async () => {
    expect(bmc.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const state = async (node: string): Promise<unknown> => (await (await fetch(`${bmc.url}/redfish/v1/Systems/${node}`, { signal: AbortSignal.timeout(5000) })).json()) as unknown;
    expect(await state('node-1')).to.deep.equal({ Id: 'node-1', PowerState: 'Off' });
    expect((await reset('node-1', '{"ResetType":"On"}')).status).to.equal(204);
    expect(machines.get('node-1')!.starts).to.equal(1);
    expect(await state('node-1')).to.deep.equal({ Id: 'node-1', PowerState: 'On' });
    expect((await reset('node-2', '{"ResetType":"On"}')).status).to.equal(204);
    expect(machines.get('node-2')).to.deep.include({ starts: 0, stops: 0 });
    expect((await reset('node-2', '{"ResetType":"ForceRestart"}')).status).to.equal(204);
    await new Promise((r) => setImmediate(r));
    expect(machines.get('node-2')).to.deep.include({ starts: 1, stops: 1 });
    expect(bmc.resets.slice(-3)).to.deep.equal([
      { node: 'node-1', resetType: 'On', powerBefore: 'Off' },
      { node: 'node-2', resetType: 'On', powerBefore: 'On' },
      { node: 'node-2', resetType: 'ForceRestart', powerBefore: 'On' },
    ]);
  });

  it('refuses what a Redfish service refuses, with its error shape, and powers nothing on', async () => {
    const refused = async (res: Promise<Response>, status: number, code: string): Promise<void> => {
      const r = await res;
      expect(r.status).to.equal(status);
      expect(((await r.json()) as { error: { code: string } }).error.code).to.equal(code);
    };
    await refused(reset('node-9', '{"ResetType":"On"}'), 404, 'Base.1.0.ResourceMissingAtURI');
    await refused(reset('node-1', '{"ResetType":"PushPowerButton"}'), 400, 'Base.1.0.ActionParameterValueNotInList');
    await refused(reset('node-1', 'On'), 400, 'Base.1.0.MalformedJSON');
    await refused(reset('node-1', JSON.stringify({ ResetType: 'On', pad: 'x'.repeat(5000) })), 413, 'Base.1.0.GeneralError');
    await refused(fetch(bmc.resetUrl('node-1'), { signal: AbortSignal.timeout(5000) }), 405, 'Base.1.0.OperationNotAllowed');
    expect(machines.get('node-1')!.starts).to.equal(0);
  });
});
