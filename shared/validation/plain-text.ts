/**
 * Free text that ends up in argv, paths or a terminal: bounded, and without control characters
 * (a NUL or line break is silently mangled by the tools that receive it; an escape sequence
 * rewrites the operator's terminal).
 */

export const MAX_TEXT_LENGTH = 4096;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function plainTextProblem(value: string, max = MAX_TEXT_LENGTH): string | undefined {
  if (value.length > max) return `is longer than ${max} characters`;
  if (CONTROL.test(value)) return 'contains control characters (NUL, line break, escape…)';
  return undefined;
}

export function nonEmptyProblem(value: string): string | undefined {
  return value === '' ? 'must not be empty' : undefined;
}
