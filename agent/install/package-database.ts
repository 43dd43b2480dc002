import type { CommandRunner } from '../../shared/exec/command-runner.js';
import type { PackageManager } from '../config/agent-config.js';

/**
 * The whole package database as name → installed version, read before and after an install of
 * mode packages or upgrade-all, and the difference between the two: what the install changed.
 * dpkg: `${binary:Package}` (arch-qualified only for foreign/multi-arch-same packages) with its
 * status, so removed-but-not-purged packages ("config-files") count as not installed. rpm: several
 * versions of one name can be installed at once (kernels): they are kept together, sorted.
 */

export type PackageSet = ReadonlyMap<string, string>;

export interface PackageChange {
  name: string;
  /** "" = not installed before. */
  before: string;
  /** "" = removed. */
  after: string;
}

export function packageDatabaseArgv(manager: PackageManager): [string, string[]] {
  if (manager === 'rpm') return ['rpm', ['-qa', '--qf', '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\\tinstalled\\n']];
  return ['dpkg-query', ['-W', '-f', '${binary:Package}\\t${Version}\\t${db:Status-Status}\\n']];
}

/** Pure: the installed packages in a database listing (name TAB version TAB status per line). */
export function parsePackageDatabase(stdout: string): PackageSet {
  const versions = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const [name, rawVersion, status] = line.split('\t');
    if (!name || !rawVersion || status?.trim() !== 'installed') continue;
    // rpm's %{EPOCHNUM} is 0 without an epoch; "0:" is noise in a diff.
    const version = rawVersion.startsWith('0:') ? rawVersion.slice(2) : rawVersion;
    versions.set(name, [...(versions.get(name) ?? []), version]);
  }
  return new Map([...versions].map(([n, v]) => [n, [...new Set(v)].sort().join(', ')]));
}

/** Pure: every package whose installed version differs, sorted by name. */
export function diffPackages(before: PackageSet, after: PackageSet): PackageChange[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  const changes: PackageChange[] = [];
  for (const name of names) {
    const b = before.get(name) ?? '';
    const a = after.get(name) ?? '';
    if (a !== b) changes.push({ name, before: b, after: a });
  }
  return changes.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

export async function readPackageDatabase(manager: PackageManager, runner: CommandRunner): Promise<PackageSet> {
  const [file, args] = packageDatabaseArgv(manager);
  const r = await runner({ file, args, timeoutMs: 60_000, maxOutputBytes: 16 * 1024 * 1024 });
  if (r.truncated) throw new Error(`${file} listed more than 16 MiB; the package database could not be read whole`);
  return parsePackageDatabase(r.stdout);
}
