/**
 * Configured commands with placeholders (`{node}`, `{operation}`, …): each argv element is filled on
 * its own, so a value never splits into several arguments or reaches a shell; values come from the
 * operation's record and config and are checked by the caller before they are put in.
 */

const PLACEHOLDER = /\{([a-z]+)\}/g;

/** The template with every known `{name}` replaced; unknown ones stay as written. */
export function fillPlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

export function fillArgv(template: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return template.map((a) => fillPlaceholders(a, values));
}

/**
 * Why the template uses a placeholder that is not allowed, or undefined. Anything shaped like one
 * (`{Node}`, `{node-name}`, `{}`) counts, so a typo is caught; JSON in an argument (`{"ResetType":"On"}`) does not.
 */
export function placeholderProblem(template: string, allowed: readonly string[]): string | undefined {
  for (const m of template.matchAll(/\{([A-Za-z0-9_-]*)\}/g)) {
    if (!allowed.includes(m[1] ?? '')) return `unknown placeholder {${m[1]}}; allowed: ${allowed.map((a) => `{${a}}`).join(', ')}`;
  }
  return undefined;
}
