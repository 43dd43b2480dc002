import { expect } from 'chai';
import { parseConfigText } from '../../../coordinator/config/load-config.js';
import type { Lab } from '../../lab/lab.js';
import { labKubeadmCoordinatorConfigYaml } from '../../lab/noderoll-config.js';

/** What the config builder reads of a lab. */
const LAB = {
  id: 'k1',
  dir: '/tmp/noderoll-lab-k1',
  kubeconfig: '/tmp/noderoll-lab-k1/kubeconfig',
  binDir: '/tmp/noderoll-lab-k1/bin',
  nodes: [
    { name: 'cp-1', role: 'master', names: { nodeAddress: '127.0.0.1' } },
    { name: 'worker-1', role: 'node', names: { nodeAddress: '127.0.0.2' } },
  ],
  etcdEndpoints: () => [],
} as unknown as Lab;

describe('the kubeadm lab coordinator config (test/lab/noderoll-config.ts)', () => {
  it('is a valid config: profile kubeadm, upgrade-all, reboot auto, /readyz and etcd through an agent, the snapshot backup', () => {
    const c = parseConfigText(labKubeadmCoordinatorConfigYaml(LAB), '/tmp/noderoll-lab-k1/noderoll/config.yaml');
    expect(c.profile).to.equal('kubeadm');
    expect(c.install.mode).to.equal('upgrade-all');
    expect(c.reboot).to.equal('auto');
    expect(c.gates.apiServer.enabled).to.equal(true);
    expect(c.gates.gravity.enabled).to.equal(false);
    expect(c.gates.etcd).to.include({ enabled: true, source: 'agent', timeoutMs: 20_000 });
    expect(c.backup).to.include({ enabled: true, source: 'agent-snapshot', artifact: '/tmp/noderoll-lab-k1/noderoll/backups/{operation}.db' });
    expect(c.nodes).to.deep.equal([
      { name: 'cp-1', agent: '127.0.0.1:7443', role: 'master' },
      { name: 'worker-1', agent: '127.0.0.2:7443', role: 'node' },
    ]);
  });

  it('takes the install mode, pins, reboot policy and units to stop', () => {
    const c = parseConfigText(
      labKubeadmCoordinatorConfigYaml(LAB, { installMode: 'packages', packages: [{ name: 'noderoll-lab-tool', version: '1.1' }], reboot: 'always', unitsStop: ['kubelet.service'] }),
      '/tmp/noderoll-lab-k1/noderoll/config.yaml',
    );
    expect(c.install).to.deep.equal({ mode: 'packages', packages: [{ name: 'noderoll-lab-tool', version: '1.1' }], maxAttempts: 3 });
    expect(c.reboot).to.equal('always');
    expect(c.units.master.stop).to.deep.equal(['kubelet.service']);
  });
});
