import { expect } from 'chai';
import { BlockingPodsGate } from '../../../coordinator/gates/blocking-pods-gate.js';
import type { KubePod, LabelledPodLister } from '../../../coordinator/ports/cluster.js';

function pod(namespace: string, name: string, phase: string, extra: Partial<KubePod> = {}): KubePod {
  return { namespace, name, phase, terminating: false, notReadyContainers: [], waitingReasons: [], labels: {}, ...extra };
}

/** Answers each selector from a table, recording what was asked. */
function lister(bySelector: Record<string, KubePod[]>): LabelledPodLister & { asked: string[] } {
  const asked: string[] = [];
  return { asked, listPodsWithLabels: async (selector) => (asked.push(selector), bySelector[selector] ?? []) };
}

describe('coordinator gate blockingPods (fake pod lister)', () => {
  it('passes when no selector matches an active pod, asking every selector', async () => {
    const pods = lister({ 'app=backup': [pod('ops', 'backup-28912-x', 'Succeeded'), pod('ops', 'backup-28911-y', 'Failed')] });
    const v = await new BlockingPodsGate(pods, ['app=backup', 'job=migrate']).check();
    expect(v.passed).to.equal(true);
    expect(pods.asked).to.deep.equal(['app=backup', 'job=migrate']);
  });

  it('a Pending, Running or terminating matching pod blocks, named once with its selector', async () => {
    const running = pod('ops', 'backup-1', 'Running', { nodeName: 'n2' });
    const pods = lister({
      'app=backup': [running, pod('ops', 'backup-0', 'Succeeded', { terminating: true })],
      'tier=ops': [running, pod('db', 'migrate-1', 'Pending')],
    });
    const v = await new BlockingPodsGate(pods, ['app=backup', 'tier=ops']).check();
    expect(v.passed).to.equal(false);
    expect(v.problems).to.deep.equal([
      'ops/backup-1 is Running on n2 (matches gates.blockingPods selector "app=backup")',
      'ops/backup-0 is Terminating (matches gates.blockingPods selector "app=backup")',
      'db/migrate-1 is Pending (matches gates.blockingPods selector "tier=ops")',
    ]);
    expect(v.summary).to.match(/^3 blocking pod\(s\): ops\/backup-1/);
  });
});
