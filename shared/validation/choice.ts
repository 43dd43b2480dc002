import { showValue } from './field-error.js';

/** Rules about the shape of a value rather than its meaning: one of a set, a number in a range. */

export function oneOfProblem(value: string, choices: readonly string[]): string | undefined {
  return choices.includes(value) ? undefined : `${showValue(value)} must be one of ${choices.join(', ')}`;
}

export function rangeProblem(value: number, min: number, max: number): string | undefined {
  return value < min || value > max ? `must be between ${min} and ${max}, got ${value}` : undefined;
}
