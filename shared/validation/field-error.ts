/**
 * An input that is refused before anything runs. The message always starts with the field's
 * path (`unit`, `install.command[0]`, `--grpc-listen`), so a user knows what to fix.
 */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'FieldError';
  }
}

/** Renders a value for an error message: quoted, control characters escaped, long values cut. */
export function showValue(value: unknown, max = 80): string {
  if (typeof value !== 'string') {
    try {
      const json = JSON.stringify(value);
      return json === undefined ? String(value) : json.length > max ? `${json.slice(0, max)}…` : json;
    } catch {
      return String(value);
    }
  }
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  const escaped = JSON.stringify(cut);
  return value.length > max ? `${escaped} (${value.length} characters)` : escaped;
}
