import type { FieldReader } from '../../shared/config/field-reader.js';
import { placeholderProblem } from '../../shared/exec/argv-template.js';
import { HOOK_PLACEHOLDERS, HOOK_POINTS, type HookCommand, type HookPoint, type HooksConfig } from './hook-points.js';

const MAX_HOOKS_PER_POINT = 10;
const DEFAULT_HOOK_TIMEOUT_MS = 5 * 60_000;

/**
 * A configured command with placeholders: `command` (argv, required) and `timeout`. Problems name the
 * field (`hooks.preDrain[0].command[2]`); a refused entry is left out, and the config as a whole is refused.
 */
export function readPlaceholderCommand(r: FieldReader, allowed: readonly string[], defaultTimeoutMs: number): HookCommand | undefined {
  if (!r.has('command')) r.fail('command', `is required: an argv list, e.g. [/usr/local/bin/my-hook, "{${allowed[0]}}"]`);
  const argv = r.argv('command', [], { required: true });
  let placeholdersOk = true;
  argv.forEach((arg, i) => {
    const problem = placeholderProblem(arg, allowed);
    if (problem) {
      r.fail(`command[${i}]`, problem);
      placeholdersOk = false;
    }
  });
  const timeoutMs = r.duration('timeout', defaultTimeoutMs, 1000);
  return argv.length > 0 && placeholdersOk ? { argv, timeoutMs } : undefined;
}

/** `hooks: { preDrain: [{ command: [...], timeout: 5m }], … }`; every point defaults to no hooks. */
export function readHooks(r: FieldReader): HooksConfig {
  const hooks = {} as Record<HookPoint, HookCommand[]>;
  for (const point of HOOK_POINTS) {
    hooks[point] = r
      .sections(point, ['command', 'timeout'], { max: MAX_HOOKS_PER_POINT })
      .map((h) => readPlaceholderCommand(h, HOOK_PLACEHOLDERS, DEFAULT_HOOK_TIMEOUT_MS))
      .filter((h): h is HookCommand => h !== undefined);
  }
  return hooks;
}
