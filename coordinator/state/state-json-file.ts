import { readFile } from 'node:fs/promises';
import { StateFormatError } from './operation-record.js';

/** A file's text; undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A state file's JSON value: undefined when the file does not exist, StateFormatError when it is not JSON. */
export async function readStateJson(path: string): Promise<unknown> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StateFormatError(path, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}
