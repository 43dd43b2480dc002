import { rename, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../../shared/fs/atomic-write.js';
import { checkHistoryList, rotateHistory } from './operation-history.js';
import { StateFormatError, type OperationRecord } from './operation-record.js';
import { readStateJson } from './state-json-file.js';

/**
 * The file store's earlier operations: `<state file>.history.json`, a JSON list, newest first,
 * replaced atomically like the state file. History is for people (`status`, `report`): a damaged
 * file never stops an update, it is moved aside and a fresh history starts.
 */
export class HistoryFile {
  constructor(
    readonly path: string,
    private readonly limit: number,
    private readonly warn: (message: string) => void,
    private readonly now: () => number,
  ) {}

  /** The stored list as it is (newest first); StateFormatError when it is damaged. */
  async read(): Promise<OperationRecord[]> {
    const value = await readStateJson(this.path);
    return value === undefined ? [] : checkHistoryList(value, this.path, 'the history');
  }

  /**
   * Called before `record` replaces `replaced` in the state file: keeps `replaced` when it is another
   * operation. Never throws: what goes wrong is told to `warn` and the update goes on without it.
   */
  async keep(replaced: OperationRecord | undefined, record: OperationRecord): Promise<void> {
    if (!replaced || replaced.id === record.id) return;
    try {
      const next = rotateHistory(await this.readOrSetAside(), replaced, record, this.limit);
      if (next.length === 0) await rm(this.path, { force: true });
      else await writeFileAtomic(this.path, JSON.stringify(next, null, 2) + '\n');
    } catch (err) {
      this.warn(`could not keep operation ${replaced.id} in the history ${this.path}: ${err instanceof Error ? err.message : String(err)}; the update goes on without it`);
    }
  }

  private async readOrSetAside(): Promise<OperationRecord[]> {
    try {
      return await this.read();
    } catch (err) {
      if (!(err instanceof StateFormatError)) throw err;
      const aside = `${this.path}.damaged-${new Date(this.now()).toISOString().replace(/[:.]/g, '')}`;
      await rename(this.path, aside);
      this.warn(`${err.message}; moved it aside to ${aside} and started a fresh history`);
      return [];
    }
  }
}
