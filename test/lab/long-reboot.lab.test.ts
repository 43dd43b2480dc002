import { expect } from 'chai';
import { createLogger } from '../../shared/log/logger.js';
import { notYet, ready, waitFor } from '../../shared/time/wait-for.js';
import { controllerOf, findCondition, isPodReady } from '../kube-api/k8s-predicates.js';
import type { Pod } from '../kube-api/k8s-types.js';
import type { PodList } from '../kube-api/kubectl-support.js';
import { newReplicaSet } from '../kube-api/object-factory.js';
import { LAB_DEFAULT_TOLERATION_SECONDS } from '../kube-api/pod-admission.js';
import { Lab } from './lab.js';
import { LAB_TIMING } from './lab-timing.js';

/**
 * What a long reboot does to the pods of a node that was not drained: the lab's reboot pause is set
 * longer than heartbeat grace + the lab's default tolerationSeconds, as a real reboot that hangs in
 * firmware for more than 5 minutes outlasts a real cluster's 40 s + 300 s.
 */

const logger = createLogger('long-reboot-test', { level: process.env.NODEROLL_TEST_LOG_LEVEL ?? 'warn' });
const GRACE_MS = LAB_TIMING.nodeHeartbeatGraceMs;
const REBOOT_PAUSE_MS = GRACE_MS + LAB_DEFAULT_TOLERATION_SECONDS * 1000 + 15_000;
const NODE = 'node-3';
const ownerName = (p: Pod): string | undefined => controllerOf(p)?.name;
const describePods = (pods: Pod[]): string => pods.map((p) => `${p.metadata.name}@${p.spec.nodeName ?? '-'}/${p.status?.phase}${p.metadata.deletionTimestamp ? '/terminating' : ''}`).join(', ');

describe('lab: a reboot that outlasts the pods tolerationSeconds', function () {
  this.timeout(240_000);
  let lab: Lab | undefined;
  const theLab = (): Lab => {
    if (!lab) throw new Error('lab did not come up');
    return lab;
  };
  const pods = async (): Promise<Pod[]> => (JSON.parse((await theLab().kubectl(['get', 'pods', '-A', '-o', 'json'])).stdout) as PodList).items;

  before(async () => {
    lab = await Lab.up({ nodes: 3, logger, nodeHeartbeatGraceMs: GRACE_MS, rebootDelayMs: REBOOT_PAUSE_MS });
  });
  after(async () => {
    await lab?.down();
  });

  it('evicts the ReplicaSet pods with default tolerations and recreates them elsewhere; DaemonSet, static and long-tolerating pods stay', async () => {
    const l = theLab();
    // A pod pinned to the node that tolerates the outage for longer than it lasts.
    const patient = newReplicaSet('default', 'patient', 1, {
      labels: { app: 'patient' },
      containers: [{ name: 'db', image: 'postgres:17', resources: { requests: { cpu: '100m', memory: '256Mi' } } }],
      tolerations: [
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 },
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 },
      ],
    });
    patient.spec.template.spec.nodeSelector = { 'kubernetes.io/hostname': NODE };
    l.api!.store.replicasets.create(patient);
    const before = await waitFor({ what: `every pod Running, the patient one on ${NODE}`, timeoutMs: 20_000, initialDelayMs: 200 }, async () => {
      const all = await pods();
      const waiting = all.filter((p) => !isPodReady(p));
      const placed = all.some((p) => p.metadata.labels?.app === 'patient' && p.spec.nodeName === NODE);
      return waiting.length === 0 && placed ? ready(all) : notYet(describePods(waiting));
    });
    const onNode = before.filter((p) => p.spec.nodeName === NODE);
    const defaults = onNode.filter((p) => controllerOf(p)?.kind === 'ReplicaSet' && p.metadata.labels?.app !== 'patient');
    const staying = onNode.filter((p) => !defaults.includes(p));
    expect(defaults.length, describePods(onNode)).to.be.at.least(1);
    expect(defaults.every((p) => p.spec.tolerations?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.tolerationSeconds === LAB_DEFAULT_TOLERATION_SECONDS))).to.equal(true);

    const n = l.node(NODE);
    const oldBoot = n.bootId();
    await n.exec('systemctl', ['reboot'], { okExitCodes: [0, 1] });

    const during = await waitFor({ what: `the default-toleration pods of ${NODE} evicted and replaced elsewhere while it is down`, timeoutMs: REBOOT_PAUSE_MS, initialDelayMs: 500, maxDelayMs: 1000 }, async () => {
      const all = await pods();
      const evicted = all.filter((p) => defaults.some((d) => d.metadata.uid === p.metadata.uid) && p.metadata.deletionTimestamp);
      const owners = [...new Set(defaults.map(ownerName))];
      const replacements = all.filter((p) => owners.includes(ownerName(p)) && !p.metadata.deletionTimestamp && p.spec.nodeName !== NODE && isPodReady(p));
      const enough = owners.every((o) => replacements.filter((p) => ownerName(p) === o).length === before.filter((p) => ownerName(p) === o).length);
      return evicted.length === defaults.length && enough ? ready(all) : notYet(`evicted ${evicted.length}/${defaults.length}; ${describePods(all.filter((p) => owners.includes(ownerName(p))))}`);
    });
    for (const p of during.filter((x) => defaults.some((d) => d.metadata.uid === x.metadata.uid))) {
      expect(findCondition(p.status?.conditions, 'DisruptionTarget')).to.include({ status: 'True', reason: 'DeletionByTaintManager' });
    }
    const stayingNow = during.filter((p) => staying.some((s) => s.metadata.uid === p.metadata.uid));
    expect(stayingNow.map((p) => p.metadata.name).sort(), 'DaemonSet, mirror and patient pods are not deleted').to.deep.equal(staying.map((p) => p.metadata.name).sort());
    expect(stayingNow.some((p) => p.metadata.deletionTimestamp)).to.equal(false);

    await waitFor({ what: `${NODE} back with a new boot ID, Ready, its evicted pods gone and every pod Ready`, timeoutMs: 60_000, initialDelayMs: 500, maxDelayMs: 1000 }, async () => {
      let boot = '';
      try {
        boot = n.bootId();
      } catch {
        return notYet(`${NODE} is down`);
      }
      if (boot === oldBoot) return notYet('old boot ID still');
      const all = await pods();
      const waiting = all.filter((p) => !isPodReady(p) || p.metadata.deletionTimestamp);
      return waiting.length === 0 ? ready(undefined) : notYet(describePods(waiting));
    });
    const afterBoot = await pods();
    expect(afterBoot.filter((p) => staying.some((s) => s.metadata.uid === p.metadata.uid)).every((p) => p.spec.nodeName === NODE)).to.equal(true);
    expect(afterBoot.some((p) => defaults.some((d) => d.metadata.uid === p.metadata.uid)), 'the evicted pods are gone once the kubelet is back').to.equal(false);
  });
});
