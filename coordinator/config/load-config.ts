import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../shared/config/config-error.js';
import { locateProblems, parseYamlSettings } from '../../shared/config/yaml-settings.js';
import { FieldError } from '../../shared/validation/field-error.js';
import type { CoordinatorConfig } from './config-types.js';
import { validateConfig } from './validate-config.js';

export const DEFAULT_CONFIG_PATH = '/etc/noderoll/config.yaml';
/** Configs are a few KiB; anything near this is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads, parses and validates the YAML config; every error names its field and line. */
export async function loadConfig(path: string): Promise<CoordinatorConfig> {
  const source = resolve(path);
  const refuse = (problem: string): ConfigError => new ConfigError(source, [new FieldError('(file)', problem)]);
  const info = await stat(source).catch((err: NodeJS.ErrnoException) => {
    throw refuse(err.code === 'ENOENT' ? 'file not found' : `cannot read: ${err.message}`);
  });
  if (!info.isFile()) throw refuse('is not a regular file');
  if (info.size > MAX_CONFIG_BYTES) throw refuse(`is ${info.size} bytes; a config file is at most ${MAX_CONFIG_BYTES}`);
  const text = await readFile(source, 'utf8');
  return parseConfigText(text, source);
}

/** Parses config text (YAML 1.2, duplicate keys rejected); `source` names it in errors. */
export function parseConfigText(text: string, source: string): CoordinatorConfig {
  const settings = parseYamlSettings(text, source);
  try {
    return validateConfig(settings.value, source, source ? dirname(source) : process.cwd());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // In the order of the file, so the first error is the first one a reader meets.
    throw new ConfigError(source, locateProblems(err.problems, settings));
  }
}
