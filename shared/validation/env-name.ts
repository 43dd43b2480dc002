/** Names of environment variables given to commands (POSIX portable names, bounded). */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export function envNameProblem(name: string): string | undefined {
  return ENV_NAME.test(name) ? undefined : 'is not a valid environment variable name';
}
