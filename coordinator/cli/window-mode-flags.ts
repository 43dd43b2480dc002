import { flagBoolean, UsageError, type ParsedFlags } from '../../shared/cli/flag-parser.js';
import type { FlagSpec } from '../../shared/cli/flag-parser.js';
import type { WindowMode } from '../state/operation-record.js';

export const WAIT_FOR_WINDOW: FlagSpec = {
  name: 'wait-for-window',
  kind: 'boolean',
  help: 'outside a maintenance window (or too little of it left for a node): wait in this run for the next one that fits',
};
export const UNTIL_WINDOW_END: FlagSpec = {
  name: 'until-window-end',
  kind: 'boolean',
  help: 'outside a maintenance window: stop at that safe point, status waiting-for-window, exit 4 (the default); resume continues',
};

/** The mode the flags ask for (undefined: neither given); both together are refused before anything runs. */
export function windowModeFromFlags(flags: ParsedFlags): WindowMode | undefined {
  const wait = flagBoolean(flags, 'wait-for-window');
  const untilEnd = flagBoolean(flags, 'until-window-end');
  if (wait && untilEnd) throw new UsageError('--wait-for-window', 'cannot be combined with --until-window-end: choose whether to wait for the next window or to stop');
  return wait ? 'wait' : untilEnd ? 'until-end' : undefined;
}
