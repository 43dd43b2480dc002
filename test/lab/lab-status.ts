import { probeEtcdMember } from './gravity-standin/etcd-member-probe.js';
import { containerBootId, containerInitPid, containerSystemState } from './node-machine.js';
import type { LabState } from './lab-state.js';

/** A lab's health as seen from outside: systemd state, boot ID, etcd member and Node readiness. */

export interface NodeStatus {
  name: string;
  role: string;
  address: string;
  power: 'running' | 'down';
  systemState: string;
  bootId: string;
  etcd: 'healthy' | 'unhealthy' | 'none';
  kubeReady: string;
  planetVersion: string;
}

async function etcdHealth(url: string | undefined): Promise<NodeStatus['etcd']> {
  if (!url) return 'none';
  return (await probeEtcdMember(url, 1500)).kind === 'healthy' ? 'healthy' : 'unhealthy';
}

interface NodeListItem {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string }[] };
}

export async function collectLabStatus(state: LabState): Promise<NodeStatus[]> {
  let items: NodeListItem[] = [];
  try {
    const res = await fetch(`${state.apiServerUrl}/api/v1/nodes`, { signal: AbortSignal.timeout(3000) });
    items = ((await res.json()) as { items: NodeListItem[] }).items;
  } catch {
    items = [];
  }
  return Promise.all(
    state.nodes.map(async (n): Promise<NodeStatus> => {
      let power: NodeStatus['power'] = 'down';
      let systemState = '-';
      let bootId = '-';
      try {
        if (n.nspawnPid === undefined) throw new Error('never started');
        const init = containerInitPid(n.nspawnPid, n.name);
        bootId = containerBootId(init);
        systemState = await containerSystemState(init);
        power = 'running';
      } catch {
        power = 'down';
      }
      const item = items.find((i) => i.metadata.name === n.name);
      const ready = item?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      return {
        name: n.name,
        role: n.role,
        address: n.nodeAddress,
        power,
        systemState,
        bootId,
        etcd: await etcdHealth(n.etcdClientUrl),
        kubeReady: ready === 'True' ? 'Ready' : item ? `NotReady(${ready ?? 'missing'})` : 'unregistered',
        planetVersion: item?.metadata.labels?.['planet.noderoll.io/version'] ?? '-',
      };
    }),
  );
}

export function formatStatusTable(rows: NodeStatus[]): string {
  const header = ['NODE', 'ROLE', 'ADDRESS', 'POWER', 'SYSTEMD', 'ETCD', 'KUBE', 'PLANET', 'BOOT-ID'];
  const lines = rows.map((r) => [r.name, r.role, r.address, r.power, r.systemState, r.etcd, r.kubeReady, r.planetVersion, r.bootId]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  return [header, ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
