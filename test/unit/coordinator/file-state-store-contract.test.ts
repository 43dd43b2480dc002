import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../../coordinator/state/file-state-store.js';
import { OWNER_A, stateStoreContract } from './state-store-contract.js';

stateStoreContract('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'noderoll-contract-'));
  const file = join(dir, 'state.json');
  const dead = new Set<number>();
  const store = (historyLimit?: number) => new FileStateStore({ file, host: OWNER_A.host, isProcessAlive: (pid) => !dead.has(pid), ...(historyLimit !== undefined ? { historyLimit } : {}) });
  return {
    first: store(),
    second: store(),
    holderGone: async () => void dead.add(OWNER_A.pid),
    withHistoryLimit: (limit) => store(limit),
    damageHistory: () => writeFile(`${file}.history.json`, '[{"schemaVersion": 1, "id": "nr-'),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});
