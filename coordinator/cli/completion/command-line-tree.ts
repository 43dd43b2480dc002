import type { FlagSpec } from '../../../shared/cli/flag-parser.js';
import { COMMANDS, GLOBAL_FLAGS, STANDALONE_COMMANDS, type ArgumentSpec } from '../commands.js';

/**
 * The command line as shell completion sees it, built from the command tables (commands.ts, and the
 * certs subcommands): a command added there is completed without touching the generators.
 */

/** What a flag's value or an argument completes to. */
export type ValueCompletion = { kind: 'words'; words: readonly string[] } | { kind: 'files' } | { kind: 'directories' } | { kind: 'none' };

export interface CompletionFlag {
  /** `--output`, then `-o` when it has a short form. */
  names: readonly string[];
  help: string;
  /** The flag takes a value (every kind but boolean); how to complete it. */
  value?: { placeholder: string; completion: ValueCompletion };
  /** It may be given more than once (list flags). */
  repeatable: boolean;
}

export interface CompletionCommand {
  name: string;
  summary: string;
  flags: readonly CompletionFlag[];
  argument?: { placeholder: string; completion: ValueCompletion };
  subcommands: readonly CompletionCommand[];
}

/** The program-wide flags accepted before any command. */
export const PROGRAM_FLAGS: readonly CompletionFlag[] = [
  { names: ['--help', '-h'], help: 'show the commands and the flags of every command', repeatable: false },
  { names: ['--version'], help: 'print the version', repeatable: false },
];

/** Placeholders that name a path: their values complete to files or directories. */
const FILE_PLACEHOLDERS = new Set(['PATH', 'FILE']);
const DIRECTORY_PLACEHOLDERS = new Set(['DIR']);

export function valueCompletion(placeholder: string | undefined, choices: readonly string[] | undefined): ValueCompletion {
  if (choices && choices.length > 0) return { kind: 'words', words: choices };
  if (placeholder !== undefined && FILE_PLACEHOLDERS.has(placeholder)) return { kind: 'files' };
  if (placeholder !== undefined && DIRECTORY_PLACEHOLDERS.has(placeholder)) return { kind: 'directories' };
  return { kind: 'none' };
}

function completionFlag(spec: FlagSpec): CompletionFlag {
  const names = [`--${spec.name}`, ...(spec.short ? [`-${spec.short}`] : [])];
  const help = spec.help.split('\n')[0] ?? '';
  const repeatable = spec.kind === 'list';
  if (spec.kind === 'boolean') return { names, help, repeatable };
  const placeholder = spec.value ?? spec.name.toUpperCase();
  return { names, help, repeatable, value: { placeholder, completion: valueCompletion(spec.value, spec.choices) } };
}

interface CommandLike {
  name: string;
  summary: string;
  flags: readonly FlagSpec[];
  argument?: ArgumentSpec;
  subcommands?: readonly CommandLike[];
}

function completionCommand(c: CommandLike): CompletionCommand {
  return {
    name: c.name,
    summary: c.summary,
    flags: (c.flags.length > 0 ? c.flags : GLOBAL_FLAGS).map(completionFlag),
    ...(c.argument ? { argument: { placeholder: c.argument.value, completion: valueCompletion(c.argument.value, c.argument.choices) } } : {}),
    subcommands: (c.subcommands ?? []).map(completionCommand),
  };
}

/** Every command of `noderoll --help`, in its order. */
export function completionCommands(): CompletionCommand[] {
  return [...COMMANDS, ...STANDALONE_COMMANDS].map(completionCommand);
}
