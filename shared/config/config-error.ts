import type { FieldError } from '../validation/field-error.js';

/** A configuration refused as a whole: every problem, each naming its field (and line, when known). */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly FieldError[],
  ) {
    super(`invalid configuration${source ? ` in ${source}` : ''}:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
