import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../shared/exec/command-runner.js';
import { projectDir } from '../lab/lab.js';
import { randomLabId } from '../lab/lab-identity.js';
import { labDir, readLabState } from '../lab/lab-state.js';
import { containerInitPid } from '../lab/node-machine.js';
import { DOC_COMMAND_TABLE, type DocCommandEntry } from './doc-command-table.js';
import { shellTextOf } from './doc-commands.js';

/**
 * The docs' lab commands, run as an operator would: `scripts/dev demo` itself (lab up, the whole
 * update), then every `lab` command of the table on the host after `eval "$(npm run -s lab -- env)"`
 * and every `lab-node` command inside the first node, against the one lab the demo left up.
 * NODEROLL_LAB_ID gives the demo a lab of its own, so an operator's `demo` lab is never touched.
 */

const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);
const DEMO_TIMEOUT_MS = 20 * 60_000;

function explain(text: string, r: CommandResult): string {
  return `${text}\nexit ${r.exitCode}\nstdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`;
}

describe('doc commands against the lab of `scripts/dev demo`', function () {
  this.timeout(DEMO_TIMEOUT_MS + 60_000);
  const id = randomLabId();
  const env = { ...process.env, NODEROLL_LAB_ID: id };
  let work = '';
  let demo: CommandResult | undefined;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'noderoll-doc-lab-'));
    demo = await runCommand({ file: join(projectDir, 'scripts/dev'), args: ['demo'], cwd: projectDir, env, timeoutMs: DEMO_TIMEOUT_MS, okExitCodes: ALL_EXIT_CODES });
  });

  after(async () => {
    if (existsSync(labDir(id))) {
      await runCommand({ file: process.execPath, args: [join(projectDir, 'dist/test/lab/cli.js'), 'down', '--id', id], timeoutMs: 120_000, okExitCodes: ALL_EXIT_CODES });
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('scripts/dev demo: brings a lab up and updates every node to the lab update version with `noderoll update --to 7.0.68 --yes`', async () => {
    expect(demo!.exitCode, explain('scripts/dev demo', demo!)).to.equal(0);
    expect(demo!.stdout).to.contain('== noderoll update --to 7.0.68 --yes');
    const state = await readLabState(id);
    expect(state.packages.update).to.equal('7.0.68');
    const versions = await Promise.all(
      state.nodes.map(async (n) => {
        const r = await runCommand({ file: 'nsenter', args: ['-t', String(containerInitPid(n.nspawnPid!, n.name)), '-a', '--', 'dpkg-query', '-W', '-f=${Version}', state.packages.name], timeoutMs: 20_000 });
        return r.stdout;
      }),
    );
    expect(versions).to.deep.equal(state.nodes.map(() => '7.0.68'));
  });

  for (const e of DOC_COMMAND_TABLE.filter((x): x is DocCommandEntry & { how: 'lab' | 'lab-node' } => x.how === 'lab' || x.how === 'lab-node')) {
    it(`${e.how === 'lab-node' ? 'in a node: ' : ''}${e.doc}`, async function () {
      expect(demo?.exitCode, 'scripts/dev demo failed: see the first test').to.equal(0);
      const text = shellTextOf(e);
      let r: CommandResult;
      if (e.how === 'lab') {
        r = await runCommand({
          file: 'bash',
          args: ['-c', `set -eo pipefail\neval "$(npm run -s lab -- env)"\n${text}`],
          cwd: projectDir,
          env: { ...env, WORK: work, PROJECT: projectDir },
          timeoutMs: 240_000,
          okExitCodes: ALL_EXIT_CODES,
        });
      } else {
        const node = (await readLabState(id)).nodes[0]!;
        const pid = containerInitPid(node.nspawnPid!, node.name);
        r = await runCommand({ file: 'nsenter', args: ['-t', String(pid), '-a', '--', 'bash', '-c', `set -eo pipefail\n${text}`], timeoutMs: 60_000, okExitCodes: ALL_EXIT_CODES });
      }
      expect(r.exitCode, explain(text, r)).to.equal(e.exit ?? 0);
    });
  }
});
