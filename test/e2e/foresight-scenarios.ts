import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../coordinator/cli/exit-codes.js';
import type { NodeDrainForesight } from '../../coordinator/plan/drain-foresight-plan.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { isPodReady } from '../kube-api/k8s-predicates.js';
import { ClusterSampler, note, type E2eSuite, type Event } from './e2e-suite.js';

/**
 * Drain foresight on the suite's lab (issue #13): a pod whose PodDisruptionBudget allows no eviction
 * is found before its node is cordoned — by `plan`, and by the gate before the node during `update` —
 * and the update goes on once the budget is relaxed.
 */

const APP = 'solo';
const BLOCKED_NODE = 'node-2';
const SOLO_WHY = `PodDisruptionBudget default/${APP}: one replica with minAvailable 1: it never allows an eviction`;

/** A one-replica app pinned to node-2 and its budget minAvailable: 1, as an operator would write them. */
function soloManifest(): object {
  const labels = { app: APP };
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: APP, namespace: 'default' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { nodeSelector: { 'kubernetes.io/hostname': BLOCKED_NODE }, containers: [{ name: APP, image: 'nginx:1.27' }] } },
        },
      },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: APP, namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: labels } } },
    ],
  };
}

type GateReportEvent = Event & { purpose: string; results: { gate: string; passed: boolean; problems: string[] }[] };

export function foresightScenarios(s: E2eSuite): void {
  it('drain foresight: a one-replica app with a PDB minAvailable: 1 on node-2 — plan names it (exit 3); update does node-1, then halts before cordoning node-2, naming the PDB (node-2 never cordoned); resume completes once the PDB is relaxed', async () => {
    const l = s.theLab();
    const api = l.api!;
    const version = s.takeVersion();
    const manifest = join(l.dir, 'foresight-solo.json');
    await writeFile(manifest, JSON.stringify(soloManifest()));
    // --validate=false: this API server publishes no OpenAPI document to validate against.
    await l.kubectl(['create', '--validate=false', '-f', manifest]);
    try {
      const pod = await waitFor({ what: `the ${APP} pod Running and Ready on ${BLOCKED_NODE}, its budget synced`, timeoutMs: 30_000, initialDelayMs: 100 }, async () => {
        const running = api.store.pods.list('default').find((p) => p.metadata.labels?.app === APP && p.spec.nodeName === BLOCKED_NODE && p.status?.phase === 'Running' && isPodReady(p));
        const synced = api.store.poddisruptionbudgets.get(APP, 'default')?.status?.currentHealthy === 1;
        return running && synced ? ready(running.metadata.name) : notYet(`pod ${running ? 'running' : 'not running'}, budget ${synced ? 'synced' : 'not synced'}`);
      });

      const plan = await s.noderoll(['plan', '--to', version], { okExitCodes: [ExitCode.notHealthy] });
      const planned = plan.events.find((e) => e.type === 'plan') as (Event & { passed: boolean; drainForesight: NodeDrainForesight[] }) | undefined;
      expect(planned?.passed, 'the preflight itself passes').to.equal(true);
      expect(planned?.drainForesight).to.deep.equal([
        { node: 'node-1', blockers: [] },
        { node: 'node-2', blockers: [{ namespace: 'default', pod, reason: 'disruption-budget', budgets: [`default/${APP}`], why: SOLO_WHY }] },
        { node: 'node-3', blockers: [] },
      ]);

      // node-1 and node-2 only: the scenario is about the stop before node-2, and node-3 would only add a reboot.
      await s.writeConfig({ drainOnBlocked: 'halt' });
      const sampler = new ClusterSampler(l);
      sampler.start();
      let halted;
      try {
        halted = await s.noderoll(['update', '--to', version, '--yes', '--nodes', 'node-1,node-2'], { okExitCodes: [ExitCode.halted] });
      } finally {
        sampler.stop();
      }
      expect(halted.events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.deep.equal(['node-1']);
      const halt = halted.events.find((e) => e.type === 'operation-halted');
      expect(halt).to.deep.include({ node: BLOCKED_NODE, step: 'verifyClusterHealthy' });
      expect(halt?.reason).to.equal(`node ${BLOCKED_NODE} not cordoned: its drain would be blocked by default/${pod}: ${SOLO_WHY} (drain.onBlocked is halt)`);
      const gate = halted.events.filter((e): e is GateReportEvent => e.type === 'gate-report' && e.node === BLOCKED_NODE).at(-1);
      expect(gate?.results.find((r) => r.gate === 'drain')).to.deep.include({ passed: false, problems: [`default/${pod}: ${SOLO_WHY}`] });
      note(`sampler while halting: ${sampler.samples} samples, out of service seen: ${[...sampler.outOfServiceSeen].join(', ')}`);
      expect(sampler.outOfServiceSeen.has('node-1'), 'the sampler saw node-1 drained').to.equal(true);
      expect(sampler.outOfServiceSeen.has(BLOCKED_NODE), `${BLOCKED_NODE} never cordoned`).to.equal(false);
      expect(api.store.nodes.get(BLOCKED_NODE)?.spec?.unschedulable).to.not.equal(true);
      expect(api.store.pods.get(pod, 'default')?.metadata.deletionTimestamp, 'the pod was not touched').to.equal(undefined);
      expect(await s.installedVersion('node-1')).to.equal(version);
      expect(await s.installedVersion(BLOCKED_NODE)).to.not.equal(version);

      // The operator relaxes the budget (and unpins the app so its replacement can run elsewhere).
      await l.kubectl(['patch', 'poddisruptionbudget', APP, '--type', 'merge', '-p', '{"spec":{"minAvailable":0}}']);
      await l.kubectl(['patch', 'replicaset', APP, '--type', 'json', '-p', '[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]']);
      const after = new ClusterSampler(l);
      after.start();
      let resumed;
      try {
        resumed = await s.noderoll(['resume', '--yes']);
      } finally {
        after.stop();
      }
      expect(resumed.events.some((e) => e.type === 'operation-completed'), resumed.result.stderr).to.equal(true);
      expect(resumed.events.filter((e) => e.type === 'node-completed').map((e) => e.node)).to.deep.equal([BLOCKED_NODE]);
      expect(after.outOfServiceSeen.has(BLOCKED_NODE), `${BLOCKED_NODE} drained on resume`).to.equal(true);
      expect(after.maxOutOfService).to.equal(1);
      expect(await s.installedVersion(BLOCKED_NODE)).to.equal(version);
      expect(api.store.pods.get(pod, 'default'), 'the pod was evicted by the drain').to.equal(undefined);
    } finally {
      await l.kubectl(['delete', 'replicaset', APP, '--ignore-not-found']);
      await l.kubectl(['delete', 'poddisruptionbudget', APP, '--ignore-not-found']);
      await s.writeConfig();
      await waitFor({ what: `the ${APP} pods gone`, timeoutMs: 30_000, initialDelayMs: 100 }, async () => {
        const left = api.store.pods.list('default').filter((p) => p.metadata.labels?.app === APP).map((p) => p.metadata.name);
        return left.length === 0 ? ready(undefined) : notYet(left.join(', '));
      });
    }
  });
}
