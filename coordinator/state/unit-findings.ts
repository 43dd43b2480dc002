import type { NodeFacts } from './operation-record.js';

/** What the post checks found about a node's units, as label/text pairs for status and the report. */
export interface UnitFindingLine {
  label: string;
  text: string;
}

const list = (units: readonly string[]): string => (units.length > 0 ? units.join(', ') : 'none');

export function unitFindingLines(f: NodeFacts): UnitFindingLine[] {
  const lines: UnitFindingLine[] = [];
  if (f.failedUnitsBaseline) lines.push({ label: 'failed units before the update', text: list(f.failedUnitsBaseline) });
  const after = f.failedUnitsAfterReboot;
  if (after) {
    lines.push({
      label: 'failed units after the reboot',
      text: `new: ${list(after.new)}; known from before: ${list(after.known)}; ignored by postChecks.failedUnits.ignore: ${list(after.ignored)}`,
    });
  }
  if (f.unitsChanged && f.unitsChanged.length > 0) {
    lines.push({ label: 'gravity units changed', text: f.unitsChanged.map((c) => `${c.action} ${c.unit} (was ${c.before})`).join('; ') });
  }
  return lines;
}
