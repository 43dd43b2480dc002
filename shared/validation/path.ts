import { showValue } from './field-error.js';
import { plainTextProblem } from './plain-text.js';

/** File system paths given by users. */

export function absolutePathProblem(value: string): string | undefined {
  if (!value.startsWith('/') || plainTextProblem(value)) return `${showValue(value)} must be an absolute path`;
  return undefined;
}
