import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS, STANDALONE_COMMANDS } from '../../../coordinator/cli/commands.js';
import { completionScript } from '../../../coordinator/cli/completion/completion-command.js';
import { completionCommands } from '../../../coordinator/cli/completion/command-line-tree.js';
import { ExitCode } from '../../../coordinator/cli/exit-codes.js';
import { runCli } from '../../../coordinator/cli/run-cli.js';
import { projectRoot } from '../../../shared/agent-api/codegen.js';
import { runCommand } from '../../../shared/exec/command-runner.js';
import { fakeCliEnv } from './fakes/cli-env.js';
import { FakeClock } from './fakes/fake-clock.js';

/**
 * `noderoll completion bash|zsh`, run in the real shells: bash sources the script (`bash --norc`)
 * and its completion function is called the way bash calls it (COMP_WORDS, COMP_CWORD → COMPREPLY);
 * zsh loads it from $fpath with compinit in an interactive shell on a pseudo-terminal and Tab is
 * pressed (test/support/zsh-complete.zsh). The expectations come from the command tables, so a
 * command added there is checked here too.
 */

const everyCommand = [...COMMANDS.map((c) => c.name), ...STANDALONE_COMMANDS.map((c) => c.name)];

/** Long flag names of a command path as completion builds them from the tables. */
function longFlags(path: readonly string[]): string[] {
  let commands = completionCommands();
  let command = commands.find((c) => c.name === path[0])!;
  for (const name of path.slice(1)) {
    commands = [...command.subcommands];
    command = commands.find((c) => c.name === name)!;
  }
  return command.flags.map((f) => f.names[0]!);
}

describe('noderoll completion', function () {
  this.timeout(60_000);
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'noderoll-completion-'));
    await mkdir(join(work, 'files', 'certs-dir'), { recursive: true });
    await writeFile(join(work, 'files', 'cluster.yaml'), '');
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('prints the script of the shell it is asked for; refuses another shell or none, naming it (exit 2)', async () => {
    for (const shell of ['bash', 'zsh']) {
      const io = fakeCliEnv(new FakeClock(), undefined);
      expect(await runCli(['completion', shell], io.env)).to.equal(ExitCode.ok);
      expect(io.out()).to.equal(completionScript(shell));
    }
    for (const [argv, message] of [
      [['completion', 'fish'], /SHELL: "fish" must be one of bash, zsh/],
      [['completion'], /SHELL: name the shell: bash or zsh/],
      [['completion', 'bash', 'zsh'], /unexpected argument "zsh"/],
      [['completion', '--shell', 'bash'], /--shell: unknown flag/],
    ] as const) {
      const io = fakeCliEnv(new FakeClock(), undefined);
      expect(await runCli([...argv], io.env), argv.join(' ')).to.equal(ExitCode.usage);
      expect(io.err()).to.match(message);
      expect(io.out()).to.equal('');
    }
    const help = fakeCliEnv(new FakeClock(), undefined);
    expect(await runCli(['completion', '--help'], help.env)).to.equal(ExitCode.ok);
    expect(help.out()).to.contain('noderoll completion bash > /etc/bash_completion.d/noderoll');
  });

  it('completes exactly the commands `noderoll --help` lists (a command added to the help by hand would be missing)', async () => {
    const io = fakeCliEnv(new FakeClock(), undefined);
    await runCli(['--help'], io.env);
    const listing = io.out().split('\nCommands:\n')[1]!.split('\n\n')[0]!;
    const listed = listing.split('\n').map((line) => /^  (\S+) /.exec(line)?.[1]);
    expect(listed).to.deep.equal(completionCommands().map((c) => c.name));
    expect(listed).to.include('completion');
  });

  describe('bash', () => {
    let script = '';
    before(async () => {
      script = join(work, 'noderoll.bash');
      await writeFile(script, completionScript('bash'));
    });

    /** What bash offers for the command line `words` (the last one is being completed), from `cwd`. */
    async function complete(words: readonly string[], cwd = work): Promise<string[]> {
      const driver = 'source "$1" && shift && complete -p noderoll >&2 && COMP_WORDS=("$@") && COMP_CWORD=$(( $# - 1 )) && _noderoll && printf "%s\\n" "${COMPREPLY[@]}"';
      const r = await runCommand({ file: 'bash', args: ['--norc', '--noprofile', '-c', driver, 'bash', script, 'noderoll', ...words], cwd, timeoutMs: 20_000 });
      expect(r.stderr.trim(), 'the script registers _noderoll for noderoll').to.equal('complete -F _noderoll noderoll');
      return r.stdout.split('\n').filter((l) => l !== '');
    }

    it('completes every command of the table, and the program flags', async () => {
      expect(await complete([''])).to.deep.equal(everyCommand);
      expect(await complete(['c'])).to.deep.equal(everyCommand.filter((n) => n.startsWith('c')));
      expect(await complete(['--'])).to.deep.equal(['--help', '--version']);
    });

    it("completes each command's flags from its table", async () => {
      for (const c of COMMANDS) expect(await complete([c.name, '--']), c.name).to.deep.equal(longFlags([c.name]));
      expect(await complete(['update', '--p'])).to.deep.equal(['--pause-between']);
      expect(await complete(['certs', ''])).to.deep.equal(['init', 'issue', 'show']);
      for (const sub of ['init', 'issue', 'show']) expect(await complete(['certs', sub, '--']), sub).to.deep.equal(longFlags(['certs', sub]));
    });

    it('completes values: -o text|json, --role, files for PATH/FILE, directories for DIR, nothing for a name or version', async () => {
      expect(await complete(['check', '-o', ''])).to.deep.equal(['text', 'json']);
      expect(await complete(['status', '--output', 'j'])).to.deep.equal(['json']);
      expect(await complete(['status', '--output', '=', ''])).to.deep.equal(['text', 'json'], '--output=<Tab> (bash splits at =)');
      expect(await complete(['status', '--output', '='])).to.deep.equal(['text', 'json'], '--output=<Tab> with the cursor right after =');
      expect(await complete(['certs', 'issue', '--role', ''])).to.deep.equal(['agent', 'coordinator', 'reader']);
      expect(await complete(['check', '--config', 'files/'])).to.deep.equal(['files/certs-dir', 'files/cluster.yaml']);
      expect(await complete(['certs', 'issue', '--out', 'files/'])).to.deep.equal(['files/certs-dir']);
      expect(await complete(['update', '--to', ''])).to.deep.equal([]);
      expect(await complete(['update', '--to', '7.0.68', '--y'])).to.deep.equal(['--yes']);
    });

    it('completes an argument once: completion bash|zsh, certs show FILE', async () => {
      expect(await complete(['completion', ''])).to.deep.equal(['bash', 'zsh']);
      expect(await complete(['completion', 'z'])).to.deep.equal(['zsh']);
      expect(await complete(['completion', 'bash', ''])).to.deep.equal([]);
      expect(await complete(['certs', 'show', 'files/c'])).to.deep.equal(['files/certs-dir', 'files/cluster.yaml']);
      expect(await complete(['certs', 'show', '--ca', 'x', 'files/cl'])).to.deep.equal(['files/cluster.yaml'], 'the value of --ca is not the argument');
      expect(await complete(['certs', 'show', 'files/cluster.yaml', ''])).to.deep.equal([]);
    });

    it('offers nothing for an unknown command', async () => {
      expect(await complete(['upgrade', '--'])).to.deep.equal([]);
      expect(await complete(['certs', 'rotate', '--'])).to.deep.equal([]);
    });
  });

  describe('zsh', () => {
    let fpathDir = '';
    before(async () => {
      const zsh = await runCommand({ file: 'zsh', args: ['--version'], timeoutMs: 10_000, okExitCodes: [0, 127] }).catch((err: Error) => err);
      if (zsh instanceof Error) throw new Error(`zsh is needed for this test (scripts/dev deps installs it): ${zsh.message}`);
      fpathDir = join(work, 'zsh-functions');
      await mkdir(fpathDir);
      await writeFile(join(fpathDir, '_noderoll'), completionScript('zsh'));
    });

    /** What zsh offers after each line (the cursor at its end), each list sorted and without repeats; `from`: an $fpath directory or a script to source. */
    async function complete(lines: readonly string[], from = fpathDir): Promise<string[][]> {
      const out = await mkdtemp(join(work, 'zsh-out-'));
      const r = await runCommand({
        file: 'zsh',
        args: ['-f', join(projectRoot, 'test/support/zsh-complete.zsh'), from, out, ...lines],
        cwd: work,
        env: { ...process.env, HOME: work },
        timeoutMs: 50_000,
        okExitCodes: [0, 3],
      });
      expect(r.exitCode, r.stderr).to.equal(0);
      return Promise.all(
        lines.map(async (_, i) => {
          const text = await readFile(join(out, String(i)), 'utf8').catch(() => '');
          return [...new Set(text.split('\n').filter((l) => l !== ''))].sort();
        }),
      );
    }

    it('loads with compinit from $fpath and completes commands, flags and values', async () => {
      const sorted = (words: readonly string[]): string[] => [...words].sort();
      const [commands, cCommands, programFlags, checkFlags, output, outputEquals, roles, shells, certsSubcommands, issueFlags, configFiles, outDirs] = await complete([
        'noderoll ',
        'noderoll c',
        'noderoll --',
        'noderoll check --',
        'noderoll check -o ',
        'noderoll status --output=',
        'noderoll certs issue --role ',
        'noderoll completion ',
        'noderoll certs ',
        'noderoll certs issue --',
        'noderoll check --config files/',
        'noderoll certs issue --out files/',
      ]);
      expect(commands).to.deep.equal(sorted(everyCommand));
      expect(cCommands).to.deep.equal(sorted(everyCommand.filter((n) => n.startsWith('c'))));
      expect(programFlags).to.deep.equal(['--help', '--version']);
      expect(checkFlags).to.deep.equal(sorted(longFlags(['check'])));
      expect(output).to.deep.equal(['json', 'text']);
      expect(outputEquals).to.deep.equal(['json', 'text']);
      expect(roles).to.deep.equal(['agent', 'coordinator', 'reader']);
      expect(shells).to.deep.equal(['bash', 'zsh']);
      expect(certsSubcommands).to.deep.equal(['init', 'issue', 'show']);
      expect(issueFlags).to.deep.equal(sorted(longFlags(['certs', 'issue'])));
      expect(configFiles).to.include.members(['certs-dir', 'cluster.yaml']);
      expect(outDirs).to.deep.equal(['certs-dir']);
    });

    it('works sourced after compinit too (source <(noderoll completion zsh))', async () => {
      expect(await complete(['noderoll c', 'noderoll check -o '], join(fpathDir, '_noderoll'))).to.deep.equal([[...everyCommand.filter((n) => n.startsWith('c'))].sort(), ['json', 'text']]);
    });

    it("completes every command's flags from its table", async () => {
      const results = await complete(COMMANDS.map((c) => `noderoll ${c.name} --`));
      COMMANDS.forEach((c, i) => expect(results[i], c.name).to.deep.equal([...longFlags([c.name])].sort()));
    });
  });
});
