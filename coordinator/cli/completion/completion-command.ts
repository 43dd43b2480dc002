import { flagBoolean, flagsHelp, parseFlags, UsageError } from '../../../shared/cli/flag-parser.js';
import { oneOfProblem } from '../../../shared/validation/choice.js';
import { FieldError, refuseIf } from '../../../shared/validation/field-error.js';
import { COMPLETION_SHELLS, STANDALONE_COMMANDS } from '../commands.js';
import { ExitCode } from '../exit-codes.js';
import { bashCompletionScript } from './bash-completion.js';
import { completionCommands } from './command-line-tree.js';
import { zshCompletionScript } from './zsh-completion.js';

/** `noderoll completion bash|zsh`: prints the completion script of that shell; touches nothing. */

export interface CompletionIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const SPEC = STANDALONE_COMMANDS.find((c) => c.name === 'completion')!;

export const COMPLETION_HELP = `print the shell completion script for bash or zsh

Usage: noderoll completion bash|zsh

Commands, subcommands, flags and the values they take (-o text|json, files for PATH, FILE and DIR).

Flags:
${flagsHelp(SPEC.flags)}

Install:
  bash: noderoll completion bash > /etc/bash_completion.d/noderoll   (or in ~/.bashrc: source <(noderoll completion bash))
  zsh:  noderoll completion zsh > "\${fpath[1]}/_noderoll"            (or in ~/.zshrc, after compinit: source <(noderoll completion zsh))
`;

export function completionScript(shell: string): string {
  const commands = completionCommands();
  return shell === 'bash' ? bashCompletionScript(commands) : zshCompletionScript(commands);
}

export function runCompletionCommand(argv: readonly string[], io: CompletionIo): number {
  try {
    const flags = parseFlags(argv, SPEC.flags, { program: 'noderoll completion', maxPositional: 1 });
    if (flagBoolean(flags, 'help')) {
      io.stdout.write(COMPLETION_HELP);
      return ExitCode.ok;
    }
    const shell = flags.positional[0];
    if (shell === undefined) throw new UsageError('SHELL', `name the shell: ${COMPLETION_SHELLS.join(' or ')} (noderoll completion --help)`);
    refuseIf('SHELL', oneOfProblem(shell, COMPLETION_SHELLS));
    io.stdout.write(completionScript(shell));
    return ExitCode.ok;
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    io.stderr.write(`noderoll completion: ${err.message}\n`);
    return ExitCode.usage;
  }
}
