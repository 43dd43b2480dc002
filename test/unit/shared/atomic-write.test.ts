import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../shared/fs/atomic-write.js';

describe('writeFileAtomic', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'noderoll-atomic-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the content and leaves no temp file', async () => {
    const f = join(dir, 'state.json');
    await writeFileAtomic(f, 'one');
    await writeFileAtomic(f, 'two');
    expect(await readFile(f, 'utf8')).to.equal('two');
    expect(await readdir(dir)).to.deep.equal(['state.json']);
    expect((await stat(f)).mode & 0o777).to.equal(0o600);
  });

  it('fails without touching the target when the directory is missing', async () => {
    const err = await writeFileAtomic(join(dir, 'missing', 'x'), 'y').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
  });
});
