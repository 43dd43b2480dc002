import { runCommand, type CommandRunner } from '../../shared/exec/command-runner.js';
import type { PackageManager } from '../config/agent-config.js';
import type { PackageVersionRecord } from '../operations/operation-record.js';

/**
 * Installed versions of the packages the agent watches, from the package database:
 * `dpkg-query -W -f '${Package}\t${Version}\t${db:Status-Status}\n' NAME...` (Debian; exit 1 and a
 * "no packages found" line on stderr for unknown names) or
 * `rpm -q --qf '%{NAME}\t%{VERSION}-%{RELEASE}\tinstalled\n' NAME...` (RHEL/CentOS, where Gravity
 * often runs; "package X is not installed" on stdout, exit = number of missing packages).
 */

export function packageQueryArgv(manager: PackageManager, names: readonly string[]): [string, string[]] {
  if (manager === 'rpm') return ['rpm', ['-q', '--qf', '%{NAME}\\t%{VERSION}-%{RELEASE}\\tinstalled\\n', '--', ...names]];
  return ['dpkg-query', ['-W', '-f', '${Package}\\t${Version}\\t${db:Status-Status}\\n', '--', ...names]];
}

/** Pure: the versions in a query's output, one record per watched name (missing = not installed). */
export function parsePackageQuery(stdout: string, names: readonly string[]): PackageVersionRecord[] {
  const found = new Map<string, PackageVersionRecord>();
  for (const line of stdout.split('\n')) {
    const [name, version, status] = line.split('\t');
    if (!name || version === undefined || status === undefined) continue;
    // dpkg keeps removed-but-not-purged packages ("config-files") with their old version.
    const installed = status.trim() === 'installed' && version !== '';
    const prev = found.get(name);
    if (!prev || (!prev.installed && installed)) found.set(name, { name, version: installed ? version : '', installed });
  }
  return names.map((n) => found.get(n) ?? { name: n, version: '', installed: false });
}

export async function queryPackages(manager: PackageManager, names: readonly string[], runner: CommandRunner = runCommand): Promise<PackageVersionRecord[]> {
  if (names.length === 0) return [];
  const [file, args] = packageQueryArgv(manager, names);
  // Non-zero exits only say that some names are not installed; the content decides.
  const r = await runner({ file, args, timeoutMs: 15_000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) });
  return parsePackageQuery(r.stdout, names);
}
