import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/fs/atomic-write.js';
import type { OperationRecord } from './operation-record.js';

/**
 * The operations file: `operations.json` in the agent's state directory, replaced atomically
 * (temp file, fsync, rename, directory fsync) on every change, so a crash or a reboot leaves
 * either the previous or the new content. Writes are serialised; the newest `keep` finished
 * operations are kept, a running one always.
 */

export const STATE_FILE_NAME = 'operations.json';
const FORMAT_VERSION = 1;

interface StateFile {
  formatVersion: number;
  operations: OperationRecord[];
}

export class OperationStore {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly keep: number,
  ) {}

  get file(): string {
    return join(this.dir, STATE_FILE_NAME);
  }

  /**
   * Reads the file. Missing: no operations. Unreadable or corrupt: moved aside (kept for a human)
   * and reported, and the agent starts empty rather than refusing to start on a node it must heal.
   */
  async load(): Promise<{ operations: OperationRecord[]; problem?: string }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { operations: [] };
      throw err;
    }
    try {
      const data = JSON.parse(text) as StateFile;
      if (data.formatVersion !== FORMAT_VERSION || !Array.isArray(data.operations)) throw new Error(`unknown format ${String(data.formatVersion)}`);
      for (const [i, op] of data.operations.entries()) {
        if (typeof op?.id !== 'string' || typeof op.kind !== 'string' || typeof op.state !== 'string') throw new Error(`operation ${i} is malformed`);
      }
      return { operations: data.operations };
    } catch (err) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside);
      return { operations: [], problem: `${this.file} could not be read (${(err as Error).message}); moved to ${aside}` };
    }
  }

  /** Persists the operations (newest last). Resolves once the content is durable. */
  save(operations: readonly OperationRecord[]): Promise<void> {
    const kept = this.prune(operations);
    const text = JSON.stringify({ formatVersion: FORMAT_VERSION, operations: kept } satisfies StateFile, null, 1) + '\n';
    const next = this.chain.then(() => writeFileAtomic(this.file, text, 0o600));
    this.chain = next.catch(() => undefined);
    return next;
  }

  prune(operations: readonly OperationRecord[]): OperationRecord[] {
    const finished = operations.filter((o) => o.state !== 'running');
    const drop = new Set(finished.slice(0, Math.max(0, finished.length - this.keep)).map((o) => o.id));
    return operations.filter((o) => !drop.has(o.id));
  }
}
