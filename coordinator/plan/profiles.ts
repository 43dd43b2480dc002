import { RUNBOOK_STEP_NAMES, type ALL_STEP_NAMES } from '../../shared/update/update-phase.js';

/**
 * What kind of cluster the coordinator updates, as data: which runbook steps run, which units are
 * stopped before the install and must run after it, how the reboot is decided by default, which
 * gates and which backup apply. The config (`profile`, `units`, `reboot`, `gates`, `backup`) may
 * override the defaults; the steps of a profile are fixed.
 */

export const PROFILE_NAMES = ['gravity', 'kubeadm', 'k3s'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** auto: reboot only when the agent says the node needs it; always: every node; never: no node (a required one is a warning). */
export const REBOOT_POLICIES = ['auto', 'always', 'never'] as const;
export type RebootPolicy = (typeof REBOOT_POLICIES)[number];

type StepName = (typeof ALL_STEP_NAMES)[number];

/** Units of a node role: stopped before the install (and enabled again after it), and checked enabled and running after the update. */
export interface ProfileUnits {
  stop: readonly string[];
  check: readonly string[];
}

export interface ProfileData {
  name: ProfileName;
  steps: readonly StepName[];
  /** Step titles that differ from the shared step's (e.g. the post checks without planet). */
  titles?: Partial<Record<StepName, string>>;
  /** Default units by role (master: control-plane/server nodes, node: workers/agents). */
  units: { master: ProfileUnits; node: ProfileUnits };
  reboot: RebootPolicy;
  /**
   * gravity: `gravity status` and etcdctl through `gravity exec` on the coordinator's host; apiserver:
   * `kubectl get --raw /readyz`; etcd through the agent of a control-plane node (its client certificates
   * never leave it).
   */
  gates: { gravityStatus: boolean; etcd: 'command' | 'agent'; apiServer: boolean };
  /** command: backup.command on the coordinator's host; agent-snapshot: the agent of a control-plane node streams an etcd snapshot. */
  backup: 'command' | 'agent-snapshot';
}

/** The runbook of the profiles without planet: the profile's units instead of the planet unit, and a reboot decision. */
const UNIT_PROFILE_STEPS: readonly StepName[] = [
  'verifyClusterHealthy',
  'takeBackup',
  'recordJournalBaseline',
  'recordFailedUnitsBaseline',
  'drainNode',
  'stopUnits',
  'installUpdate',
  'reenableUnits',
  'decideReboot',
  'rebootNode',
  'waitForReboot',
  'verifyNodeHealthy',
  'uncordonNode',
  'soakClusterHealth',
];

const UNIT_PROFILE_TITLES: Partial<Record<StepName, string>> = {
  verifyClusterHealthy: 'cluster gates pass (API server /readyz, etcd through an agent, pods, nodes, agents)',
  takeBackup: 'etcd snapshot on a control-plane node through its agent, streamed to the coordinator and verified (once per operation)',
  waitForReboot: 'wait for a new boot ID and Node Ready with a fresh heartbeat (skipped when the node does not reboot)',
  verifyNodeHealthy: "post checks: no newly failed units, the profile's units (units.check) enabled and running, journal errors",
};

export const PROFILES: Readonly<Record<ProfileName, ProfileData>> = {
  gravity: {
    name: 'gravity',
    // RUNBOOK itself (coordinator/plan/runbook.ts): findPlanetUnit, stopPlanetUnit, enableGravityUnits, always a reboot.
    steps: RUNBOOK_STEP_NAMES,
    units: { master: { stop: [], check: [] }, node: { stop: [], check: [] } },
    // The planet update takes effect at the reboot (RUNBOOK.md §2.5).
    reboot: 'always',
    gates: { gravityStatus: true, etcd: 'command', apiServer: false },
    backup: 'command',
  },
  kubeadm: {
    name: 'kubeadm',
    steps: UNIT_PROFILE_STEPS,
    titles: UNIT_PROFILE_TITLES,
    // OS patching stops nothing by default; a kubelet package upgrade sets units.stop: [kubelet.service].
    units: {
      master: { stop: [], check: ['kubelet.service', 'containerd.service'] },
      node: { stop: [], check: ['kubelet.service', 'containerd.service'] },
    },
    reboot: 'auto',
    gates: { gravityStatus: false, etcd: 'agent', apiServer: true },
    backup: 'agent-snapshot',
  },
  k3s: {
    name: 'k3s',
    steps: UNIT_PROFILE_STEPS,
    titles: UNIT_PROFILE_TITLES,
    // k3s runs its kubelet and containerd inside k3s.service (servers) / k3s-agent.service (agents).
    units: {
      master: { stop: ['k3s.service'], check: ['k3s.service'] },
      node: { stop: ['k3s-agent.service'], check: ['k3s-agent.service'] },
    },
    reboot: 'auto',
    // Embedded etcd: health and `k3s etcd-snapshot save` through a server's agent. A single server on
    // SQLite has no etcd: gates.etcd.enabled: false and a backup.command copying the database file.
    gates: { gravityStatus: false, etcd: 'agent', apiServer: true },
    backup: 'agent-snapshot',
  },
};
