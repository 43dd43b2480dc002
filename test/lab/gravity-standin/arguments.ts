/**
 * Command-line parsing for the `gravity` stand-in, following what gravity's kingpin definition
 * accepts for `gravity status` (tool/gravity/cli/register.go): `status` is `status cluster` by
 * default; `--output json|text` (also `--output=json`); `--operation-id`/`-o ID` (NOT the output
 * format); `--token`; global `--debug`, `--insecure`, `--quiet`/`-q`, `--state-dir`,
 * `--system-log-file`. The stand-in adds `--lab-state PATH`.
 */

export type OutputFormat = 'json' | 'text';

export interface StatusInvocation {
  kind: 'status';
  format: OutputFormat;
  /** `--operation-id`/`-o`: the stand-in knows no operations, so this always fails like an unknown ID. */
  operationId?: string;
  /** `--token`: print only the join token. */
  tokenOnly: boolean;
  /** `--quiet`: print nothing (gravity then exits 0 even when degraded). */
  quiet: boolean;
  labStatePath?: string;
}

export type Invocation = StatusInvocation | { kind: 'help' } | { kind: 'error'; message: string };

interface FlagSpec {
  long: string;
  short?: string;
  takesValue: boolean;
}

const FLAGS: readonly FlagSpec[] = [
  { long: 'output', takesValue: true },
  { long: 'operation-id', short: 'o', takesValue: true },
  { long: 'token', takesValue: false },
  { long: 'tail', takesValue: false },
  { long: 'seconds', short: 's', takesValue: true },
  { long: 'debug', takesValue: false },
  { long: 'insecure', takesValue: false },
  { long: 'quiet', short: 'q', takesValue: false },
  { long: 'state-dir', takesValue: true },
  { long: 'system-log-file', takesValue: true },
  { long: 'lab-state', takesValue: true },
  { long: 'help', short: 'h', takesValue: false },
];

export const USAGE = `usage: gravity status [--output=text|json] [--token] [--lab-state PATH]

Lab stand-in for Gravity's \`gravity status\`: reports the lab cluster described by the lab state
file (--lab-state PATH or $NODEROLL_LAB_STATE) in gravity's own text or JSON format.
`;

export function parseArguments(argv: readonly string[]): Invocation {
  const words: string[] = [];
  const values = new Map<string, string>();
  const switches = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    let spec: FlagSpec | undefined;
    let inlineValue: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inlineValue = arg.slice(eq + 1);
      spec = FLAGS.find((f) => f.long === name);
      shown = `--${name}`;
      if (!spec) return { kind: 'error', message: `unknown long flag '${shown}'` };
    } else if (arg.startsWith('-') && arg.length > 1) {
      const letter = arg.slice(1, 2);
      spec = FLAGS.find((f) => f.short === letter);
      shown = `-${letter}`;
      if (!spec) return { kind: 'error', message: `unknown short flag '${shown}'` };
      if (arg.length > 2) inlineValue = arg.slice(2);
    } else {
      words.push(arg);
      continue;
    }
    if (!spec.takesValue) {
      if (inlineValue !== undefined) return { kind: 'error', message: `flag '--${spec.long}' does not take a value` };
      switches.add(spec.long);
      continue;
    }
    const value = inlineValue ?? argv[++i];
    if (value === undefined) return { kind: 'error', message: `expected argument for flag '${shown}'` };
    values.set(spec.long, value);
  }

  if (switches.has('help')) return { kind: 'help' };
  const [command, subcommand, ...extra] = words;
  if (command === undefined) return { kind: 'error', message: 'command not specified' };
  if (command !== 'status') {
    return { kind: 'error', message: `unsupported command "${command}": this lab stand-in implements only "gravity status"` };
  }
  if (subcommand !== undefined && subcommand !== 'cluster') {
    if (subcommand === 'history') {
      return { kind: 'error', message: 'unsupported command "status history": this lab stand-in implements only "gravity status"' };
    }
    return { kind: 'error', message: `unexpected ${subcommand}` };
  }
  if (extra.length > 0) return { kind: 'error', message: `unexpected ${extra[0]}` };
  if (switches.has('tail') || values.has('seconds')) {
    return { kind: 'error', message: `flag '--${switches.has('tail') ? 'tail' : 'seconds'}' is not supported by this lab stand-in` };
  }

  const output = values.get('output') ?? 'text';
  if (output !== 'json' && output !== 'text') {
    return { kind: 'error', message: `unsupported output format "${output}", supported are: text, json` };
  }
  const invocation: StatusInvocation = {
    kind: 'status',
    format: output,
    tokenOnly: switches.has('token'),
    quiet: switches.has('quiet'),
  };
  const operationId = values.get('operation-id');
  if (operationId !== undefined) invocation.operationId = operationId;
  const labStatePath = values.get('lab-state');
  if (labStatePath !== undefined) invocation.labStatePath = labStatePath;
  return invocation;
}
