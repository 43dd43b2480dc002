/**
 * `systemctl show -p UnitFileState` values under which a unit comes back after a reboot on its own
 * (or is pulled in by another unit): anything else (disabled, masked, linked, "") needs `enable`.
 */
export const ENABLED_UNIT_FILE_STATES: readonly string[] = ['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated'];

export function unitFileEnabled(unitFileState: string): boolean {
  return ENABLED_UNIT_FILE_STATES.includes(unitFileState);
}
