import { describePackageChanges, packageChangeText } from '../steps/package-changes.js';
import type { NodeFacts } from './operation-record.js';
import type { UnitFindingLine } from './unit-findings.js';

/**
 * What the install changed on a node and whether it rebooted, as label/text pairs for status, watch and
 * the report: the reboot decision (a skipped reboot with its reason, services restarted, warnings) and
 * the package changes (the report lists every one, status a bounded list).
 */
export function nodeChangeLines(f: NodeFacts, options: { allPackages: boolean }): UnitFindingLine[] {
  const lines: UnitFindingLine[] = [];
  const d = f.rebootDecision;
  if (d) {
    const instead = [...(d.unitsStarted.length > 0 ? [`started ${d.unitsStarted.join(', ')}`] : []), ...(d.servicesRestarted.length > 0 ? [`restarted ${d.servicesRestarted.join(', ')}`] : [])];
    lines.push({ label: 'reboot', text: `${d.decision === 'skip' ? 'skipped' : 'rebooted'}: ${d.reason}${instead.length > 0 ? `; instead: ${instead.join('; ')}` : ''}` });
    for (const w of d.warnings) lines.push({ label: 'reboot warning', text: w });
  }
  const advice = f.rebootAdvice;
  if (advice && (advice.reasons.length > 0 || advice.problem)) lines.push({ label: 'reboot advice', text: advice.problem ? `unknown: ${advice.problem}` : `${advice.required ? 'required' : 'not required'}: ${advice.reasons.join('; ')}` });
  if (f.packageChanges) {
    lines.push({ label: 'package changes', text: options.allPackages ? (f.packageChanges.length > 0 ? f.packageChanges.map(packageChangeText).join(', ') : 'no package changed') : describePackageChanges(f.packageChanges) });
  }
  return lines;
}
