import type { PackageChange, PackagePin } from '../ports/node-agent.js';

/** How many package changes a progress line or a step note lists before "(+N more)". */
export const PACKAGE_CHANGES_SHOWN = 10;

/** One change as the operator reads it: `nginx 1.22.1-9 -> 1.24.0-1`, `(new)` / `(removed)` for a side that is "". */
export function packageChangeText(c: PackageChange): string {
  return `${c.name} ${c.before || '(new)'} -> ${c.after || '(removed)'}`;
}

/** A bounded list of the changes: the first PACKAGE_CHANGES_SHOWN and how many more. */
export function describePackageChanges(changes: readonly PackageChange[] | undefined, shown = PACKAGE_CHANGES_SHOWN): string {
  if (!changes) return 'the agent did not report package changes';
  if (changes.length === 0) return 'no package changed';
  const more = changes.length - shown;
  return `${changes.length} package(s) changed: ${changes.slice(0, shown).map(packageChangeText).join(', ')}${more > 0 ? ` (+${more} more)` : ''}`;
}

/**
 * The pins whose package is not installed at the pinned version: `name (wanted V, installed W)`. A package
 * the agent does not report (not among its packages.watch) counts only when `unknownCounts` (after a
 * succeeded install the agent itself checked the exact versions; after a failed one nothing is known).
 */
export function pinsNotInstalled(pins: readonly PackagePin[], installed: Readonly<Record<string, string>>, unknownCounts = true): string[] {
  return pins.filter((p) => installed[p.name] !== p.version && (unknownCounts || installed[p.name] !== undefined)).map((p) => `${p.name} (wanted ${p.version}, installed ${installed[p.name] ?? 'none'})`);
}
