import { probeEtcdMember } from './gravity-standin/etcd-member-probe.js';
import { labEtcdClientFiles, tlsMemberHealthy } from './tls-etcd.js';
import { containerBootId, containerInitPid, containerSystemState, execInContainer } from './node-machine.js';
import { AGENT_PACKAGE } from './lab-agent.js';
import { AGENT_UNIT } from './node-rootfs.js';
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
  /** The installed noderoll-agent package and its unit's state ("0.1.0 active"), "-" without one. */
  agent: string;
}

async function etcdHealth(url: string | undefined, labDir: string): Promise<NodeStatus['etcd']> {
  if (!url) return 'none';
  // kubeadm and k3s labs: TLS with a client certificate (tls-etcd.ts)
  if (url.startsWith('https://')) return (await tlsMemberHealthy(url, labEtcdClientFiles(labDir))) ? 'healthy' : 'unhealthy';
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
      let agent = '-';
      try {
        if (n.nspawnPid === undefined) throw new Error('never started');
        const init = containerInitPid(n.nspawnPid, n.name);
        bootId = containerBootId(init);
        systemState = await containerSystemState(init);
        power = 'running';
        agent = await agentPackageState(init);
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
        etcd: await etcdHealth(n.etcdClientUrl, state.dir),
        kubeReady: ready === 'True' ? 'Ready' : item ? `NotReady(${ready ?? 'missing'})` : 'unregistered',
        planetVersion: item?.metadata.labels?.['planet.noderoll.io/version'] ?? '-',
        agent,
      };
    }),
  );
}

async function agentPackageState(init: number): Promise<string> {
  const pkg = await execInContainer(init, 'dpkg-query', ['-W', '-f=${Version} ${db:Status-Status}', AGENT_PACKAGE], { okExitCodes: [0, 1] });
  const [version, status] = pkg.stdout.trim().split(' ');
  if (pkg.exitCode !== 0 || status !== 'installed' || !version) return '-';
  const unit = await execInContainer(init, 'systemctl', ['is-active', AGENT_UNIT], { okExitCodes: [0, 1, 2, 3, 4] });
  return `${version} ${unit.stdout.trim() || 'unknown'}`;
}

export function formatStatusTable(rows: NodeStatus[]): string {
  const header = ['NODE', 'ROLE', 'ADDRESS', 'POWER', 'SYSTEMD', 'ETCD', 'KUBE', 'PLANET', 'AGENT', 'BOOT-ID'];
  const lines = rows.map((r) => [r.name, r.role, r.address, r.power, r.systemState, r.etcd, r.kubeReady, r.planetVersion, r.agent, r.bootId]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  return [header, ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
