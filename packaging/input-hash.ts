import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * A digest of files and directories (paths relative to root and contents, in a stable order) plus
 * extra strings: the cache key of a build step.
 */
export async function hashInputs(root: string, paths: readonly string[], extra: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const entries = await readdir(p, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!entries) {
      files.push(p);
      return;
    }
    for (const e of entries) await walk(join(p, e.name));
  };
  for (const p of paths) await walk(join(root, p));
  for (const file of files.sort()) {
    hash.update(`${relative(root, file)}\0`);
    hash.update(await readFile(file));
    hash.update('\0');
  }
  for (const s of extra) hash.update(`${s}\0`);
  return hash.digest('hex');
}
