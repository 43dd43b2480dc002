import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A cgroup of its own for each lab node. With --keep-unit on a host without systemd,
 * systemd-nspawn stays in its caller's cgroup and puts every container at <that>/payload: all
 * nodes would share one cgroup tree, and the systemd of one node would create and remove the unit
 * cgroups of another (units fail at boot with 219/CGROUP, `systemctl stop` sees foreign processes).
 * Each node's systemd-nspawn is therefore started inside a fresh cgroup in every hierarchy that
 * systemd uses: the unified (v2) one and, on hybrid hosts, the v1 name=systemd one.
 */

interface Hierarchy {
  mount: string;
  /** This process's cgroup in that hierarchy, relative to the mount. */
  own: string;
}

function systemdHierarchies(): Hierarchy[] {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const found: Hierarchy[] = [];
  for (const line of mounts) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const mountPoint = pre.split(' ')[4];
    const [fstype, , superOptions = ''] = post.split(' ');
    if (!mountPoint) continue;
    if (fstype === 'cgroup2') {
      const path = own.find((l) => l.startsWith('0::'))?.slice(3);
      if (path !== undefined) found.push({ mount: mountPoint, own: path });
    } else if (fstype === 'cgroup' && superOptions.split(',').includes('name=systemd')) {
      const path = own.find((l) => /^\d+:name=systemd:/.test(l))?.replace(/^\d+:name=systemd:/, '');
      if (path !== undefined) found.push({ mount: mountPoint, own: path });
    }
  }
  return found;
}

export const NODE_CGROUP_PREFIX = 'noderoll-lab-';

export class NodeCgroup {
  readonly dirs: string[];

  constructor(machine: string) {
    this.dirs = systemdHierarchies().map((h) => join(h.mount, h.own, `${NODE_CGROUP_PREFIX}${machine}`));
    if (this.dirs.length === 0) throw new Error('no cgroup hierarchy for systemd found in /proc/self/mountinfo');
  }

  create(): string[] {
    for (const d of this.dirs) mkdirSync(d, { recursive: true });
    return this.dirs.map((d) => join(d, 'cgroup.procs'));
  }

  /** Removes the node's cgroups (depth first); they must hold no process any more. */
  remove(): string[] {
    const problems: string[] = [];
    for (const d of this.dirs) removeCgroupTree(d, problems);
    return problems;
  }
}

function removeCgroupTree(dir: string, problems: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name), problems);
  }
  try {
    rmdirSync(dir);
  } catch (err) {
    problems.push(`cgroup ${dir}: ${(err as Error).message}`);
  }
}

/** Node cgroups of a lab still present (machines are named nr<lab id>-node-N). */
export function labCgroupLeftovers(labId: string): string[] {
  const prefix = `${NODE_CGROUP_PREFIX}nr${labId}-`;
  return systemdHierarchies().flatMap((h) => {
    const base = join(h.mount, h.own);
    return existsSync(base) ? readdirSync(base).filter((n) => n.startsWith(prefix)).map((n) => join(base, n)) : [];
  });
}

export function removeLabCgroups(labId: string): string[] {
  const problems: string[] = [];
  for (const d of labCgroupLeftovers(labId)) removeCgroupTree(d, problems);
  return problems;
}
