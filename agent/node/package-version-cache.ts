import { stat } from 'node:fs/promises';
import type { PackageManager } from '../config/agent-config.js';
import type { PackageVersionRecord } from '../operations/operation-record.js';

/**
 * The watched packages' versions for /metrics: the query (dpkg-query or rpm) runs again only when
 * the package database changed, so a scrape every 15 s does not start one each time. Changed means
 * a database file's inode, size or modification time differs: dpkg rewrites its status file by
 * renaming a new one over it, rpm writes its database files in place.
 */

/** The files whose change means the installed packages may have changed. */
export function packageDatabaseFiles(manager: PackageManager): string[] {
  return manager === 'rpm' ? ['/var/lib/rpm/rpmdb.sqlite', '/var/lib/rpm/Packages'] : ['/var/lib/dpkg/status'];
}

export type StatFn = (path: string) => Promise<{ ino: number; size: number; mtimeMs: number }>;

export class PackageVersionCache {
  private last: { fingerprint: string; versions: PackageVersionRecord[] } | undefined;

  constructor(
    private readonly query: () => Promise<PackageVersionRecord[]>,
    private readonly files: readonly string[],
    private readonly statFile: StatFn = stat,
  ) {}

  async versions(): Promise<PackageVersionRecord[]> {
    // Taken before the query: a change while it runs makes the next call query again.
    const fingerprint = await this.fingerprint();
    if (fingerprint !== undefined && this.last?.fingerprint === fingerprint) return this.last.versions;
    const versions = await this.query();
    this.last = fingerprint === undefined ? undefined : { fingerprint, versions };
    return versions;
  }

  /** undefined when no database file exists: nothing tells a change, so nothing is cached. */
  private async fingerprint(): Promise<string | undefined> {
    const parts = await Promise.all(
      this.files.map((f) =>
        this.statFile(f).then(
          (s) => `${s.ino}:${s.size}:${s.mtimeMs}`,
          () => '-',
        ),
      ),
    );
    return parts.every((p) => p === '-') ? undefined : parts.join('|');
  }
}
