import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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

  it('fails without creating a target when the directory is missing', async () => {
    const err = await writeFileAtomic(join(dir, 'missing', 'x'), 'y').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOENT');
    expect(await readdir(dir), 'nothing was created').to.deep.equal([]);
  });

  it('fails without touching the target, and leaves no temp file, when the rename fails', async () => {
    const f = join(dir, 'state.json');
    await writeFileAtomic(f, 'old content');
    const before = await stat(f);
    // a directory cannot replace a file by rename(2): make the target one to force the rename to fail
    const target = join(dir, 'target');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'kept');
    const err = await writeFileAtomic(target, 'new content').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as NodeJS.ErrnoException).code).to.be.oneOf(['EISDIR', 'ENOTEMPTY', 'EEXIST']);
    expect(await readFile(join(target, 'inside'), 'utf8'), 'the target is untouched').to.equal('kept');
    expect(await readdir(dir), 'the temp file was removed').to.deep.equal(['state.json', 'target']);
    expect(await readFile(f, 'utf8')).to.equal('old content');
    expect((await stat(f)).mtimeMs).to.equal(before.mtimeMs);
  });

  it('a failed write leaves the old content of the target in place', async () => {
    const f = join(dir, 'state.json');
    await writeFileAtomic(f, 'old content');
    // content the write cannot take: a write that throws half-way (invalid type) must not reach the target
    const err = await writeFileAtomic(f, 42 as unknown as string).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect(await readFile(f, 'utf8'), 'the target keeps the old content').to.equal('old content');
    expect(await readdir(dir), 'the temp file was removed').to.deep.equal(['state.json']);
  });
});
