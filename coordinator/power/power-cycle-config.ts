import type { FieldReader } from '../../shared/config/field-reader.js';
import { readPlaceholderCommand } from '../hooks/read-hooks-config.js';

/** The placeholders of the power-cycle command: the node's name and its address (the host of its agent address). */
export const POWER_CYCLE_PLACEHOLDERS = ['node', 'address'] as const;

/** `powerCycle: { command, timeout }`: run once when a node is not back within the reboot timeout. */
export interface PowerCycleConfig {
  argv: string[];
  timeoutMs: number;
}

/** powerCycle, only when present. */
export function readPowerCycle(root: FieldReader): { powerCycle?: PowerCycleConfig } {
  if (!root.has('powerCycle')) return {};
  const command = readPlaceholderCommand(root.section('powerCycle', ['command', 'timeout']), POWER_CYCLE_PLACEHOLDERS, 2 * 60_000);
  return command ? { powerCycle: command } : {};
}
