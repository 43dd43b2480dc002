import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../shared/agent-api/codegen.js';
import { runCommand } from '../../../shared/exec/command-runner.js';
import { DOC_COMMAND_TABLE, type DocCommandEntry } from '../../docs/doc-command-table.js';
import { allDocCommands, docBlockScript, extractDocCommands, flagsOf, shellTextOf } from '../../docs/doc-commands.js';

/**
 * Every command shown in README.md, docs/ and the component READMEs is in the table of
 * test/docs/doc-command-table.ts, and the ones that need no lab run here. The lab ones run in
 * test/docs/doc-commands.lab.test.ts against the lab `scripts/dev demo` leaves up.
 */

const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);

describe('doc commands: every command the docs show is run by a test', function () {
  this.timeout(120_000);
  const docs = allDocCommands(projectRoot);

  it('extracts sh blocks (fenced and indented) and inline commands, without comments', () => {
    const md = [
      'Run `noderoll check` or `npm run lab -- down`; not `noderoll_agent_up` nor `kubectl`.',
      '',
      '```sh',
      'scripts/dev demo   # the demo',
      '```',
      '```yaml',
      'command: [x]',
      '```',
      '',
      '    npm run bench -- --quick   # quick',
    ].join('\n');
    expect(extractDocCommands(md, 'x.md')).to.deep.equal([
      { text: 'noderoll check', where: 'x.md:1' },
      { text: 'npm run lab -- down', where: 'x.md:1' },
      { text: 'scripts/dev demo', where: 'x.md:4' },
      { text: 'npm run bench -- --quick', where: 'x.md:10' },
    ]);
  });

  it('a block marked <!-- doc-block: NAME --> is one script: its lines carry the name, docBlockScript returns it whole', () => {
    const md = ['Intro `noderoll check`.', '<!-- doc-block: onboard -->', '```sh', 'for n in a b; do', '  echo "$n"   # each', 'done', '```', '```sh', 'noderoll plan', '```'].join('\n');
    expect(extractDocCommands(md, 'x.md')).to.deep.equal([
      { text: 'noderoll check', where: 'x.md:1' },
      { text: 'for n in a b; do', where: 'x.md:4', block: 'onboard' },
      { text: 'echo "$n"', where: 'x.md:5', block: 'onboard' },
      { text: 'done', where: 'x.md:6', block: 'onboard' },
      { text: 'noderoll plan', where: 'x.md:9' },
    ]);
    expect(docBlockScript(md, 'onboard')).to.equal('for n in a b; do\n  echo "$n"   # each\ndone\n');
    expect(() => docBlockScript(md, 'other')).to.throw(/no <!-- doc-block: other -->/);
  });

  it('has a table entry for every doc command, and no entry a doc no longer shows', () => {
    const inTable = new Set(DOC_COMMAND_TABLE.map((e) => e.doc));
    const key = (c: { text: string; block?: string }): string => (c.block ? `doc-block: ${c.block}` : c.text);
    const missing = docs.filter((c) => !inTable.has(key(c))).map((c) => `${c.where}: ${key(c)}`);
    expect(missing, 'doc commands without a test: add them to test/docs/doc-command-table.ts').to.deep.equal([]);
    const shown = new Set(docs.map(key));
    expect(DOC_COMMAND_TABLE.filter((e) => !shown.has(e.doc)).map((e) => e.doc), 'stale table entries').to.deep.equal([]);
    expect(inTable.size, 'duplicate table entries').to.equal(DOC_COMMAND_TABLE.length);
  });

  it('the README shows the working certs syntax and claims kubeadm only with the profile table and the e2e that runs it', async () => {
    const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
    expect(readme).to.not.match(/certs issue agent/);
    expect(await readFile(join(projectRoot, 'docs/security.md'), 'utf8')).to.contain('noderoll certs issue --role agent --node');
    expect(readme).to.contain('## Profiles: Gravity, kubeadm, k3s').and.to.contain('| step | gravity | kubeadm | k3s |').and.to.contain('test/e2e/kubeadm-profile.lab.test.ts').and.to.contain('test/e2e/k3s-profile.lab.test.ts');
    expect(readme, 'the SQLite claim rests on its e2e').to.contain('`datastore: sqlite`').and.to.contain('test/e2e/k3s-sqlite.lab.test.ts').and.to.not.match(/SQLite: not supported yet/);
    expect(readme).to.not.match(/planned, not there yet/);
    expect(readme).to.not.match(/same chore on kubeadm\/k3s/);
  });

  it('commands run elsewhere point at a file that runs them', async () => {
    const demo = await readFile(join(projectRoot, 'scripts/dev'), 'utf8');
    const demoFunction = demo.slice(demo.indexOf('demo() {'), demo.indexOf('\n}\n', demo.indexOf('demo() {')));
    for (const e of DOC_COMMAND_TABLE) {
      if (e.how === 'elsewhere' || e.how === 'block') expect(await readFile(join(projectRoot, e.file), 'utf8'), `${e.doc} → ${e.file}`).to.contain(e.contains);
      if (e.how === 'demo') expect(demoFunction, `${e.doc} → scripts/dev demo`).to.contain(e.contains);
    }
    // Some `npm run bench` entries run its second half only: it must stay build + dist/bench/run.js.
    expect(await readFile(join(projectRoot, 'package.json'), 'utf8')).to.contain('"bench": "npm run build && node dist/bench/run.js"');
  });

  it('every flag of a synopsis is one the command accepts (its --help lists it)', async () => {
    for (const e of DOC_COMMAND_TABLE.filter((x) => x.how === 'synopsis')) {
      const [program, command] = e.doc.split(/\s+/);
      expect(program).to.equal('noderoll');
      const r = await runCommand({ file: process.execPath, args: [join(projectRoot, 'dist/coordinator/main.js'), command!, '--help'], timeoutMs: 20_000 });
      const flags = flagsOf(e.doc);
      expect(flags.length, e.doc).to.be.greaterThan(0);
      for (const flag of flags) expect(r.stdout, `${e.doc}: ${flag} in \`noderoll ${command} --help\``).to.match(new RegExp(`(^|\\s)${flag}\\b`, 'm'));
    }
  });

  describe('on the host, without a lab', () => {
    let work = '';
    let bin = '';
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'noderoll-doc-commands-'));
      // `noderoll` on PATH the way npm links the package's bin (package.json "bin").
      bin = join(work, '.bin');
      await mkdir(bin);
      await writeFile(join(bin, 'noderoll'), `#!/bin/sh\nexec '${process.execPath}' '${join(projectRoot, 'dist/coordinator/main.js')}' "$@"\n`);
      await chmod(join(bin, 'noderoll'), 0o755);
    });
    after(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    const hostEntries = DOC_COMMAND_TABLE.filter((e): e is DocCommandEntry & { how: 'host' } => e.how === 'host');
    for (const e of hostEntries) {
      it(e.doc, async () => {
        const text = shellTextOf(e);
        const r = await runCommand({
          file: 'bash',
          args: ['-c', `set -eo pipefail\n${text}`],
          cwd: projectRoot,
          env: { ...process.env, HOME: work, WORK: work, PROJECT: projectRoot, PATH: `${bin}:${process.env.PATH ?? ''}` },
          timeoutMs: 110_000,
          okExitCodes: ALL_EXIT_CODES,
        });
        expect(r.exitCode, `${text}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`).to.equal(e.exit ?? 0);
      });
    }
  });
});
