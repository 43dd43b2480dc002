import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotFileReceiver } from '../../../../shared/agent-api/snapshot-file-receiver.js';

describe('snapshot file receiver (coordinator side of SaveEtcdSnapshot)', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'snap-recv-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const chunks = [Buffer.from('first chunk '), Buffer.from('second chunk')];
  const sha = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');

  it('writes the file into place when size and sha256 match', async () => {
    const r = await SnapshotFileReceiver.create(join(dir, 'snap.db'));
    for (const c of chunks) await r.write(c);
    expect(await r.complete({ sizeBytes: 24, sha256: sha })).to.deep.equal({ sizeBytes: 24, sha256: sha });
    expect(await readFile(join(dir, 'snap.db'), 'utf8')).to.equal('first chunk second chunk');
    expect(await readdir(dir)).to.deep.equal(['snap.db']);
  });

  it('fails on a sha256 mismatch, naming both; no destination, no temporary file', async () => {
    const r = await SnapshotFileReceiver.create(join(dir, 'snap.db'));
    for (const c of chunks) await r.write(c);
    const err = await r.complete({ sizeBytes: 24, sha256: 'f'.repeat(64) }).catch((e: Error) => e);
    expect((err as Error).message).to.equal(`received bytes hash to sha256 ${sha} but the agent's sha256 is ${'f'.repeat(64)}`);
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('fails on a size mismatch (a chunk lost)', async () => {
    const r = await SnapshotFileReceiver.create(join(dir, 'snap.db'));
    await r.write(chunks[0]!);
    const err = await r.complete({ sizeBytes: 24, sha256: sha }).catch((e: Error) => e);
    expect((err as Error).message).to.equal('received 12 bytes but the agent sent 24');
    expect(existsSync(join(dir, 'snap.db'))).to.equal(false);
  });
});
