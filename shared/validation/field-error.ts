/**
 * An input that is refused before anything runs. The message always starts with the field's
 * path (`unit`, `install.command[0]`, `--grpc-listen`), so a user knows what to fix; a field of a
 * file may also carry its line (`pauseBetween (line 13): …`).
 */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly line?: number,
  ) {
    super(`${field}${line ? ` (line ${line})` : ''}: ${problem}`);
    this.name = 'FieldError';
  }
}

/** Throws a FieldError naming `field` when a rule found a problem. */
export function refuseIf(field: string, problem: string | undefined): void {
  if (problem) throw new FieldError(field, problem);
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

/** A flag or key as the user typed it, for the field part of a message: escaped, not quoted. */
export function showName(name: string, max = 60): string {
  const cut = name.length > max ? `${name.slice(0, max)}…` : name;
  return JSON.stringify(cut).slice(1, -1);
}
