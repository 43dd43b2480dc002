import { expect } from 'chai';
import { ExitCode } from '../../coordinator/cli/exit-codes.js';
import { ClusterSampler, note, PDB_APP, PDB_MIN_AVAILABLE, type E2eSuite } from './e2e-suite.js';

/**
 * Pools on the lab's 5 nodes (3 masters with etcd members, 2 workers: kubelet stand-in, no etcd),
 * issue #14: a canary of one node for the whole operation that stops for confirmation, then masters
 * one at a time and both workers at once (pool workers, maxUnavailable 2). Only states and orders are
 * asserted, never durations.
 */

const POOLS_YAML = `pools:
  - { name: masters, selector: "node-role.kubernetes.io/master", maxUnavailable: 1 }
  - { name: workers, selector: "!node-role.kubernetes.io/master", maxUnavailable: 2 }
canary: { nodes: 1, soak: 2s, confirm: true, scope: operation }
`;

export function poolScenarios(s: E2eSuite): void {
  it('pools: canary node-1 alone stops for confirmation (exit 4); resume --confirm updates masters one at a time and both workers together; never two masters, never more than 2 workers out, PDB app never below its minimum', async () => {
    const l = s.theLab();
    const version = s.takeVersion();
    const all = l.nodes.map((n) => n.name);
    const workers = l.nodes.filter((n) => n.role === 'node').map((n) => n.name);
    expect(workers, 'the lab has two workers').to.have.length(2);
    for (const w of workers) {
      const etcd = await l.etcdctlClusterHealth();
      expect(etcd.stdout, `${w} has no etcd member`).to.not.contain(l.node(w).names.nodeAddress);
      expect(l.api!.store.nodes.get(w)!.metadata.labels?.['node-role.kubernetes.io/master'], `${w} is not labelled master`).to.equal(undefined);
    }
    await s.writeConfig({ nodes: all, extraYaml: POOLS_YAML });
    const sampler = new ClusterSampler(l);
    const t0 = Date.now();
    sampler.start();
    try {
      const canary = await s.noderoll(['update', '--to', version, '--yes'], { okExitCodes: [ExitCode.interrupted] });
      expect(canary.events.filter((e) => e.type === 'node-started').map((e) => e.node), 'the canary alone').to.deep.equal(['node-1']);
      const waiting = canary.events.find((e) => e.type === 'operation-waiting-for-confirmation');
      expect(waiting, canary.result.stdout).to.not.equal(undefined);
      expect(waiting!.resumeCommand).to.match(/noderoll resume --confirm/);
      expect(await s.installedVersion('node-1')).to.equal(version);
      expect(await s.installedVersion('node-2'), 'node-2 waits for the confirmation').to.not.equal(version);
      const status = await s.noderoll(['status'], { okExitCodes: [ExitCode.interrupted] });
      expect(status.result.stdout).to.contain('"status":"waiting-for-confirmation"');

      const rest = await s.noderoll(['resume', '--confirm', '--yes']);
      const done = rest.events.find((e) => e.type === 'operation-completed');
      expect(done, rest.result.stderr).to.not.equal(undefined);
      // a worker whose drain a PDB blocks while the other is out goes back to pending and starts again: first starts only
      const started = [...new Set(rest.events.filter((e) => e.type === 'node-started').map((e) => e.node))];
      expect(started, 'masters first, then the workers').to.deep.equal(['node-2', 'node-3', ...workers]);
      const waited = rest.events.filter((e) => e.type === 'node-waiting');
      if (waited.length > 0) note(`waited: ${waited.map((e) => `${e.node}: ${e.reason}`).join('; ')}`);
    } finally {
      sampler.stop();
      await s.writeConfig();
    }
    note(`canary + resume --confirm of 5 nodes: ${Date.now() - t0} ms wall`);
    note(`sampler: ${sampler.samples} samples; out together: ${[...sampler.outTogether].join(' | ')}; min ready ${PDB_APP} pods ${sampler.minPdbReady}`);
    expect(sampler.maxMastersOut, 'never two masters out of service').to.equal(1);
    expect(sampler.maxWorkersOut, 'never more than 2 workers out of service').to.be.at.most(2);
    expect([...sampler.outTogether].some((set) => set.split(',').some((n) => l.node(n).role === 'master') && set.includes(',')), 'a master is never out beside another node').to.equal(false);
    expect(sampler.outTogether.has(workers.join(',')), 'both workers out of service at the same time').to.equal(true);
    expect(sampler.minPdbReady, `${PDB_APP} kept its PDB minimum`).to.be.at.least(PDB_MIN_AVAILABLE);
    for (const n of all) expect(await s.installedVersion(n), n).to.equal(version);
  });
}
